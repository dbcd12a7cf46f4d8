import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater score --detected FILE`: rates a monitor's detections against the target's change log.
    struct Score: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rate a monitor's detections against the change log: recall, precision, latency, duplicates, order inversions.",
            discussion: """
                FILE holds one JSON object per line: {"operation":"insert|update|delete","table":…,"key":…,\
                "detected_at":ISO 8601 or seconds since 1970}, optionally "tenant" and "seq"; other keys are ignored, \
                and a line without detected_at uses its "timestamp" (so changes.jsonl scores as a perfect monitor). \
                --mode net collapses the log per row and polling interval to its net effect, for snapshot monitors. \
                Detections that carry a seq at or below --since are left out (they report changes before the scored range). \
                Exit 1 below --min-recall or --min-precision, 2 for a missing or bad file or bad arguments.
                """
        )

        @Option(help: ArgumentHelp("The monitor's detections, JSON lines; - reads stdin.", valueName: "file"))
        var detected: String?

        @Option(help: ArgumentHelp("exact: every log entry is a change to find; net: per row and interval only the net effect.",
                                   valueName: "exact|net"))
        var mode = "exact"

        @Option(parsing: .unconditional, help: ArgumentHelp(
            "Net mode's polling interval (default: the median gap between distinct detection times, at least 1).",
            valueName: "seconds"))
        var interval: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Score only the log entries after this sequence number.",
                                                            valueName: "seq"))
        var since = "0"

        @Flag(help: "Count the rows written when tenants were prepared (updater 'seed') as changes to find.")
        var includeSeed = false

        @Option(parsing: .unconditional, help: ArgumentHelp("Exit 1 when recall is below this (0 to 1).", valueName: "ratio"))
        var minRecall: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("Exit 1 when precision is below this (0 to 1).", valueName: "ratio"))
        var minPrecision: String?

        @Option(parsing: .unconditional, help: ArgumentHelp("How many missed entries to list (0 to 10000).", valueName: "n"))
        var misses = "10"

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let arguments = try parsedArguments()
            guard let detected else { throw BadInput("--detected FILE is required: the monitor's detections, JSON lines (- for stdin)") }
            let detections = try Self.readDetections(detected).filter { detection in
                // Reports of entries before the scored range are neither hits nor false alarms.
                detection.seq.map { $0 > arguments.since } ?? true
            }
            let config = try configOptions.load().config
            let truth = try await Self.readTruth(config, since: arguments.since, includeSeed: includeSeed)
            let scorer = Scorer(mode: arguments.mode, interval: arguments.interval, missLimit: arguments.misses)
            let report = scorer.score(truth: truth.entries, detections: detections)
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(report), as: UTF8.self))
            } else {
                print(Self.render(report, source: detected, database: truth.location))
            }
            let unmet = report.unmet(minRecall: arguments.minRecall, minPrecision: arguments.minPrecision)
            if !unmet.isEmpty { throw CommandFailure.exit(unmet.joined(separator: "; "), status: CommandFailure.failed) }
        }

        /// The options checked and parsed; bad ones are one-line errors with status 2.
        private struct Arguments {
            var mode: Scorer.Mode
            var interval: Double?
            var since: Int64
            var misses: Int
            var minRecall: Double?
            var minPrecision: Double?
        }

        private func parsedArguments() throws -> Arguments {
            guard let mode = Scorer.Mode(rawValue: mode) else { throw BadInput("invalid --mode '\(mode)': expected exact or net") }
            var parsed = Arguments(mode: mode, since: 0, misses: 10)
            if let interval {
                guard let seconds = Double(interval), seconds.isFinite, seconds > 0 else {
                    throw BadInput("invalid --interval '\(interval)': expected a positive number of seconds")
                }
                guard mode == .net else { throw BadInput("--interval applies to --mode net only") }
                parsed.interval = seconds
            }
            guard let since = Int64(since), since >= 0 else { throw BadInput("invalid --since '\(since)': expected a sequence number, 0 or more") }
            parsed.since = since
            guard let misses = Int(misses), (0...10_000).contains(misses) else {
                throw BadInput("--misses: out of range: must be from 0 to 10000, got \(misses)")
            }
            parsed.misses = misses
            func ratio(_ text: String?, _ name: String) throws -> Double? {
                guard let text else { return nil }
                guard let value = Double(text), (0...1).contains(value) else {
                    throw BadInput("invalid \(name) '\(text)': expected a ratio from 0 to 1")
                }
                return value
            }
            parsed.minRecall = try ratio(minRecall, "--min-recall")
            parsed.minPrecision = try ratio(minPrecision, "--min-precision")
            return parsed
        }

        /// The detections in `path` (`-`: stdin); a file that is missing, unreadable or holds a
        /// line that is not a detection is bad input.
        static func readDetections(_ path: String) throws -> [Detection] {
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw BadInput("no detections file at \(path)")
                }
                guard !isDirectory.boolValue, let contents = FileManager.default.contents(atPath: path) else {
                    throw BadInput("cannot read the detections file \(path)")
                }
                data = contents
            }
            guard let text = String(data: data, encoding: .utf8) else { throw BadInput("\(path): not UTF-8 text") }
            do {
                return try Detection.parseLines(text)
            } catch {
                throw BadInput("\(path == "-" ? "stdin" : path): \(error.description)")
            }
        }

        /// The change log of `config`'s target after `since`, without seed rows unless asked.
        static func readTruth(_ config: UpdaterConfig, since: Int64, includeSeed: Bool) async throws -> (entries: [ChangeEvent], location: String) {
            let database: any Database
            do {
                database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
            } catch {
                throw CommandFailure.exit("cannot open the target database: " + Self.oneLine(error), status: CommandFailure.failed)
            }
            var entries: [ChangeEvent] = []
            do {
                var after = since
                while true {
                    let page = try await ChangeLog.read(after: after, limit: 10_000, in: database)
                    guard let last = page.last?.seq else { break }
                    entries.append(contentsOf: page.filter { includeSeed || $0.updater != ChangeLog.seedUpdater })
                    after = last
                }
            } catch {
                await database.close()
                throw CommandFailure.exit("cannot read the change log of \(database.redactedLocation): " + Self.oneLine(error)
                                          + " (run updater migrate first?)", status: CommandFailure.failed)
            }
            await database.close()
            return (entries, database.redactedLocation)
        }

        private static func oneLine(_ error: any Error) -> String {
            (error as? DatabaseError)?.message ?? DatabaseError.oneLine("\(error)")
        }

        // MARK: - The report for people

        /// The report as people read it: totals, per table and operation, latency, the first misses.
        static func render(_ report: ScoreReport, source: String, database: String) -> String {
            let overall = report.overall
            let mode = report.interval.map { "net mode, \(seconds($0)) s interval" } ?? "exact mode"
            var lines = ["\(overall.detections) detection(s) from \(source == "-" ? "stdin" : source) against "
                         + "\(report.logEntries) change-log entries of \(database) (\(mode)"
                         + (report.mode == .net ? ": \(overall.truth) net changes)" : ")"),
                         "  recall     \(ScoreReport.ratio(overall.recall)) (\(overall.matched) of \(overall.truth) found)",
                         "  precision  \(ScoreReport.ratio(overall.precision)) (\(overall.matched) of \(overall.detections) real)",
                         "  missed \(overall.missed), duplicates \(overall.duplicates), false positives \(overall.falsePositives), "
                         + "order inversions \(report.inversions)",
                         ""]
            let names = report.tables.keys.sorted()
            let width = max(12, names.map(\.count).max() ?? 0)
            func row(_ name: String, _ counts: ScoreReport.Counts) -> String {
                let columns = [counts.truth, counts.detections, counts.matched, counts.duplicates, counts.falsePositives]
                    .map { pad("\($0)", 8) }.joined()
                return "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + columns
                    // "-" where there is nothing to divide by (the ratio is 1 by convention).
                    + pad(counts.truth == 0 ? "-" : ScoreReport.ratio(counts.recall), 9)
                    + pad(counts.detections == 0 ? "-" : ScoreReport.ratio(counts.precision), 11)
            }
            let header = ["truth", "detected", "matched", "dup", "false"].map { pad($0, 8) }.joined() + pad("recall", 9) + pad("precision", 11)
            lines.append("  " + "table".padding(toLength: width, withPad: " ", startingAt: 0) + header)
            for name in names { lines.append(row(name, report.tables[name]!)) }
            lines.append("  " + "operation".padding(toLength: width, withPad: " ", startingAt: 0) + header)
            for operation in RowChange.Operation.allCases {
                if let counts = report.operations[operation.rawValue] { lines.append(row(operation.rawValue, counts)) }
            }
            lines.append("")
            if let latency = report.latency {
                lines.append("latency over \(latency.count) match(es): p50 \(seconds(latency.p50)) s, p95 \(seconds(latency.p95)) s, "
                             + "p99 \(seconds(latency.p99)) s, max \(seconds(latency.max)) s")
            } else {
                lines.append("latency: nothing matched")
            }
            if !report.misses.isEmpty {
                lines.append(report.misses.count < overall.missed ? "first \(report.misses.count) of \(overall.missed) misses:"
                                                                  : "misses:")
                for miss in report.misses {
                    let committed = DatabaseValue.formatTimestamp(Date(timeIntervalSince1970: miss.committedAt))
                    lines.append("  seq \(miss.seq.map(String.init) ?? "-")  \(miss.operation.rawValue)  \(miss.table)  \(miss.key)  committed \(committed)")
                }
            }
            return lines.joined(separator: "\n")
        }

        private static func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(width - text.count, 1)) + text
        }

        /// Seconds with milliseconds, trailing zeros dropped.
        private static func seconds(_ value: Double) -> String {
            var text = String(format: "%.3f", value)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            return text
        }
    }
}
