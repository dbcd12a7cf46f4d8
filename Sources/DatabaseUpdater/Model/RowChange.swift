/// One row an execution inserted, updated or deleted.
public struct RowChange: Sendable, Hashable, Codable {
    public enum Operation: String, Sendable, Codable, CaseIterable {
        case insert, update, delete
    }
    public var table: String
    public var operation: Operation
    /// The row's primary key.
    public var key: String
    /// ``RowImage/hash`` of the row before the change (updates, deletes).
    public var before: String?
    /// ``RowImage/hash`` of the row after the change (inserts, updates).
    public var after: String?
    /// The row after the change as ``RowImage/canonicalText``, kept only when row images are asked for.
    public var image: String?

    public init(table: String, operation: Operation, key: String, before: String? = nil, after: String? = nil, image: String? = nil) {
        self.table = table
        self.operation = operation
        self.key = key
        self.before = before
        self.after = after
        self.image = image
    }
}
