/// The logical replication slots through which `updater verify --wal` reads PostgreSQL's own
/// record of what committed, and `updater capture` every writer's changes (the wal2json output
/// plugin, Debian's `postgresql-15-wal2json`).
///
/// A slot keeps every WAL segment from its creation until it is read with a consuming call (or
/// advanced, as capture does) or dropped; `verify --wal` only peeks, so it can be run again. Drop the slot
/// (`updater slot drop NAME`) when the comparison is no longer wanted, or the server's disk
/// fills with WAL.
public enum WALSlot {
    /// The output plugin the slot decodes with.
    public static let plugin = "wal2json"

    /// Why `name` cannot name a slot (PostgreSQL's rule), or nil when it can.
    public static func nameProblem(_ name: String) -> String? {
        name.range(of: "^[a-z0-9_]{1,63}$", options: .regularExpression) == nil
            ? "must be 1 to 63 lower-case letters, digits or underscores (PostgreSQL's rule for slot names)" : nil
    }

    /// Whether the slot `name` exists.
    public static func exists(_ name: String, in database: any Database) async throws -> Bool {
        try requirePostgres(database)
        return try await database.withConnection { conn in
            try !conn.query("SELECT 1 AS found FROM pg_replication_slots WHERE slot_name = $1", .text(name)).isEmpty
        }
    }

    /// Creates the slot `name` unless it exists. Returns whether it created it.
    /// - Throws: ``DatabaseError`` with PostgreSQL's reason (`wal_level` not `logical`, wal2json
    ///   not installed, no replication privilege), or on SQLite.
    @discardableResult
    public static func create(_ name: String, in database: any Database) async throws -> Bool {
        try requirePostgres(database)
        return try await database.withConnection { conn in
            let exists = try !conn.query("SELECT 1 AS found FROM pg_replication_slots WHERE slot_name = $1", .text(name)).isEmpty
            if exists { return false }
            let level = try conn.query("SELECT current_setting('wal_level') AS level").first?["level"].stringValue ?? ""
            guard level == "logical" else {
                throw DatabaseError(.unsupported, "replication slot \(name): the server's wal_level is \(level); it must be logical "
                                    + "(set wal_level = logical in postgresql.conf and restart PostgreSQL)")
            }
            _ = try conn.query("SELECT slot_name FROM pg_create_logical_replication_slot($1, $2)", .text(name), .text(plugin))
            return true
        }
    }

    /// Drops the slot `name`. Returns whether it existed.
    @discardableResult
    public static func drop(_ name: String, in database: any Database) async throws -> Bool {
        try requirePostgres(database)
        return try await database.withConnection { conn in
            guard try !conn.query("SELECT 1 AS found FROM pg_replication_slots WHERE slot_name = $1", .text(name)).isEmpty else { return false }
            _ = try conn.query("SELECT pg_drop_replication_slot($1)", .text(name))
            return true
        }
    }

    static func requirePostgres(_ database: any Database) throws {
        guard database.dialect == .postgres else {
            throw DatabaseError(.unsupported, "replication slots are PostgreSQL's: this target is SQLite (verify its log with `updater verify`)")
        }
    }
}
