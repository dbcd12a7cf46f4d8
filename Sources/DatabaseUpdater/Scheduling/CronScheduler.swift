import Cron
import Foundation
import Logging
import Metrics

/// Fires executions at their cron times, for every tenant × enabled updater.
///
/// It sleeps until the earliest next fire on the injected clock (no polling) and is woken early
/// by ``wake()`` — a configuration change, pause/resume, or the database coming back. Fires that
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

    private var entries: [Entry] = []
    private var config: UpdaterConfig
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

    init(config: UpdaterConfig, executor: Executor, history: ExecutionHistory, health: DatabaseHealth, running: RunningExecutions,
         clock: any UpdaterClock, logger: Logger, metricsFactory: any MetricsFactory,
         onRecord: @escaping @Sendable (ExecutionRecord) async -> Void) {
        dispatchLateness = Recorder(label: "updater_scheduler_lateness_seconds", factory: metricsFactory)
        runs = RunQueue(runnerLimit: executor.settings.maxConcurrentExecutions)
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
    func configure(_ config: UpdaterConfig, registry: UpdaterRegistry) async throws {
        self.config = config
        let now = clock.now()
        var rebuilt: [Entry] = []
        let previous = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        for tenant in config.tenants {
            for updater in registry.all where config.isEnabled(updater, tenant: tenant) {
                let schedule = try CronSchedule(config.schedule(for: updater, tenant: tenant), timeZone: config.timeZone)
                var entry = Entry(updater: updater, tenant: tenant, schedule: schedule)
                if let old = previous[entry.key] {
                    entry.nextFire = old.schedule == schedule ? old.nextFire : schedule.next(after: now)
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
            EntryStatus(updater: $0.updater.name, tenant: $0.tenant.id, schedule: $0.schedule.expression.source,
                        scheduleDescription: $0.schedule.expression.explain(), nextFire: paused ? nil : $0.nextFire,
                        running: running.contains($0.key))
        }
    }

    // MARK: - The loop

    /// Runs until ``shutdown(grace:)``.
    func run() async {
        while !stopping && !Task.isCancelled {
            let now = clock.now()
            let ready = health.state.reachable
            if !paused && ready {
                for index in entries.indices {
                    if let next = entries[index].nextFire, next <= now { await dispatch(index, now: now) }
                }
            }
            // Sleep until the next fire; an hour at most, so a wrong clock cannot strand us.
            var deadline = now.addingTimeInterval(3600)
            if !paused && ready, let earliest = entries.compactMap(\.nextFire).min(), earliest < deadline { deadline = earliest }
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
        let clock = clock
        let task = Task { try await clock.sleep(until: deadline) }
        sleeper = task
        _ = await task.result
        sleeper = nil
        wakePending = false
    }

    private func dispatch(_ index: Int, now: Date) async {
        guard let first = entries[index].nextFire else { return }
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
        let updater = entries[index].updater, tenant = entries[index].tenant, key = entries[index].key
        let policy = "misfire policy \(config.misfirePolicy.rawValue)"
        if let range = plan.missedRange {
            let reason = "\(range.count)\(range.countIsExact ? "" : " or more") missed fires from \(DatabaseValue.formatTimestamp(range.first)) "
                + "to \(DatabaseValue.formatTimestamp(range.last)): the scheduler could not run them on time (\(policy)); recorded as one range"
            await onRecord(await executor.recordSkipped(request(updater, tenant, at: range.last, trigger: .scheduled), reason: reason,
                                                        missedRange: range))
        }
        for missed in plan.missed {
            let reason = "missed fire: the scheduler could not run it on time (\(policy))"
            await onRecord(await executor.recordSkipped(request(updater, tenant, at: missed, trigger: .scheduled), reason: reason))
        }
        var fires = plan.catchUp.map { ($0, ExecutionRecord.Trigger.catchUp) }
        if let onTime = plan.onTime { fires.append((onTime, .scheduled)) }
        guard !fires.isEmpty else { return }
        let job = RunQueue.Job(key: key, requests: fires.map { request(updater, tenant, at: $0.0, trigger: $0.1) })
        guard running.claim(key) else {
            for request in job.requests {
                let reason = "skipped: an execution of \(updater.name) for this tenant was still running"
                await onRecord(await executor.recordSkipped(request, reason: reason))
            }
            return
        }
        if runs.submit(job) { startRunner() }
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
                running.release(job.key)
            }
            await self.runnerEnded(id)
        }
    }

    private func runnerEnded(_ id: UUID) {
        runners[id] = nil
    }

    private func request(_ updater: any BaseUpdater, _ tenant: Tenant, at fire: Date, trigger: ExecutionRecord.Trigger) -> Executor.Request {
        Executor.Request(updater: updater, tenant: tenant, scheduledAt: fire, dryRun: config.dryRun,
                         seed: config.seed ?? UInt64.random(in: 0...UInt64.max), trigger: trigger)
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
}
