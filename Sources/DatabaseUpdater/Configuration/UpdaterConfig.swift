import Cron
import Foundation

/// The effective configuration: validated once, then immutable (live updates swap it whole).
///
/// Names are the ones users know from `Config/updater.yaml`. Sources, later overriding
/// earlier: these defaults, the YAML file, the environment, command-line flags, then live
/// updates (see ``ConfigLoader``).
public struct UpdaterConfig: Sendable, Equatable, Codable {
    /// Log levels users can choose.
    public enum LogLevel: String, Sendable, Codable, CaseIterable {
        case debug, info, warn, error
    }

    /// What the scheduler does with fires it missed (the process was stopped, the machine
    /// slept, or the database was unreachable).
    public enum MisfirePolicy: String, Sendable, Codable, CaseIterable {
        /// Record the missed fires, run none of them.
        case skip
        /// Run one catch-up execution (for the latest missed fire), record the rest.
        case runOnce
        /// Run every missed fire, oldest first, up to ``UpdaterConfig/misfireLimit``.
        case runAll
    }

    /// How executions run.
    public struct ExecutionConfig: Sendable, Equatable, Codable {
        /// Enabled flags by configuration key (`businessActivities`, `serviceTickets`, `newLeads`);
        /// an updater not named here is enabled.
        public var enabledUpdaters: [String: Bool]
        /// Executions allowed at once (the concurrency cap).
        public var maxConcurrentExecutions: Int
        /// An execution still running after this long is cancelled and rolled back.
        public var executionTimeoutMinutes: Double
        /// Delete closed tickets and completed activities older than this many days; nil keeps them.
        public var retentionDays: Int?

        public init(enabledUpdaters: [String: Bool] = [:], maxConcurrentExecutions: Int = 2,
                    executionTimeoutMinutes: Double = 10, retentionDays: Int? = nil) {
            self.enabledUpdaters = enabledUpdaters
            self.maxConcurrentExecutions = maxConcurrentExecutions
            self.executionTimeoutMinutes = executionTimeoutMinutes
            self.retentionDays = retentionDays
        }

        /// The timeout as a duration.
        public var timeout: Duration { .seconds(clamping: executionTimeoutMinutes * 60) }
    }

    /// The HTTP API of a running service.
    public struct APIConfig: Sendable, Equatable, Codable {
        /// Serve the API (`updater start --no-api` turns it off).
        public var enabled: Bool
        /// Address to bind; loopback by default. Off loopback, GET routes need the token too.
        public var host: String
        /// Port to bind; 0 picks a free one (its number is in the banner and the lock file).
        public var port: Int
        /// Bearer token for mutating routes. Nil: `DATABASE_UPDATER_API_TOKEN`, else one is
        /// generated at first start into `data/api-token` (mode 0600). Never printed.
        public var token: String?

        public init(enabled: Bool = true, host: String = "127.0.0.1", port: Int = 5000, token: String? = nil) {
            self.enabled = enabled
            self.host = host
            self.port = port
            self.token = token
        }
    }

    /// What the change log keeps (``ChangeLog``).
    public struct LedgerConfig: Sendable, Equatable, Codable {
        /// Keep each changed row's full after-image in the log, besides its hashes.
        public var rowImages: Bool

        public init(rowImages: Bool = false) {
            self.rowImages = rowImages
        }
    }

    /// How the change log is checked against PostgreSQL's own record.
    public struct GroundTruthConfig: Sendable, Equatable, Codable {
        /// The logical replication slot the service creates at start (PostgreSQL) for `updater verify --wal`.
        public var walSlot: String?

        public init(walSlot: String? = nil) {
            self.walSlot = walSlot
        }
    }

    /// The live streams of change events (`GET /api/database-updater/events`, `/events/ws`).
    /// Cluster mode: replicas sharing the schedules through the target PostgreSQL database.
    public struct ClusterConfig: Sendable, Equatable, Codable {
        /// Whether this service is one replica of a cluster (PostgreSQL targets only).
        public var enabled: Bool
        /// The cluster's name: replicas with the same name on one database share the schedules.
        public var name: String
        /// How often a replica beats; one silent for three beats is taken for dead.
        public var heartbeatSeconds: Double

        public init(enabled: Bool = false, name: String = "default", heartbeatSeconds: Double = 5) {
            self.enabled = enabled
            self.name = name
            self.heartbeatSeconds = heartbeatSeconds
        }
    }

    public struct StreamsConfig: Sendable, Equatable, Codable {
        /// Streaming clients served at once; one more gets 503.
        public var maxClients: Int
        /// Live events buffered per client; a client further behind gets a gap marker and the
        /// skipped events from the log.
        public var clientBuffer: Int

        public init(maxClients: Int = 100, clientBuffer: Int = ChangeEventBus.bufferLimit) {
            self.maxClients = maxClients
            self.clientBuffer = clientBuffer
        }
    }

    /// The target database (see ``DatabaseLocation``; ``databaseLocation`` is it parsed, once).
    @DatabaseLocationText public var database: String
    /// The business simulated in it (``ScenarioRegistry``): `office` (the default) or `factory`
    /// (``scenarioValue`` is the scenario, looked up once).
    @ScenarioName public var scenario: String
    /// The name the top-level database is recorded under in its fire log, and named by `--target`.
    public var target: String
    /// Further targets the same service drives (see ``TargetConfig``).
    public var targets: [TargetConfig]
    /// IANA zone the cron expressions are evaluated in (``timeZone`` is the zone, looked up once).
    @TimeZoneName public var timezone: String
    /// The instant `@every` schedules count from: they fire at this anchor plus whole intervals.
    /// Nil: midnight at the start of 1970-01-01 in ``timezone`` (``CronSchedule/defaultAnchor(in:)``).
    /// Written as an ISO 8601 date-time with an offset, or a date (`2026-03-01`: midnight in ``timezone``).
    public var scheduleAnchor: Date?
    public var logLevel: LogLevel
    /// Roll back every execution: generation and SQL run against the real schema, nothing persists.
    public var dryRun: Bool
    /// Run the scheduler; when false, `start` serves the API only and executions happen on request.
    public var enableScheduling: Bool
    /// Schedules by updater configuration key (cron expressions, macros such as `@daily`, or
    /// `@every DURATION`); an updater not named uses its default.
    public var scheduleConfig: [String: String]
    public var executionConfig: ExecutionConfig
    /// The tenants to write for.
    public var tenants: [Tenant]
    public var misfirePolicy: MisfirePolicy
    /// The most missed fires one updater and tenant catch up (`runAll`) or record.
    public var misfireLimit: Int
    /// On SIGINT/SIGTERM, how long running executions may finish before they are cancelled.
    public var shutdownGracePeriodSeconds: Double
    /// Where the history (`state.sqlite`), the change ledger and the lock file live.
    public var dataDirectory: String
    /// Where the daily log files live.
    public var logDirectory: String
    /// The run seed; with the tenant, updater and fire time it determines every generated row.
    /// Nil draws a fresh seed per execution (recorded in its history, so it can be replayed).
    public var seed: UInt64?
    /// The HTTP API.
    public var api: APIConfig
    /// What the change log keeps.
    public var ledger = LedgerConfig()
    /// The change log against PostgreSQL's WAL.
    public var groundTruth = GroundTruthConfig()
    /// The live streams of change events (SSE, WebSocket).
    public var streams = StreamsConfig()
    /// Cluster mode (`cluster.*`).
    public var cluster = ClusterConfig()
    /// Endpoints the top-level target's change log is POSTed to (see ``Webhooks``).
    public var webhooks: [WebhookConfig] = []

    public init(
        database: String = DatabaseLocation.defaultURL, timezone: String = "UTC", logLevel: LogLevel = .info, scenario: String = ScenarioRegistry.defaultName,
        dryRun: Bool = false, enableScheduling: Bool = true, scheduleConfig: [String: String] = [:],
        executionConfig: ExecutionConfig = .init(), tenants: [Tenant] = [.default], misfirePolicy: MisfirePolicy = .runOnce,
        misfireLimit: Int = 10, shutdownGracePeriodSeconds: Double = 30, dataDirectory: String = "data",
        logDirectory: String = "logs", seed: UInt64? = nil, api: APIConfig = .init(), scheduleAnchor: Date? = nil
    ) {
        self.api = api
        self.database = database
        self.scenario = scenario
        self.target = FireLog.defaultTarget
        self.targets = []
        self.timezone = timezone
        self.scheduleAnchor = scheduleAnchor
        self.logLevel = logLevel
        self.dryRun = dryRun
        self.enableScheduling = enableScheduling
        self.scheduleConfig = scheduleConfig
        self.executionConfig = executionConfig
        self.tenants = tenants
        self.misfirePolicy = misfirePolicy
        self.misfireLimit = misfireLimit
        self.shutdownGracePeriodSeconds = shutdownGracePeriodSeconds
        self.dataDirectory = dataDirectory
        self.logDirectory = logDirectory
        self.seed = seed
    }

    /// ``shutdownGracePeriodSeconds`` as a duration.
    public var shutdownGracePeriod: Duration { .seconds(clamping: shutdownGracePeriodSeconds) }

    /// The configured scenario, or the office if the name is unknown (validation rejects unknown names first).
    public var scenarioValue: any Scenario { $scenario }

    /// The database ``database`` names, or nil when it names none (validation says why).
    public var databaseLocation: DatabaseLocation? { $database }

    /// The zone ``timezone`` names, or UTC if the name is unknown (validation rejects unknown names first).
    public var timeZone: TimeZone { $timezone }

    /// The schedule text for `updater` and `tenant`: the tenant's override, the global
    /// setting, else the updater's default (``cronSchedule(_:anchor:)`` makes it a schedule).
    public func schedule(for updater: any BaseUpdater, tenant: Tenant) -> String {
        tenant.scheduleConfig?[updater.configKey] ?? scheduleConfig[updater.configKey] ?? updater.defaultSchedule
    }

    /// `expression` (a cron expression, a macro or `@every DURATION`) as a schedule in ``timeZone``.
    /// - Parameter anchor: the anchor of an interval; nil for ``scheduleAnchor``, else the default.
    /// - Throws: ``CronParseError``; a validated configuration's own expressions never throw.
    public func cronSchedule(_ expression: String, anchor: Date? = nil) throws(CronParseError) -> CronSchedule {
        try CronSchedule(expression, timeZone: timeZone, anchor: anchor ?? scheduleAnchor)
    }

    /// Whether `updater` runs for `tenant`: the tenant's override, else the global flag, else on.
    public func isEnabled(_ updater: any BaseUpdater, tenant: Tenant) -> Bool {
        tenant.enabledUpdaters?[updater.configKey] ?? executionConfig.enabledUpdaters[updater.configKey] ?? true
    }

    /// Every updater and tenant of `registry` that this configuration enables, tenant by tenant.
    public func enabledKeys(in registry: UpdaterRegistry) -> [ExecutionKey] {
        tenants.flatMap { tenant in
            registry.all.filter { isEnabled($0, tenant: tenant) }.map { ExecutionKey(updater: $0.name, tenant: tenant.id) }
        }
    }

    /// A copy with every secret hidden (the database password, the API token, webhook secrets), for printing.
    public var redacted: UpdaterConfig {
        var copy = self
        copy.database = databaseLocation?.description ?? "(invalid location)"
        for index in copy.targets.indices {
            copy.targets[index].database = copy.targets[index].$database?.description ?? "(invalid location)"
        }
        if copy.api.token != nil { copy.api.token = "***" }
        for index in copy.webhooks.indices { copy.webhooks[index] = copy.webhooks[index].redacted }
        return copy
    }

    /// Keys that a running service cannot change: they name resources opened at start
    /// (``ConfigKey/LiveUpdate/restart`` in ``ConfigKeyTable/standard``).
    public static var restartOnlyKeys: [String] {
        ConfigKeyTable.standard.all.filter { $0.liveUpdate == .restart }.map(\.path)
    }
}
