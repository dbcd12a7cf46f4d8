import Foundation
import Logging
import Metrics
import Synchronization

/// Runs executions safely: each holds a slot of the concurrency cap, runs in one transaction
/// (all of its rows or none), is interrupted and rolled back at its timeout (a
/// ``StatementDeadline`` its statements observe), and is recorded in the history. Its changes
/// are written to the change log in its own transaction (``ChangeLog``) and handed to the
/// ``ChangeFeed`` after the commit.
public final class Executor: Sendable {
    /// How executions run.
    public struct Settings: Sendable {
        /// `maxConcurrentExecutions`.
        public var maxConcurrentExecutions: Int
        /// `executionTimeoutMinutes`, as a duration.
        public var timeout: Duration
        /// Retention for closed tickets and completed activities; nil keeps everything.
        public var retentionDays: Int?
        /// The configured zone: business days and dates written by updaters are in it.
        public var timeZone: TimeZone
        /// `ledger.rowImages`: the change log keeps each row's full after-image, not only its hashes.
        public var rowImages: Bool
        /// Whether executions write the change log. Off only in the benchmark that measures the
        /// log's cost: without it `verify`, `score` and the streams have nothing to read.
        public var changeLog: Bool
        /// Cluster mode (PostgreSQL): a fire's transaction first takes the fire's advisory lock and
        /// looks for its record (``FireLog/claimFirst(_:target:request:)``), and is skipped
        /// without generating anything when another replica has it.
        public var claimFirst: Bool

        public init(maxConcurrentExecutions: Int = 2, timeout: Duration = .seconds(600), retentionDays: Int? = nil,
                    timeZone: TimeZone = TimeZone(identifier: "UTC")!, rowImages: Bool = false, changeLog: Bool = true,
                    claimFirst: Bool = false) {
            self.claimFirst = claimFirst
            self.rowImages = rowImages
            self.changeLog = changeLog
            self.maxConcurrentExecutions = maxConcurrentExecutions
            self.timeout = timeout
            self.retentionDays = retentionDays
            self.timeZone = timeZone
        }
    }

    /// One execution to run.
    public struct Request: Sendable {
        public var updater: any BaseUpdater
        public var tenant: Tenant
        /// The fire time: seeds the random source and stamps the rows.
        public var scheduledAt: Date
        public var dryRun: Bool
        public var seed: UInt64
        public var trigger: ExecutionRecord.Trigger
        /// Set when an operator's backlog action asked for this execution or record; kept on the record.
        public var backlog: BacklogResolution?
        /// A manual execution of a chosen slot in cluster mode: recorded as that slot's fire, so it
        /// takes effect once with the scheduled fire of the same slot, whichever replica runs either.
        public var claimsSlot: Bool

        public init(updater: any BaseUpdater, tenant: Tenant, scheduledAt: Date, dryRun: Bool, seed: UInt64,
                    trigger: ExecutionRecord.Trigger = .manual, backlog: BacklogResolution? = nil, claimsSlot: Bool = false) {
            self.claimsSlot = claimsSlot
            self.backlog = backlog
            self.updater = updater
            self.tenant = tenant
            self.scheduledAt = scheduledAt
            self.dryRun = dryRun
            self.seed = seed
            self.trigger = trigger
        }

        /// Whether it is a fire, which the fire log keeps once per slot: anything but a manual
        /// execution that does not claim its slot.
        var isFire: Bool { trigger != .manual || claimsSlot }
    }

    /// The settings in force; timeout and retention can change while running.
    public var settings: Settings { tunables.withLock { $0 } }
    private let tunables: Mutex<Settings>
    private let database: any Database
    private let history: ExecutionHistory
    private let feed: ChangeFeed
    private let clock: any UpdaterClock
    private let limiter: ConcurrencyLimiter
    private let health: DatabaseHealth?
    /// The target name the fire log records executions under.
    private let target: String
    /// The service's replica id, recorded with each execution (``CoordinationStore/replica``).
    private let replica: UUID?
    private let metrics: ExecutionMetricsReporter
    private let logger: Logger
    /// One entry per execution, under its own label so consoles can show them differently.
    private let executionLog = Logger(label: "updater.execution")

    /// - Parameters:
    ///   - health: told when executions find the database reachable or not.
    ///   - target: the name the fire log records this database's executions under.
    ///   - replica: the service's replica id, recorded with each execution (simulated ones excepted:
    ///     a simulation's rows depend on nothing but its seed and clock).
    public init(
        database: any Database, history: ExecutionHistory, feed: ChangeFeed,
        clock: any UpdaterClock, settings: Settings, health: DatabaseHealth? = nil, target: String = FireLog.defaultTarget,
        replica: UUID? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger = Logger(label: "updater.executor")
    ) {
        self.target = target
        self.replica = replica
        self.database = database
        self.history = history
        self.feed = feed
        self.clock = clock
        tunables = Mutex(settings)
        metrics = ExecutionMetricsReporter(factory: metricsFactory)
        self.health = health
        self.logger = logger
        limiter = ConcurrencyLimiter(limit: settings.maxConcurrentExecutions)
    }

    /// Changes the timeout, retention, zone and row images for executions that start from now
    /// on (the cap is fixed for the life of the executor).
    public func update(timeout: Duration, retentionDays: Int?, timeZone: TimeZone, rowImages: Bool) {
        tunables.withLock {
            $0.timeout = timeout
            $0.retentionDays = retentionDays
            $0.timeZone = timeZone
            $0.rowImages = rowImages
        }
    }

    /// Runs one execution and returns its record (already stored in the history). Never throws:
    /// every failure is an outcome.
    ///
    /// The whole execution runs on ``DatabaseExecutor``: its transaction, the limiter and pool it
    /// passes through and its bookkeeping follow one another on one thread, without hand-offs.
    /// Callers that start tasks for executions give them that preference too (as
    /// ``CronScheduler``'s runners do).
    public func execute(_ request: Request) async -> ExecutionRecord {
        await DatabaseExecutor.shared.preferred { await run(request) }
    }

    private func run(_ request: Request) async -> ExecutionRecord {
        let id = request.trigger == .simulation ? Identifiers.forFire(request) : Identifiers.next()
        do {
            try await limiter.acquire()
        } catch {
            return await finish(request, id: id, started: clock.now(), outcome: .failed, changes: [], samples: nil,
                                error: "cancelled while waiting for a free execution slot")
        }
        let started = clock.now()
        let random = SeededRandom(runSeed: request.seed, tenant: request.tenant.id, updater: request.updater.name, fireTime: request.scheduledAt)
        let current = settings
        let retention = current.retentionDays, timeZone = current.timeZone
        let deadline = ContinuousClock.now + current.timeout
        let result: Result<UpdaterOutput, any Error>
        let target = target, clock = clock
        let rowImages = current.rowImages, log = current.changeLog
        let claimFirst = current.claimFirst && request.isFire && !request.dryRun && database.dialect == .postgres
        let replica = request.trigger == .simulation ? nil : replica
        do {
            let output = try await StatementDeadline.$current.withValue(deadline) {
                try await database.withConnection { conn in
                    try conn.beginTransaction()
                    do {
                        if claimFirst, try !FireLog.claimFirst(conn, target: target, request: request) { throw ClaimedElsewhere() }
                        var context = UpdaterContext(tenant: request.tenant, fireTime: request.scheduledAt, random: random,
                                                     dryRun: request.dryRun, retentionDays: retention, timeZone: timeZone,
                                                     connection: conn, rowImages: rowImages)
                        try request.updater.run(&context)
                        try context.resolveImages()
                        // The fire log's row and the change log's entries last: they commit exactly when the rows do.
                        // A dry run writes the fire log's row too, to meet the same refusal a second fire would.
                        try FireLog.record(conn, target: target, replica: replica, executionID: id, request: request, startedAt: started,
                                           finishedAt: clock.now(), rows: ExecutionRecord.rowCounts(context.changes))
                        guard !request.dryRun else {
                            try conn.endTransaction(commit: false)
                            return UpdaterOutput(changes: context.changes, samples: context.samples, events: [])
                        }
                        let batch = ChangeLog.Batch(target: target, execution: id, tenant: request.tenant.id, updater: request.updater.name,
                                                    committedAt: Date(), dataTime: request.scheduledAt, changes: context.changes)
                        let numbering = log ? try ChangeLog.write(batch, on: conn) : nil
                        let answer = try conn.endTransaction(commit: true)
                        let events = numbering.map { ChangeLog.events(of: batch, numbering: $0, commitRows: answer) } ?? []
                        return UpdaterOutput(changes: context.changes, samples: context.samples, events: events)
                    } catch {
                        conn.abandonTransaction()
                        throw error
                    }
                }
            }
            result = .success(output)
        } catch let error where Self.isInterruption(error) && !Task.isCancelled && ContinuousClock.now >= deadline {
            result = .failure(ExecutionTimedOut(timeout: current.timeout))
        } catch {
            result = .failure(error)
        }
        limiter.release()
        switch result {
        case .success:
            health?.markReachable(at: clock.now())
        case .failure(let error as DatabaseError) where error.kind == .connection:
            if health?.markUnreachable(error.message, at: clock.now()) == true {
                logger.error("database unreachable", metadata: ["error": "\(error.message)"])
            }
        case .failure:
            break
        }
        switch result {
        case .success(let output):
            return await finish(request, id: id, started: started, outcome: .succeeded, changes: output.changes,
                                samples: request.dryRun ? output.samples : nil, error: nil, events: output.events)
        case .failure(is ClaimedElsewhere):
            return await finish(request, id: Identifiers.next(), started: started, outcome: .skipped, changes: [], samples: nil,
                                error: ClaimedElsewhere.reason)
        case .failure(let error as ExecutionTimedOut):
            return await finish(request, id: id, started: started, outcome: .timedOut, changes: [], samples: nil,
                                error: error.description)
        case .failure(let error) where await alreadyTookEffect(request, failedWith: error):
            // A fresh id: a simulated fire's derived one belongs to the execution that took effect.
            return await finish(request, id: Identifiers.next(), started: started, outcome: .skipped, changes: [], samples: nil,
                                error: "already took effect: the target database's fire log holds a committed execution of this fire")
        case .failure(let error) where Self.isInterruption(error):
            return await finish(request, id: id, started: started, outcome: .failed, changes: [], samples: nil,
                                error: "cancelled before it finished (the service was stopping); its transaction was rolled back")
        case .failure(let error):
            return await finish(request, id: id, started: started, outcome: .failed, changes: [], samples: nil,
                                error: Self.oneLine(error))
        }
    }

    /// Records a fire that was not run (missed, or overlapping a running execution).
    /// - Parameter missedRange: when the record stands for a range of missed fires (`request`'s
    ///   fire time is the range's last).
    public func recordSkipped(_ request: Request, reason: String, missedRange: ExecutionRecord.MissedRange? = nil) async -> ExecutionRecord {
        await finish(request, id: Identifiers.next(), started: clock.now(), outcome: .skipped, changes: [], samples: nil, error: reason,
                     missedRange: missedRange)
    }

    // MARK: - Internals

    private struct UpdaterOutput: Sendable {
        var changes: [RowChange]
        var samples: [String: [[String: String]]]
        /// The change log's entries of the committed changes.
        var events: [ChangeEvent]
    }

    private func finish(
        _ request: Request, id: UUID, started: Date, outcome: ExecutionRecord.Outcome, changes: [RowChange],
        samples: [String: [[String: String]]]?, error: String?, missedRange: ExecutionRecord.MissedRange? = nil,
        events: [ChangeEvent] = []
    ) async -> ExecutionRecord {
        let finished = clock.now()
        let record = ExecutionRecord(
            id: id, updater: request.updater.name, tenant: request.tenant.id, scheduledAt: request.scheduledAt,
            startedAt: started, finishedAt: finished, outcome: outcome, trigger: request.trigger, dryRun: request.dryRun, seed: request.seed,
            rows: ExecutionRecord.rowCounts(changes), error: error, sample: samples, missedRange: missedRange, backlog: request.backlog,
            replica: request.trigger == .simulation ? nil : replica)
        // After the commit, never before and never after a rollback: in sequence order to the
        // export and the subscribers.
        if !events.isEmpty { feed.committed(events) }
        // Queued; the history's own writer task (not this, possibly cancelled, one) writes it.
        history.record(record)
        metrics.report(record)
        let level: Logger.Level = record.outcome == .succeeded || record.outcome == .skipped ? .info : .warning
        let target = target
        executionLog.log(level: level, "execution", metadata: Self.logMetadata(record, target: target))
        return record
    }

    /// What the execution log says of `record` (built only when the entry is logged).
    /// - Parameter target: named unless it is the default one, so a one-target log reads as before.
    private static func logMetadata(_ record: ExecutionRecord, target: String) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "execution": "\(record.id.lowercaseString)", "updater": "\(record.updater)",
            "tenant": "\(record.tenant.lowercaseString)",
            "scheduledAt": "\(DatabaseValue.formatTimestamp(record.scheduledAt))", "outcome": "\(record.outcome.rawValue)",
            "trigger": "\(record.trigger.rawValue)", "rows": "\(record.totalRows)",
            "durationMs": "\(Int((record.durationSeconds * 1000).rounded()))",
        ]
        if record.dryRun { metadata["dryRun"] = "true" }
        if target != FireLog.defaultTarget { metadata["target"] = "\(target)" }
        if let backlog = record.backlog { metadata["backlog"] = "\(backlog.action.rawValue) \(backlog.item)" }
        if let error = record.error { metadata["error"] = "\(error)" }
        return metadata
    }

    /// Whether a fire failed because it had already taken effect: the fire log's key refused it,
    /// or (with a fixed seed) the rows it would write again were refused first and the fire
    /// log holds the fire.
    private func alreadyTookEffect(_ request: Request, failedWith error: any Error) async -> Bool {
        guard request.isFire else { return false }
        if FireLog.isDuplicateFire(error) { return true }
        guard (error as? DatabaseError)?.kind == .constraintViolation else { return false }
        let key = ExecutionKey(updater: request.updater.name, tenant: request.tenant.id)
        return (try? await FireLog.contains(key, at: request.scheduledAt, in: database, target: target)) ?? false
    }

    /// Whether `error` says a statement was interrupted or refused (cancellation or deadline).
    private static func isInterruption(_ error: any Error) -> Bool {
        error is CancellationError || (error as? DatabaseError)?.kind == .cancelled
    }

    private static func oneLine(_ error: any Error) -> String {
        DatabaseError.oneLine("\(error)")
    }
}

/// Cluster mode: another replica is executing the fire, or it took effect already (found before
/// anything was generated).
struct ClaimedElsewhere: Error {
    static let reason = "already claimed: another replica is executing this fire or it took effect already"
}

/// The execution ran past its timeout; its statement was interrupted and its transaction rolled back.
struct ExecutionTimedOut: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "timed out after \(timeout); the statement in flight was cancelled and the transaction rolled back" }
}
