import Foundation

/// Whether the target database answers, as last seen by the service.
public actor DatabaseHealth {
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

    public private(set) var state: State
    private var outageWaiters: [CheckedContinuation<Void, Never>] = []

    public init(now: Date) {
        state = State(reachable: false, lastError: "not connected yet", since: now)
    }

    /// Returns once the database is marked unreachable (at once if it is), or on ``releaseWaiters()``.
    public func waitUntilUnreachable() async {
        if !state.reachable { return }
        await withCheckedContinuation { outageWaiters.append($0) }
    }

    /// Resumes everyone waiting in ``waitUntilUnreachable()`` (at shutdown).
    public func releaseWaiters() {
        outageWaiters.forEach { $0.resume() }
        outageWaiters = []
    }

    /// Records that the database answered.
    public func markReachable(at now: Date) {
        if !state.reachable { state = State(reachable: true, lastError: nil, since: now) }
    }

    /// Records a connection failure; returns true when this changes the state (so callers can
    /// log once per outage rather than once per attempt).
    @discardableResult
    public func markUnreachable(_ error: String, at now: Date) -> Bool {
        let changed = state.reachable
        state = State(reachable: false, lastError: error, since: changed ? now : state.since)
        if changed { releaseWaiters() }
        return changed
    }
}
