import Synchronization

/// The PostgreSQL types of a table's `id` and `tenant_id` columns (`uuid`, `text`, …), read
/// once per table and process, for statements that compare keys given as text.
enum KeyColumnTypes {
    struct Types: Sendable {
        let id: String
        let tenant: String
    }

    private static let known = Mutex<[String: Types]>([:])

    /// The types of `table`'s key columns; `text` for a column the catalogue does not name.
    static func of(_ table: String, on conn: any SQLConnection) throws(DatabaseError) -> Types {
        if let types = known.withLock({ $0[table] }) { return types }
        let rows = try conn.query(
            """
            SELECT attname, format_type(atttypid, NULL) AS type FROM pg_attribute
            WHERE attrelid = $1::regclass AND attname IN ('id', 'tenant_id') AND NOT attisdropped
            """, .text(table))
        var byName: [String: String] = [:]
        for row in rows { if let name = row["attname"].stringValue { byName[name] = row["type"].stringValue } }
        let types = Types(id: byName["id"] ?? "text", tenant: byName["tenant_id"] ?? "text")
        known.withLock { $0[table] = types }
        return types
    }
}
