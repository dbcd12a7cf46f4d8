import Foundation

/// Which events a stream client or a webhook wants: by table, tenant and operation; an empty
/// set lets every value through.
public struct StreamFilter: Sendable, Equatable, Codable {
    public var tables: Set<String>
    public var tenants: Set<String>
    public var operations: Set<RowChange.Operation>

    public init(tables: Set<String> = [], tenants: Set<String> = [], operations: Set<RowChange.Operation> = []) {
        self.tables = tables
        self.tenants = Set(tenants.map { $0.lowercased() })
        self.operations = operations
    }

    /// Everything.
    public static let all = StreamFilter()

    public func matches(_ event: ChangeEvent) -> Bool {
        (tables.isEmpty || tables.contains(event.table))
            && (tenants.isEmpty || tenants.contains(event.tenant.lowercased()))
            && (operations.isEmpty || operations.contains(event.operation))
    }

    /// A filter from comma-separated lists, as query parameters give them (`table=a,b&operation=insert`).
    /// - Throws: ``StreamFilterError`` naming an operation that is not insert, update or delete.
    public init(tables: String?, tenants: String?, operations: String?) throws(StreamFilterError) {
        func list(_ text: String?) -> [String] {
            (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        try self.init(tableList: list(tables), tenantList: list(tenants), operationNames: list(operations))
    }

    /// A filter from lists of names (a WebSocket client's filter message).
    /// - Throws: ``StreamFilterError`` naming an operation that is not insert, update or delete.
    public init(tableList: [String], tenantList: [String], operationNames: [String]) throws(StreamFilterError) {
        var parsed: Set<RowChange.Operation> = []
        for name in operationNames {
            guard let operation = RowChange.Operation(rawValue: name) else { throw StreamFilterError(operation: name) }
            parsed.insert(operation)
        }
        self.init(tables: Set(tableList), tenants: Set(tenantList), operations: parsed)
    }
}

/// An operation a filter cannot name.
public struct StreamFilterError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public var description: String { "operation '\(operation)' is not insert, update or delete" }
}
