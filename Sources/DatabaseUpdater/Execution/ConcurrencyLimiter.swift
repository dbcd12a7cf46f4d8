/// A counting semaphore for executions: at most `limit` hold a slot at once; the rest wait in
/// arrival order. Waiting is cancellable.
public final class ConcurrencyLimiter: Sendable {
    private let limit: Int
    /// The number of slots held.
    private let slots: WaitQueue<Int, Void>

    /// A limiter with `limit` slots (at least one).
    public init(limit: Int) {
        self.limit = max(1, limit)
        slots = WaitQueue(0)
    }

    /// Waits for a slot. Throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        try await slots.acquire { [limit] held in
            guard held < limit else { return nil }
            held += 1
            return ()
        }
    }

    /// Frees a slot, handing it straight to the next waiter if there is one.
    public func release() {
        slots.update { held, someoneWaiting in
            if someoneWaiting { return ((), ()) }
            held -= 1
            return ((), nil)
        }
    }
}
