/// One versioned schema change, written once per dialect.
public struct Migration: Sendable {
    /// Strictly increasing; recorded in `schema_migrations` once applied.
    public let version: Int
    /// What the change does, for `updater migrate` output.
    public let name: String
    let sqlite: String
    let postgres: String

    /// The script for a dialect.
    public func sql(for dialect: SQLDialect) -> String {
        dialect == .sqlite ? sqlite : postgres
    }
}
