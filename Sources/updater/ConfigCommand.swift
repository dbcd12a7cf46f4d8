import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater config` and `updater config validate`.
    struct ConfigCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show the effective configuration with where each value came from (passwords redacted).",
            subcommands: [Show.self, Validate.self],
            defaultSubcommand: Show.self
        )
    }
}

extension Updater.ConfigCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the effective configuration.")

        @Flag(help: "Print the configuration as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let loaded = try configOptions.load()
            let config = loaded.config.redacted
            if json {
                struct Output: Encodable { let config: UpdaterConfig; let sources: [String: String] }
                let output = Output(config: config, sources: loaded.sources.mapValues(\.description))
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(output), as: UTF8.self))
                return
            }
            func source(_ key: String) -> String { loaded.sources[key].map { "   (\($0))" } ?? "" }
            var lines = [
                "database: \(config.database)\(source("database"))",
                "timezone: \(config.timezone)\(source("timezone"))",
                "scheduleAnchor: \(ISO8601.format(config.scheduleAnchor ?? CronSchedule.defaultAnchor(in: config.timeZone), in: config.timeZone))"
                    + source("scheduleAnchor"),
                "logLevel: \(config.logLevel.rawValue)\(source("logLevel"))",
                "dryRun: \(config.dryRun)\(source("dryRun"))",
                "enableScheduling: \(config.enableScheduling)\(source("enableScheduling"))",
                "misfirePolicy: \(config.misfirePolicy.rawValue)\(source("misfirePolicy"))",
                "misfireLimit: \(config.misfireLimit)\(source("misfireLimit"))",
                "shutdownGracePeriodSeconds: \(config.shutdownGracePeriodSeconds)\(source("shutdownGracePeriodSeconds"))",
                "dataDirectory: \(config.dataDirectory)\(source("dataDirectory"))",
                "logDirectory: \(config.logDirectory)\(source("logDirectory"))",
                "seed: \(config.seed.map(String.init) ?? "random per execution")\(source("seed"))",
                "scheduleConfig:",
            ]
            for updater in config.scenarioValue.updaters.all {
                let expression = config.scheduleConfig[updater.configKey] ?? updater.defaultSchedule
                let meaning = (try? config.cronSchedule(expression).explain()) ?? "invalid"
                lines.append("  \(updater.configKey): \"\(expression)\"   # \(meaning)\(source("scheduleConfig.\(updater.configKey)"))")
            }
            let execution = config.executionConfig
            lines.append("executionConfig:")
            lines.append("  enabledUpdaters:")
            for updater in config.scenarioValue.updaters.all {
                lines.append("    \(updater.configKey): \(execution.enabledUpdaters[updater.configKey] ?? true)\(source("executionConfig.enabledUpdaters.\(updater.configKey)"))")
            }
            lines.append("  maxConcurrentExecutions: \(execution.maxConcurrentExecutions)\(source("executionConfig.maxConcurrentExecutions"))")
            lines.append("  executionTimeoutMinutes: \(execution.executionTimeoutMinutes)\(source("executionConfig.executionTimeoutMinutes"))")
            lines.append("  retentionDays: \(execution.retentionDays.map(String.init) ?? "null (keep everything)")\(source("executionConfig.retentionDays"))")
            lines.append("api:")
            lines.append("  enabled: \(config.api.enabled)\(source("api.enabled"))")
            lines.append("  host: \(config.api.host)\(source("api.host"))")
            lines.append("  port: \(config.api.port)\(source("api.port"))")
            let tokenOrigin = loaded.sources["api.token"].map { "set, hidden   (\($0))" } ?? "generated at first start into \(config.dataDirectory)/api-token"
            lines.append("  token: \(tokenOrigin)")
            lines.append("tenants:\(source("tenants"))")
            for tenant in config.tenants {
                lines.append("  - id: \(tenant.id.lowercaseString)")
                lines.append("    customerId: \(tenant.customerId)")
                for (key, expression) in (tenant.scheduleConfig ?? [:]).sorted(by: { $0.key < $1.key }) {
                    lines.append("    scheduleConfig.\(key): \"\(expression)\"   # \((try? config.cronSchedule(expression).explain()) ?? "invalid")")
                }
                for (key, flag) in (tenant.enabledUpdaters ?? [:]).sorted(by: { $0.key < $1.key }) {
                    lines.append("    enabledUpdaters.\(key): \(flag)")
                }
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a configuration file; exit 2 listing every problem.")

        @Argument(help: "The file to check (default: \(ConfigLoader.defaultFile)).")
        var file: String?

        func run() async throws {
            let path = file ?? ConfigLoader.defaultFile
            do {
                let loaded = try ConfigLoader.load(file: path, environment: [:])
                for warning in loaded.warnings { print("warning: \(warning)") }
                print("\(path): valid")
            } catch {
                throw CommandFailure.exit(error.description, status: CommandFailure.badInput)
            }
        }
    }
}
