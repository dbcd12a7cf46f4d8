import DatabaseUpdater
import Foundation
import Testing

/// With a service running, `status`, `execute` and `logs` talk to it through its API.
struct ServiceClientTests {
    @Test func commandsUseTheRunningServicesAPI() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig("database: sqlite:data/target.sqlite\n", in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("API listening on http://127.0.0.1:") }), "\(service.stdout)")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("data/api-token").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let status = try await CommandRunner.run(["status", "--config", config], in: folder)
        #expect(status.status == 0)
        #expect(status.stdout.hasPrefix("service: running (pid"))
        // Executed by the service: its console prints the execution line.
        let execute = try await CommandRunner.run(["execute", "service_tickets", "--config", config, "--seed", "3"], in: folder)
        #expect(execute.status == 0, "\(execute.stderr)")
        #expect(await service.waitForLines(where: { $0.contains("service_tickets") && $0.contains("succeeded") }))
        let unknown = try await CommandRunner.run(["execute", "invoices", "--config", config], in: folder)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown updater 'invoices'"))
        let logs = try await CommandRunner.run(["logs", "--count", "200", "--config", config], in: folder)
        #expect(logs.stdout.contains("[updater.api] Server started"))
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
    }
}
