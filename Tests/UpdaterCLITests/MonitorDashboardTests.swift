import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater monitor dashboard` in a real terminal: tmux runs it, the test presses its keys with
/// `send-keys` and reads the screen with `capture-pane`.
struct MonitorDashboardTests {
    /// A tmux server of the test's own (its own socket), so nothing else's sessions are touched.
    private struct Tmux {
        let socket = "updater-test-\(UUID().uuidString.prefix(8))"

        /// Runs a tmux command. Descriptors past stderr are closed first: the tmux server that
        /// `new-session` forks would keep Foundation's process-watching socket open, and the
        /// command would never be seen to end.
        @discardableResult
        func run(_ arguments: [String]) async throws -> CommandRunner.Output {
            let closeInherited = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec tmux "$@""#
            return try await CommandRunner.runCommand(["/bin/bash", "-c", closeInherited, "tmux", "-L", socket] + arguments)
        }

        func screen() async throws -> String { try await run(["capture-pane", "-p", "-t", "dash"]).stdout }

        /// Waits until the screen satisfies `predicate`; the last screen either way.
        func waitForScreen(_ predicate: (String) -> Bool) async throws -> (Bool, String) {
            var last = ""
            for _ in 0..<200 {
                last = try await screen()
                if predicate(last) { return (true, last) }
                try await Task.sleep(for: .milliseconds(100))
            }
            return (false, last)
        }

        func press(_ key: String) async throws { try await run(["send-keys", "-t", "dash", key]) }
    }

    @Test func keysRefreshShowStatusAndLogsRunACheckAndQuit() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = "sqlite:\(folder.path)/clinic.db"
        let database = try await DatabaseFactory.open(url, poolSize: 1)
        defer { Task { await database.close() } }
        try await database.withConnection { connection in
            try connection.executeScript("""
                CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ward TEXT);
                INSERT INTO patients (name, ward) VALUES ('Ann Lee', 'A'), ('Bob Ray', 'B');
                """)
        }
        let tmux = Tmux()
        defer { Task { _ = try? await tmux.run(["kill-server"]) } }
        let command = [CommandRunner.executable.path, "monitor", "dashboard", "--database", url, "--table", "patients",
                       "--state", folder.appendingPathComponent("state").path]
        try await tmux.run(["new-session", "-d", "-s", "dash", "-x", "120", "-y", "30", "-c", folder.path,
                            "env -u DATABASE_UPDATER_DATABASE_URL " + command.map { "'\($0)'" }.joined(separator: " ")])

        var (ok, screen) = try await tmux.waitForScreen { $0.contains("monitor: not running") && $0.contains("(no table checked yet)") }
        #expect(ok, "first frame:\n\(screen)")
        #expect(screen.contains("r refresh  s status  l logs  t check now  q quit"), "\(screen)")

        try await tmux.press("t")
        (ok, screen) = try await tmux.waitForScreen { $0.contains("checked: patients +0 -0 ~0") && $0.contains("patients: baseline of 2 record(s)") }
        #expect(ok, "after t (baseline):\n\(screen)")

        _ = try await database.withConnection { try $0.execute("INSERT INTO patients (name, ward) VALUES ('Cid Moe', 'C')") }
        try await tmux.press("t")
        (ok, screen) = try await tmux.waitForScreen { $0.contains("checked: patients +1 -0 ~0") }
        #expect(ok, "after t (one new row):\n\(screen)")
        #expect(screen.contains("patients: 1 new, 0 deleted, 0 modified (2 → 3 record(s))"), "\(screen)")

        try await tmux.press("l")
        (ok, screen) = try await tmux.waitForScreen { $0.contains("Log (newest last)") }
        #expect(ok && screen.contains("NEW RECORDS DETECTED! 1 new record(s) added") && screen.contains("  1. id 3  name \"Cid Moe\"  ward \"C\""),
                "logs view:\n\(screen)")

        try await tmux.press("s")
        (ok, screen) = try await tmux.waitForScreen { !$0.contains("Log (newest last)") && $0.contains("TABLE") }
        #expect(ok && screen.contains("patients") && !screen.contains("Recent checks"), "status view:\n\(screen)")

        try await tmux.press("r")
        (ok, screen) = try await tmux.waitForScreen { $0.contains("Recent checks") }
        #expect(ok, "main view again:\n\(screen)")

        try await tmux.press("q")
        var ended = false
        for _ in 0..<100 where !ended {
            ended = try await tmux.run(["has-session", "-t", "dash"]).status != 0
            if !ended { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ended, "q ends the dashboard (and with it the session)")
    }
}
