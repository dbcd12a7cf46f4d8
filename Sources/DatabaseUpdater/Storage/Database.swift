/// A database the updaters write to: SQLite or PostgreSQL behind one interface.
///
/// Work happens in closures that receive a connection; the connection never escapes them.
///
/// ```swift
/// let db = try await DatabaseFactory.open("sqlite:data/updater.sqlite")
/// let count = try await db.transaction { conn in
///     try conn.execute("UPDATE service_tickets SET status = $1 WHERE id = $2", .text("closed"), .uuid(id))
/// }
/// ```
public protocol Database: Sendable {
    /// The SQL dialect of this database's connections.
    var dialect: SQLDialect { get }
    /// Where the database is, safe to print: any password is replaced by `***`.
    var redactedLocation: String { get }

    /// Runs `body` with a pooled connection on that connection's own queue.
    ///
    /// Cancelling the calling task interrupts the statement in flight.
    func withConnection<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// Closes every connection. Later calls fail with ``DatabaseError/Kind/closed``.
    func close() async
}

extension Database {
    /// Runs `body` in one transaction: commit when it returns, roll back when it throws (or
    /// always, when `rollback` is true, as dry runs do).
    public func transaction<T: Sendable>(
        rollback: Bool = false, _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        try await withConnection { conn in try conn.transaction(rollback: rollback) { try body(conn) } }
    }
}

/// A ``Database`` made of a pool of engine connections; ``SQLiteDatabase`` and
/// ``PostgresDatabase`` are this with their engine's connection.
public final class PooledDatabase<Connection: PooledConnection>: Database {
    public let dialect: SQLDialect
    public let redactedLocation: String
    private let pool: ConnectionPool<Connection>
    private let poolSize: Int

    init(
        dialect: SQLDialect, redactedLocation: String, poolSize: Int,
        factory: @escaping @Sendable () throws(DatabaseError) -> Connection
    ) {
        self.dialect = dialect
        self.redactedLocation = redactedLocation
        self.poolSize = max(1, poolSize)
        pool = ConnectionPool(capacity: poolSize, label: "updater.\(dialect.rawValue)", factory: factory)
    }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        // A connection found broken before the body ran (dropped while idle) is replaced; every
        // slot of the pool may be stale after a server restart, so try one more than its size.
        for _ in 0...poolSize {
            let worker = try await pool.acquire()
            let outcome: (result: Result<T, any Error>, reusable: Bool)
            do {
                outcome = try await worker.run(body)
            } catch is ConnectionWorker<Connection>.Stale {
                await pool.release(worker, discard: true)
                continue
            } catch {
                await pool.release(worker, discard: true)
                throw error
            }
            await pool.release(worker, discard: !outcome.reusable)
            return try outcome.result.get()
        }
        throw DatabaseError(.connection, "could not get a working connection to \(redactedLocation)")
    }

    public func close() async { await pool.close() }
}
