/// How far behind the server's WAL the logical slots of a database are: a slot nobody reads
/// (a forgotten capture, a `verify --wal` slot left behind) keeps every WAL segment since its
/// position, until the server's disk fills. `updater status` warns past ``WALSlot/lagWarningBytes``.
extension WALSlot {
    /// One slot's position.
    public struct Lag: Sendable, Equatable, Codable {
        public var slot: String
        /// Whether a session reads it now.
        public var active: Bool
        /// WAL written since the slot's confirmed position, in bytes.
        public var bytes: Int64

        /// Whether it holds more WAL than `threshold` bytes.
        public func isLagging(threshold: Int64 = WALSlot.lagWarningBytes) -> Bool { bytes > threshold }
    }

    /// The WAL a slot may hold before `updater status` warns about it: 256 MiB (16 segments).
    public static let lagWarningBytes: Int64 = 256 << 20

    /// The logical slots of `database`'s database, by name; none on SQLite.
    public static func lags(in database: any Database) async throws -> [Lag] {
        guard database.dialect == .postgres else { return [] }
        return try await database.withConnection { conn in
            try conn.query("""
                SELECT slot_name, active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag
                FROM pg_replication_slots WHERE slot_type = 'logical' AND database = current_database() ORDER BY slot_name
                """).map { row in
                Lag(slot: row["slot_name"].stringValue ?? "", active: row["active"].boolValue ?? false, bytes: row["lag"].intValue ?? 0)
            }
        }
    }
}
