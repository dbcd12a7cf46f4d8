import Foundation

/// The threads database work runs on: a task executor whose threads may block in libpq and
/// sqlite3 calls, which must never happen on Swift's cooperative pool (a stalled database would
/// stall the scheduler and the HTTP API with it).
///
/// ``PooledDatabase/withConnection(_:)`` runs its body here. A task that mostly does database
/// work — an execution — prefers this executor for its whole life (`Task(executorPreference:)`
/// or `withTaskExecutorPreference`), so its statements, the pool's and limiter's actors and its
/// bookkeeping all run on one thread, one after another, with no hand-off between threads.
///
/// It keeps one thread more than the connections of every open database together: only a
/// body holding a connection blocks, so a thread is always free for the rest. But at most one
/// thread per core runs jobs outside ``blocking(_:)`` at a time: when 1,000 executions fall due
/// at once, more runnable threads than cores only preempt each other while holding the
/// limiter's and the pool's locks, which stretched such bursts threefold.
public final class DatabaseExecutor: TaskExecutor {
    /// The process's database threads.
    public static let shared = DatabaseExecutor()

    // Safe: every stored property below is read and written only with `condition` locked.
    private nonisolated(unsafe) var jobs: [UnownedJob] = []
    private nonisolated(unsafe) var head = 0
    private nonisolated(unsafe) var threads = 0
    private nonisolated(unsafe) var wanted = 1
    /// Threads running a job outside ``blocking(_:)``; new jobs start only while this is below
    /// `cores`.
    private nonisolated(unsafe) var active = 0
    private let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// The executor's own threads, and those of them inside ``blocking(_:)``.
    private nonisolated(unsafe) var own: [pthread_t] = []
    private nonisolated(unsafe) var blocked: [pthread_t] = []
    private let condition = NSCondition()

    private init() {}

    /// Queues a job for the next free thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if threads < wanted { start() }
        // From one of our threads that is not blocking, this is nearly always the running task's
        // own next step (the runtime enqueues every return from an actor to the preferred
        // executor): that thread takes it as soon as its job ends, so waking another would only
        // make it find nothing. Before blocking, a thread wakes a helper for what is queued
        // (``blocking(_:)``), and a thread that takes a job and leaves others queued does too.
        if active < cores && (!Self.contains(own, pthread_self()) || Self.contains(blocked, pthread_self())) {
            condition.signal()
        }
        condition.unlock()
    }

    /// Runs `operation` with a preference for these threads, like `withTaskExecutorPreference`,
    /// but adds no second preference when the task already has this one (an execution's task
    /// does, and then calls ``PooledDatabase/withConnection(_:)``, which asks again): each
    /// preference is a record the runtime adds and removes under the task's lock, and reads on
    /// every task switch.
    func preferred<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
    ) async rethrows -> T {
        let already = withUnsafeCurrentTask { $0?.unownedTaskExecutor == asUnownedTaskExecutor() }
        if already { return try await operation() }
        return try await withTaskExecutorPreference(self, isolation: isolation, operation: operation)
    }

    /// Runs `work`, which may block (a statement, a connect), after making sure that whatever
    /// is queued has a thread to run it.
    func blocking<T>(_ work: () throws -> T) rethrows -> T {
        let me = pthread_self()
        condition.lock()
        let isOwn = Self.contains(own, me)
        if isOwn {
            blocked.append(me)
            active -= 1
            if head < jobs.count { condition.signal() }
        }
        condition.unlock()
        defer {
            if isOwn {
                condition.lock()
                blocked.removeAll { pthread_equal($0, me) != 0 }
                // Back to running its job, even if that briefly makes more active threads than
                // cores: the job must finish on this thread.
                active += 1
                condition.unlock()
            }
        }
        return try work()
    }

    private static func contains(_ threads: [pthread_t], _ thread: pthread_t) -> Bool {
        threads.contains { pthread_equal($0, thread) != 0 }
    }

    /// Makes room for `connections` more connections whose bodies may block.
    func reserve(_ connections: Int) {
        condition.lock()
        wanted += connections
        while threads < wanted { start() }
        condition.unlock()
    }

    /// Gives back what ``reserve(_:)`` took; surplus threads end once idle. A database gives
    /// its share back at `close()`, even while a body of its own still runs; that body keeps
    /// its thread until it ends, so the margin of one free thread is briefly thinner then.
    func unreserve(_ connections: Int) {
        condition.lock()
        wanted = max(1, wanted - connections)
        condition.broadcast()
        condition.unlock()
    }

    /// Called with `condition` locked.
    private func start() {
        threads += 1
        let thread = Thread { [unowned self] in self.work() }
        thread.name = "updater.database"
        thread.start()
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        condition.lock()
        own.append(pthread_self())
        while true {
            if head < jobs.count && active < cores {
                let job = jobs[head]
                head += 1
                active += 1
                if head < jobs.count && active < cores { condition.signal() }
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                } else if head >= 1024 && head * 2 >= jobs.count {
                    jobs.removeFirst(head)
                    head = 0
                }
                condition.unlock()
                job.runSynchronously(on: executor)
                condition.lock()
                active -= 1
            } else if threads > wanted {
                threads -= 1
                own.removeAll { pthread_equal($0, pthread_self()) != 0 }
                condition.unlock()
                return
            } else {
                condition.wait()
            }
        }
    }
}

#if os(Linux)
// Safe: the mutable state is guarded by `condition` (see above), and NSCondition is thread-safe;
// corelibs-foundation does not mark NSCondition Sendable, so the conformance cannot be inferred.
extension DatabaseExecutor: @unchecked Sendable {}
#endif
