import Foundation

/// A table the snapshot monitor watches, as found in its database: its columns and the
/// primary key that identifies a row from one check to the next.
public struct WatchedTable: Sendable, Hashable, Codable {
    /// The name as given (`patients`, `crm.orders`): a table, or a schema (PostgreSQL) or an
    /// attached database (SQLite) and a table.
    public var name: String
    /// The key columns, in key order.
    public var keyColumns: [String]
    /// Every column, in table order.
    public var columns: [String]

    /// What the monitor is asked to watch: a table name and, optionally, the key columns to
    /// use instead of the table's primary key.
    public struct Request: Sendable, Hashable {
        public var name: String
        public var key: [String]?

        public init(name: String, key: [String]? = nil) {
            self.name = name
            self.key = key
        }
    }

    /// The `SELECT` that reads every row in key order.
    var scanSQL: String {
        let order = keyColumns.map(Self.quote).joined(separator: ", ")
        return "SELECT * FROM \(Self.qualified(name)) ORDER BY \(order)"
    }

    /// Finds `request`'s table, its columns and its key.
    /// - Throws: ``MonitorError`` when the table does not exist, has no primary key (and no
    ///   `key` was given), or a given key column is not one of its columns.
    static func discover(_ request: Request, on connection: any SQLConnection) throws -> WatchedTable {
        let (schema, table) = split(request.name)
        var columns: [String] = []
        var primaryKey: [(position: Int64, name: String)] = []
        switch connection.dialect {
        case .sqlite:
            let pragma = "PRAGMA \(schema.map { Self.quote($0) + "." } ?? "")table_info(\(Self.quote(table)))"
            for row in try connection.query(pragma) {
                guard let name = row["name"].stringValue else { continue }
                columns.append(name)
                if let position = row["pk"].intValue, position > 0 { primaryKey.append((position, name)) }
            }
        case .postgres:
            let relation = Self.qualified(request.name)
            let found = try connection.query("SELECT to_regclass($1)::oid AS oid", .text(relation))
            guard let oid = found.first?["oid"].intValue else { throw MonitorError.noSuchTable(request.name) }
            for row in try connection.query("""
                SELECT attname, attnum FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum
                """, .integer(oid)) {
                if let name = row["attname"].stringValue { columns.append(name) }
            }
            for row in try connection.query("""
                SELECT a.attname, array_position(i.indkey::int2[], a.attnum) AS position
                FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
                WHERE i.indrelid = $1 AND i.indisprimary
                """, .integer(oid)) {
                if let name = row["attname"].stringValue, let position = row["position"].intValue { primaryKey.append((position, name)) }
            }
        }
        guard !columns.isEmpty else { throw MonitorError.noSuchTable(request.name) }
        let key: [String]
        if let given = request.key, !given.isEmpty {
            if let unknown = given.first(where: { !columns.contains($0) }) {
                throw MonitorError.unknownKeyColumn(table: request.name, column: unknown, columns: columns)
            }
            key = given
        } else {
            key = primaryKey.sorted { $0.position < $1.position }.map(\.name)
            guard !key.isEmpty else { throw MonitorError.noPrimaryKey(request.name) }
        }
        return WatchedTable(name: request.name, keyColumns: key, columns: columns)
    }

    /// `schema.table` → (`schema`, `table`); a name without a dot has no schema.
    static func split(_ name: String) -> (schema: String?, table: String) {
        guard let dot = name.firstIndex(of: ".") else { return (nil, name) }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// The name quoted for SQL, each part as an identifier.
    static func qualified(_ name: String) -> String {
        let (schema, table) = split(name)
        return (schema.map { quote($0) + "." } ?? "") + quote(table)
    }

    /// An identifier in double quotes, inner quotes doubled: the same on both engines.
    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
