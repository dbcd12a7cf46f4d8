/// A connection lent by the pool to one holder at a time.
///
/// `@unchecked Sendable` because it crosses from the pool actor to the holder's task and back:
/// safe, since the pool never touches a lent connection and a holder uses it only synchronously,
/// inside one ``PooledDatabase/withConnection(_:)`` call, on its own task.
final class Lease<Connection: PooledConnection>: @unchecked Sendable {
    let connection: Connection
    init(_ connection: Connection) { self.connection = connection }
}

/// A small pool of connections: at most `capacity` open, opened on demand by the caller,
/// checked before reuse, discarded when broken; callers beyond capacity wait their turn.
///
/// The actor only keeps the books. Opening and closing connections (which block) happen in the
/// caller, on ``DatabaseExecutor``.
actor ConnectionPool<Connection: PooledConnection> {
    /// What ``acquire()`` grants: an idle connection, or a reserved slot to open one in.
    enum Grant: Sendable {
        case idle(Lease<Connection>)
        case openSlot
    }

    private let capacity: Int
    private var idle: [Lease<Connection>] = []
    private var open = 0
    private var closed = false
    /// Waiting callers; resumed with a grant.
    private var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
    private var nextWaiterID = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// An idle connection, or a slot to open one in (then ``opened(_:)`` or ``slotFreed()``).
    func acquire() async throws -> Grant {
        if closed { throw DatabaseError(.closed, "the database is closed") }
        try Task.checkCancellation()
        if let lease = idle.popLast() { return .idle(lease) }
        if open < capacity {
            open += 1
            return .openSlot
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    /// Gives a connection back for reuse. Returns it when the pool is closed: the caller closes it.
    func release(_ lease: Lease<Connection>) -> Lease<Connection>? {
        if closed {
            open -= 1
            return lease
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .idle(lease))
        } else {
            idle.append(lease)
        }
        return nil
    }

    /// A granted slot is free again: its connection failed to open, or was discarded (closed
    /// by the caller).
    func slotFreed() {
        open -= 1
        guard !waiters.isEmpty, !closed else { return }
        open += 1
        waiters.removeFirst().continuation.resume(returning: .openSlot)
    }

    /// Refuses new acquisitions and returns the idle connections for the caller to close;
    /// connections in use are returned to their holders by ``release(_:)``.
    func close() -> [Lease<Connection>] {
        closed = true
        let leases = idle
        idle = []
        open -= leases.count
        for waiter in waiters { waiter.continuation.resume(throwing: DatabaseError(.closed, "the database is closed")) }
        waiters = []
        return leases
    }

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
