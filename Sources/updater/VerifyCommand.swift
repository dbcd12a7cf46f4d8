import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater verify`: checks the target database against what must hold in it.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the target database: --invariants checks the scenario's business rules (exit 1 on any violation).",
            discussion: """
                Writes nothing, and reads each check in one snapshot, so it can run beside a running service or a \
                paused simulation. (A single SQLite file is opened read-only; a scenario's folder of files is opened \
                for writing, since after a crash the first connection must roll back an interrupted commit.)
                """
        )

        @Flag(help: "Check the scenario's invariants (updater scenarios lists them); the default, and for now the only check.")
        var invariants = false

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let scenario = config.scenarioValue
            let database = try await DatabaseFactory.openExisting(config.database, databases: scenario.databases)
            let report: InvariantReport
            do {
                report = try await InvariantChecker.check(scenario, in: database, timeZone: config.timeZone,
                                                          retentionDays: config.executionConfig.retentionDays)
            } catch {
                await database.close()
                throw CommandFailure.exit("cannot check the invariants of \(database.redactedLocation): "
                    + ((error as? DatabaseError)?.message ?? DatabaseError.oneLine("\(error)")), status: CommandFailure.failed)
            }
            await database.close()
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(report), as: UTF8.self))
            } else {
                print(Self.render(report, database: database.redactedLocation))
            }
            if !report.passed { throw ExitCode(CommandFailure.failed) }
        }

        /// The report as people read it: one line per invariant, its violations indented below.
        static func render(_ report: InvariantReport, database: String) -> String {
            var lines = ["\(report.scenario) invariants in \(database):"]
            for result in report.results {
                lines.append("  \(result.holds ? "ok  " : "FAIL") \(result.name)\(result.holds ? "" : " — \(result.total) violation(s)")")
                if result.holds { continue }
                lines.append("       \(result.description)")
                for violation in result.violations {
                    lines.append("       - \(violation.message)\(violation.rows.isEmpty ? "" : " [\(violation.rows.joined(separator: ", "))]")")
                }
            }
            let failed = report.results.filter { !$0.holds }.count
            lines.append(failed == 0 ? "all \(report.results.count) invariants hold"
                                     : "\(failed) of \(report.results.count) invariants violated")
            return lines.joined(separator: "\n")
        }
    }
}
