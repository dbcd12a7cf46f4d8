import Foundation

/// One versioned schema change, written once per dialect.
public struct Migration: Sendable {
    /// Strictly increasing; recorded in `schema_migrations` once applied.
    public let version: Int
    /// What the change does, for `updater migrate` output.
    public let name: String
    let sqlite: String
    let postgres: String

    /// Stands in a script for the migrating run's time, as a quoted timestamp literal: seeded
    /// rows carry the clock's time (a simulated one too), not the server's, so that the same
    /// inputs give the same database.
    static let nowPlaceholder = "{{now}}"

    /// The script for a dialect, stamped with `now`.
    public func sql(for dialect: SQLDialect, now: Date) -> String {
        (dialect == .sqlite ? sqlite : postgres)
            .replacingOccurrences(of: Self.nowPlaceholder, with: "'\(DatabaseValue.formatTimestamp(now))'")
    }
}
