import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater monitor` as a user runs it: on a `patients` table it did not create, in the
/// background with a pid file, through a real terminal, and scored against live traffic.
struct MonitorCommandTests {
    /// A fresh database of `engine` with a `patients` table of three rows, made with plain SQL.
    private func patients(_ engine: Engine) async throws -> String {
        let url = try await TestDatabases.freshLocation(engine)
        try await sql(url, """
            CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ward TEXT);
            INSERT INTO patients (id, name, ward) VALUES (1, 'Ann Lee', 'A'), (2, 'Bob Ray', 'B'), (3, 'Cid Moe', 'C');
            CREATE TABLE notes (body TEXT);
            """)
        return url
    }

    private func sql(_ url: String, _ script: String) async throws {
        let database = try await DatabaseFactory.open(url, poolSize: 1)
        do {
            try await database.withConnection { try $0.executeScript(script) }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    /// The alert with its timestamps replaced by `<time>`.
    private func masked(_ text: String) -> String {
        text.replacingOccurrences(of: #"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"#, with: "<time>", options: .regularExpression)
    }

    @Test(arguments: Engine.allCases)
    func checksAnyTableAndPrintsTheAlert(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try await patients(engine)
        let watch = ["--database", url, "--table", "patients", "--state", folder.appendingPathComponent("state").path]

        let baseline = try await CommandRunner.run(["monitor", "check"] + watch, in: folder)
        #expect(baseline.status == 0, "\(baseline.stderr)")
        #expect(masked(baseline.stdout) == "Baseline — patients — <time>: 3 record(s), max id 3\n")

        try await sql(url, """
            INSERT INTO patients (id, name, ward) VALUES (4, 'Dee Fox', 'D'), (5, 'Eve Kim', NULL);
            UPDATE patients SET ward = 'Z' WHERE id = 1;
            DELETE FROM patients WHERE id = 2;
            """)
        let detections = folder.appendingPathComponent("detections.jsonl").path
        let alert = try await CommandRunner.run(["monitor", "check", "--detections", detections] + watch, in: folder)
        #expect(alert.status == 0, "\(alert.stderr)")
        #expect(masked(alert.stdout) == """
            ==========================================================
            TABLE MONITORING ALERT — patients — <time>
            ==========================================================
            NEW RECORDS DETECTED! 2 new record(s) added
              1. id 4  name "Dee Fox"  ward "D"
              2. id 5  name "Eve Kim"  ward NULL
            RECORDS DELETED! 1 record(s) removed
              1. id 2
            1 record(s) modified
              1. id 1  changed: ward → "Z"
            Count: previous 3, current 4, added 1

            """, "\(alert.stdout)")
        let lines = try String(contentsOfFile: detections, encoding: .utf8).split(separator: "\n")
        #expect(lines.map { $0.replacingOccurrences(of: #""detected_at":"[^"]+""#, with: "T", options: .regularExpression) } == [
            #"{"operation":"insert","table":"patients","key":"4",T}"#, #"{"operation":"insert","table":"patients","key":"5",T}"#,
            #"{"operation":"update","table":"patients","key":"1",T}"#, #"{"operation":"delete","table":"patients","key":"2",T}"#,
        ])

        let quiet = try await CommandRunner.run(["monitor", "check"] + watch, in: folder)
        #expect(masked(quiet.stdout) == "No changes — patients — <time> (4 record(s))\n", "\(quiet.stdout)")
        let logs = try await CommandRunner.run(["monitor", "logs", "--count", "2"] + watch, in: folder)
        #expect(logs.stdout.contains("NEW RECORDS DETECTED! 2 new record(s) added") && logs.stdout.contains("patients: no changes (4 record(s))"),
                "\(logs.stdout)")
        #expect(!logs.stdout.contains("baseline"), "only the last two entries: \(logs.stdout)")
    }

    @Test(arguments: Engine.allCases)
    func badTablesAndOptionsAreOneLineErrors(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try await patients(engine)
        let state = ["--state", folder.appendingPathComponent("state").path]
        let cases: [([String], String)] = [
            (["--table", "notes"], "table 'notes' has no primary key: name the column(s) that identify a row with --key COLUMN"),
            (["--table", "nurses"], "no table 'nurses' in the database"),
            (["--table", "patients", "--key", "nope"], "--key nope: table 'patients' has no such column (it has id, name, ward)"),
        ]
        for (arguments, message) in cases {
            let result = try await CommandRunner.run(["monitor", "check", "--database", url] + arguments + state, in: folder)
            #expect(result.status == 2 && result.stderr == "Error: \(message)\n", "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let missing = try await CommandRunner.run(["monitor", "check", "--database", "sqlite:\(folder.path)/none.db", "--table", "t"] + state, in: folder)
        #expect(missing.status == 2 && missing.stderr == "Error: no SQLite database at \(folder.path)/none.db\n", "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/none.db"))
        let interval = try await CommandRunner.run(["monitor", "start", "--interval", "0", "--database", url] + state, in: folder)
        #expect(interval.status != 0 && interval.stderr.contains("--interval '0': give a number of seconds from 1 to 31536000"), "\(interval.stderr)")
        // The password of a URL never shows, whatever fails.
        let secret = try await CommandRunner.run(["monitor", "check", "--database", "postgres://u:s3cr3t@127.0.0.1:1/db", "--table", "t"] + state,
                                                 in: folder)
        #expect(secret.status == 1 && !secret.stderr.contains("s3cr3t") && secret.stderr.split(separator: "\n").count == 1, "\(secret.stderr)")
        // A keyless table is watched with --key, and the state survives between processes.
        let keyed = ["monitor", "check", "--database", url, "--table", "notes", "--key", "body"] + state
        #expect(try await CommandRunner.run(keyed, in: folder).stdout.hasPrefix("Baseline — notes"))
        try await sql(url, "INSERT INTO notes VALUES ('call back')")
        let second = try await CommandRunner.run(keyed, in: folder)
        #expect(second.stdout.contains("NEW RECORDS DETECTED! 1 new record(s) added\n  1. body call back"), "\(second.stdout)")
    }

    @Test func anAlertCommandGetsTheAlertAsJSONAndItsFailureIsLogged() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try await patients(.sqlite)
        let watch = ["--database", url, "--table", "patients", "--state", folder.appendingPathComponent("state").path]
        #expect(try await CommandRunner.run(["monitor", "check"] + watch, in: folder).status == 0)
        // Enough new rows that the alert's JSON is larger than a pipe's buffer.
        try await sql(url, (10..<2_010).map { "INSERT INTO patients (id, name) VALUES (\($0), 'Patient \($0)');" }.joined())
        let alertFile = folder.appendingPathComponent("alert.json").path
        let read = try await CommandRunner.run(["monitor", "check", "--alert-command", "cat > '\(alertFile)'"] + watch, in: folder)
        #expect(read.status == 0, "\(read.stderr)")
        let alert = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: alertFile))) as? [String: Any])
        #expect(alert["table"] as? String == "patients" && (alert["inserted"] as? [Any])?.count == 2_000 && alert["previousCount"] as? Int == 3)

        // A command that fails, without reading its input: the check still succeeds, the log says why.
        try await sql(url, "DELETE FROM patients WHERE id >= 10")
        let failing = try await CommandRunner.run(["monitor", "check", "--alert-command", "exit 3"] + watch, in: folder)
        #expect(failing.status == 0 && failing.stdout.contains("RECORDS DELETED! 2000 record(s) removed"), "\(failing.stderr)")
        let logs = try await CommandRunner.run(["monitor", "logs", "--count", "1"] + watch, in: folder)
        #expect(logs.stdout.contains("ERROR   patients: the alert command exited with status 3"), "\(logs.stdout)")
    }

    @Test func detachedStartStatusAndStopThroughItsPid() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = try await patients(.sqlite)
        let watch = ["--database", url, "--table", "patients", "--state", folder.appendingPathComponent("state").path]
        defer { _ = try? Self.stopBlocking(watch, in: folder) }

        let started = try await CommandRunner.run(["monitor", "start", "--detach", "--interval", "1"] + watch, in: folder)
        #expect(started.status == 0, "\(started.stderr)")
        let pid = try #require(started.stdout.firstMatch(of: /started \(pid (\d+)\)/).map { Int32($0.1)! }, "\(started.stdout)")

        let status = try await CommandRunner.run(["monitor", "status", "--json"] + watch, in: folder)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(report["running"] as? Bool == true && report["pid"] as? Int == Int(pid), "\(status.stdout)")
        #expect(report["intervalSeconds"] as? Double == 1 && report["nextCheck"] != nil)
        let tables = report["tables"] as? [[String: Any]] ?? []
        #expect(tables.first?["recordCount"] as? Int == 3 && tables.first?["maxId"] as? String == "3", "\(status.stdout)")
        let text = try await CommandRunner.run(["monitor", "status"] + watch, in: folder)
        #expect(text.stdout.hasPrefix("monitor: running (pid \(pid)), every 1 s\n"), "\(text.stdout)")
        #expect(text.stdout.contains("next check: "))

        let second = try await CommandRunner.run(["monitor", "start", "--detach"] + watch, in: folder)
        #expect(second.status == 2 && second.stderr.contains("a monitor (pid \(pid)) already runs on the state folder"), "\(second.stderr)")

        try await sql(url, "INSERT INTO patients (id, name) VALUES (9, 'Ivy Ng')")
        var seen = false
        for _ in 0..<100 where !seen {
            seen = try await CommandRunner.run(["monitor", "logs"] + watch, in: folder).stdout.contains("  1. id 9  name \"Ivy Ng\"")
            if !seen { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(seen, "the running monitor's log shows the new row")

        let stopped = try await CommandRunner.run(["monitor", "stop"] + watch, in: folder)
        #expect(stopped.status == 0 && stopped.stdout == "monitor: stopped (pid \(pid))\n", "\(stopped.stdout)\(stopped.stderr)")
        let after = try await CommandRunner.run(["monitor", "status"] + watch, in: folder)
        #expect(after.stdout.hasPrefix("monitor: not running\n"), "\(after.stdout)")
        // The state outlives the process: the next check compares with the running monitor's last.
        let check = try await CommandRunner.run(["monitor", "check"] + watch, in: folder)
        #expect(check.stdout.hasPrefix("No changes — patients"), "\(check.stdout)")
        let output = try String(contentsOf: folder.appendingPathComponent("state/monitor.out"), encoding: .utf8)
        #expect(output.contains("monitor: stopped"), "\(output)")
    }

    /// `monitor stop` for clean-up after a failed test.
    private static func stopBlocking(_ watch: [String], in folder: URL) throws {
        let process = try Process.run(CommandRunner.executable, arguments: ["monitor", "stop"] + watch)
        process.waitUntilExit()
    }
}
