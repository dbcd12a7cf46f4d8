import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// One API over several targets, through a real socket: `?target=NAME` selects the factory beside
/// the office on status, execute, dry-run, metrics and invariants; start and stop act on both.
struct TargetRouteTests {
    @Test func targetSelectsTheManager() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("updater-targets-\(UUID().uuidString)")
        var plant = UpdaterConfig(database: "sqlite:\(folder.path)/databases/", scenario: "factory",
                                  dataDirectory: folder.appendingPathComponent("data/targets/plant").path,
                                  logDirectory: folder.appendingPathComponent("logs").path, seed: 7)
        plant.target = "plant"
        let factory = try await DatabaseUpdaterManager.start(configuration: plant)
        let api = try await APIHarness.start(.postgres, targets: ["plant": factory])

        let office = try await api.send("GET", "/api/database-updater/status")
        #expect(office.json()?["scenario"] as? String == "office", "\(office.text)")
        let status = try await api.send("GET", "/api/database-updater/status?target=plant")
        #expect(status.status == 200 && status.json()?["scenario"] as? String == "factory", "\(status.text)")
        let unknown = try await api.send("GET", "/api/database-updater/status?target=warehouse")
        #expect(unknown.status == 404 && unknown.text.contains("unknown target 'warehouse' (configured: default, plant)"), "\(unknown.text)")

        let executed = try await api.send("POST", "/api/database-updater/execute/order_generation?target=plant", json: #"{"seed": 3}"#)
        #expect(executed.status == 200 && executed.json()?["updater"] as? String == "order_generation", "\(executed.text)")
        #expect(executed.json()?["outcome"] as? String == "succeeded", "\(executed.text)")
        let wrong = try await api.send("POST", "/api/database-updater/execute/order_generation", json: "{}")
        #expect(wrong.status == 404, "the office has no order_generation: \(wrong.text)")
        let dry = try await api.send("POST", "/api/database-updater/dry-run/payroll?target=plant", json: "{}")
        #expect(dry.status == 200, "\(dry.text)")
        let invariants = try await api.send("GET", "/api/database-updater/invariants?target=plant")
        #expect(invariants.json()?["scenario"] as? String == "factory" && invariants.json()?["passed"] as? Bool == true, "\(invariants.text)")
        let metrics = try await api.send("GET", "/api/database-updater/metrics?target=plant")
        #expect(metrics.text.contains("order_generation"), "\(metrics.text)")

        // The factory's fire log records the execution under its target's name.
        let fired = try await factory.database.withConnection { conn in
            try conn.query("SELECT target FROM updater_fires WHERE updater = 'order_generation'").compactMap { $0["target"].stringValue }
        }
        #expect(fired == ["plant"])

        #expect(try await api.send("POST", "/api/database-updater/stop").status == 200)
        let factoryPaused = await !factory.isScheduling(), officePaused = await !api.manager.isScheduling()
        #expect(factoryPaused && officePaused, "stop pauses every target")
        #expect(try await api.send("POST", "/api/database-updater/start").status == 200)
        #expect(await factory.isScheduling())
        try await api.stop()
        try await factory.stop()
    }
}
