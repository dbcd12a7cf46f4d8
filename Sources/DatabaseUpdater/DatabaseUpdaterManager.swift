import Cron
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// The top of the library: owns the configuration, the target database, the history, the
/// change events, the executor and (when started) the scheduler.
///
/// ```swift
/// import DatabaseUpdater
/// let manager = try await DatabaseUpdaterManager.start(configuration: .init(logLevel: .info, enableScheduling: true))
/// let status = await manager.status()
/// try await manager.stop()
/// ```
///
/// ``open(configuration:registry:clock:logger:)`` is for one-off work (`updater execute`): it
/// fails at once if the database is down. ``start(configuration:registry:clock:logger:)`` is
/// the service: it stays up when the database is down, retries with backoff, and schedules once
/// the database answers.
public actor DatabaseUpdaterManager: Service {
    /// The configuration in force.
    public private(set) var configuration: UpdaterConfig
    /// Where each configured value came from.
    public private(set) var configurationSources: [String: ConfigSource] = [:]
    /// The business simulated in the target database (the configuration's ``UpdaterConfig/scenario``).
    public let scenario: any Scenario
    /// The updaters: the scenario's, unless the caller gave others.
    public let registry: UpdaterRegistry
    /// The target database.
    public let database: any Database
    /// Every execution record.
    public let history: ExecutionHistory
    /// Live change-log entries, in sequence order (``ChangeFeed/live``).
    public var events: ChangeEventBus { feed.live }
    /// Committed change-log entries: live, or from any sequence number on (``ChangeFeed/subscribe(after:)``).
    public let feed: ChangeFeed
    /// Events from outside the change log (posted to the API, captured from other writers),
    /// broadcast to streams and webhooks beside the log's own; never ground truth.
    public let externalEvents = ChangeEventBus()
    /// Live execution records, as they are made.
    public let records: Broadcaster<ExecutionRecord>
    /// The webhook endpoints the change log is delivered to (``UpdaterConfig/webhooks``): started
    /// with the service once the log's end is known, stopped with it.
    public nonisolated let webhooks: Webhooks
    /// Broadcasts `events` from outside the log, each marked with `source` and without a
    /// sequence number, to every stream and webhook (see ``externalEvents``).
    public nonisolated func publishExternal(_ events: [ChangeEvent], source: String) {
        externalEvents.publish(events.map { event in
            var event = event
            event.source = source
            event.seq = nil
            return event
        })
    }

    /// The change log's export, `changes.jsonl`.
    public let ledger: ChangeLedger
    /// Whether the target database answers.
    public let health: DatabaseHealth
    let executor: Executor
    let clock: any UpdaterClock
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private(set) var scheduler: CronScheduler?
    /// The simulation driving this manager, if any (for the API's simulation routes). Weak: the
    /// simulation holds the manager.
    public private(set) weak var simulation: Simulation?
    private var background: [Task<Void, Never>] = []
    /// This replica's part in its cluster (`cluster.enabled`), once it joined.
    private var clusterMember: ClusterMember?
    /// Joins the cluster, then beats until cancelled (``startCluster()``).
    private var clusterTask: Task<Void, Never>?
    /// Whether ``startCluster()`` started joining (it keeps trying until it joins).
    private var joiningCluster = false
    /// Where an API announced before the cluster was joined listens, for the first heartbeat.
    private var announcedAPI: String?
    /// The fires this process committed, for its cluster heartbeat.
    private let committedFires = FireCounter()
    /// Who this service is and who else drives its target: ``LocalCoordination`` alone,
    /// ``PostgresCoordination`` in cluster mode.
    public nonisolated let coordination: any CoordinationStore
    /// What runs, scheduled or manual: one registry both consult.
    var running: RunningExecutions { coordination.running }
    /// When the service was launched (``run()`` or ``launch()``).
    public private(set) var startedAt: Date?
    /// Executions asked for before the first attempt to reach, migrate and seed the database
    /// (begun by ``launch()``) ended; nil once it has (``firstPreparation()``).
    private var awaitingPreparation: [CheckedContinuation<Void, Never>]? = []

    /// Assembles the service without starting it: subscribe to ``records`` and ``events``, then
    /// ``run()`` it (in a `ServiceGroup`), or ``launch()`` it and ``stop()`` it yourself.
    /// The schedules are known from here on (``schedules()``); nothing fires before it runs.
    /// - Parameters:
    ///   - sources: where each configured value came from (from ``ConfigLoader``), kept for live updates.
    ///   - metricsFactory: where execution metrics go (the HTTP API passes its Prometheus registry's).
    ///   - records: becomes ``records`` (to share one made earlier).
    /// - Throws: ``ConfigurationError`` for an invalid configuration; an unusable data folder.
    public init(
        configuration: UpdaterConfig, sources: [String: ConfigSource] = [:], registry: UpdaterRegistry? = nil,
        clock: any UpdaterClock = SystemClock(), metricsFactory: any MetricsFactory = MetricsSystem.factory,
        records: Broadcaster<ExecutionRecord> = Broadcaster(), logger: Logger = Logger(label: "updater")
    ) async throws {
        try await self.init(configuration, registry: registry, clock: clock, metricsFactory: metricsFactory, records: records,
                            connectFirst: false, logger: logger)
        configurationSources = sources
        if configuration.enableScheduling {
            let committedFires = committedFires
            let scheduler = makeScheduler(CronScheduler.Options(), observe: { committedFires.note($0) })
            self.scheduler = scheduler
            do {
                try await scheduler.configure(configuration, registry: self.registry)
            } catch {
                logger.error("could not read the execution history to resume schedules", metadata: ["error": "\(error)"])
            }
            // A replica fires nothing until its first heartbeat says which tenants are its own.
            if configuration.cluster.enabled { await scheduler.setOwnership([], lastCommitted: [:]) }
        }
    }

    /// Opens the target database (migrating it and creating the configured tenants), the history
    /// and the ledger, for executions on request.
    /// - Throws: ``ConfigurationError`` for an invalid configuration, ``DatabaseError`` when the
    ///   database cannot be reached or migrated.
    public static func open(
        configuration: UpdaterConfig, registry: UpdaterRegistry? = nil, clock: any UpdaterClock = SystemClock(),
        metricsFactory: any MetricsFactory = MetricsSystem.factory, records: Broadcaster<ExecutionRecord> = Broadcaster(),
        logger: Logger = Logger(label: "updater")
    ) async throws -> DatabaseUpdaterManager {
        let manager = try await DatabaseUpdaterManager(configuration, registry: registry, clock: clock, metricsFactory: metricsFactory,
                                                       records: records, connectFirst: true, logger: logger)
        do {
            _ = try await manager.prepareDatabase()
            manager.health.markReachable(at: clock.now())
        } catch {
            await manager.close()
            throw error
        }
        return manager
    }

    /// Assembles and launches the service, for callers that stop it with ``stop()`` rather than
    /// run it in a group.
    /// - Parameter records: becomes ``records``. Scheduling (and catching up on missed fires)
    ///   starts before this returns, so a caller that must see every record subscribes to one
    ///   first and passes it here.
    public static func start(
        configuration: UpdaterConfig, sources: [String: ConfigSource] = [:], registry: UpdaterRegistry? = nil,
        clock: any UpdaterClock = SystemClock(), metricsFactory: any MetricsFactory = MetricsSystem.factory,
        records: Broadcaster<ExecutionRecord> = Broadcaster(), logger: Logger = Logger(label: "updater")
    ) async throws -> DatabaseUpdaterManager {
        let manager = try await DatabaseUpdaterManager(configuration: configuration, sources: sources, registry: registry, clock: clock,
                                                       metricsFactory: metricsFactory, records: records, logger: logger)
        await manager.launch()
        return manager
    }

    /// Runs the service until a graceful shutdown (or cancellation), then stops it: no new
    /// fires, running executions get the grace period, everything is closed.
    public func run() async throws {
        launch()
        try? await gracefulShutdown()
        logger.info("shutting down: no new executions")
        try await stop()
    }

    /// - Parameter connectFirst: connect to the database before creating anything in the data
    ///   folder, so that a one-off command against a database that is down leaves no files behind.
    private init(
        _ configuration: UpdaterConfig, registry: UpdaterRegistry?, clock: any UpdaterClock, metricsFactory: any MetricsFactory,
        records: Broadcaster<ExecutionRecord>, connectFirst: Bool, logger: Logger
    ) async throws {
        var problems = ConfigLoader.validate(configuration, registry: registry)
        if configuration.cluster.enabled, let location = configuration.databaseLocation, location.dialect != .postgres {
            problems.append("cluster.enabled: cluster mode coordinates replicas through PostgreSQL; \(location) is SQLite, which one process writes")
        }
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        let scenario = configuration.scenarioValue
        let registry = registry ?? scenario.updaters
        let database = try DatabaseFactory.make(try configuration.databaseLocation ?? DatabaseLocation(parsing: configuration.database),
                                                poolSize: configuration.executionConfig.maxConcurrentExecutions,
                                                databases: scenario.databases)
        let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory)
        let history: ExecutionHistory
        let ledger: ChangeLedger
        let coordination: any CoordinationStore
        do {
            if connectFirst { _ = try await database.withConnection { _ in true } }
            history = try await ExecutionHistory(directory: dataDirectory)
            ledger = try ChangeLedger(url: dataDirectory.appendingPathComponent("changes.jsonl"))
            let replica = try await history.replicaID()
            coordination = configuration.cluster.enabled
                ? try PostgresCoordination(cluster: configuration.cluster, replica: replica, database: database,
                                           target: configuration.target, history: history)
                : LocalCoordination(replica: replica, database: database, target: configuration.target, history: history)
        } catch {
            await database.close()
            throw error
        }
        let feed = ChangeFeed(database: database, export: ledger, logger: logger)
        // The benchmark-only switch that measures what the change log costs (bench/run.py, make bench-ground-truth).
        let changeLog = ProcessInfo.processInfo.environment["UPDATER_BENCHMARK_CHANGE_LOG"] != "off"
        let health = DatabaseHealth(now: clock.now())
        executor = Executor(
            database: database, history: history, feed: feed, clock: clock,
            settings: .init(maxConcurrentExecutions: configuration.executionConfig.maxConcurrentExecutions,
                            timeout: configuration.executionConfig.timeout,
                            retentionDays: configuration.executionConfig.retentionDays, timeZone: configuration.timeZone,
                            rowImages: configuration.ledger.rowImages, changeLog: changeLog,
                            claimFirst: coordination.isCluster),
            health: health, target: configuration.target, replica: coordination.replica, metricsFactory: metricsFactory, logger: logger)
        self.coordination = coordination
        self.metricsFactory = metricsFactory
        webhooks = Webhooks(configuration.webhooks, dataDirectory: dataDirectory, metricsFactory: metricsFactory, logger: logger)
        self.configuration = configuration
        self.scenario = scenario
        self.registry = registry
        self.database = database
        self.history = history
        self.feed = feed
        self.records = records
        self.ledger = ledger
        self.health = health
        self.clock = clock
        self.logger = logger
    }

    /// A scheduler over this manager's executor, history and registry of running executions.
    /// - Parameter observe: told of every record before it is published (a simulation's tally).
    func makeScheduler(_ options: CronScheduler.Options, observe: (@Sendable (ExecutionRecord) -> Void)?) -> CronScheduler {
        let records = records
        return CronScheduler(config: configuration, options: options, executor: executor, history: history, health: health,
                             running: running, clock: clock, logger: logger, metricsFactory: metricsFactory) { record in
            observe?(record)
            records.publish([record])
        }
    }

    /// Makes a simulation's scheduler the one ``schedules()``, ``status()`` and pausing act on,
    /// and the simulation the one ``simulation`` names.
    func adopt(_ scheduler: CronScheduler, simulation: Simulation) {
        self.scheduler = scheduler
        self.simulation = simulation
    }

    /// Migrates the scenario's schema, prepares the configured tenants (``Scenario/prepare(_:on:now:)``), and restores the execution history
    /// from the fire log: any record a crash lost (or wrote as failed although its commit went
    /// through) is written from what committed.
    /// - Returns: the last committed fire of each updater and tenant, for the scheduler.
    private func prepareDatabase() async throws -> [ExecutionKey: Date] {
        try await Migrator.migrate(database, migrations: scenario.migrations, now: clock.now())
        try await prepareTenants(configuration.tenants)
        let exported = try await feed.catchUp()
        if exported > 0 {
            logger.warning("change log recovery: changes.jsonl caught up with the database's change log", metadata: ["entries": "\(exported)"])
        }
        if let slot = configuration.groundTruth.walSlot, database.dialect == .postgres {
            if try await WALSlot.create(slot, in: database) {
                logger.info("replication slot created for updater verify --wal", metadata: ["slot": "\(slot)"])
            }
        }
        let keys = configuration.enabledKeys(in: registry)
        let restored = try await coordination.restoreHistory(of: keys)
        if restored > 0 {
            logger.warning("execution history restored from the target database's fire log", metadata: ["records": "\(restored)"])
        }
        return try await coordination.lastCommittedFires(of: keys)
    }

    /// Creates what `tenants` need in the target database, in one transaction with the change
    /// log's entries of the rows it wrote (as updater `seed`; exported by ``ChangeFeed/catchUp()``).
    private func prepareTenants(_ tenants: [Tenant]) async throws {
        let scenario = scenario, now = clock.now(), target = configuration.target
        _ = try await database.transaction { conn in
            let seeded = try scenario.prepare(tenants, on: conn, now: now)
            for (tenant, changes) in seeded.sorted(by: { $0.key.lowercaseString < $1.key.lowercaseString }) {
                _ = try ChangeLog.write(.init(target: target, execution: Identifiers.next(), tenant: tenant, updater: ChangeLog.seedUpdater,
                                              committedAt: Date(), dataTime: now, changes: changes), on: conn)
            }
        }
    }

    /// Starts the real-time scheduler's loop, the database monitor and the webhooks (once; later
    /// calls do nothing).
    public func launch() {
        guard startedAt == nil else { return }
        startedAt = clock.now()
        startWebhooks()
        if let scheduler { background.append(Task { await scheduler.run() }) }
        background.append(Task { await self.monitorDatabase() })
    }

    /// Keeps trying to reach (and migrate) the database while it is down, with backoff from 1 s
    /// up to the shortest schedule's period, at least 5 s and at most 30 s (so scheduling
    /// resumes within one period, or 5 s), logging the failure once per 30 s. Once it answers,
    /// the scheduler moves past every fire that committed, and only then is woken.
    private func monitorDatabase() async {
        var backoff = 1.0
        var lastLogged: Date?
        while !Task.isCancelled {
            if health.state.reachable {
                firstPreparationEnded()  // prepared before the launch, by `open`
                await health.waitUntilUnreachable()
                continue
            }
            do {
                let committed = try await prepareDatabase()
                firstPreparationEnded()
                startWebhooks()
                startCluster()
                await scheduler?.resume(afterCommitted: committed)
                health.markReachable(at: clock.now())
                logger.info("database reachable", metadata: ["database": "\(database.redactedLocation)"])
                backoff = 1
                lastLogged = nil
                await scheduler?.wake()
            } catch {
                firstPreparationEnded()
                let message = (error as? DatabaseError)?.message ?? DatabaseError.oneLine("\(error)")
                health.markUnreachable(message, at: clock.now())
                let now = clock.now()
                if lastLogged.map({ now.timeIntervalSince($0) >= 30 }) ?? true {
                    logger.error("database unreachable; retrying", metadata: [
                        "database": "\(database.redactedLocation)", "error": "\(message)", "retryIn": "\(Int(backoff)) s",
                    ])
                    lastLogged = now
                }
                try? await clock.sleep(for: .seconds(clamping: backoff))
                backoff = min(backoff * 2, Self.probeIntervalLimit(configuration, registry: registry, now: clock.now()))
            }
        }
    }

    /// Returns once the first attempt to prepare the database after ``launch()`` has ended, at
    /// once if it has or the manager was not launched: an execution asked for right after the
    /// start must not race the migrations or the seed's transaction (on a busy machine the
    /// factory's seed held SQLite's write lock past a manual execution's busy timeout). If that
    /// attempt failed, executions go on and meet the database's error, as at any later outage.
    private func firstPreparation() async {
        guard startedAt != nil, awaitingPreparation != nil else { return }
        await withCheckedContinuation { awaitingPreparation?.append($0) }
    }

    private func firstPreparationEnded() {
        let waiting = awaitingPreparation ?? []
        awaitingPreparation = nil
        for continuation in waiting { continuation.resume() }
    }

    /// Starts the webhooks from the log's end as this process knows it, before any execution of
    /// the service commits: at launch when the database is prepared already, else once it is.
    private func startWebhooks() {
        guard let logEnd = feed.handedOn else { return }
        webhooks.start(feed: feed, logEnd: logEnd, external: externalEvents)
    }

    /// Joins the cluster (once the database is prepared; once): the heartbeat that hands the
    /// scheduler this replica's tenants. Until the registry can be prepared this replica fires
    /// nothing; it tries again every heartbeat.
    private func startCluster() {
        guard coordination.isCluster, !joiningCluster, let scheduler else { return }
        joiningCluster = true
        let configuration = configuration, logger = logger, committed = committedFires, coordination = coordination, clock = clock
        let keys = configuration.enabledKeys(in: registry)
        clusterTask = Task {
            var warned = false
            while !Task.isCancelled {
                do {
                    try await coordination.join()
                    let member = ClusterMember(store: coordination, scheduler: scheduler, configuration: configuration, keys: keys,
                                               committed: committed, clock: clock, logger: logger)
                    await self.joined(member)
                    logger.info("joined cluster", metadata: ["cluster": "\(configuration.cluster.name)",
                                                             "replica": "\(coordination.replica.lowercaseString)"])
                    await member.run()
                    return
                } catch {
                    if !warned {
                        logger.error("could not join the cluster; trying again every heartbeat",
                                     metadata: ["error": "\((error as? DatabaseError)?.message ?? "\(error)")"])
                        warned = true
                    }
                    try? await Task.sleep(for: .seconds(configuration.cluster.heartbeatSeconds))
                }
            }
        }
    }

    /// Stops beating and leaves the cluster (once this replica's executions are over), so the
    /// others take its tenants at their next beat rather than after three silent ones.
    private func leaveCluster() async {
        guard clusterTask != nil else { return }
        await stopBeating()
        guard clusterMember != nil else { return }
        do {
            try await coordination.leave()
            logger.info("left the cluster", metadata: ["replica": "\(coordination.replica.lowercaseString)"])
        } catch {
            logger.warning("could not leave the cluster; the others take its tenants after three silent heartbeats",
                           metadata: ["error": "\((error as? DatabaseError)?.message ?? "\(error)")"])
        }
    }

    /// Cancels joining and beating (``startCluster()``) and waits for it to end.
    private func stopBeating() async {
        clusterTask?.cancel()
        await clusterTask?.value
        clusterTask = nil
    }

    private func joined(_ member: ClusterMember) async {
        clusterMember = member
        if let announcedAPI { await member.announce(api: announcedAPI) }
    }

    /// Tells the cluster where this replica's API listens (`updater cluster replicas` shows it).
    public func announce(api: String) async {
        announcedAPI = api
        await clusterMember?.announce(api: api)
    }

    /// The longest wait between two probes of a database that is down: the shortest schedule's
    /// period, within 5 to 30 s.
    static func probeIntervalLimit(_ configuration: UpdaterConfig, registry: UpdaterRegistry, now: Date) -> Double {
        var shortest = 30.0
        for tenant in configuration.tenants {
            for updater in registry.all where configuration.isEnabled(updater, tenant: tenant) {
                guard let schedule = try? configuration.cronSchedule(configuration.schedule(for: updater, tenant: tenant)),
                      let first = schedule.next(after: now), let second = schedule.next(after: first) else { continue }
                shortest = min(shortest, second.timeIntervalSince(first))
            }
        }
        return min(max(shortest, 5), 30)
    }

    // MARK: - Executions on request

    /// Runs one execution of `updaterName` now.
    ///
    /// While a real (not dry) execution runs, scheduled fires of its updater and tenant are
    /// skipped (``RunningExecutions``). A dry run commits nothing and runs beside anything.
    /// - Parameters:
    ///   - tenant: a configured tenant's id; the first configured tenant when nil.
    ///   - dryRun: roll back instead of committing; the configuration's `dryRun` when nil.
    ///   - seed: the run seed; the configuration's, else a fresh one.
    ///   - fireTime: the fire time the execution is seeded and stamped with; now when nil.
    ///   - exclusive: refuse (``UpdaterError/Kind/alreadyRunning``) while an execution of the same
    ///     updater and tenant runs, scheduled or manual, as the API does; otherwise run beside it.
    ///
    /// In cluster mode an execution of a chosen `fireTime` claims that slot like a scheduled fire
    /// (``Executor/Request/claimsSlot``): whichever replica runs it or the slot's scheduled fire,
    /// the slot takes effect once, and a second one is recorded as skipped.
    /// - Throws: ``UpdaterError`` for an unknown updater or tenant, or one already running.
    ///   Execution failures are outcomes in the returned record, not errors.
    public func execute(
        _ updaterName: String, tenant: UUID? = nil, dryRun: Bool? = nil, seed: UInt64? = nil, fireTime: Date? = nil,
        exclusive: Bool = false
    ) async throws(UpdaterError) -> ExecutionRecord {
        let updater = try registry.updater(named: updaterName)
        let tenant = try resolveTenant(tenant)
        await firstPreparation()
        let dryRun = dryRun ?? configuration.dryRun
        let key = ExecutionKey(updater: updater.name, tenant: tenant.id)
        if exclusive && running.contains(key) {
            throw UpdaterError(.alreadyRunning, "\(updater.name) is already running for tenant \(tenant)")
        }
        if !dryRun {
            if exclusive {
                guard running.claim(key) else {
                    throw UpdaterError(.alreadyRunning, "\(updater.name) is already running for tenant \(tenant)")
                }
            } else {
                running.join(key)
            }
        }
        defer { if !dryRun { running.release(key) } }
        let record = await executor.execute(.init(
            updater: updater, tenant: tenant, scheduledAt: fireTime ?? clock.now(),
            dryRun: dryRun, seed: seed ?? configuration.seed ?? UInt64.random(in: 0...UInt64.max),
            claimsSlot: coordination.isCluster && fireTime != nil))
        records.publish([record])
        return record
    }

    /// Dry-runs every enabled updater for every tenant, one after another.
    public func testAll(fireTime: Date? = nil) async -> [ExecutionRecord] {
        await firstPreparation()
        var results: [ExecutionRecord] = []
        let at = fireTime ?? clock.now()
        for tenant in configuration.tenants {
            for updater in registry.all where configuration.isEnabled(updater, tenant: tenant) {
                results.append(await executor.execute(.init(
                    updater: updater, tenant: tenant, scheduledAt: at, dryRun: true,
                    seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max))))
            }
        }
        return results
    }

    // MARK: - Control

    /// Pauses (`false`) or resumes (`true`) scheduling without stopping the process; running
    /// executions finish. Idempotent. Returns whether scheduling now runs.
    @discardableResult
    public func setScheduling(_ running: Bool) async -> Bool {
        guard let scheduler else { return false }
        await scheduler.setPaused(!running)
        return running
    }

    /// Applies a partial configuration, validated whole; on success it is swapped in at once and
    /// the schedules recomputed. Keys a running service cannot change (``ConfigKey/liveUpdate``:
    /// resources opened at start, scheduling, which has its own routes) are refused.
    /// - Throws: ``ConfigurationError`` listing every problem; the running configuration is then unchanged.
    public func updateConfiguration(_ partial: [String: Any]) async throws(ConfigurationError) -> UpdaterConfig {
        let merged = try ConfigLoader.merge(partial, into: LoadedConfig(config: configuration, sources: configurationSources, warnings: []),
                                            registry: registry)
        let old = configuration, new = merged.config
        let problems = ConfigKeyTable.standard.liveUpdateProblems(from: old, to: new)
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
        configuration = new
        configurationSources = merged.sources
        executor.update(timeout: new.executionConfig.timeout, retentionDays: new.executionConfig.retentionDays, timeZone: new.timeZone,
                        rowImages: new.ledger.rowImages)
        if new.tenants != old.tenants, health.state.reachable {
            try? await prepareTenants(new.tenants)
        }
        try? await scheduler?.configure(new, registry: registry)
        logger.info("configuration updated", metadata: ["keys": "\(partial.keys.sorted().joined(separator: ","))"])
        return new
    }

    // MARK: - Observing

    /// Health: `unhealthy` when the scheduler is stalled or the database has been unreachable for
    /// five minutes; `degraded` while the database is unreachable or at least half of the recent
    /// executions failed; else `healthy`. Each non-healthy status says why.
    public func health() async -> HealthReport {
        let now = clock.now()
        let database = health.state
        var unhealthy: [String] = [], degraded: [String] = []
        if !database.reachable {
            let down = now.timeIntervalSince(database.since)
            let reason = "database unreachable for \(Int(down)) s: \(database.lastError ?? "unknown error")"
            if down >= 300 { unhealthy.append(reason) } else { degraded.append(reason) }
        }
        if let scheduler {
            let stalled = await scheduler.stalledFor(now: now)
            if stalled > 30 { unhealthy.append("scheduler stalled: \(Int(stalled)) s behind its next fire") }
        }
        let recent = ((try? await history.recent(limit: 100)) ?? []).filter { !$0.dryRun && $0.outcome != .skipped }.prefix(20)
        var ratio: Double?
        if !recent.isEmpty {
            let failed = recent.filter { $0.outcome != .succeeded }.count
            ratio = Double(failed) / Double(recent.count)
            if failed * 2 >= recent.count { degraded.append("\(failed) of the last \(recent.count) executions failed") }
        }
        let status: HealthReport.Status = !unhealthy.isEmpty ? .unhealthy : (!degraded.isEmpty ? .degraded : .healthy)
        return HealthReport(status: status, reasons: unhealthy + degraded, database: database, recentFailureRatio: ratio)
    }

    /// Checks the scenario's invariants in the target database (see ``InvariantChecker``).
    /// - Throws: ``DatabaseError`` when the database cannot be read.
    public func checkInvariants() async throws -> InvariantReport {
        try await InvariantChecker.check(scenario, in: database, timeZone: configuration.timeZone,
                                         retentionDays: configuration.executionConfig.retentionDays)
    }

    /// Per-updater metrics from the history.
    public func metrics() async throws -> [UpdaterMetrics] { try await history.metrics() }

    /// The scheduler's entries (empty when scheduling is off).
    public func schedules() async -> [CronScheduler.EntryStatus] { await scheduler?.status() ?? [] }

    /// Whether scheduling runs now (enabled and not paused).
    public func isScheduling() async -> Bool {
        guard let scheduler else { return false }
        return await !scheduler.isPaused
    }

    /// A snapshot of the service: scheduling, database, schedules (with each one's last run) and metrics.
    public func status() async -> ServiceStatus {
        let now = clock.now()
        let recent = ((try? await history.recent(limit: 500)) ?? []).filter { !$0.dryRun }
        var entries = await schedules()
        // In a cluster a schedule's last fire may be another replica's: the fire log has it.
        let clusterFires = coordination.isCluster
            ? (try? await coordination.lastFireRecords(of: entries.map { ExecutionKey(updater: $0.updater, tenant: $0.tenant) })) ?? [:]
            : [:]
        entries = entries.map { entry -> CronScheduler.EntryStatus in
            var entry = entry
            let own = recent.first { $0.updater == entry.updater && $0.tenant == entry.tenant }
            let committed = clusterFires[ExecutionKey(updater: entry.updater, tenant: entry.tenant)]
            let last = [own, committed].compactMap { $0 }.max { $0.scheduledAt < $1.scheduledAt }
            entry.lastRun = last?.scheduledAt
            entry.lastOutcome = last?.outcome
            entry.lastReplica = last?.replica
            return entry
        }
        let schedules = entries
        return ServiceStatus(
            running: startedAt != nil, pid: Int(ProcessInfo.processInfo.processIdentifier), startedAt: startedAt,
            uptimeSeconds: startedAt.map { now.timeIntervalSince($0) }, schedulingEnabled: configuration.enableScheduling,
            schedulingPaused: await !isScheduling() && configuration.enableScheduling,
            dryRun: configuration.dryRun, database: database.redactedLocation, scenario: scenario.name, databaseHealth: health.state,
            timezone: configuration.timezone, schedules: schedules, metrics: (try? await metrics()) ?? [],
            webhooks: webhooks.status(), replica: coordination.replica,
            replicas: coordination.isCluster ? try? await coordination.replicas() : nil)
    }

    // MARK: - Stopping

    /// Stops gracefully: no new fires, running executions get the configured grace period, the
    /// rest are cancelled and rolled back; the webhooks get as long again to send what committed;
    /// then everything is closed.
    public func stop() async throws {
        if let scheduler {
            await scheduler.shutdown(grace: configuration.shutdownGracePeriod)
        }
        await leaveCluster()
        await webhooks.stop(logEnd: feed.handedOn, grace: configuration.shutdownGracePeriod)
        await close()
    }

    /// Returns once the scheduler has handled every fire due by `instant` and their executions
    /// have finished (at once without a scheduler). ``SimulatedClock/advance(to:settling:)`` uses it.
    public func settle(at instant: Date) async {
        await scheduler?.settle(at: instant)
    }

    /// Closes the database, the history and the ledger without waiting for anything but one
    /// read: entries the export still lacks (written by another process, or waiting for one
    /// that was) are appended from the log first, when the database answers.
    public func close() async {
        firstPreparationEnded()
        await scheduler?.releaseWaiters()
        await stopBeating()
        background.forEach { $0.cancel() }
        await webhooks.stop(logEnd: nil, grace: .zero)
        health.releaseWaiters()
        for task in background { await task.value }
        background = []
        records.finish()
        if health.state.reachable { _ = try? await feed.catchUp() }
        feed.finish()
        externalEvents.finish()
        await database.close()
        await history.close()
        try? ledger.close()
    }

    private func resolveTenant(_ id: UUID?) throws(UpdaterError) -> Tenant {
        guard let id else { return configuration.tenants.first ?? .default }
        if let tenant = configuration.tenants.first(where: { $0.id == id }) { return tenant }
        let known = configuration.tenants.map(\.description).joined(separator: ", ")
        throw UpdaterError(.unknownTenant, "unknown tenant \(id.lowercaseString) (configured: \(known))")
    }
}
