/// One row an execution inserted, updated or deleted.
public struct RowChange: Sendable, Hashable, Codable {
    public enum Operation: String, Sendable, Codable, CaseIterable {
        case insert, update, delete
    }
    public var table: String
    public var operation: Operation
    /// The row's primary key.
    public var key: String
}
