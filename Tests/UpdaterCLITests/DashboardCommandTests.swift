import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// `updater dashboard --once` on known traffic: the whole frame, with what depends on the clock masked.
struct DashboardCommandTests {
    /// Times that come from the traffic and the log fixture, not from the clock: kept in the frame.
    private static let fixedTimes = Set(["2026-11-24T12:00:00Z"])
        .union((0..<12).map { String(format: "2026-11-24T10:00:%02d.000Z", $0) })

    /// A folder with two executions at a fixed time and seed, a failed scheduled fire of today's
    /// midnight in the history (one failed backlog item, no missed fire after it), and a log file
    /// of twelve entries.
    private static func prepare(_ engine: Engine) async throws -> (folder: URL, config: String) {
        let folder = try CommandRunner.temporaryFolder()
        let database = engine == .sqlite ? "sqlite:data/target.sqlite" : try await TestDatabases.freshLocation(.postgres)
        let config = try ServiceFixture.writeConfig("""
            database: "\(database)"
            scheduleConfig: { serviceTickets: "0 0 0 * * *" }
            """, in: folder)
        for updater in ["service_tickets", "business_records"] {
            let result = try await CommandRunner.run(["execute", updater, "--seed", "5", "--at", "2026-11-24T12:00:00Z", "--config", config], in: folder)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let midnight = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let history = try await ExecutionHistory(directory: folder.appendingPathComponent("data"))
        history.record(ExecutionRecord(id: UUID(), updater: "service_tickets", tenant: Tenant.default.id, scheduledAt: midnight,
                                       startedAt: midnight, finishedAt: midnight, outcome: .failed, trigger: .scheduled, dryRun: false,
                                       seed: 1, rows: [], error: "database connection error: server closed the connection", sample: nil))
        await history.close()
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try (0..<12).map { index in
            let level = index == 10 ? "error" : (index == 9 ? "warn" : "info")
            return String(format: #"{"label":"updater","level":"%@","message":"entry %d","metadata":{"n":"%d"},"time":"2026-11-24T10:00:%02d.000Z"}"#,
                          level, index, index, index)
        }.joined(separator: "\n").appending("\n")
            .write(to: logs.appendingPathComponent("database-updater-2026-11-24.log"), atomically: true, encoding: .utf8)
        return (folder, config)
    }

    /// The frame with clock-dependent times (as `<time>` padded to their width, so columns keep
    /// their alignment), pids and the database's location masked, and trailing blanks cut.
    private static func masked(_ frame: String) -> String {
        var text = frame
        let time = try! NSRegularExpression(pattern: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?(Z|[+-]\d{2}:\d{2})"#)
        for match in time.matches(in: frame, range: NSRange(frame.startIndex..., in: frame)).reversed() {
            let range = Range(match.range, in: text)!
            let found = String(text[range])
            if !fixedTimes.contains(found) { text.replaceSubrange(range, with: "<time>".padding(toLength: found.count, withPad: " ", startingAt: 0)) }
        }
        text = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression) }.joined(separator: "\n")
        for (pattern, replacement) in [(#"pid \d+"#, "pid <pid>"), (#"(database  ).*(: reachable)"#, "$1<database>$2")] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }

    @Test(arguments: Engine.allCases)
    func oncePrintsTheWholeInstallation(engine: Engine) async throws {
        let (folder, config) = try await Self.prepare(engine)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(["dashboard", "--once", "--config", config], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("\u{1B}"), "no colour into a pipe")
        let expected = """
            updater dashboard  <time>
            ⚠ service   not running
            ✓ database  <database>: reachable
            ✗ backlog   1 item (failed 1), oldest <time>               — updater backlog

            TABLE                                ROWS  NEWEST CREATED            NEWEST UPDATED
            business_records                        1  2026-11-24T12:00:00Z      2026-11-24T12:00:00Z
            business_record_activities              0  -                         -
            service_tickets                         2  2026-11-24T12:00:00Z      2026-11-24T12:00:00Z

              TENANT    UPDATER                     SCHEDULE             NEXT FIRE                 LAST RUN                  RESULT
            · 550e8400  business_record_activities  0 0 9-17/2 * * 1-5   <time>                    never                     -
            ✓ 550e8400  service_tickets             0 0 0 * * *          <time>                    2026-11-24T12:00:00Z      succeeded
            ✓ 550e8400  business_records            0 0 10 * * 1-5       <time>                    2026-11-24T12:00:00Z      succeeded

            RECENT LOG
            · 2026-11-24T10:00:02.000Z INFO  [updater] entry 2 n=2
            · 2026-11-24T10:00:03.000Z INFO  [updater] entry 3 n=3
            · 2026-11-24T10:00:04.000Z INFO  [updater] entry 4 n=4
            · 2026-11-24T10:00:05.000Z INFO  [updater] entry 5 n=5
            · 2026-11-24T10:00:06.000Z INFO  [updater] entry 6 n=6
            · 2026-11-24T10:00:07.000Z INFO  [updater] entry 7 n=7
            · 2026-11-24T10:00:08.000Z INFO  [updater] entry 8 n=8
            ⚠ 2026-11-24T10:00:09.000Z WARN  [updater] entry 9 n=9
            ✗ 2026-11-24T10:00:10.000Z ERROR [updater] entry 10 n=10
            · 2026-11-24T10:00:11.000Z INFO  [updater] entry 11 n=11

            """
        #expect(Self.masked(result.stdout) == expected)
    }

    /// On a terminal (a pseudo-terminal from `script`), the marks are coloured; with NO_COLOR the
    /// same frame comes without a single escape sequence, marks kept.
    @Test func colourOnATerminalOnlyWithoutNoColor() async throws {
        let (folder, config) = try await Self.prepare(.sqlite)
        defer { try? FileManager.default.removeItem(at: folder) }
        let command = "\(CommandRunner.executable.path) dashboard --once --config \(config)"
        // (NO_COLOR empty counts as unset, as no-color.org says; the test runner's own may be set.)
        let coloured = try await CommandRunner.runCommand(["/usr/bin/script", "-qec", command, "/dev/null"], environment: ["NO_COLOR": ""], in: folder)
        #expect(coloured.status == 0, "\(coloured.stderr)")
        #expect(coloured.stdout.contains("\u{1B}[32m✓\u{1B}[0m database"))
        #expect(coloured.stdout.contains("\u{1B}[31m✗\u{1B}[0m backlog"))
        let plain = try await CommandRunner.runCommand(["/usr/bin/script", "-qec", command, "/dev/null"], environment: ["NO_COLOR": "1"], in: folder)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stdout.contains("\u{1B}"))
        #expect(plain.stdout.contains("✓ database") && plain.stdout.contains("✗ backlog"))
    }

    @Test func aBadIntervalIsRefused() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(["dashboard", "--interval", "0"], in: folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains("--interval: give 0.2 to 3600 seconds"))
        #expect(result.stdout.isEmpty)
    }
}
