import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation
import Logging
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

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let loaded = try configOptions.load(logLevel: logLevel, dryRun: dryRun)
            let config = loaded.config
            let logFile = try DailyLogFile(directory: URL(fileURLWithPath: config.logDirectory), timeZone: config.timeZone)
            let level = LogEntry.loggerLevel(config.logLevel)
            LoggingSystem.bootstrap { label in
                MultiplexLogHandler([JSONFileLogHandler(label: label, file: logFile, level: level), ConsoleLogHandler(label: label, level: level)])
            }
            let logger = Logger(label: "updater")
            let lock: InstanceLock
            do {
                lock = try InstanceLock(directory: config.dataDirectory, holder: .init(pid: getpid(), startedAt: Date()))
            } catch let held as InstanceLock.Held {
                throw CommandFailure.exit(held.description, status: CommandFailure.failed)
            }
            let manager = try await DatabaseUpdaterManager.start(configuration: config, logger: logger)
            printBanner(config, schedules: await manager.schedules(), configFile: configOptions.config)
            let database = await manager.database.redactedLocation
            logger.info("service started", metadata: ["database": "\(database)", "pid": "\(getpid())"])
            let records = await manager.records.subscribe()
            let printer = Task {
                for await record in records { Console.line(ExecutionReport.line(record)) }
            }
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: ManagerService(manager: manager, logger: logger))],
                gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
            try await group.run()
            await printer.value
            logger.info("service stopped")
            logFile.close()
            withExtendedLifetime(lock) {}
        }

        private func printBanner(_ config: UpdaterConfig, schedules: [CronScheduler.EntryStatus], configFile: String?) {
            let location = (try? DatabaseLocation(parsing: config.database).description) ?? config.database
            var lines = [
                "updater \(Updater.configuration.version) — pid \(getpid())",
                "  database   \(location)",
                "  time zone  \(config.timezone)",
                "  config     \(configFile ?? (FileManager.default.fileExists(atPath: ConfigLoader.defaultFile) ? ConfigLoader.defaultFile : "built-in defaults"))",
                "  logs       \(config.logDirectory)/database-updater-YYYY-MM-DD.log",
            ]
            if config.dryRun { lines.append("  DRY RUN: every execution is rolled back; nothing is written") }
            if !config.enableScheduling { lines.append("  scheduling is disabled (enableScheduling: false)") }
            for entry in schedules {
                let next = entry.nextFire.map { ISO8601.format($0, in: config.timeZone) } ?? "never"
                lines.append("  \(String(entry.tenant.uuidString.lowercased().prefix(8)))  \(entry.updater.padding(toLength: 27, withPad: " ", startingAt: 0)) "
                    + "\(entry.schedule.padding(toLength: 20, withPad: " ", startingAt: 0)) next \(next)  (\(entry.scheduleDescription))")
            }
            if let configFile, configFile != ConfigLoader.defaultFile {
                lines.append("  production schedules: updater start --config \(ConfigLoader.defaultFile)")
            }
            lines.append("Press Ctrl-C to stop; running executions get \(Int(config.shutdownGracePeriodSeconds)) s to finish.")
            Console.line(lines.joined(separator: "\n"))
        }
    }
}

/// Runs the manager until graceful shutdown is requested, then stops it.
struct ManagerService: Service {
    let manager: DatabaseUpdaterManager
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down: no new executions")
        try await manager.stop()
    }
}
