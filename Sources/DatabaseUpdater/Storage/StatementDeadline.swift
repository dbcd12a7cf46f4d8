/// A deadline that the current task's statements observe, as they observe cancellation.
///
/// The executor sets one per execution (its timeout). Once it passes, the statement in flight is
/// interrupted (`PQcancel` for PostgreSQL, the progress and busy handlers for SQLite) and later
/// statements are refused, exactly as for a cancelled task, so the transaction rolls back.
/// Enforcing the timeout where the waiting happens costs nothing per execution; a watchdog task
/// per execution cost two task creations and a timer each (see docs/ARCHITECTURE.md).
public enum StatementDeadline {
    /// The instant by which the current task's statements must finish; nil for none.
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// Whether the current task's statements must stop: the task is cancelled, or its
    /// deadline has passed.
    static var shouldStop: Bool {
        if Task.isCancelled { return true }
        guard let deadline = current else { return false }
        return ContinuousClock.now >= deadline
    }
}
