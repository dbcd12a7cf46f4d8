import Synchronization

/// The scheduler's fires on their way to the executor: queued in dispatch order and drained by
/// at most as many runner tasks as there are execution slots, with the (updater, tenant) pairs
/// that have a run queued or running.
///
/// Not a task per fire: when 1,000 fires fall due in the same second, 1,000 tasks each created,
/// parked on the concurrency limiter and woken again cost about as much as the executions
/// themselves, and stretched every second's burst. A runner takes the next job under a lock.
final class RunQueue: Sendable {
    /// One dispatch of one entry: its catch-up and on-time runs, in order.
    struct Job: Sendable {
        let key: CronScheduler.Entry.Key
        let requests: [Executor.Request]
    }

    /// What ``submit(_:)`` did with a job.
    enum Submission: Equatable {
        /// The entry already has a run queued or running; nothing was queued.
        case refused
        /// Queued; when `startRunner` is set, the caller starts a runner (one more is allowed).
        case queued(startRunner: Bool)
    }

    private struct State {
        var pending: [Job] = []
        var head = 0
        var inFlight: Set<CronScheduler.Entry.Key> = []
        var runners = 0
    }

    private let state = Mutex(State())
    private let runnerLimit: Int

    /// - Parameter runnerLimit: the most runners at once (the concurrency cap: more would only
    ///   wait for a slot).
    init(runnerLimit: Int) {
        self.runnerLimit = max(1, runnerLimit)
    }

    /// Queues `job` unless its entry has a run queued or running.
    func submit(_ job: Job) -> Submission {
        state.withLock { state in
            guard state.inFlight.insert(job.key).inserted else { return .refused }
            state.pending.append(job)
            guard state.runners < runnerLimit else { return .queued(startRunner: false) }
            state.runners += 1
            return .queued(startRunner: true)
        }
    }

    /// For a runner: marks the job it finished (if any) done and takes the next one. Nil means
    /// the queue is empty and the runner must end (it is no longer counted).
    func next(finished: CronScheduler.Entry.Key?) -> Job? {
        state.withLock { state in
            if let finished { state.inFlight.remove(finished) }
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

    /// Whether `key`'s entry has a run queued or running.
    func isInFlight(_ key: CronScheduler.Entry.Key) -> Bool {
        state.withLock { $0.inFlight.contains(key) }
    }

    /// How many entries have a run queued or running.
    var inFlightCount: Int { state.withLock { $0.inFlight.count } }
}
