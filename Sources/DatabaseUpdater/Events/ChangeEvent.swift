import Foundation

/// One row inserted, updated or deleted by an execution, emitted after its transaction
/// committed — the ground truth monitors are checked against.
///
/// JSON: `{"type":"db_write","operation":"insert","table":"service_tickets","key":"…","tenant":"…",
/// "updater":"service_tickets","execution":"…","timestamp":1699900000.123}`
public struct ChangeEvent: Codable, Sendable, Equatable {
    /// Always `db_write`.
    public var type: String = "db_write"
    public var operation: RowChange.Operation
    public var table: String
    /// The row's primary key.
    public var key: String
    /// The tenant id.
    public var tenant: String
    /// The updater's name.
    public var updater: String
    /// The execution id.
    public var execution: String
    /// Commit time, seconds since 1970 with milliseconds.
    public var timestamp: Double

    public init(change: RowChange, tenant: UUID, updater: String, execution: UUID, committedAt: Date) {
        operation = change.operation
        table = change.table
        key = change.key
        self.tenant = tenant.lowercaseString
        self.updater = updater
        self.execution = execution.lowercaseString
        timestamp = (committedAt.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    /// The event as one line of JSON with the keys in the documented order (Foundation's
    /// encoder does not keep declaration order on Linux).
    public var jsonLine: String {
        "{\"type\":\(JSONCoding.quoted(type)),\"operation\":\"\(operation.rawValue)\",\"table\":\(JSONCoding.quoted(table)),"
            + "\"key\":\(JSONCoding.quoted(key)),\"tenant\":\(JSONCoding.quoted(tenant)),\"updater\":\(JSONCoding.quoted(updater)),"
            + "\"execution\":\(JSONCoding.quoted(execution)),\"timestamp\":\(String(format: "%.3f", timestamp))}"
    }
}
