import Dispatch

/// Owns one engine connection and runs all work on it on a private serial dispatch queue, so
/// blocking C calls (libpq, sqlite3) never occupy the cooperative thread pool.
///
/// Work runs as part of the calling task (the actor's executor is the queue), so engine code
/// can observe `Task.isCancelled` while a statement runs. Modelled on GRDB's DispatchQueueActor.
actor ConnectionWorker<Connection: PooledConnection> {
    private let executor: DispatchQueueExecutor
    private var connection: Connection?

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(label: String) {
        executor = DispatchQueueExecutor(queue: DispatchQueue(label: label))
    }

    /// Opens the connection on the worker's queue.
    func open(_ make: @Sendable () throws(DatabaseError) -> Connection) throws(DatabaseError) {
        connection = try make()
    }

    /// The connection turned out broken before any work ran on it (a dropped PostgreSQL
    /// connection, say): the caller should discard this worker and try another.
    struct Stale: Error {}

    /// In one hop to the connection's queue: checks the connection, runs `body`, and says
    /// whether the connection may be handed out again (it may not after a dropped connection,
    /// or when left inside a transaction).
    /// - Throws: ``Stale`` when the connection was unusable before `body` ran; otherwise what
    ///   `body` throws, paired with reusability.
    func run<T: Sendable>(_ body: @Sendable (any SQLConnection) throws -> T) throws -> (result: Result<T, any Error>, reusable: Bool) {
        guard let connection, connection.isReusable() else { throw Stale() }
        let result = Result { try body(connection) }
        return (result, connection.isReusable())
    }

    /// Closes the connection; later `run` calls fail with ``DatabaseError/Kind/closed``.
    func close() {
        connection?.close()
        connection = nil
    }
}

/// A serial executor that runs jobs on a dispatch queue.
final class DispatchQueueExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(queue: DispatchQueue) { self.queue = queue }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    func checkIsolated() { dispatchPrecondition(condition: .onQueue(queue)) }
}

#if os(Linux)
// Safe: the only stored property is a DispatchQueue, which is thread-safe; corelibs-dispatch on
// Linux does not mark it Sendable, so the conformance cannot be inferred there.
extension DispatchQueueExecutor: @unchecked Sendable {}
#endif
