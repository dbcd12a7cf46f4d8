import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// `updater backlog list|status|retry|clear|mark-done` as a user runs them: locally, and through
/// a running service.
struct BacklogCommandTests {
    /// A folder with a configuration whose only schedule (service tickets, daily at midnight UTC)
    /// last fired three days ago: three missed fires are pending. Returns the config path and them.
    private static func prepare(_ folder: URL, database: String) async throws -> (config: String, missed: [Date]) {
        let config = try ServiceFixture.writeConfig("""
            database: "\(database)"
            scheduleConfig: { serviceTickets: "0 0 0 * * *" }
            executionConfig: { enabledUpdaters: { businessActivities: false, newLeads: false } }
            seed: 7
            """, in: folder)
        let midnight = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
        let last = midnight.addingTimeInterval(-3 * 86_400)
        let history = try await ExecutionHistory(directory: folder.appendingPathComponent("data"))
        history.record(ExecutionRecord(id: UUID(), updater: "service_tickets", tenant: Tenant.default.id, scheduledAt: last,
                                       startedAt: last, finishedAt: last, outcome: .succeeded, trigger: .scheduled, dryRun: false,
                                       seed: 1, rows: [], error: nil, sample: nil))
        await history.close()
        return (config, (1...3).map { last.addingTimeInterval(Double($0) * 86_400) })
    }

    private static func location(_ engine: Engine, in folder: URL) async throws -> String {
        engine == .sqlite ? "sqlite:\(folder.path)/target.sqlite" : try await TestDatabases.freshLocation(.postgres)
    }

    /// The pending items' ids, from `backlog --json`.
    private static func pendingIDs(_ config: String, in folder: URL) async throws -> [String] {
        let list = try await CommandRunner.run(["backlog", "--json", "--config", config], in: folder)
        #expect(list.status == 0, "\(list.stderr)")
        let schedules = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        // The fields `backlog --json` had before items existed are still there.
        #expect(schedules.allSatisfy { $0["onStart"] is String && $0["due"] is Int && $0["updater"] is String })
        return schedules.flatMap { ($0["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
    }

    @Test(arguments: Engine.allCases)
    func markDoneRetryDryRunAndRetryLocally(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, missed) = try await Self.prepare(folder, database: try await Self.location(engine, in: folder))
        let ids = try await Self.pendingIDs(config, in: folder)
        #expect(ids == missed.map { BacklogItem.id(tenant: Tenant.default.id, updater: "service_tickets", fire: $0) })

        let early = try await CommandRunner.run(["backlog", "mark-done", ids[1], "--config", config], in: folder)
        #expect(early.status == 1 && early.stderr.hasPrefix("Error: backlog item \(ids[1]) has earlier missed fires"), "\(early.stderr)")
        #expect(early.stderr.split(separator: "\n").count == 1)

        let done = try await CommandRunner.run(["backlog", "mark-done", ids[0], "--reason", "ran by hand", "--config", config], in: folder)
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.hasPrefix("marked done 1 item\n  \(ids[0])  missed"))
        #expect(done.stdout.contains("→ skipped: marked done from the backlog: ran by hand"))

        let dry = try await CommandRunner.run(["backlog", "retry", "--dry-run", "--config", config], in: folder)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("dry-ran 2 items (dry run: rolled back, nothing written, nothing resolved)"))
        #expect(try await Self.pendingIDs(config, in: folder) == Array(ids.dropFirst()))

        let status = try await CommandRunner.run(["backlog", "status", "--config", config], in: folder)
        #expect(status.stdout.hasPrefix("pending: 2 items\nby reason:   missed 2 items\nby updater:  service_tickets 2 items\n"), "\(status.stdout)")

        let retry = try await CommandRunner.run(["backlog", "retry", "--updater", "serviceTickets", "--config", config], in: folder)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.hasPrefix("retried 2 items\n"))
        #expect(retry.stdout.hasSuffix("2 done, 0 failed\n"))
        let list = try await CommandRunner.run(["backlog", "--config", config], in: folder)
        #expect(list.stdout.hasSuffix("nothing pending\n"), "\(list.stdout)")
        #expect(list.stdout.contains("on start: nothing missed"))

        // In the history, through the executor: the mark-done's skipped record and two catch-up executions.
        let records = try await ServiceFixture.history(in: folder).filter { $0.backlog != nil && !$0.dryRun }
        #expect(records.filter { $0.backlog?.action == .markDone }.map(\.scheduledAt) == [missed[0]])
        #expect(Set(records.filter { $0.backlog?.action == .retry && $0.trigger == .catchUp && $0.outcome == .succeeded }.map(\.scheduledAt))
            == Set(missed.dropFirst()))
        // And in the day's log file.
        let logs = try await CommandRunner.run(["logs", "--count", "100", "--config", config], in: folder)
        #expect(logs.stdout.contains("backlog mark-done") && logs.stdout.contains("backlog retry"))
    }

    @Test(arguments: [
        (["backlog", "retry", "--updater", "invoices"], "unknown updater 'invoices'"),
        (["backlog", "clear", "--tenant", "not-a-uuid"], "invalid tenant id 'not-a-uuid'"),
        (["backlog", "clear", "--tenant", "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"], "unknown tenant 7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"),
        (["backlog", "mark-done", "0123456789ab"], "no pending backlog item '0123456789ab'"),
        (["backlog", "clear", "--reason", " "], "the reason is empty"),
    ])
    func badInputIsOneLineWithStatus2AndWritesNothing(arguments: [String], message: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, _) = try await Self.prepare(folder, database: "sqlite:\(folder.path)/target.sqlite")
        let before = try await ServiceFixture.history(in: folder).count
        let result = try await CommandRunner.run(arguments + ["--config", config], in: folder)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("Error: \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(try await ServiceFixture.history(in: folder).count == before)
        #expect(try await Self.pendingIDs(config, in: folder).count == 3)
    }

    @Test func aDatabaseThatIsDownIsOneLineAndNothingIsCreated() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for action in [["retry"], ["clear"], ["mark-done", "0123456789ab"]] {
            let result = try await CommandRunner.run(["backlog"] + action + ["--database", "postgres://u:Sekr1t-pw@127.0.0.1:1/db"], in: folder)
            #expect(result.status == 1, "\(action): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("Error: the target database cannot be used: "), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
            #expect(!result.stderr.contains("Sekr1t-pw"))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/state.sqlite").path))
        }
    }

    /// With a service running, the commands ask its API, so its executor does the work: here the
    /// misfire policy recorded two of the three missed fires as missed (and ran the latest as a
    /// catch-up) at start; `retry` runs those two in the service, whose log says so.
    @Test func actionsGoThroughARunningService() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (config, missed) = try await Self.prepare(folder, database: "sqlite:\(folder.path)/target.sqlite")
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.contains("(catch-up)") }), "\(service.stdout)")
        let ids = try await Self.pendingIDs(config, in: folder)
        #expect(ids == missed.dropLast().map { BacklogItem.id(tenant: Tenant.default.id, updater: "service_tickets", fire: $0) })
        let list = try await CommandRunner.run(["backlog", "--config", config], in: folder)
        #expect(list.stdout.contains("\(ids[0])  missed  550e8400  service_tickets"))
        #expect(list.stdout.contains("recorded as missed, not run"))
        let retry = try await CommandRunner.run(["backlog", "retry", "--config", config], in: folder)
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(retry.stdout.hasPrefix("retried 2 items\n"), "\(retry.stdout)")
        #expect(try await Self.pendingIDs(config, in: folder).isEmpty)
        // The service's console shows them as its own executions: the start's catch-up and the two retried.
        #expect(await service.waitForLines(3, where: { $0.contains("(catch-up)") }), "\(service.stdout)")
        service.signal(SIGINT)
        #expect(await service.waitForExit() == 0)
        // The service wrote the executions and the log entry.
        let entries = try LogReader.last(1000, minimumLevel: "info", in: folder.appendingPathComponent("logs"))
        let retried = entries.filter { $0.message == "backlog retry" }
        #expect(retried.count == 1 && retried.first?.metadata["items"] == "2")
        #expect(entries.filter { $0.message == "execution" && $0.metadata["backlog"]?.hasPrefix("retry ") == true }.count == 2)
    }
}
