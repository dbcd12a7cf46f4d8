/// One result row: column names and typed values, addressed by name or position.
public struct DatabaseRow: Sendable, Hashable {
    /// Column names in result order, shared by all rows of a result.
    public let columns: [String]
    /// Values in column order.
    public let values: [DatabaseValue]

    public init(columns: [String], values: [DatabaseValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of the named column, `.null` when there is no such column.
    public subscript(_ column: String) -> DatabaseValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The value at a position.
    public subscript(_ index: Int) -> DatabaseValue { values[index] }
}
