import ArgumentParser
import Cron
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

extension Updater {
    /// `updater simulate [DAYS] [START]`: the schedules over simulated days, as fast as the
    /// database allows (or at a chosen speed), optionally pausing after each period.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the schedules over simulated days through the same scheduler and executor as `start`.",
            discussion: """
                Examples:
                  updater simulate 30 2026-03-01 --step        Enter advances a day, a number N advances N, q quits
                  mkfifo ctl; updater simulate 30 2026-03-01 --step < ctl &
                  echo "" > ctl; echo 3 > ctl; echo q > ctl    each writer may close the pipe: it is reopened
                  updater simulate 365 --tenants 100 --seed 7  a year for 100 tenants, as fast as possible
                --step takes an optional period: day (default), hour, week, or a duration such as 6h.
                """
        )

        @Argument(help: "Simulated days (default 7).")
        var days: Int?

        @Argument(help: ArgumentHelp("First simulated day: YYYY-MM-DD (midnight in the configured time zone) or ISO 8601.",
                                     valueName: "start"))
        var start: String?

        @Option(name: .customLong("days"), help: ArgumentHelp("Simulated days (as DAYS).", valueName: "n"))
        var daysOption: Int?

        @Option(name: .customLong("from"), help: ArgumentHelp("Start (as START); default today's midnight.", valueName: "date"))
        var from: String?

        @Option(help: ArgumentHelp("End of the span (excluded), instead of a number of days.", valueName: "date"))
        var until: String?

        @Option(parsing: .unconditional, help: "Run seed, 0 to 2^64-1 (default: the configuration's, else a random one, printed).",
                transform: Execute.parseSeed)
        var seed: UInt64?

        @Option(help: ArgumentHelp("Pause after each period: day (bare --step), hour, week, or a duration such as 6h.",
                                   valueName: "period"))
        var step: String?

        @Option(help: ArgumentHelp("max (default), or simulated seconds per real second (3600: an hour a second).", valueName: "speed"))
        var speed = "max"

        @Option(help: ArgumentHelp("Tenants: the configured ones, then ids derived from the seed.", valueName: "n"))
        var tenants: Int?

        @Flag(help: "One JSON object per completed period on stdout (and the summary as the last one).")
        var json = false

        @Flag(inversion: .prefixedNo, help: "Serve the HTTP API (GET /simulation, POST /simulation/advance); default on with --step when the API is enabled.")
        var api: Bool?

        @OptionGroup var configOptions: ConfigOptions

        /// Rewrites a bare `--step` (last, or before another option or a positional DAYS or
        /// START) to `--step=day`, so that the period stays optional: `simulate 30 2026-03-01 --step`.
        static func normalizingStep(_ arguments: [String]) -> [String] {
            var result: [String] = []
            var index = 0
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                guard argument == "--step" else {
                    result.append(argument)
                    continue
                }
                if index < arguments.count, !looksPositionalOrOption(arguments[index]) {
                    result.append("--step=\(arguments[index])")
                    index += 1
                } else {
                    result.append("--step=day")
                }
            }
            return result
        }

        /// An option, a number of days, or a date: not a period.
        private static func looksPositionalOrOption(_ token: String) -> Bool {
            token.hasPrefix("-") || token.allSatisfy(\.isNumber) || token.firstMatch(of: /^\d{4}-\d{2}-\d{2}/) != nil
        }

        func validate() throws {
            if let days, let daysOption, days != daysOption { throw ValidationError("DAYS and --days disagree: \(days) and \(daysOption)") }
            if let start, let from, start != from { throw ValidationError("START and --from disagree: \(start) and \(from)") }
            if let count = days ?? daysOption {
                guard (1...36_600).contains(count) else { throw ValidationError("days: out of range: must be from 1 to 36600, got \(count)") }
                if until != nil { throw ValidationError("give a number of days or --until, not both") }
            }
            if let tenants, !(1...10_000).contains(tenants) {
                throw ValidationError("--tenants: out of range: must be from 1 to 10000, got \(tenants)")
            }
        }

        func run() async throws {
            let loaded = try configOptions.load()
            let config = loaded.config
            let options = try simulationOptions(config)
            let useAPI = api ?? (options.step && config.api.enabled)
            if useAPI { try ServiceSetup.checkAPIAddress(config) }
            let lock = try ServiceSetup.lock(config, why: "; a simulation needs the data folder to itself")
            // The same JSON log file as start; the console shows warnings and errors on stderr.
            let logFile = try ServiceSetup.bootstrapLogging(config, consoleLevel: .warning)
            defer { logFile.close() }
            let logger = Logger(label: "updater")
            let registry = PrometheusCollectorRegistry()
            let simulation: Simulation
            do {
                simulation = try await Simulation.open(configuration: config, options: options, tenants: tenants,
                                                       metricsFactory: PrometheusMetricsFactory(registry: registry), logger: logger)
            } catch let error as DatabaseError {
                throw CommandFailure.exit(error.message, status: CommandFailure.failed)
            }
            let output = SimulationOutput(json: json, timeZone: config.timeZone, periodNoun: options.period.noun, step: options.step)
            let database = await simulation.manager.database.redactedLocation
            let tenantCount = await simulation.manager.configuration.tenants.count
            output.header(options, periods: simulation.periods, tenants: tenantCount, database: database, scenario: config.scenario,
                          seedWasChosen: seed == nil && config.seed == nil)
            if configOptions.target == nil, !config.targets.isEmpty {
                output.note("  targets    \(config.target) only; not \(config.targets.map(\.name).joined(separator: ", ")) (simulate one with --target NAME)")
            }
            try? lock.write(.init(pid: getpid(), startedAt: Date(), database: database))
            let server = useAPI ? try startAPI(simulation, config: config, registry: registry, lock: lock, database: database, output: output) : nil
            let printer = Task { await output.follow(simulation) }
            let control = options.step ? StepControl.start(simulation, endOfInputQuits: !useAPI) : nil
            let interrupt = InterruptHandler { Task { await simulation.quit() } }
            let final: SimulationState
            do {
                final = try await simulation.run()
            } catch {
                await server?.stop()
                throw CommandFailure.exit("simulation failed: \(DatabaseError.oneLine("\(error)"))", status: CommandFailure.failed)
            }
            await printer.value
            control?.stop()
            withExtendedLifetime(interrupt) {}
            await server?.stop()
            output.summary(final)
            withExtendedLifetime(lock) {}
            let failures = final.totals.outcomes.values.reduce(0) {
                $0 + ($1[ExecutionRecord.Outcome.failed.rawValue] ?? 0) + ($1[ExecutionRecord.Outcome.timedOut.rawValue] ?? 0)
            }
            if failures > 0 {
                throw CommandFailure.exit("\(failures) executions failed or timed out (see updater logs)", status: CommandFailure.failed)
            }
        }

        /// The span, period, speed and seed from the arguments and the configuration.
        func simulationOptions(_ config: UpdaterConfig) throws -> SimulationOptions {
            let zone = config.timeZone
            let startText = start ?? from
            let first: Date
            if let startText {
                guard let parsed = ISO8601.parse(dateOrDateTime: startText, in: zone) else {
                    throw BadInput("START: not a date: '\(CronParseError.escaped(startText, quotes: false))' (YYYY-MM-DD or ISO 8601 such as 2026-03-01T00:00:00Z)")
                }
                first = parsed
            } else {
                first = ISO8601.startOfDay(Date(), in: zone)
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let end: Date
            if let until {
                guard let parsed = ISO8601.parse(dateOrDateTime: until, in: zone) else {
                    throw BadInput("--until: not a date: '\(CronParseError.escaped(until, quotes: false))' (YYYY-MM-DD or ISO 8601)")
                }
                guard parsed > first else { throw BadInput("--until must be after the start (\(ISO8601.format(first, in: zone)))") }
                end = parsed
            } else {
                end = calendar.date(byAdding: .day, value: days ?? daysOption ?? 7, to: first) ?? first.addingTimeInterval(7 * 86_400)
            }
            let period: SimulationPeriod
            let speed: SimulationSpeed
            do {
                period = try step.map { try SimulationPeriod(parsing: $0) } ?? .day
                speed = try SimulationSpeed(parsing: self.speed)
            } catch let error as SimulationInputError {
                throw BadInput(error.description)
            }
            return SimulationOptions(start: first, end: end, period: period, step: step != nil, speed: speed,
                                     seed: seed ?? config.seed ?? UInt64.random(in: 0...UInt64.max))
        }

        private func startAPI(_ simulation: Simulation, config: UpdaterConfig, registry: PrometheusCollectorRegistry, lock: InstanceLock,
                              database: String, output: SimulationOutput) throws -> BackgroundService {
            let token = try APIToken.resolve(config: config)
            let host = config.api.host
            let service = APIServer.make(manager: simulation.manager, registry: registry, token: token, host: host, port: config.api.port, streams: config.streams,
                                         logger: Logger(label: "updater.api")) { port in
                try? lock.write(.init(pid: getpid(), startedAt: Date(), apiPort: port, apiHost: host, database: database))
                output.note("API listening on http://\(host):\(port)\(APIPaths.base)/simulation  (token: \(token.origin))")
            }
            return BackgroundService(service, logger: Logger(label: "updater.api"))
        }
    }
}
