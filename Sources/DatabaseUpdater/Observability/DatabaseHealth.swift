import Foundation
import Synchronization

/// Whether the target database answers, as last seen by the service.
///
/// Behind a lock rather than an actor: every execution reports here, and the common report
/// ("still reachable") is then one lock, with no task switch.
public final class DatabaseHealth: Sendable {
    /// A snapshot.
    public struct State: Sendable, Equatable, Codable {
        public var reachable: Bool
        /// The last connection error, one line, password-free.
        public var lastError: String?
        /// When the current state began.
        public var since: Date

        public init(reachable: Bool, lastError: String?, since: Date) {
            self.reachable = reachable
            self.lastError = lastError
            self.since = since
        }
    }

    private struct Guarded {
        var state: State
        var outageWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let guarded: Mutex<Guarded>

    /// The current state.
    public var state: State { guarded.withLock { $0.state } }

    public init(now: Date) {
        guarded = Mutex(Guarded(state: State(reachable: false, lastError: "not connected yet", since: now)))
    }

    /// Returns once the database is marked unreachable (at once if it is), or on ``releaseWaiters()``.
    public func waitUntilUnreachable() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = guarded.withLock { guarded in
                if guarded.state.reachable { guarded.outageWaiters.append(continuation) }
                return guarded.state.reachable
            }
            if !waiting { continuation.resume() }
        }
    }

    /// Resumes everyone waiting in ``waitUntilUnreachable()`` (at shutdown).
    public func releaseWaiters() {
        takeWaiters().forEach { $0.resume() }
    }

    /// Records that the database answered.
    public func markReachable(at now: Date) {
        guarded.withLock { guarded in
            if !guarded.state.reachable { guarded.state = State(reachable: true, lastError: nil, since: now) }
        }
    }

    /// Records a connection failure; returns true when this changes the state (so callers can
    /// log once per outage rather than once per attempt).
    @discardableResult
    public func markUnreachable(_ error: String, at now: Date) -> Bool {
        let (changed, waiters) = guarded.withLock { guarded in
            let changed = guarded.state.reachable
            guarded.state = State(reachable: false, lastError: error, since: changed ? now : guarded.state.since)
            defer { if changed { guarded.outageWaiters = [] } }
            return (changed, changed ? guarded.outageWaiters : [])
        }
        waiters.forEach { $0.resume() }
        return changed
    }

    private func takeWaiters() -> [CheckedContinuation<Void, Never>] {
        guarded.withLock { guarded in
            defer { guarded.outageWaiters = [] }
            return guarded.outageWaiters
        }
    }
}
