import Synchronization

/// The SQL of the updaters' inserts, built once per table and column list and then reused:
/// joining a ticket's seventeen column names and placeholders on every execution was about a
/// twentieth of its instructions (callgrind). The same text each time also lets the
/// connection find its prepared statement by an identical string.
enum StatementTexts {
    /// Which statement of a table and column list.
    enum Kind: Sendable {
        /// ``UpdaterContext/insertSQL(_:_:)``.
        case insert
        /// ``TicketCounter/numberedInsert(into:columns:)``.
        case numberedInsert
        /// SQLite: the row the last insert made, by its rowid.
        case insertedRow
        /// PostgreSQL: the rows of queued inserts, by key (``UpdaterContext/resolveImages()``);
        /// the "columns" are the key columns' types and the number of keys.
        case insertedRows
    }

    private struct Entry: Sendable {
        let kind: Kind
        let columns: [String]
        let sql: String
    }

    /// By table; few entries each (one per statement shape an updater writes).
    private static let known = Mutex<[String: [Entry]]>([:])
    /// Entries kept per table at most (updaters write a handful of shapes; more means the
    /// columns vary at run time, and then building each time is the better choice).
    private static let limit = 16

    /// The `kind` statement for `table` and `columns`, built by `build` the first time.
    static func sql(_ kind: Kind, table: String, columns: [String], build: () -> String) -> String {
        if let sql = known.withLock({ $0[table]?.first(where: { $0.kind == kind && $0.columns == columns })?.sql }) { return sql }
        let sql = build()
        known.withLock { known in
            if known[table, default: []].count < limit { known[table, default: []].append(Entry(kind: kind, columns: columns, sql: sql)) }
        }
        return sql
    }
}
