import Synchronization

/// State behind a lock, and the tasks waiting, in arrival order, to be handed a `Grant` when
/// that state changes: the piece under ``ConcurrencyLimiter`` (grants are slots) and the
/// connection pool (grants are connections or slots to open one in).
///
/// A lock rather than an actor because every execution passes through both users twice: a
/// call into an actor and back is two task switches onto the executor, each a queue operation
/// under a lock, where the uncontended path here is one lock and no switch. Waiters are
/// resumed after the lock is released.
final class WaitQueue<State: Sendable, Grant: Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    private struct Guarded {
        var state: State
        var waiters: [Waiter] = []
        var nextID = 0
    }

    private let guarded: Mutex<Guarded>

    private enum FirstTry {
        case granted(Grant)
        case waitAs(Int)
    }

    init(_ state: State) {
        guarded = Mutex(Guarded(state: state))
    }

    /// Returns what `attempt` grants at once, or waits in line until ``update(_:)`` hands this
    /// caller a grant. `attempt` runs under the lock and returns nil to wait; what it throws
    /// is thrown here. Throws `CancellationError` when the task is cancelled before or while
    /// waiting.
    func acquire(_ attempt: (inout State) throws -> Grant?) async throws -> Grant {
        try Task.checkCancellation()
        let id: Int
        switch try guarded.withLock({ guarded -> FirstTry in
            if let grant = try attempt(&guarded.state) { return .granted(grant) }
            defer { guarded.nextID += 1 }
            return .waitAs(guarded.nextID)
        }) {
        case .granted(let grant): return grant
        case .waitAs(let waiterID): id = waiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Grant, any Error>) in
                // Tried again under the lock: the state may have changed since the first try,
                // with nobody in line to hand it to.
                let now: Result<Grant, any Error>? = guarded.withLock { guarded in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    do {
                        if let grant = try attempt(&guarded.state) { return .success(grant) }
                    } catch {
                        return .failure(error)
                    }
                    guarded.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = guarded.withLock { guarded -> Waiter? in
                guard let index = guarded.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return guarded.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Changes the state under the lock. `change` is told whether anyone is waiting; a grant it
    /// returns goes to the first in line (return one only when someone is).
    @discardableResult
    func update<Outcome: Sendable>(_ change: (inout State, _ someoneWaiting: Bool) -> (Outcome, Grant?)) -> Outcome {
        let (result, handOver) = guarded.withLock { guarded -> (Outcome, (Waiter, Grant)?) in
            let (result, grant) = change(&guarded.state, !guarded.waiters.isEmpty)
            guard let grant, !guarded.waiters.isEmpty else { return (result, nil) }
            return (result, (guarded.waiters.removeFirst(), grant))
        }
        if let (waiter, grant) = handOver { waiter.continuation.resume(returning: grant) }
        return result
    }

    /// Fails everyone waiting with `error` (when the resource closes).
    func failWaiters(_ error: any Error) {
        let waiters = guarded.withLock { guarded in
            defer { guarded.waiters = [] }
            return guarded.waiters
        }
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
    }
}
