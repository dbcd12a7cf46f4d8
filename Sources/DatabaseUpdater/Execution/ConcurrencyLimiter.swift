/// A counting semaphore for executions: at most `limit` hold a slot at once; the rest wait in
/// arrival order. Waiting is cancellable.
public actor ConcurrencyLimiter {
    private let limit: Int
    private var held = 0
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID = 0

    /// A limiter with `limit` slots (at least one).
    public init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a slot. Throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        try Task.checkCancellation()
        if held < limit {
            held += 1
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append((id, continuation))
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Frees a slot, handing it straight to the next waiter if there is one.
    public func release() {
        if waiters.isEmpty {
            held -= 1
        } else {
            waiters.removeFirst().continuation.resume()
        }
    }

    private func cancel(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: CancellationError())
    }
}
