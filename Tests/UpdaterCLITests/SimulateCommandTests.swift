import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater simulate` as users run it: step mode through a real named pipe written by separate
/// processes, `--json` lines against the database, repeat runs compared with `sqlite3 .dump`,
/// and the instance lock shared with `updater start`.
struct SimulateCommandTests {
    private static let sqlite3 = "/usr/bin/sqlite3"

    /// Writes `text` into the pipe from a child shell, which opens and closes it like
    /// `echo "" > ctl` does.
    private func write(_ text: String, to pipe: URL) async throws {
        let output = try await CommandRunner.runCommand(["/bin/sh", "-c", "printf '\(text)' > \"$0\"", pipe.path])
        #expect(output.status == 0, "\(output.stderr)")
    }

    private func sqlite(_ file: URL, _ sql: String) async throws -> String {
        let output = try await CommandRunner.runCommand([Self.sqlite3, "-readonly", file.path, sql])
        #expect(output.status == 0, "\(output.stderr)")
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// After each pause line, a separate read-only connection sees that period's rows and nothing
    /// later; each writer closing the pipe does not end the run; `q` ends it with status 0.
    @Test func stepModeThroughANamedPipe() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("ctl"), file = folder.appendingPathComponent("sim.sqlite")
        #expect(mkfifo(pipe.path, 0o600) == 0)
        let simulate = try ServiceProcess(
            ["-c", "exec \"$0\" simulate 3 2026-03-02 --step --seed 7 --no-api --database \"sqlite:$1\" < \"$2\"",
             CommandRunner.executable.path, file.path, pipe.path],
            in: folder, executable: URL(fileURLWithPath: "/bin/sh"))
        try await write("", to: pipe)  // opens the pipe (the shell's redirection waits for a writer), sends nothing
        var executions = 0, tickets = 0
        for day in 1...3 {
            #expect(await simulate.waitForLines(day) { $0.hasPrefix("day ") && $0.contains(" complete: ") }, "\(simulate.stdout)\(simulate.stderr)")
            let line = try #require(simulate.stdout.split(separator: "\n").filter { $0.hasPrefix("day \(day)/3 ") }.first)
            #expect(line.contains("day \(day)/3 (2026-03-0\(day + 1), \(["Mon", "Tue", "Wed"][day - 1])) complete: "), "\(line)")
            executions += try #require(Int(line.firstMatch(of: /complete: (\d+) executions/)?.1 ?? ""))
            tickets += Int(line.firstMatch(of: /service_tickets \+(\d+)/)?.1 ?? "0") ?? 0
            let fires = try await sqlite(file, "SELECT count(*) || ' ' || max(scheduled_at) FROM updater_fires").split(separator: " ")
            #expect(fires.first.map(String.init) == String(executions), "day \(day): \(fires)")
            #expect(fires.last.map { $0 < "2026-03-0\(day + 2)" } == true, "day \(day): a later fire committed: \(fires)")
            #expect(try await sqlite(file, "SELECT count(*) FROM service_tickets") == String(tickets))
            // The WAL was checkpointed into the file: a copy of the file alone holds the period.
            let copy = folder.appendingPathComponent("copy-\(day).sqlite")
            try FileManager.default.copyItem(at: file, to: copy)
            #expect(try await sqlite(copy, "SELECT count(*) FROM updater_fires") == String(executions))
            try await write(day < 3 ? "\\n" : "q\\n", to: pipe)
        }
        #expect(await simulate.waitForExit() == 0, "\(simulate.stderr)")
        #expect(simulate.stdout.contains("simulated 2026-03-02T00:00:00Z → 2026-03-05T00:00:00Z (3/3 days)"), "\(simulate.stdout)")
    }

    /// `--json`: one object per period, written once it committed; the totals equal the database.
    @Test(arguments: Engine.allCases)
    func jsonLinesMatchTheDatabase(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = engine == .sqlite ? "sqlite:\(folder.path)/sim.sqlite" : try await TestDatabases.freshLocation(.postgres)
        let output = try await CommandRunner.run(["simulate", "3", "2026-03-02", "--seed", "11", "--tenants", "2", "--json", "--database", location],
                                                 in: folder)
        #expect(output.status == 0, "\(output.stderr)")
        let objects = output.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == 4 && output.stdout.split(separator: "\n").count == 4, "\(output.stdout)")
        let periods = objects.filter { $0["period"] != nil }
        #expect(periods.map { $0["period"] as? Int } == [1, 2, 3])
        #expect(periods.first?["start"] as? String == "2026-03-02T00:00:00Z" && periods.last?["end"] as? String == "2026-03-05T00:00:00Z")
        var inserted: [String: Int] = [:]
        var executions = 0
        for period in periods {
            executions += period["executions"] as? Int ?? 0
            for (table, counts) in period["rows"] as? [String: [String: Int]] ?? [:] {
                inserted[table, default: 0] += (counts["insert"] ?? 0) - (counts["delete"] ?? 0)
            }
        }
        let summary = try #require(objects.last?["summary"] as? [String: Any])
        #expect((summary["totals"] as? [String: Any])?["executions"] as? Int == executions)
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let counts = try await database.withConnection { conn in
            try ["service_tickets", "business_records", "business_record_activities", FireLog.table(conn.dialect)].map {
                Int(try conn.query("SELECT count(*) AS n FROM \($0)").first?["n"].intValue ?? -1)
            }
        }
        await database.close()
        #expect(counts == [inserted["service_tickets"] ?? 0, inserted["business_records"] ?? 0,
                           inserted["business_record_activities"] ?? 0, executions], "\(inserted)")
        #expect(executions == 2 * 3 * 10, "two tenants, three weekdays of the default schedules: 4 + 5 + 1 fires a day")
    }

    /// The same configuration, seed, start and span: the same `sqlite3 .dump`, byte for byte (the
    /// change log compared by what it says of each execution).
    @Test func repeatRunsDumpTheSameBytes() async throws {
        var dumps: [String] = []
        for cap in [1, 2] {
            let folder = try CommandRunner.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let config = try ServiceFixture.writeConfig("executionConfig:\n  maxConcurrentExecutions: \(cap)\n", in: folder)
            let run = try await CommandRunner.run(["simulate", "5", "2026-03-02", "--seed", "5", "--tenants", "3", "--config", config,
                                                   "--database", "sqlite:sim.sqlite"], in: folder)
            #expect(run.status == 0, "\(run.stderr)")
            // The change log's order, transaction ids and commit times depend on how executions
            // interleave (and the wall clock); what it says of each execution does not.
            let file = folder.appendingPathComponent("sim.sqlite").path
            let log = try await CommandRunner.runCommand([Self.sqlite3, file, """
                SELECT execution_id, updater, operation, table_name, row_key, before_hash, after_hash, data_time
                FROM updater_changes ORDER BY execution_id, seq; DROP TABLE updater_changes;
                """])
            #expect(log.status == 0 && log.stdout.contains("service_tickets"), "\(log.stderr)")
            let dump = try await CommandRunner.runCommand([Self.sqlite3, file, ".dump"])
            #expect(dump.status == 0 && dump.stdout.contains("INSERT INTO service_tickets"))
            dumps.append(log.stdout + dump.stdout)
        }
        #expect(dumps[0] == dumps[1])
    }

    /// One data folder, one process: a running service makes `simulate` refuse, and a running
    /// simulation makes `start` refuse; bad arguments are one-line errors with status 2.
    @Test func theInstanceLockAndBadArguments() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try ServiceProcess(["start", "--no-api", "--database", "sqlite:live.sqlite"], in: folder)
        #expect(await service.waitForLines { $0.hasPrefix("Press Ctrl-C") }, "\(service.stderr)")
        let refused = try await CommandRunner.run(["simulate", "2", "--database", "sqlite:sim.sqlite"], in: folder)
        #expect(refused.status == 1 && refused.stderr.contains("another updater is already running with this data folder"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("sim.sqlite").path))
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)

        // A paused step-mode simulation (driven by its API, so its empty standard input does not end it).
        let config = try ServiceFixture.writeConfig("api:\n  port: 0\n  token: test-token-0123456789abcdef\n", in: folder)
        let simulation = try ServiceProcess(["simulate", "3", "2026-03-02", "--step", "--config", config, "--database", "sqlite:sim.sqlite"],
                                            in: folder)
        #expect(await simulation.waitForLines { $0.hasPrefix("day 1/3") }, "\(simulation.stdout)\(simulation.stderr)")
        let start = try await CommandRunner.run(["start", "--no-api", "--database", "sqlite:live.sqlite"], in: folder)
        #expect(start.status == 1 && start.stderr.contains("another updater is already running"), "\(start.stderr)")
        simulation.signal(SIGINT)  // quits cleanly after the period in progress
        #expect(await simulation.waitForExit() == 0, "\(simulation.stderr)")
        #expect(simulation.stdout.contains("(1/3 days)"), "\(simulation.stdout)")

        for (arguments, message) in [
            (["simulate", "0"], "days: out of range"),
            (["simulate", "3", "2026-02-30"], "START: not a date"),
            (["simulate", "3", "--step", "fortnight"], "--step: not a period"),
            (["simulate", "3", "--speed", "fast"], "--speed: not a speed"),
            (["simulate", "3", "--speed=0"], "--speed: not a speed"),
            (["simulate", "3", "--until", "2026-03-01"], "not both"),
        ] {
            let bad = try await CommandRunner.run(arguments + ["--database", "sqlite:bad.sqlite"], in: folder)
            #expect(bad.status == 2 || bad.status == 64, "\(arguments): \(bad.status)")
            #expect(bad.stderr.contains(message), "\(arguments): \(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("bad.sqlite").path))
        }
    }
}
