import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Testing
import UpdaterTestSupport
import Yams

struct APIRouteTests {
    private let base = APIPaths.base

    @Test func statusHealthAndMetricsAnswerWithoutAToken() async throws {
        let api = try await APIHarness.start()
        let status = try await api.send("GET", "\(base)/status", token: nil)
        #expect(status.status == 200)
        #expect(status.contentType?.hasPrefix("application/json") == true)
        let decoded = try status.decode(ServiceStatus.self)
        #expect(decoded.running && decoded.schedulingEnabled && !decoded.schedulingPaused)
        #expect(decoded.schedules.count == 3 && decoded.schedules.allSatisfy { $0.nextFire != nil })
        let health = try await api.send("GET", "\(base)/health", token: nil)
        #expect(health.status == 200)
        #expect(try health.decode(HealthReport.self).status == .healthy)
        let metrics = try await api.send("GET", "\(base)/metrics", token: nil)
        #expect(metrics.status == 200)
        #expect(try metrics.decode([UpdaterMetrics].self).isEmpty)
        try await api.stop()
    }

    @Test func everyMutatingRouteNeedsTheToken() async throws {
        let api = try await APIHarness.start()
        let mutating = [("POST", "\(base)/start"), ("POST", "\(base)/stop"), ("POST", "\(base)/execute/service_tickets"),
                        ("POST", "\(base)/dry-run/service_tickets"), ("PUT", "\(base)/config")]
        for (method, path) in mutating {
            let missing = try await api.send(method, path, json: #"{"config":{}}"#, token: nil)
            #expect(missing.status == 401, "\(method) \(path)")
            #expect((missing.json()?["error"] as? String)?.contains("Authorization") == true)
            #expect(missing.json()?["details"] is [Any])
            let wrong = try await api.send(method, path, json: #"{"config":{}}"#, token: "not-the-token-at-all")
            #expect(wrong.status == 403, "\(method) \(path)")
            #expect(wrong.json()?["error"] as? String == "wrong API token")
        }
        #expect(try await api.manager.history.recent().isEmpty)  // nothing ran
        try await api.stop()
    }

    @Test(arguments: Engine.allCases)
    func executeAndDryRunReturnTheRecord(engine: Engine) async throws {
        let api = try await APIHarness.start(engine)
        let executed = try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"seed": 7}"#)
        #expect(executed.status == 200, "\(executed.text)")
        let record = try executed.decode(ExecutionRecord.self)
        #expect(record.outcome == .succeeded && record.seed == 7 && !record.dryRun && record.trigger == .manual)
        #expect(record.rows.first?.table == "service_tickets")
        let dry = try await api.send("POST", "\(base)/dry-run/newLeads")
        #expect(dry.status == 200)
        let dryRecord = try dry.decode(ExecutionRecord.self)
        #expect(dryRecord.dryRun && dryRecord.sample?["business_records"]?.first?["company_name"] != nil)
        let counts = try await api.manager.database.withConnection { conn in
            try conn.query("SELECT COUNT(*) AS n FROM business_records")[0]["n"].intValue
        }
        #expect(counts == 0)
        try await api.stop()
    }

    @Test func executeErrors() async throws {
        let api = try await APIHarness.start()
        let unknown = try await api.send("POST", "\(base)/execute/invoices")
        #expect(unknown.status == 404)
        #expect((unknown.json()?["error"] as? String)?.hasPrefix("unknown updater 'invoices'") == true)
        #expect(try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"tenant": "not-a-uuid"}"#).status == 400)
        #expect(try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"tenant": "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"}"#).status == 400)
        #expect(try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"seed": true}"#).status == 400)
        #expect(try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"seed": -1}"#).status == 400)
        #expect(try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"colour": "blue"}"#).status == 400)
        let malformed = try await api.send("POST", "\(base)/execute/service_tickets", json: #"{"seed": 7"#)
        #expect(malformed.status == 400)
        #expect(malformed.json()?["error"] as? String == "the body is not valid JSON: Unexpected end of file during JSON parse.")
        let list = try await api.send("POST", "\(base)/execute/service_tickets", json: "[1]")
        #expect(list.status == 400 && list.json()?["error"] as? String == "the body must be a JSON object")
        let huge = try await api.send("POST", "\(base)/execute/service_tickets", body: Data(repeating: 0x20, count: 1_500_000))
        #expect(huge.status == 413)
        #expect((huge.json()?["error"] as? String)?.contains("too large") == true)
        let none = try await api.send("GET", "/no/such/route", token: nil)
        #expect(none.status == 404 && none.json()?["error"] != nil)
        #expect(try await api.manager.history.recent().isEmpty)
        try await api.stop()
    }

    @Test func aSecondExecutionOfTheSameUpdaterAndTenantIs409() async throws {
        let gate = Gate()
        var registry = UpdaterRegistry.builtIn
        try registry.register(GatedUpdater(gate: gate))
        let api = try await APIHarness.start(registry: registry)
        let first = Task { try await api.send("POST", "\(base)/execute/gated") }
        while !gate.entered { try await Task.sleep(for: .milliseconds(10)) }
        let second = try await api.send("POST", "\(base)/execute/gated")
        #expect(second.status == 409)
        #expect((second.json()?["error"] as? String)?.contains("already running") == true)
        gate.open()
        #expect(try await first.value.status == 200)
        try await api.stop()
    }

    @Test func putConfigValidatesWholeAndSwapsSchedules() async throws {
        let api = try await APIHarness.start()
        func ticketsSchedule() async throws -> CronScheduler.EntryStatus? {
            try await api.send("GET", "\(base)/status").decode(ServiceStatus.self).schedules.first { $0.updater == "service_tickets" }
        }
        let before = try await ticketsSchedule()
        let bad = try await api.send("PUT", "\(base)/config", json: #"{"config": {"scheduleConfig": {"serviceTickets": "0 0 */0 * * *"}, "misfireLimit": 0}}"#)
        #expect(bad.status == 422)
        let details = bad.json()?["details"] as? [String] ?? []
        #expect(details.count == 2)
        #expect(details.contains { $0.hasPrefix("scheduleConfig.serviceTickets: invalid cron expression") && $0.contains("hour field") })
        #expect(try await ticketsSchedule() == before)
        let restartOnly = try await api.send("PUT", "\(base)/config", json: #"{"config": {"database": "sqlite::memory:"}}"#)
        #expect(restartOnly.status == 422)
        let good = try await api.send("PUT", "\(base)/config", json: #"{"config": {"scheduleConfig": {"serviceTickets": "7 7 7 * * *"}, "timezone": "Europe/Paris"}}"#)
        #expect(good.status == 200, "\(good.text)")
        let config = (good.json()?["config"] as? [String: Any])
        #expect((config?["scheduleConfig"] as? [String: Any])?["serviceTickets"] as? String == "7 7 7 * * *")
        #expect((config?["api"] as? [String: Any])?["token"] as? String == "***")
        let after = try await ticketsSchedule()
        #expect(after?.schedule == "7 7 7 * * *")
        #expect(after?.nextFire != before?.nextFire)
        let zone = TimeZone(identifier: "Europe/Paris")!
        let nextFire = try #require(after?.nextFire)
        let components = Calendar(identifier: .gregorian).dateComponents(in: zone, from: nextFire)
        #expect(components.hour == 7 && components.minute == 7 && components.second == 7)
        #expect(try await api.send("PUT", "\(base)/config", json: "[]").status == 400)
        #expect(try await api.send("PUT", "\(base)/config", body: nil).status == 400)
        try await api.stop()
    }

    @Test func stopPausesAndStartResumes() async throws {
        let api = try await APIHarness.start { config in
            config.scheduleConfig = ["serviceTickets": "* * * * * *"]
            config.executionConfig.enabledUpdaters = ["businessActivities": false, "newLeads": false]
        }
        func count() async throws -> Int { try await api.manager.history.recent(limit: 1000).count }
        for _ in 0..<50 where try await count() < 2 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await count() >= 2)
        let stopped = try await api.send("POST", "\(base)/stop")
        #expect(stopped.status == 200 && stopped.json()?["scheduling"] as? String == "paused")
        #expect(try await api.send("POST", "\(base)/stop").status == 200)  // idempotent
        try await Task.sleep(for: .milliseconds(300))  // one already in flight may finish
        let paused = try await count()
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await count() == paused, "executions ran while stopped")
        #expect(try await api.send("GET", "\(base)/status").decode(ServiceStatus.self).schedulingPaused)
        let started = try await api.send("POST", "\(base)/start")
        #expect(started.json()?["scheduling"] as? String == "running")
        for _ in 0..<40 where try await count() <= paused { try await Task.sleep(for: .milliseconds(100)) }
        #expect(try await count() > paused, "executions did not resume")
        try await api.stop()
    }

    @Test func logsReturnTheLastEntries() async throws {
        let api = try await APIHarness.start()
        let logs = api.folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let lines = (1...5).map { #"{"label":"updater","level":"\#($0 % 2 == 0 ? "warn" : "info")","message":"m\#($0)","metadata":{},"time":"2026-11-24T00:00:0\#($0).000Z"}"# }
        try (lines.joined(separator: "\n") + "\n").write(to: logs.appendingPathComponent("database-updater-2026-11-24.log"), atomically: true, encoding: .utf8)
        let last = try await api.send("GET", "\(base)/logs?count=3", token: nil)
        #expect(last.status == 200)
        #expect(try last.decode([LogEntry].self).map(\.message) == ["m3", "m4", "m5"])
        let warnings = try await api.send("GET", "\(base)/logs?level=warn", token: nil)
        #expect(try warnings.decode([LogEntry].self).map(\.message) == ["m2", "m4"])
        #expect(try await api.send("GET", "\(base)/logs?count=-1", token: nil).status == 400)
        #expect(try await api.send("GET", "\(base)/logs?level=loud", token: nil).status == 400)
        try await api.stop()
    }

    @Test func healthIsDegradedWhenMostRecentExecutionsFail() async throws {
        var registry = UpdaterRegistry.builtIn
        try registry.register(AlwaysFailingUpdater())
        let api = try await APIHarness.start(registry: registry)
        for _ in 0..<3 { _ = try await api.send("POST", "\(base)/execute/always_failing") }
        let health = try await api.send("GET", "\(base)/health", token: nil)
        #expect(health.status == 200)
        let report = try health.decode(HealthReport.self)
        #expect(report.status == .degraded)
        #expect(report.reasons == ["3 of the last 3 executions failed"])
        try await api.stop()
    }
}

struct AlwaysFailingUpdater: BaseUpdater {
    struct Failure: Error {}
    let name = "always_failing"
    let summary = "fails"
    let configKey = "alwaysFailing"
    let defaultSchedule = "0 0 0 1 1 *"
    let newRowsPerRun = 0...0
    func run(_ context: inout UpdaterContext) throws { throw Failure() }
}
