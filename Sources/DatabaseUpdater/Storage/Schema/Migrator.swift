import Foundation

/// Applies a scenario's migrations (``Scenario/migrations``) that a database has not seen yet, each in its own transaction,
/// recording them in `schema_migrations`. Running it again changes nothing; two processes
/// migrating at once serialise (an advisory lock on PostgreSQL, `BEGIN IMMEDIATE` on SQLite).
public enum Migrator {
    /// What one run did.
    public struct Report: Sendable, Equatable {
        /// Migrations applied by this run, in order.
        public var applied: [Int]
        /// The schema version after the run.
        public var currentVersion: Int
    }

    /// Arbitrary constant naming the advisory lock that serialises migrations on PostgreSQL.
    private static let advisoryLock: Int64 = 0x7570_6461_7465_72  // "updater"

    /// Serialises migrating processes for the rest of the transaction (SQLite's `BEGIN
    /// IMMEDIATE` already does).
    private static func lock(_ conn: any SQLConnection, _ dialect: SQLDialect) throws {
        if dialect == .postgres {
            _ = try conn.query("SELECT pg_advisory_xact_lock($1)", .integer(advisoryLock))
        }
    }

    /// Brings the schema up to date.
    /// - Parameter now: the time recorded as `applied_at` (and stamped on seeded rows).
    @discardableResult
    public static func migrate(_ database: any Database, migrations: [Migration], now: Date = Date()) async throws -> Report {
        let dialect = database.dialect
        return try await database.withConnection { conn in
            // Concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL's catalog: lock first.
            try conn.transaction {
                try lock(conn, dialect)
                try conn.executeScript("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY,
                        name TEXT NOT NULL,
                        applied_at \(dialect == .sqlite ? "TEXT" : "TIMESTAMPTZ") NOT NULL
                    )
                    """)
            }
            var applied: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) {
                let didApply = try conn.transaction { () throws -> Bool in
                    try lock(conn, dialect)
                    let done = try conn.query("SELECT 1 FROM schema_migrations WHERE version = $1", .integer(Int64(migration.version)))
                    if !done.isEmpty { return false }
                    do throws(DatabaseError) {
                        try conn.executeScript(migration.sql(for: dialect, now: now))
                    } catch {
                        throw DatabaseError(.migration, "migration \(migration.version) (\(migration.name)) failed: \(error.message)",
                                            sqlState: error.sqlState, resultCode: error.resultCode)
                    }
                    try conn.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                                     .integer(Int64(migration.version)), .text(migration.name), .timestamp(now))
                    return true
                }
                if didApply { applied.append(migration.version) }
            }
            let version = try conn.query("SELECT MAX(version) AS v FROM schema_migrations").first?["v"].intValue ?? 0
            return Report(applied: applied, currentVersion: Int(version))
        }
    }
}
