import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater verify`: checks the target database against the change log and the scenario's rules.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the target database against its change log, and the scenario's invariants (exit 1 on any discrepancy).",
            discussion: """
                Without options: the change log against the database (every key the log says exists is there with the \
                logged content, every deleted key is absent, no row of a managed tenant is unknown to the log), then the \
                scenario's invariants. --invariants checks only the invariants; --wal compares the log with PostgreSQL's \
                own record of what committed, read from the replication slot groundTruth.walSlot names. \
                Writes nothing, and reads each check in one snapshot, so it can run beside a running service or a \
                paused simulation. (A single SQLite file is opened read-only; a scenario's folder of files is opened \
                for writing, since after a crash the first connection must roll back an interrupted commit.)
                """
        )

        @Flag(help: "Check only the scenario's invariants (updater scenarios lists them).")
        var invariants = false

        @Flag(help: "Compare the log with PostgreSQL's WAL, read through the replication slot (groundTruth.walSlot or --slot).")
        var wal = false

        @Option(help: ArgumentHelp("With --wal: the replication slot to read (default: groundTruth.walSlot).", valueName: "name"))
        var slot: String?

        @Option(help: ArgumentHelp("Check only keys changed after this sequence number, or since this ISO 8601 time.", valueName: "seq|time"))
        var since: String?

        @Option(help: ArgumentHelp("Check only this tenant's rows.", valueName: "id"))
        var tenant: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let scope = try scope(config)
            let scenario = config.scenarioValue
            let database = try await DatabaseFactory.openExisting(config.database, databases: scenario.databases)
            defer { Task { await database.close() } }
            if wal {
                guard let slot = slot ?? config.groundTruth.walSlot else {
                    throw BadInput("verify --wal needs a replication slot: set groundTruth.walSlot, or pass --slot NAME "
                                              + "(updater slot create NAME before traffic starts)")
                }
                let report = try await check("compare the log with the WAL of") {
                    try await WALVerifier.verify(scenario, in: database, slot: slot, tenants: scope.tenants)
                }
                print(json ? try Self.encode(report) : Self.render(report, database: database.redactedLocation))
                if !report.passed { throw ExitCode(CommandFailure.failed) }
                return
            }
            var log: LogReport?
            if !invariants {
                log = try await check("verify the change log of") { try await LogVerifier.verify(scenario, in: database, scope: scope) }
            }
            let rules = try await check("check the invariants of") {
                try await InvariantChecker.check(scenario, in: database, timeZone: config.timeZone,
                                                 retentionDays: config.executionConfig.retentionDays)
            }
            if json {
                if let log {
                    print("{\"log\":\(try Self.encode(log, pretty: false)),\"invariants\":\(try Self.encode(rules, pretty: false))}")
                } else {
                    print(try Self.encode(rules))
                }
            } else {
                if let log { print(Self.render(log, target: config.target, database: database.redactedLocation)) }
                print(Self.render(rules, database: database.redactedLocation))
            }
            if log?.passed == false || !rules.passed { throw ExitCode(CommandFailure.failed) }
        }

        /// The tenants and range `--tenant` and `--since` ask for.
        private func scope(_ config: UpdaterConfig) throws -> LogVerifier.Scope {
            var tenants = config.tenants.map(\.id)
            if let tenant {
                guard let id = UUID(uuidString: tenant) else {
                    throw BadInput("--tenant: '\(tenant)' is not a tenant id (a UUID)")
                }
                tenants = [id]
            }
            // Without --tenant, the whole target: the configured tenants and every tenant the log holds.
            var scope = LogVerifier.Scope(tenants: tenants, loggedTenants: tenant == nil)
            if let since {
                if let seq = Int64(since), seq >= 0 {
                    scope.sinceSequence = seq
                } else if let time = DatabaseValue.parseTimestamp(since) {
                    scope.sinceTime = time
                } else {
                    throw BadInput("--since: '\(since)' is neither a sequence number nor an ISO 8601 time")
                }
            }
            return scope
        }

        /// Runs one check; a database failure becomes one line and exit 1.
        private func check<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch let error as DatabaseError {
                throw CommandFailure.exit("cannot \(what) the target database: \(error.message)", status: CommandFailure.failed)
            }
        }

        static func encode<T: Encodable>(_ value: T, pretty: Bool = true) throws -> String {
            String(decoding: try JSONCoding.encoder(pretty: pretty).encode(value), as: UTF8.self)
        }

        /// The WAL comparison as people read it: the counts by class, then the first discrepancies.
        static func render(_ report: WALReport, database: String) -> String {
            var lines = ["change log against the WAL of \(database): \(report.transactions) transactions, \(report.changes) changes, "
                + "\(report.entries) log entries"]
            lines.append("  " + WALReport.Discrepancy.Kind.allCases.map { "\($0.rawValue) \(report.counts[$0.rawValue] ?? 0)" }.joined(separator: "   "))
            for item in report.discrepancies { lines.append("  \(item.kind.rawValue): \(item.message)") }
            lines.append(report.passed ? "the log and the WAL agree" : "the log and the WAL disagree")
            return lines.joined(separator: "\n")
        }

        /// The log check as people read it: the counts, then the first discrepancies of each class.
        static func render(_ report: LogReport, target: String, database: String) -> String {
            var lines = ["change log of target \(target) in \(database): \(report.entries) entries (last seq \(report.lastSequence)), "
                + "\(report.tables.count) tables, \(report.rowsChecked) rows checked\(report.partial ? " (keys changed in the --since range only)" : "")"]
            lines.append("  missing \(report.missing)   unexpected \(report.unexpected)   content differs \(report.contentDiffers)")
            for item in report.discrepancies {
                let kind = item.kind.rawValue.replacingOccurrences(of: "_", with: " ")
                var line = "  \(kind): \(item.table) \(item.key)"
                if let seq = item.seq { line += " (last logged at seq \(seq))" }
                if let logged = item.logged { line += " logged \(logged.prefix(12))…" }
                if let found = item.found { line += " found \(found.prefix(12))…" }
                lines.append(line)
            }
            lines.append(report.passed ? "the log and the database agree" : "the log and the database disagree")
            return lines.joined(separator: "\n")
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
