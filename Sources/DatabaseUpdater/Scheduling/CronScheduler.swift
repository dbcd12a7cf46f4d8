import Cron
import Foundation
import Logging
import Metrics

/// Fires executions at their cron times, for every tenant × enabled updater.
///
/// The decision is one deterministic function, ``step(at:)``: given an instant, which fires are
/// due and in what order they are handed to the executor. Two drivers call it: the real-time
/// loop, ``run()``, which sleeps on the injected clock until the earliest next fire (no
/// polling) and is woken early by ``wake()`` — a configuration change, pause/resume, or the
/// database coming back; and ``Simulation``, which jumps a ``SimulatedClock`` from one due
/// instant to the next and waits for each instant's executions (``waitUntilIdle()``). Fires that
/// could not run on time (the process was stopped, the machine slept, the database was down)
/// go through ``MisfirePlanner``. A fire whose updater and tenant have an execution running
/// (scheduled or manual: ``RunningExecutions``) is recorded as `skipped`.
public actor CronScheduler {
    /// One tenant × updater the scheduler fires.
    struct Entry {
        let updater: any BaseUpdater
        let tenant: Tenant
        let schedule: CronSchedule
        /// The earliest fire not yet handled.
        var nextFire: Date?
        let key: ExecutionKey

        init(updater: any BaseUpdater, tenant: Tenant, schedule: CronSchedule) {
            self.updater = updater
            self.tenant = tenant
            self.schedule = schedule
            key = ExecutionKey(updater: updater.name, tenant: tenant.id)
        }
    }

    /// What `status` shows of one entry.
    public struct EntryStatus: Sendable, Codable, Equatable {
        public var updater: String
        public var tenant: UUID
        public var schedule: String
        public var scheduleDescription: String
        public var nextFire: Date?
        public var running: Bool
        /// The fire time of the last real execution, and its outcome (filled in by status).
        public var lastRun: Date?
        public var lastOutcome: ExecutionRecord.Outcome?
        /// The replica that ran the last execution (in a cluster, possibly another than this one).
        public var lastReplica: UUID?

        public init(updater: String, tenant: UUID, schedule: String, scheduleDescription: String, nextFire: Date?, running: Bool,
                    lastRun: Date? = nil, lastOutcome: ExecutionRecord.Outcome? = nil) {
            self.lastRun = lastRun
            self.lastOutcome = lastOutcome
            self.updater = updater
            self.tenant = tenant
            self.schedule = schedule
            self.scheduleDescription = scheduleDescription
            self.nextFire = nextFire
            self.running = running
        }
    }

    /// How a driver wants fires handed on: the real-time service and a simulation differ only here.
    struct Options: Sendable {
        /// The trigger recorded for fires that run on time: `scheduled`, or `simulation`.
        var trigger: ExecutionRecord.Trigger = .scheduled
        /// Fires of one tenant due at one instant run one after another, in entry order, as one
        /// job: they may touch the same rows, and a simulation must write the same rows whatever
        /// the concurrency cap. Different tenants still run in parallel.
        var tenantInOrder = false
        /// The most runners at once; nil for the concurrency cap. One gives a single writer in a
        /// fixed order (a SQLite file, whose rows land in the order they are written).
        var runners: Int?
        /// Every entry starts at its first fire at or after this instant instead of resuming from
        /// the history; `@every` schedules are anchored here.
        var startingAt: Date?
    }

    private var entries: [Entry] = []
    private var config: UpdaterConfig
    private let options: Options
    private let executor: Executor
    private let history: ExecutionHistory
    private let health: DatabaseHealth
    private let clock: any UpdaterClock
    private let logger: Logger
    private let onRecord: @Sendable (ExecutionRecord) async -> Void
    /// `updater_scheduler_lateness_seconds`: fire time to dispatch.
    private let dispatchLateness: Recorder
    private var paused = false
    private var stopping = false
    private var sleeper: Task<Void, any Error>?
    private var wakePending = false
    /// Dispatched runs waiting for a runner.
    private let runs: RunQueue
    /// What runs, scheduled or manual: an entry with a run queued or running is claimed here.
    private let running: RunningExecutions
    /// The tasks draining ``runs``.
    private var runners: [UUID: Task<Void, Never>] = [:]
    /// The latest instant the loop should have woken by; later than that (plus slack), it is
    /// stalled. Nil while it is not sleeping on a deadline.
    private var expectedWake: Date?
    /// The instant of the loop's last pass with the database reachable: fires due by then are
    /// dispatched.
    private var handledThrough: Date?
    /// The tenants this replica fires in cluster mode (``setOwnership(_:lastCommitted:)``); nil:
    /// every tenant (no cluster).
    private var owned: Set<UUID>?
    /// Callers of ``settle(at:)`` and ``waitUntilIdle()``: an instant that must be handled (nil
    /// for none), and whom to resume.
    private var settleWaiters: [(at: Date?, continuation: CheckedContinuation<Void, Never>)] = []

    init(config: UpdaterConfig, options: Options = Options(), executor: Executor, history: ExecutionHistory, health: DatabaseHealth,
         running: RunningExecutions, clock: any UpdaterClock, logger: Logger, metricsFactory: any MetricsFactory,
         onRecord: @escaping @Sendable (ExecutionRecord) async -> Void) {
        dispatchLateness = Recorder(label: "updater_scheduler_lateness_seconds", factory: metricsFactory)
        runs = RunQueue(runnerLimit: options.runners ?? executor.settings.maxConcurrentExecutions)
        self.options = options
        self.running = running
        self.config = config
        self.executor = executor
        self.history = history
        self.health = health
        self.clock = clock
        self.logger = logger
        self.onRecord = onRecord
    }

    // MARK: - Control

    /// Rebuilds the entries for a (new) configuration. Entries that keep their schedule keep
    /// their place; new ones resume after the last fire the history recorded for them, so a
    /// restart catches up under the misfire policy; brand-new ones start at the next fire.
    /// (With ``Options/startingAt``, every new entry starts there.)
    func configure(_ config: UpdaterConfig, registry: UpdaterRegistry) async throws {
        self.config = config
        let now = clock.now()
        var rebuilt: [Entry] = []
        let previous = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for tenant in config.tenants {
            for updater in registry.all where config.isEnabled(updater, tenant: tenant) {
                let schedule = try config.cronSchedule(config.schedule(for: updater, tenant: tenant), anchor: options.startingAt)
                var entry = Entry(updater: updater, tenant: tenant, schedule: schedule)
                if let old = previous[entry.key] {
                    entry.nextFire = old.schedule == schedule ? old.nextFire : schedule.next(after: now)
                } else if let start = options.startingAt {
                    entry.nextFire = schedule.next(after: start.addingTimeInterval(-1))
                } else if let last = try await history.lastScheduledFire(updater: updater.name, tenant: tenant.id) {
                    entry.nextFire = schedule.next(after: last)
                } else {
                    entry.nextFire = schedule.next(after: now)
                }
                rebuilt.append(entry)
            }
        }
        entries = rebuilt
        wake()
    }

    /// Moves every entry past the last fire that committed for it (from the target database's
    /// ``FireLog``), so that no fire that took effect is dispatched again: the execution history,
    /// which ``configure(_:registry:)`` resumes from, can lack the records a crash lost.
    func resume(afterCommitted lastFires: [ExecutionKey: Date]) {
        for index in entries.indices {
            guard let last = lastFires[entries[index].key], let next = entries[index].nextFire, next <= last else { continue }
            entries[index].nextFire = entries[index].schedule.next(after: last)
        }
        wake()
    }

    /// Cluster mode: fire only `tenants` from now on (a tenant lost stops firing at once). A
    /// tenant gained resumes after its last committed fire in `lastCommitted` (the fire log), so
    /// the fires its previous owner did not commit are caught up under the misfire policy, as
    /// after a restart; without a committed fire it starts after `otherwiseAfter` (the
    /// coordinating database's time), else after now.
    func setOwnership(_ tenants: Set<UUID>, lastCommitted: [ExecutionKey: Date], otherwiseAfter: Date? = nil) {
        let now = clock.now(), before = owned ?? []
        owned = tenants
        for index in entries.indices where tenants.contains(entries[index].tenant.id) && !before.contains(entries[index].tenant.id) {
            let after = lastCommitted[entries[index].key] ?? min(otherwiseAfter ?? now, now)
            entries[index].nextFire = entries[index].schedule.next(after: after)
        }
        wake()
    }

    /// Stops firing (running executions finish); fires due meanwhile are handled as missed on resume.
    func setPaused(_ paused: Bool) {
        self.paused = paused
        if !paused {
            // Resuming starts from now: a pause on request is not a misfire to catch up.
            let now = clock.now()
            for index in entries.indices { entries[index].nextFire = entries[index].schedule.next(after: now) }
        }
        wake()
    }

    /// Whether firing is paused.
    var isPaused: Bool { paused }

    /// Interrupts the current sleep so the loop looks again.
    func wake() {
        wakePending = true
        sleeper?.cancel()
    }

    /// The entries, for status.
    func status() -> [EntryStatus] {
        entries.map {
            EntryStatus(updater: $0.updater.name, tenant: $0.tenant.id, schedule: $0.schedule.source,
                        scheduleDescription: $0.schedule.explain(), nextFire: paused ? nil : $0.nextFire,
                        running: running.contains($0.key))
        }
    }

    // MARK: - The step

    /// The earliest fire not yet handled, of any entry.
    func nextDue() -> Date? {
        entries.lazy.compactMap(\.nextFire).min()
    }

    /// The deterministic step, one for every driver: hands on every fire due at `now`, in entry
    /// order (tenants in configured order, each tenant's updaters in registry order), under the
    /// misfire policy. It does not wait for the executions; ``waitUntilIdle()`` does.
    func step(at now: Date) async {
        var jobs: [RunQueue.Job] = []
        for index in entries.indices {
            guard let next = entries[index].nextFire, next <= now else { continue }
            if let owned, !owned.contains(entries[index].tenant.id) {
                // Another replica's: neither run nor recorded here.
                entries[index].nextFire = entries[index].schedule.next(after: now)
                continue
            }
            let requests = await dueRequests(index, now: now)
            guard !requests.isEmpty else { continue }
            let key = entries[index].key
            if options.tenantInOrder, let last = jobs.last, last.keys.last?.tenant == key.tenant {
                jobs[jobs.count - 1] = RunQueue.Job(keys: last.keys + [key], requests: last.requests + requests)
            } else {
                jobs.append(RunQueue.Job(keys: [key], requests: requests))
            }
        }
        for job in jobs { await submit(job) }
    }

    /// Claims the job's keys and queues it; a key whose updater and tenant has an execution
    /// running is skipped, its fires recorded as such.
    private func submit(_ job: RunQueue.Job) async {
        var keys: [ExecutionKey] = [], requests: [Executor.Request] = []
        for key in job.keys {
            let mine = job.requests.filter { $0.updater.name == key.updater && $0.tenant.id == key.tenant }
            if running.claim(key) {
                keys.append(key)
                requests += mine
            } else {
                for request in mine {
                    let reason = "skipped: an execution of \(key.updater) for this tenant was still running"
                    await onRecord(await executor.recordSkipped(request, reason: reason))
                }
            }
        }
        guard !keys.isEmpty else { return }
        if runs.submit(RunQueue.Job(keys: keys, requests: requests)) { startRunner() }
    }

    /// Advances entry `index` past `now` and returns the executions it must run: its catch-up
    /// fires and its on-time one. Missed fires that do not run are recorded here.
    private func dueRequests(_ index: Int, now: Date) async -> [Executor.Request] {
        guard let first = entries[index].nextFire else { return [] }
        let plan: MisfirePlanner.Plan
        let following = entries[index].schedule.next(after: first)
        if following.map({ $0 > now }) ?? true, now.timeIntervalSince(first) <= MisfirePlanner.onTimeTolerance {
            // The usual case, without the planner's arrays: this one fire is due, and on time.
            entries[index].nextFire = following
            plan = MisfirePlanner.Plan(onTime: first, catchUp: [], missed: [])
        } else {
            let (fires, passedOver) = MisfirePlanner.dueFires(of: entries[index].schedule, after: first.addingTimeInterval(-1),
                                                              now: now, limit: config.misfireLimit)
            entries[index].nextFire = entries[index].schedule.next(after: now)
            plan = MisfirePlanner.plan(due: fires, now: now, policy: config.misfirePolicy, limit: config.misfireLimit,
                                       passedOver: passedOver)
        }
        if let onTime = plan.onTime {
            // The moment this entry is handed on, not the loop's wake-up: with many entries due
            // at once, later ones are dispatched later.
            dispatchLateness.record(clock.now().timeIntervalSince(onTime))
        }
        let updater = entries[index].updater, tenant = entries[index].tenant
        let policy = "misfire policy \(config.misfirePolicy.rawValue)"
        if let range = plan.missedRange {
            let reason = "\(range.count)\(range.countIsExact ? "" : " or more") missed fires from \(DatabaseValue.formatTimestamp(range.first)) "
                + "to \(DatabaseValue.formatTimestamp(range.last)): the scheduler could not run them on time (\(policy)); recorded as one range"
            await onRecord(await executor.recordSkipped(request(updater, tenant, at: range.last, trigger: .scheduled), reason: reason,
                                                        missedRange: range))
        }
        for missed in plan.missed {
            let reason = "\(MisfirePlanner.missedFireReasonPrefix) the scheduler could not run it on time (\(policy))"
            await onRecord(await executor.recordSkipped(request(updater, tenant, at: missed, trigger: .scheduled), reason: reason))
        }
        var requests = plan.catchUp.map { request(updater, tenant, at: $0, trigger: .catchUp) }
        if let onTime = plan.onTime { requests.append(request(updater, tenant, at: onTime, trigger: options.trigger)) }
        return requests
    }

    /// Starts a task that runs queued jobs until none is left, on the database threads, where
    /// executions run anyway.
    private func startRunner() {
        let id = Identifiers.next()
        let runs = runs, running = running, executor = executor, onRecord = onRecord
        runners[id] = Task(executorPreference: DatabaseExecutor.shared) {
            while let job = runs.next() {
                for request in job.requests {
                    await onRecord(await executor.execute(request))
                }
                job.keys.forEach(running.release)
            }
            await self.runnerEnded(id)
        }
    }

    private func runnerEnded(_ id: UUID) {
        runners[id] = nil
        resumeSettled()
    }

    private func request(_ updater: any BaseUpdater, _ tenant: Tenant, at fire: Date, trigger: ExecutionRecord.Trigger) -> Executor.Request {
        Executor.Request(updater: updater, tenant: tenant, scheduledAt: fire, dryRun: config.dryRun,
                         seed: config.seed ?? UInt64.random(in: 0...UInt64.max), trigger: trigger)
    }

    // MARK: - Waiting for quiet

    /// Returns once every execution handed on so far has finished and its record was published.
    func waitUntilIdle() async {
        if runners.isEmpty { return }
        await withCheckedContinuation { settleWaiters.append((nil, $0)) }
    }

    /// Returns once the real-time loop has handled every fire due by `instant` (with the
    /// database reachable) and their executions have finished.
    func settle(at instant: Date) async {
        if isSettled(at: instant) { return }
        await withCheckedContinuation { settleWaiters.append((instant, $0)) }
    }

    private func isSettled(at instant: Date?) -> Bool {
        guard runners.isEmpty else { return false }
        guard let instant else { return true }
        if handledThrough.map({ $0 >= instant }) ?? false { return true }
        // Asleep past `instant` with nothing asking it to look again: nothing is due by then.
        return health.state.reachable && !wakePending && expectedWake.map { $0 > instant } ?? false
    }

    private func resumeSettled() {
        guard !settleWaiters.isEmpty else { return }
        var waiting: [(at: Date?, continuation: CheckedContinuation<Void, Never>)] = []
        for waiter in settleWaiters {
            if isSettled(at: waiter.at) { waiter.continuation.resume() } else { waiting.append(waiter) }
        }
        settleWaiters = waiting
    }

    // MARK: - The real-time driver

    /// Sleeps on the clock until the earliest next fire and runs the step, until ``shutdown(grace:)``.
    func run() async {
        while !stopping && !Task.isCancelled {
            let now = clock.now()
            let ready = health.state.reachable
            if !paused && ready { await step(at: now) }
            if ready { handledThrough = now }
            // Sleep until the next fire; an hour at most, so a wrong clock cannot strand us.
            var deadline = now.addingTimeInterval(3600)
            if !paused && ready, let earliest = nextDue(), earliest < deadline { deadline = earliest }
            expectedWake = deadline
            await sleep(until: deadline)
            expectedWake = nil
        }
    }

    /// How far behind its deadline the loop is (zero when on time).
    func stalledFor(now: Date) -> TimeInterval {
        guard let expectedWake else { return 0 }
        return max(0, now.timeIntervalSince(expectedWake))
    }

    private func sleep(until deadline: Date) async {
        if wakePending || stopping {
            wakePending = false
            return
        }
        resumeSettled()
        let clock = clock
        let task = Task { try await clock.sleep(until: deadline) }
        sleeper = task
        _ = await task.result
        sleeper = nil
        wakePending = false
    }

    // MARK: - Shutdown

    /// Stops firing, lets running executions finish for up to `grace`, then cancels (and so rolls
    /// back) the rest and waits for them.
    func shutdown(grace: Duration) async {
        stopping = true
        wake()
        let running = Array(runners.values)
        guard !running.isEmpty else { return }
        logger.info("waiting for running executions", metadata: ["count": "\(running.count)", "grace": "\(grace)"])
        let logger = logger
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for task in running { await task.value }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            if await group.next() == false {
                // Awaiting a task's value ignores cancellation: cancel the executions themselves,
                // which interrupts their statements and rolls them back; the drain then finishes.
                logger.warning("grace period over: cancelling running executions", metadata: ["count": "\(running.count)"])
                for task in running { task.cancel() }
            }
            group.cancelAll()
        }
    }

    /// Releases every caller of ``settle(at:)`` and ``waitUntilIdle()``: nothing more will run.
    func releaseWaiters() {
        settleWaiters.forEach { $0.continuation.resume() }
        settleWaiters = []
    }
}
