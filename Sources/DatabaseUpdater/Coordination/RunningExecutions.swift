import Synchronization

/// The one registry of what is running: which (updater, tenant) pairs have an execution queued
/// or in flight, whoever started it (the scheduler or a request). Both consult it, so a
/// scheduled fire that meets a running manual execution is skipped like any overlap, and a
/// manual execution asked to run alone is refused while a scheduled one runs.
///
/// Behind a lock, not an actor: the scheduler claims and releases a key for every fire.
public final class RunningExecutions: Sendable {
    /// Holders per key; a key absent from the map has none.
    private let running = Mutex([ExecutionKey: Int]())

    public init() {}

    /// Claims `key` for a holder that must run alone; false (and nothing changes) when it
    /// already has a holder.
    public func claim(_ key: ExecutionKey) -> Bool {
        running.withLock { running in
            guard running[key] == nil else { return false }
            running[key] = 1
            return true
        }
    }

    /// Adds a holder of `key` whatever else holds it (a manual execution its caller allowed to
    /// run beside others); exclusive claims are refused until it releases.
    public func join(_ key: ExecutionKey) {
        running.withLock { $0[key, default: 0] += 1 }
    }

    /// Releases one holder's claim (from ``claim(_:)`` or ``join(_:)``).
    public func release(_ key: ExecutionKey) {
        running.withLock { running in
            guard let holders = running[key] else { return }
            running[key] = holders > 1 ? holders - 1 : nil
        }
    }

    /// Whether `key` has a holder.
    public func contains(_ key: ExecutionKey) -> Bool {
        running.withLock { $0[key] != nil }
    }

    /// How many keys have a holder.
    public var count: Int { running.withLock { $0.count } }
}
