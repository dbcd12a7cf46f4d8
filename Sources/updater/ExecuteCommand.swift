import ArgumentParser
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

        @Option(help: "Run seed; the same seed and --at give the same rows.")
        var seed: UInt64?

        @Option(help: "Fire time to seed and stamp the execution with (ISO 8601); default now.")
        var at: String?

        @Flag(help: "Print the execution record as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let tenantID = try parseTenant(tenant)
            var fireTime: Date?
            if let at {
                guard let parsed = ISO8601.parse(at) else {
                    throw CommandFailure.exit("invalid --at '\(at)': expected ISO 8601 like 2026-03-02T09:00:00Z", status: CommandFailure.badInput)
                }
                fireTime = parsed
            }
            let config = try configOptions.load().config
            let record: ExecutionRecord
            if fireTime == nil, let client = ServiceClient(dataDirectory: config.dataDirectory) {
                // A service runs: let it execute, so its live state, metrics and cap apply.
                var body: [String: Any] = [:]
                if let tenantID { body["tenant"] = tenantID.lowercaseString }
                if let seed { body["seed"] = seed }
                let path = "\(APIPaths.base)/\(dryRun ? "dry-run" : "execute")/\(name)"
                record = try await client.send("POST", path, body: body, as: ExecutionRecord.self)
            } else {
                let manager = try await DatabaseUpdaterManager.open(configuration: config)
                do {
                    record = try await manager.execute(name, tenant: tenantID, dryRun: dryRun ? true : nil, seed: seed, fireTime: fireTime)
                } catch {
                    await manager.close()
                    throw CommandFailure.exit(error.description, status: CommandFailure.badInput)
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
    }
}

/// Parses `--tenant`.
func parseTenant(_ text: String?) throws -> UUID? {
    guard let text else { return nil }
    guard let id = UUID(uuidString: text) else {
        throw CommandFailure.exit("invalid tenant id '\(text)': expected a UUID like 550e8400-e29b-41d4-a716-446655440000",
                                  status: CommandFailure.badInput)
    }
    return id
}
