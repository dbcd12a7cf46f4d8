import Synchronization

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

    /// Runs `body` with a pooled connection, on ``DatabaseExecutor`` (threads that may block).
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
/// ``PostgresDatabase`` are this with their engine's connection. Bodies run on
/// ``DatabaseExecutor``, never on Swift's cooperative pool.
public final class PooledDatabase<Connection: PooledConnection>: Database {
    public let dialect: SQLDialect
    public let redactedLocation: String
    private let pool: ConnectionPool
    private let poolSize: Int
    private let factory: @Sendable () throws(DatabaseError) -> Connection
    /// Whether this database still holds its threads on ``DatabaseExecutor``.
    private let holdsThreads = Mutex(true)

    init(
        dialect: SQLDialect, redactedLocation: String, poolSize: Int,
        factory: @escaping @Sendable () throws(DatabaseError) -> Connection
    ) {
        self.dialect = dialect
        self.redactedLocation = redactedLocation
        self.poolSize = max(1, poolSize)
        self.factory = factory
        pool = ConnectionPool(capacity: self.poolSize)
        DatabaseExecutor.shared.reserve(self.poolSize)
    }

    deinit { giveBackThreads() }

    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await DatabaseExecutor.shared.preferred {
            // A connection found broken before the body ran (dropped while idle) is replaced;
            // every slot of the pool may be stale after a server restart, so try one more than
            // its size.
            let threads = DatabaseExecutor.shared
            for _ in 0...poolSize {
                let lease: Lease
                let checked: Bool
                switch try await pool.acquire() {
                case .idle(let idle):
                    lease = idle
                    checked = false
                case .openSlot:
                    do {
                        lease = Lease(try threads.blocking { try factory() })
                    } catch {
                        pool.slotFreed()
                        throw error
                    }
                    checked = true
                }
                // One blocking section: the check of an idle connection, the body, and whether
                // the connection can go back (not after a drop, nor left inside a transaction).
                let outcome: (result: Result<T, any Error>, reusable: Bool)? = threads.blocking {
                    guard checked || lease.connection.isReusable() else { return nil }
                    return (Result { try body(lease.connection) }, lease.connection.isReusable())
                }
                guard let outcome else {
                    // Found broken before the body ran: replaced.
                    threads.blocking { lease.connection.close() }
                    pool.slotFreed()
                    continue
                }
                if outcome.reusable {
                    if let returned = pool.release(lease) { threads.blocking { returned.connection.close() } }
                } else {
                    threads.blocking { lease.connection.close() }
                    pool.slotFreed()
                }
                return try outcome.result.get()
            }
            throw DatabaseError(.connection, "could not get a working connection to \(redactedLocation)")
        }
    }

    public func close() async {
        await DatabaseExecutor.shared.preferred {
            let leases = pool.close()
            DatabaseExecutor.shared.blocking { for lease in leases { lease.connection.close() } }
        }
        giveBackThreads()
    }

    private func giveBackThreads() {
        if holdsThreads.withLock({ holds in defer { holds = false }; return holds }) {
            DatabaseExecutor.shared.unreserve(poolSize)
        }
    }
}
