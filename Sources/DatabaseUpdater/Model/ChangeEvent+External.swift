import Foundation

extension ChangeEvent {
    /// An event from outside the change log — posted to the API, or captured from another
    /// writer by `updater capture` — with its ``source``: no sequence number, no row hashes.
    /// - Parameter timestamp: the commit time, seconds since 1970 (rounded to milliseconds).
    public init(operation: RowChange.Operation, table: String, key: String, tenant: String = "", updater: String,
                execution: String = "", timestamp: Double, transaction: String? = nil, source: String) {
        self.operation = operation
        self.table = table
        self.key = key
        self.tenant = tenant
        self.updater = updater
        self.execution = execution
        self.timestamp = Self.milliseconds(timestamp)
        self.transaction = transaction
        self.source = source
    }
}
