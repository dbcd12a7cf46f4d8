import ArgumentParser
import Cron
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

extension Updater {
    /// `updater start`: the scheduler in the foreground until SIGINT/SIGTERM.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the scheduler in the foreground until SIGINT or SIGTERM, then stop gracefully."
        )

        @Flag(help: "Roll back every execution: generation and SQL run, nothing is written.")
        var dryRun = false

        @Option(help: "debug, info, warn or error (default: the configuration's, else info).")
        var logLevel: String?

        @Flag(help: "Do not serve the HTTP API.")
        var noApi = false

        @Option(help: "Address the API binds (default: the configuration's, else 127.0.0.1).")
        var host: String?

        @Option(parsing: .unconditional, help: "Port the API binds, 0 to 65535; 0 picks a free one (default: the configuration's, else 5000).")
        var port: Int?

        @OptionGroup var configOptions: ConfigOptions

        func validate() throws {
            if let port, !ConfigLimits.apiPort.contains(port) {
                throw ValidationError("--port: out of range: must be from 0 to 65535, got \(port)")
            }
        }

        func run() async throws {
            let loaded = try configOptions.load(logLevel: logLevel, dryRun: dryRun)
            var config = loaded.config
            if noApi { config.api.enabled = false }
            if let host { config.api.host = host }
            if let port { config.api.port = port }
            // Everything the command line can get wrong is checked before anything is created,
            // started or migrated.
            if config.api.enabled { try ServiceSetup.checkAPIAddress(config) }
            let lock = try ServiceSetup.lock(config)
            let logFile = try ServiceSetup.bootstrapLogging(config)
            let logger = Logger(label: "updater")
            let database = config.databaseLocation?.description ?? config.database
            try? lock.write(.init(pid: getpid(), startedAt: Date(), database: database))
            let registry = PrometheusCollectorRegistry()
            let manager = try await DatabaseUpdaterManager(
                configuration: config, sources: loaded.sources, clock: SystemClock.fromEnvironment(),
                metricsFactory: PrometheusMetricsFactory(registry: registry), logger: logger)
            // Further targets (`targets:`), unless --target chose one: a manager each, with its own
            // database, scenario and history, run in the same group and served by the same API.
            var others: [(name: String, manager: DatabaseUpdaterManager)] = []
            var targetLocks: [InstanceLock] = []
            if configOptions.target == nil {
                for name in config.targetNames.dropFirst() {
                    var other = try config.configuration(forTarget: name)
                    other.api = config.api
                    // Its own data folder's lock too: `start --target NAME` elsewhere is refused.
                    let targetLock = try ServiceSetup.lock(other)
                    try? targetLock.write(.init(pid: getpid(), startedAt: Date(), database: other.databaseLocation?.description ?? other.database))
                    targetLocks.append(targetLock)
                    var targetLogger = logger
                    targetLogger[metadataKey: "target"] = "\(name)"
                    others.append((name, try await DatabaseUpdaterManager(
                        configuration: other, metricsFactory: PrometheusMetricsFactory(registry: registry), logger: targetLogger)))
                }
            }
            // Subscribed before the managers run, so the first executions (catch-ups) print too.
            let records = await manager.records.subscribe()
            var otherRecords: [(String, AsyncStream<ExecutionRecord>)] = []
            for other in others { otherRecords.append((other.name, await other.manager.records.subscribe())) }
            var apiLine = "  api        off (--no-api)"
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
            if config.api.enabled {
                let token = try APIToken.resolve(config: config)
                let apiHost = config.api.host
                services.append(.init(service: APIServer.make(
                    manager: manager, targets: Dictionary(uniqueKeysWithValues: others.map { ($0.name, $0.manager) }), registry: registry, token: token, host: apiHost, port: config.api.port,
                    streams: config.streams,
                    logger: Logger(label: "updater.api")
                ) { port in
                    try? lock.write(.init(pid: getpid(), startedAt: Date(), apiPort: port, apiHost: apiHost, database: database))
                    Task { await manager.announce(api: "http://\(apiHost):\(port)") }
                    Console.line("API listening on http://\(apiHost):\(port)\(APIPaths.base)  (token: \(token.origin))")
                    Console.line("Live view on http://\(apiHost):\(port)/")
                }))
                apiLine = "  api        http://\(apiHost):\(config.api.port == 0 ? "<free port>" : String(config.api.port)) (mutating routes need the token from \(token.origin))"
            }
            // The banner (which says "ready") is printed from inside the running group, once its
            // signal handlers are installed: a SIGTERM right after it must stop us gracefully.
            var sections: [String] = []
            for other in others {
                sections.append(Self.targetSection(await other.manager.configuration, schedules: await other.manager.schedules()))
            }
            let banner = bannerText(config, schedules: await manager.schedules(), targets: sections, configFile: configOptions.config,
                                    apiLine: apiLine)
            services.insert(contentsOf: [
                .init(service: Announcement {
                    Console.line(banner)
                    logger.info("service started", metadata: ["database": "\(database)", "pid": "\(getpid())"])
                }),
                .init(service: manager),
            ] + others.map { .init(service: $0.manager) }, at: 0)
            let printer = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { for await record in records { Console.line(ExecutionReport.line(record)) } }
                    for (name, stream) in otherRecords {
                        group.addTask { for await record in stream { Console.line("[\(name)] " + ExecutionReport.line(record)) } }
                    }
                }
            }
            var groupConfiguration = ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
            // Past the executions' grace period and the webhooks' flush (as long again), whatever still
            // holds the shutdown up — a live-stream client that stopped reading — is cancelled.
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(2 * config.shutdownGracePeriodSeconds + 15)
            let group = ServiceGroup(configuration: groupConfiguration)
            do {
                try await group.run()
            } catch {
                // e.g. the API port is taken: the manager has been stopped by the group already.
                await printer.value
                logFile.close()
                throw CommandFailure.exit("\(error)", status: CommandFailure.failed)
            }
            await printer.value
            logger.info("service stopped")
            logFile.close()
            withExtendedLifetime((lock, targetLocks)) {}
        }

        /// A further target's lines in the banner: its database, scenario and schedules.
        static func targetSection(_ config: UpdaterConfig, schedules: [CronScheduler.EntryStatus]) -> String {
            var lines = ["target \(config.target): \(config.databaseLocation?.description ?? "(invalid location)") (\(config.scenario))"]
            lines += scheduleLines(config, schedules)
            return lines.joined(separator: "\n")
        }

        /// One line per schedule: tenant, updater, expression, next fire and meaning.
        static func scheduleLines(_ config: UpdaterConfig, _ schedules: [CronScheduler.EntryStatus]) -> [String] {
            schedules.map { entry in
                let next = entry.nextFire.map { ISO8601.format($0, in: config.timeZone) } ?? "never"
                return "  \(String(entry.tenant.lowercaseString.prefix(8)))  \(entry.updater.padding(toLength: 27, withPad: " ", startingAt: 0)) "
                    + "\(entry.schedule.padding(toLength: 20, withPad: " ", startingAt: 0)) next \(next)  (\(entry.scheduleDescription))"
            }
        }

        /// - Parameter targets: further targets' sections (``targetSection(_:schedules:)``).
        private func bannerText(_ config: UpdaterConfig, schedules: [CronScheduler.EntryStatus], targets: [String], configFile: String?,
                                apiLine: String) -> String {
            let location = config.databaseLocation?.description ?? config.database
            var lines = [
                "updater \(Updater.configuration.version) — pid \(getpid())",
                "  database   \(location)",
                "  scenario   \(config.scenario)\(config.scenarioValue.databases.isEmpty ? "" : " (\(config.scenarioValue.databases.joined(separator: ", ")))")",
                "  time zone  \(config.timezone)",
                "  config     \(configFile ?? (FileManager.default.fileExists(atPath: ConfigLoader.defaultFile) ? ConfigLoader.defaultFile : "built-in defaults"))",
                "  logs       \(config.logDirectory)/database-updater-YYYY-MM-DD.log",
                apiLine,
            ]
            if config.dryRun { lines.append("  DRY RUN: every execution is rolled back; nothing is written") }
            if !config.enableScheduling { lines.append("  scheduling is disabled (enableScheduling: false)") }
            lines += Self.scheduleLines(config, schedules)
            lines += targets
            if let configFile, configFile != ConfigLoader.defaultFile {
                lines.append("  production schedules: updater start --config \(ConfigLoader.defaultFile)")
            }
            lines.append("Press Ctrl-C to stop; running executions get \(Int(config.shutdownGracePeriodSeconds)) s to finish.")
            return lines.joined(separator: "\n")
        }
    }
}

/// Prints the banner once the group runs (its signal handlers installed: a SIGTERM right after
/// the banner's "ready" must stop us gracefully), then waits for the shutdown like the others.
struct Announcement: Service {
    let announce: @Sendable () -> Void

    func run() async throws {
        announce()
        try? await gracefulShutdown()
    }
}
