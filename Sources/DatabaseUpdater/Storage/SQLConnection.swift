/// The SQL dialect of a connection, for the few statements that differ (DDL, `BEGIN IMMEDIATE`).
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// One open database connection, used synchronously inside ``Database/withConnection(_:)``.
///
/// Statements use PostgreSQL-style numbered placeholders (`$1`, `$2`, …) on both engines, and
/// values are always bound as typed parameters, never built into the SQL text.
///
/// Deliberately not `Sendable`: a connection is lent to one ``Database/withConnection(_:)``
/// body at a time and is reachable only inside it. Statements observe the calling task's
/// cancellation and its ``StatementDeadline``: a cancelled (or late) task's statement in flight
/// is interrupted (`sqlite3_interrupt` semantics through a progress handler; `PQcancel` for
/// PostgreSQL) and later statements are refused.
public protocol SQLConnection: AnyObject {
    /// Which SQL dialect this connection speaks.
    var dialect: SQLDialect { get }

    /// Runs one statement and returns its result rows (empty for statements without results).
    /// - Parameters:
    ///   - sql: one statement with `$n` placeholders.
    ///   - parameters: the values for `$1`, `$2`, … in order.
    ///   - cancellable: false for clean-up statements (ROLLBACK) that must run even in a cancelled task.
    func query(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> [DatabaseRow]

    /// Runs one statement and returns the number of rows it changed.
    func execute(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> Int

    /// Runs one query and hands its rows to `body` one at a time, never holding the whole
    /// result: for reads of whole tables (the snapshot monitor). SQLite steps the statement;
    /// PostgreSQL reads through a cursor in pages, so it must run inside a transaction
    /// (``readSnapshot(lockOrder:_:)``).
    func forEachRow(_ sql: String, _ parameters: [DatabaseValue], _ body: (DatabaseRow) -> Void) throws(DatabaseError)

    /// Runs several `;`-separated statements without parameters (migrations).
    func executeScript(_ sql: String) throws(DatabaseError)

    /// Runs a statement whose result nobody reads (an `INSERT` of known values), at the latest
    /// with the next statement or the end of the transaction; its error, if any, is thrown
    /// there. PostgreSQL sends queued statements together with the next one (pipeline mode),
    /// saving a round trip each; SQLite, in-process, runs them at once. Outside a transaction
    /// the statement runs at once on both engines.
    func enqueue(_ sql: String, _ parameters: [DatabaseValue]) throws(DatabaseError)

    /// Starts a transaction. Nothing is sent until the first statement, so a transaction that
    /// runs none costs nothing (PostgreSQL sends `BEGIN` together with that first statement).
    func beginTransaction() throws(DatabaseError)

    /// Runs whatever is queued, then commits (`commit`) or rolls back. A transaction that ran
    /// no statement ends without a word to the server.
    /// - Returns: on PostgreSQL's commit, the rows of the last statement queued before it (sent
    ///   with the commit, so its answer costs no round trip); otherwise none (SQLite runs a
    ///   queued statement when it is queued).
    @discardableResult
    func endTransaction(commit: Bool) throws(DatabaseError) -> [DatabaseRow]

    /// Discards what is queued and rolls back whatever the server has begun, even in a
    /// cancelled task; for error paths, so it never throws.
    func abandonTransaction()
}

extension SQLConnection {
    /// Runs one statement and returns its rows.
    public func query(_ sql: String, _ parameters: DatabaseValue...) throws(DatabaseError) -> [DatabaseRow] {
        try query(sql, parameters, cancellable: true)
    }

    /// Runs one statement and returns its rows.
    public func query(_ sql: String, _ parameters: [DatabaseValue]) throws(DatabaseError) -> [DatabaseRow] {
        try query(sql, parameters, cancellable: true)
    }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: DatabaseValue...) throws(DatabaseError) -> Int {
        try execute(sql, parameters, cancellable: true)
    }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [DatabaseValue]) throws(DatabaseError) -> Int {
        try execute(sql, parameters, cancellable: true)
    }

    /// Runs one statement whose result nobody reads; see ``enqueue(_:_:)``.
    public func enqueue(_ sql: String, _ parameters: DatabaseValue...) throws(DatabaseError) {
        try enqueue(sql, parameters)
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws (or
    /// when `rollback` is set, as for dry runs, after running every queued statement so that
    /// a dry run meets the same errors a real one would), then rethrows.
    ///
    /// SQLite transactions begin `IMMEDIATE`, taking the write lock up front, so two writers
    /// wait on the busy timeout instead of failing on a lock upgrade.
    public func transaction<T>(rollback: Bool = false, _ body: () throws -> T) throws -> T {
        try beginTransaction()
        do {
            let result = try body()
            try endTransaction(commit: !rollback)
            return result
        } catch {
            abandonTransaction()
            throw error
        }
    }
}

/// What the pool needs of an engine connection besides running SQL.
public protocol PooledConnection: SQLConnection, SendableMetatype {
    /// Cheap check before reuse: still connected, not left inside a transaction.
    func isReusable() -> Bool
    /// Releases the engine handle. Called once, by the connection's last holder.
    func close()
}
