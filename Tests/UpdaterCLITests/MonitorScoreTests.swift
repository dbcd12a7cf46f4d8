import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// The reference monitor against live traffic, scored by `updater score`: a snapshot diff every
/// 2 seconds sees the net effect of every change in each 2-second window, nothing more.
struct MonitorScoreTests {
    @Test(arguments: Engine.allCases)
    func checkingEveryTwoSecondsScoresOneAndOneInNetMode(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = engine == .sqlite ? "sqlite:\(folder.path)/data/target.sqlite" : try await ServiceFixture.freshPostgres()
        let config = try ServiceFixture.writeConfig("""
            database: "\(database)"
            scheduleConfig:
              businessActivities: "* * * * * *"
              serviceTickets: "* * * * * *"
              newLeads: "* * * * * *"
            shutdownGracePeriodSeconds: 5
            """, in: folder)
        let migrated = try await CommandRunner.run(["migrate", "--config", config], in: folder)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let detections = folder.appendingPathComponent("detections.jsonl").path

        let monitor = try ServiceProcess(["monitor", "start", "--interval", "2", "--detections", detections, "--config", config], in: folder)
        #expect(await monitor.waitForLines(3, where: { $0.hasPrefix("Baseline — ") }), "\(monitor.stdout)\n\(monitor.stderr)")
        let log = try await DatabaseFactory.openExisting(database)
        let baseline = try await ChangeLog.lastSequence(in: log)
        await log.close()

        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(12, where: { $0.contains("succeeded") }), "\(service.stdout)\n\(service.stderr)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0, "\(service.stderr)")
        // Two more checks, both begun after the last commit: the monitor has seen everything.
        let checks = monitor.stdout.components(separatedBy: "— service_tickets —").count
        #expect(await monitor.waitForLines(where: { _ in monitor.stdout.components(separatedBy: "— service_tickets —").count >= checks + 2 }),
                "\(monitor.stdout)")
        monitor.signal(SIGTERM)
        #expect(await monitor.waitForExit() == 0, "\(monitor.stderr)")
        #expect(monitor.stdout.contains("NEW RECORDS DETECTED!"), "\(monitor.stdout)")

        let score = try await CommandRunner.run(["score", "--detected", detections, "--mode", "net", "--interval", "2", "--since", "\(baseline)",
                                                 "--min-recall", "1", "--min-precision", "1", "--json", "--config", config], in: folder)
        #expect(score.status == 0, "\(score.stdout)\n\(score.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(score.stdout.utf8)) as? [String: Any])
        let overall = report["overall"] as? [String: Any] ?? [:]
        #expect(overall["recall"] as? Double == 1 && overall["precision"] as? Double == 1, "\(score.stdout)")
        #expect((overall["truth"] as? Int ?? 0) >= 12, "\(score.stdout)")
    }
}
