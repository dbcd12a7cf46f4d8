import Foundation
import Testing

/// `updater score` against a real change log: a few executions on a temporary SQLite database,
/// their exported lines (`data/changes.jsonl`) as a monitor's detections.
struct ScoreCommandTests {
    /// A folder with a SQLite target written by three `service_tickets` executions; the lines of
    /// its change log export (the office seeds nothing it logs).
    private func executedFolder() async throws -> (folder: URL, lines: [String]) {
        let folder = try CommandRunner.temporaryFolder()
        for (seed, hour) in [(1, 9), (2, 15), (3, 21)] {
            let result = try await CommandRunner.run(["execute", "service_tickets", "--seed", "\(seed)", "--at", "2026-11-24T\(hour):00:00Z"],
                                                     in: folder)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let export = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
        return (folder, export.split(separator: "\n").map(String.init))
    }

    private func write(_ lines: [String], to name: String, in folder: URL) throws -> String {
        let file = folder.appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    private func report(_ output: CommandRunner.Output) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
    }

    private func overall(_ output: CommandRunner.Output) throws -> [String: Any] {
        try report(output)["overall"] as? [String: Any] ?? [:]
    }

    @Test func theLogsOwnLinesScoreOneAndMissingLinesLowerRecall() async throws {
        let (folder, lines) = try await executedFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = lines.filter { !$0.contains(#""updater":"seed""#) }
        #expect(written.count >= 3, "\(lines.count) lines, \(written.count) by executions")

        // A monitor that started after the tenant was seeded, and saw everything since.
        let perfect = try await CommandRunner.run(["score", "--detected", try write(written, to: "all.jsonl", in: folder), "--json",
                                                   "--min-recall", "1", "--min-precision", "1"], in: folder)
        #expect(perfect.status == 0, "\(perfect.stderr)")
        let all = try overall(perfect)
        #expect(all["recall"] as? Double == 1 && all["precision"] as? Double == 1, "\(perfect.stdout)")
        #expect(all["truth"] as? Int == written.count && all["matched"] as? Int == written.count)
        #expect(try report(perfect)["inversions"] as? Int == 0)
        #expect((try report(perfect)["tables"] as? [String: Any])?["service_tickets"] != nil)

        // Every third line lost.
        let lossy = written.enumerated().filter { $0.offset % 3 != 1 }.map(\.element)
        let lossyFile = try write(lossy, to: "lossy.jsonl", in: folder)
        let partial = try await CommandRunner.run(["score", "--detected", lossyFile, "--json"], in: folder)
        #expect(partial.status == 0, "\(partial.stderr)")
        let recall = try #require(try overall(partial)["recall"] as? Double)
        #expect(recall < 1 && recall == Double(lossy.count) / Double(written.count), "\(partial.stdout)")
        #expect(try overall(partial)["precision"] as? Double == 1)
        let misses = try report(partial)["misses"] as? [[String: Any]] ?? []
        #expect(misses.count == min(written.count - lossy.count, 10))
        #expect(misses.first?["seq"] as? Int == lines.firstIndex(of: written[1]).map { $0 + 1 }, "\(misses)")

        let failing = try await CommandRunner.run(["score", "--detected", lossyFile, "--min-recall", "0.99"], in: folder)
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        #expect(failing.stderr.hasPrefix("Error: recall ") && failing.stderr.contains("is below the minimum 0.99"), "\(failing.stderr)")
        #expect(failing.stderr.split(separator: "\n").count == 1)
        #expect(failing.stdout.contains("recall ") && failing.stdout.contains("misses"), "the report is printed too: \(failing.stdout)")

        // From stdin, as a pipe.
        let piped = try await CommandRunner.runCommand(["/bin/sh", "-c", "\"$0\" score --detected - --json < lossy.jsonl",
                                                        CommandRunner.executable.path], in: folder)
        #expect(piped.status == 0 && piped.stdout == partial.stdout, "\(piped.stderr)")
    }

    /// The factory logs the catalogue it seeds (updater `seed`): not traffic, so left out unless asked for.
    @Test func seedRowsCountOnlyWithIncludeSeed() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = ["--scenario", "factory", "--database", "sqlite:\(folder.path)/databases/"]
        let execute = try await CommandRunner.run(["execute", "order_generation", "--seed", "4"] + target, in: folder)
        #expect(execute.status == 0, "\(execute.stderr)")
        let lines = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let written = lines.filter { !$0.contains(#""updater":"seed""#) }
        #expect(!written.isEmpty && written.count < lines.count, "\(lines.count) lines, \(written.count) by the execution")
        let everything = try write(lines, to: "everything.jsonl", in: folder)

        let withSeed = try await CommandRunner.run(["score", "--detected", everything, "--json", "--include-seed"] + target, in: folder)
        #expect(withSeed.status == 0, "\(withSeed.stderr)")
        #expect(try overall(withSeed)["recall"] as? Double == 1 && overall(withSeed)["precision"] as? Double == 1, "\(withSeed.stdout)")
        #expect(try overall(withSeed)["truth"] as? Int == lines.count)

        let withoutSeed = try await CommandRunner.run(["score", "--detected", everything, "--json"] + target, in: folder)
        #expect(try overall(withoutSeed)["truth"] as? Int == written.count && overall(withoutSeed)["recall"] as? Double == 1)
        #expect(try overall(withoutSeed)["falsePositives"] as? Int == lines.count - written.count, "\(withoutSeed.stdout)")
        // --since skips the seed entries, and the detections that carry their seq.
        let lastSeed = lines.count - written.count
        let since = try await CommandRunner.run(["score", "--detected", everything, "--json", "--include-seed", "--since", "\(lastSeed)"] + target,
                                                in: folder)
        #expect(try overall(since)["truth"] as? Int == written.count && overall(since)["detections"] as? Int == written.count,
                "\(since.stdout)")
        #expect(try overall(since)["precision"] as? Double == 1)
    }

    @Test func theReadableReportNamesEveryPart() async throws {
        let (folder, lines) = try await executedFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = lines.filter { !$0.contains(#""updater":"seed""#) }
        let file = try write(Array(written.dropFirst()) + [written[1]], to: "detections.jsonl", in: folder)
        let text = try await CommandRunner.run(["score", "--detected", file, "--misses", "5"], in: folder)
        #expect(text.status == 0, "\(text.stderr)")
        for part in ["recall", "precision", "duplicates 1", "order inversions", "table", "service_tickets", "operation", "insert",
                     "latency over", "p95", "misses:", "seq "] {
            #expect(text.stdout.contains(part), "\(part) in \(text.stdout)")
        }
        let net = try await CommandRunner.run(["score", "--detected", file, "--mode", "net", "--interval", "60", "--json"], in: folder)
        #expect(net.status == 0, "\(net.stderr)")
        #expect(try report(net)["mode"] as? String == "net" && report(net)["interval"] as? Double == 60)
    }

    @Test(arguments: [
        (["score"], "--detected FILE is required"),
        (["score", "--detected", "no-such-file.jsonl"], "no detections file at no-such-file.jsonl"),
        (["score", "--detected", "bad.jsonl"], "bad.jsonl: line 2: no key"),
        (["score", "--detected", "bad.jsonl", "--mode", "fuzzy"], "invalid --mode 'fuzzy': expected exact or net"),
        (["score", "--detected", "good.jsonl", "--interval", "30"], "--interval applies to --mode net only"),
        (["score", "--detected", "good.jsonl", "--mode", "net", "--interval", "-5"], "invalid --interval '-5'"),
        (["score", "--detected", "good.jsonl", "--min-recall", "1.5"], "invalid --min-recall '1.5': expected a ratio from 0 to 1"),
        (["score", "--detected", "good.jsonl", "--since", "x"], "invalid --since 'x'"),
    ])
    func badInputIsOneLineWithStatus2(arguments: [String], message: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = #"{"operation":"insert","table":"t","key":"1","detected_at":1}"#
        _ = try write([good], to: "good.jsonl", in: folder)
        _ = try write([good, #"{"operation":"insert","table":"t","detected_at":1}"#], to: "bad.jsonl", in: folder)
        let result = try await CommandRunner.run(arguments, in: folder)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("data").path), "nothing created")
    }

    @Test func aTargetWithoutADatabaseIsAFailure() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try write([#"{"operation":"insert","table":"t","key":"1","detected_at":1}"#], to: "good.jsonl", in: folder)
        let result = try await CommandRunner.run(["score", "--detected", "good.jsonl"], in: folder)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: cannot open the target database: ") && result.stderr.split(separator: "\n").count == 1,
                "\(result.stderr)")
    }
}
