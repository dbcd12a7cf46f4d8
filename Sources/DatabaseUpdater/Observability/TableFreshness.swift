import Foundation

/// How much a table holds and how recently it was written: its row count and its newest
/// `created_at` and `updated_at`, for the dashboard's view of a scenario's tables.
public struct TableFreshness: Codable, Sendable, Equatable {
    public var table: String
    public var rows: Int
    /// The newest `created_at`; nil when the table is empty or has no such column.
    public var newestCreated: Date?
    /// The newest `updated_at`; nil when the table is empty or has no such column.
    public var newestUpdated: Date?

    /// Reads `tables` (as named in SQL: `service_tickets`, `crm.orders`) in one connection, one
    /// statement each. A table without one of the timestamp columns is read without it: the
    /// first statement asks for both, a failing one is retried with fewer (a table without
    /// `created_at` gets its count alone).
    /// - Throws: ``DatabaseError`` when the database cannot be reached or a table read at all.
    public static func read(_ tables: [String], in database: any Database) async throws -> [TableFreshness] {
        try await database.withConnection { conn in
            var result: [TableFreshness] = []
            for table in tables { result.append(try read(table, on: conn)) }
            return result
        }
    }

    private static func read(_ table: String, on conn: any SQLConnection) throws(DatabaseError) -> TableFreshness {
        var columns = ["created_at", "updated_at"]
        while true {
            do {
                let maxima = columns.map { ", MAX(\($0)) AS \($0)" }.joined()
                let row = try conn.query("SELECT COUNT(*) AS row_count\(maxima) FROM \(table)").first
                return TableFreshness(table: table, rows: Int(row?["row_count"].intValue ?? 0),
                                      newestCreated: row?["created_at"].dateValue, newestUpdated: row?["updated_at"].dateValue)
            } catch where error.kind == .statement && !columns.isEmpty {
                columns.removeLast()
            }
        }
    }
}
