/// A small pool of connection workers: at most `capacity` connections, opened on demand,
/// checked before reuse, discarded when broken; callers beyond capacity wait their turn.
actor ConnectionPool<Connection: PooledConnection> {
    typealias Worker = ConnectionWorker<Connection>

    private let capacity: Int
    private let label: String
    private let factory: @Sendable () throws(DatabaseError) -> Connection
    private var idle: [Worker] = []
    private var open = 0
    private var closed = false
    /// Waiting callers; resumed with a worker, or with nil meaning "a slot is free, open one".
    private var waiters: [(id: Int, continuation: CheckedContinuation<Worker?, any Error>)] = []
    private var nextWaiterID = 0

    init(capacity: Int, label: String, factory: @escaping @Sendable () throws(DatabaseError) -> Connection) {
        self.capacity = max(1, capacity)
        self.label = label
        self.factory = factory
    }

    /// A worker for exclusive use until ``release(_:discard:)``.
    func acquire() async throws -> Worker {
        while true {
            if closed { throw DatabaseError(.closed, "the database is closed") }
            try Task.checkCancellation()
            if let worker = idle.popLast() { return worker }
            if open < capacity {
                return try await openWorker()
            }
            if let granted = try await waitForTurn() { return granted }
            return try await openWorker(slotReserved: true)
        }
    }

    /// Gives a worker back; `discard` closes it (a broken connection) and frees its slot.
    /// Workers are checked on their own queue when next used (see ``ConnectionWorker/run(_:)``).
    func release(_ worker: Worker, discard shouldDiscard: Bool = false) async {
        if shouldDiscard || closed {
            await discard(worker)
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: worker)
        } else {
            idle.append(worker)
        }
    }

    /// Closes every idle connection and refuses new acquisitions; busy ones close on release.
    func close() async {
        closed = true
        let workers = idle
        idle = []
        for worker in workers { await discard(worker) }
        for waiter in waiters { waiter.continuation.resume(throwing: DatabaseError(.closed, "the database is closed")) }
        waiters = []
    }

    private func openWorker(slotReserved: Bool = false) async throws -> Worker {
        if !slotReserved { open += 1 }
        let worker = Worker(label: "\(label).connection")
        do {
            try await worker.open(factory)
            return worker
        } catch {
            open -= 1
            grantFreeSlot()
            throw error
        }
    }

    private func discard(_ worker: Worker) async {
        await worker.close()
        open -= 1
        grantFreeSlot()
    }

    /// A slot came free: the first waiter may open a connection in it.
    private func grantFreeSlot() {
        guard !waiters.isEmpty, open < capacity, !closed else { return }
        open += 1
        waiters.removeFirst().continuation.resume(returning: nil)
    }

    private func waitForTurn() async throws -> Worker? {
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

    private func cancelWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
