import Foundation
import Logging

/// The top of the library: owns the configuration, the target database, the history, the
/// change events and the executor, and runs executions on request.
///
/// ```swift
/// let manager = try await DatabaseUpdaterManager.open(configuration: .init(database: "sqlite:data/updater.sqlite"))
/// let record = try await manager.execute("service_tickets")
/// await manager.close()
/// ```
public actor DatabaseUpdaterManager {
    /// The configuration in force.
    public let configuration: UpdaterConfig
    /// The updaters, with enabled flags from the configuration.
    public let registry: UpdaterRegistry
    /// The target database.
    public let database: any Database
    /// Every execution record.
    public let history: ExecutionHistory
    /// Live change events.
    public let events: ChangeEventBus
    /// The durable change events.
    public let ledger: ChangeLedger
    private let executor: Executor
    private let clock: any UpdaterClock

    private init(configuration: UpdaterConfig, registry: UpdaterRegistry, database: any Database, history: ExecutionHistory,
                 events: ChangeEventBus, ledger: ChangeLedger, executor: Executor, clock: any UpdaterClock) {
        self.configuration = configuration
        self.registry = registry
        self.database = database
        self.history = history
        self.events = events
        self.ledger = ledger
        self.executor = executor
        self.clock = clock
    }

    /// Opens the target database (migrating it and creating the configured tenants), the history
    /// and the ledger.
    /// - Throws: ``DatabaseError`` when the database cannot be reached or migrated,
    ///   ``UpdaterError`` when the configuration names an unknown updater.
    public static func open(
        configuration: UpdaterConfig, registry: UpdaterRegistry = .builtIn, clock: any UpdaterClock = SystemClock(),
        logger: Logger = Logger(label: "updater")
    ) async throws -> DatabaseUpdaterManager {
        var registry = registry
        for (key, enabled) in configuration.executionConfig.enabledUpdaters {
            try registry.setEnabled(key, enabled)
        }
        let database = try await DatabaseFactory.open(configuration.database, poolSize: configuration.executionConfig.maxConcurrentExecutions)
        do {
            try await Migrator.migrate(database, now: clock.now())
            try await TenantStore.ensure(configuration.tenants, in: database, now: clock.now())
            let dataDirectory = URL(fileURLWithPath: configuration.dataDirectory)
            let history = try await ExecutionHistory(directory: dataDirectory)
            let ledger = try ChangeLedger(url: dataDirectory.appendingPathComponent("changes.jsonl"))
            let events = ChangeEventBus()
            let executor = Executor(
                database: database, history: history, ledger: ledger, events: events, clock: clock,
                settings: .init(maxConcurrentExecutions: configuration.executionConfig.maxConcurrentExecutions,
                                timeout: configuration.executionConfig.timeout,
                                retentionDays: configuration.executionConfig.retentionDays),
                logger: logger)
            return DatabaseUpdaterManager(configuration: configuration, registry: registry, database: database, history: history,
                                          events: events, ledger: ledger, executor: executor, clock: clock)
        } catch {
            await database.close()
            throw error
        }
    }

    /// Runs one execution of `updaterName` now.
    /// - Parameters:
    ///   - tenant: a configured tenant's id; the first configured tenant when nil.
    ///   - dryRun: roll back instead of committing; the configuration's `dryRun` when nil.
    ///   - seed: the run seed; the configuration's, else a fresh one.
    ///   - fireTime: the fire time the execution is seeded and stamped with; now when nil.
    /// - Throws: ``UpdaterError`` for an unknown updater or tenant. Execution failures are
    ///   outcomes in the returned record, not errors.
    public func execute(
        _ updaterName: String, tenant: UUID? = nil, dryRun: Bool? = nil, seed: UInt64? = nil, fireTime: Date? = nil
    ) async throws(UpdaterError) -> ExecutionRecord {
        let updater = try registry.updater(named: updaterName)
        let tenant = try resolveTenant(tenant)
        return await executor.execute(.init(
            updater: updater, tenant: tenant, scheduledAt: fireTime ?? clock.now(),
            dryRun: dryRun ?? configuration.dryRun, seed: seed ?? configuration.seed ?? UInt64.random(in: 0...UInt64.max)))
    }

    /// Dry-runs every enabled updater for every tenant, one after another.
    public func testAll(fireTime: Date? = nil) async -> [ExecutionRecord] {
        var records: [ExecutionRecord] = []
        let at = fireTime ?? clock.now()
        for tenant in configuration.tenants {
            for updater in registry.enabled {
                records.append(await executor.execute(.init(
                    updater: updater, tenant: tenant, scheduledAt: at, dryRun: true,
                    seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max))))
            }
        }
        return records
    }

    /// Per-updater metrics from the history.
    public func metrics() async throws -> [UpdaterMetrics] { try await history.metrics() }

    /// Closes the database, the history and the ledger.
    public func close() async {
        await database.close()
        await history.close()
        try? await ledger.close()
    }

    private func resolveTenant(_ id: UUID?) throws(UpdaterError) -> Tenant {
        guard let id else { return configuration.tenants.first ?? .default }
        if let tenant = configuration.tenants.first(where: { $0.id == id }) { return tenant }
        let known = configuration.tenants.map(\.description).joined(separator: ", ")
        throw UpdaterError(.unknownTenant, "unknown tenant \(id.uuidString.lowercased()) (configured: \(known))")
    }
}
