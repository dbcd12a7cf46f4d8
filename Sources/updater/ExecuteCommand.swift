import ArgumentParser
import Cron
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation

extension Updater {
    /// `updater execute NAME`: one execution now, printed.
    struct Execute: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run one execution of an updater now and show what it wrote.",
            discussion: "Updaters: business_record_activities, service_tickets, business_records."
        )

        @Argument(help: "The updater's name (or configuration key).")
        var name: String

        @Option(help: "Tenant id (default: the first configured tenant).")
        var tenant: String?

        @Flag(help: "Run the same generation and SQL, then roll back: nothing is written.")
        var dryRun = false

        @Option(parsing: .unconditional, help: "Run seed, 0 to 2^64-1; the same seed and --at give the same rows.",
                transform: Execute.parseSeed)
        var seed: UInt64?

        @Option(help: "Fire time to seed and stamp the execution with (ISO 8601); default now.")
        var at: String?

        @Flag(help: "Print the execution record as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            var fireTime: Date?
            if let at {
                guard let parsed = ISO8601.parse(at) else {
                    throw BadInput("invalid --at '\(CronParseError.escaped(at, quotes: false))': expected ISO 8601 like 2026-03-02T09:00:00Z")
                }
                fireTime = parsed
            }
            let config = try configOptions.load().config
            // Bad input is refused before anything is opened or created.
            let updater = try config.scenarioValue.updaters.updater(named: name)
            let tenantID = try parseTenant(tenant, in: config)
            let record: ExecutionRecord
            if fireTime == nil, let client = try ServiceClient.forService(of: config) {
                // A service runs: let it execute, so its live state, metrics and cap apply.
                var body: [String: Any] = [:]
                if let tenantID { body["tenant"] = tenantID.lowercaseString }
                if let seed { body["seed"] = seed }
                let path = "\(APIPaths.base)/\(dryRun ? "dry-run" : "execute")/\(updater.name)"
                record = try await client.send("POST", path, body: body, as: ExecutionRecord.self)
            } else {
                let manager = try await DatabaseUpdaterManager.open(configuration: config)
                do {
                    record = try await manager.execute(updater.name, tenant: tenantID, dryRun: dryRun ? true : nil, seed: seed,
                                                       fireTime: fireTime)
                } catch {
                    await manager.close()
                    throw error
                }
                await manager.close()
            }
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(record), as: UTF8.self))
            } else {
                print(ExecutionReport.text(record))
            }
            if record.outcome != .succeeded { throw ExitCode(CommandFailure.failed) }
        }

        static func parseSeed(_ text: String) throws -> UInt64 {
            guard let seed = UInt64(text) else {
                throw ValidationError("out of range: must be a whole number from 0 to \(UInt64.max)")
            }
            return seed
        }
    }
}

/// Parses `--tenant` and checks it is one of `config`'s tenants.
func parseTenant(_ text: String?, in config: UpdaterConfig) throws -> UUID? {
    guard let text else { return nil }
    guard let id = UUID(uuidString: text) else {
        throw BadInput("invalid tenant id '\(CronParseError.escaped(text, quotes: false))': expected a UUID like 550e8400-e29b-41d4-a716-446655440000")
    }
    guard config.tenants.contains(where: { $0.id == id }) else {
        let known = config.tenants.map(\.description).joined(separator: ", ")
        throw BadInput("unknown tenant \(id.lowercaseString) (configured: \(known))")
    }
    return id
}
