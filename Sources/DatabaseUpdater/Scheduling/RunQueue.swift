import Synchronization

/// The scheduler's fires on their way to the executor: queued in dispatch order and drained by
/// at most as many runner tasks as there are execution slots. (Which entries have a run queued
/// or running is ``RunningExecutions``' business: it also knows manual executions.)
///
/// Not a task per fire: when 1,000 fires fall due in the same second, 1,000 tasks each created,
/// parked on the concurrency limiter and woken again cost about as much as the executions
/// themselves, and stretched every second's burst. A runner takes the next job under a lock.
final class RunQueue: Sendable {
    /// One dispatch of one entry (its catch-up and on-time runs), or of one tenant's entries due
    /// at one instant: runs in order, one after another.
    struct Job: Sendable {
        /// The entries claimed for the job (in ``RunningExecutions``), released when it ends.
        let keys: [ExecutionKey]
        let requests: [Executor.Request]
    }

    private struct State {
        var pending: [Job] = []
        var head = 0
        var runners = 0
    }

    private let state = Mutex(State())
    private let runnerLimit: Int

    /// - Parameter runnerLimit: the most runners at once (the concurrency cap: more would only
    ///   wait for a slot).
    init(runnerLimit: Int) {
        self.runnerLimit = max(1, runnerLimit)
    }

    /// Queues `job`. Returns true when the caller must start a runner (one more is allowed).
    func submit(_ job: Job) -> Bool {
        state.withLock { state in
            state.pending.append(job)
            guard state.runners < runnerLimit else { return false }
            state.runners += 1
            return true
        }
    }

    /// For a runner: takes the next job. Nil means the queue is empty and the runner must end
    /// (it is no longer counted).
    func next() -> Job? {
        state.withLock { state in
            guard state.head < state.pending.count else {
                state.pending.removeAll(keepingCapacity: true)
                state.head = 0
                state.runners -= 1
                return nil
            }
            defer { state.head += 1 }
            return state.pending[state.head]
        }
    }
}
