import DatabaseUpdater
import Foundation
import Testing

struct ServiceResilienceTests {
    @Test func aPostgresOutageIsSurvivedAndExecutionsResume() async throws {
        let cluster = try PrivateCluster()
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig("""
            database: "\(cluster.url)"
            scheduleConfig:
              serviceTickets: "* * * * * *"
            executionConfig:
              enabledUpdaters: { businessActivities: false, newLeads: false }
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(2, where: { $0.contains("succeeded") }), "\(service.stderr)")
        try cluster.stop()
        try await Task.sleep(for: .seconds(3))
        #expect(service.isRunning, "the service died with its database: \(service.stderr)")
        #expect(service.stderr.contains("database unreachable"), "\(service.stderr)")
        let succeededBefore = service.stdout.split(separator: "\n").filter { $0.contains("succeeded") }.count
        try cluster.start()
        let resumed = await service.waitForLines(succeededBefore + 2, timeout: .seconds(40), where: { $0.contains("succeeded") })
        #expect(resumed, "executions did not resume: \(service.stdout.suffix(600))")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        let records = try await ServiceFixture.history(in: folder)
        #expect(records.contains { $0.outcome == .failed && ($0.error ?? "").contains("connection") }, "no failure recorded")
        // Fires during the outage were handled as missed (misfire policy runOnce: recorded, one caught up).
        #expect(records.contains { $0.outcome == .skipped && ($0.error ?? "").hasPrefix("missed fire") })
        #expect(!service.stdout.contains("password") && !service.stderr.contains("password="))
    }
}
