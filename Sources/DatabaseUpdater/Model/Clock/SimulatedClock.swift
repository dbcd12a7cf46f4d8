import Foundation
import Synchronization

/// A clock whose `now` moves only when its driver moves it: a simulation jumps it from one due
/// fire to the next, a test moves it by hand. `sleep(until:)` returns when ``advance(to:)``
/// reaches the deadline (or throws when the sleeping task is cancelled).
///
/// ```swift
/// let clock = SimulatedClock(Date(timeIntervalSince1970: 1_767_571_205))
/// let manager = try await DatabaseUpdaterManager.start(configuration: config, clock: clock)
/// await clock.advance(to: clock.now().addingTimeInterval(10), settling: manager)  // fires due by then have run
/// ```
public final class SimulatedClock: UpdaterClock {
    private struct Sleeper {
        let id: Int
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    /// A clock standing at `start`.
    public init(_ start: Date) { state = Mutex(State(now: start)) }

    public func now() -> Date { state.withLock { $0.now } }

    public func sleep(until deadline: Date) async throws {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Checked under the lock `onCancel` takes too: a cancellation that arrived before
                // this sleeper was registered (so `onCancel` found nothing) is not lost.
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time to `date` (never backwards), waking every sleeper whose deadline has come.
    public func advance(to date: Date) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, date)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        due.forEach { $0.continuation.resume() }
    }

    /// Moves time to `date` and returns once `manager`'s scheduler has handled every fire due by
    /// then and their executions have finished (and been published): what a test awaits instead
    /// of sleeping "to let things settle".
    public func advance(to date: Date, settling manager: DatabaseUpdaterManager) async {
        advance(to: date)
        await manager.settle(at: now())
    }
}
