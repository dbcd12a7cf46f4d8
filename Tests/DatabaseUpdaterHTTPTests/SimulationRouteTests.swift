import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `GET /simulation` and `POST /simulation/advance` through a real socket, against a step-mode
/// simulation on a real SQLite file.
struct SimulationRouteTests {
    /// 2026-03-02T00:00:00Z, a Monday.
    private let start = Date(timeIntervalSince1970: 1_772_409_600)

    @Test func advancingOverHTTPAnswersWhenThePeriodsAreComplete() async throws {
        let (api, simulation) = try await APIHarness.simulation(start: start, days: 4)
        let running = Task { try await simulation.run() }
        var reports = simulation.reports.makeAsyncIterator()
        #expect(await reports.next()?.period == 1)  // day 1 runs, then it pauses

        let state = try await api.send("GET", "/api/database-updater/simulation", token: nil)
        #expect(state.status == 200 && state.json()?["phase"] as? String == "paused", "\(state.text)")
        #expect(state.json()?["completedPeriods"] as? Int == 1 && state.json()?["periods"] as? Int == 4)

        #expect(try await api.send("POST", "/api/database-updater/simulation/advance", json: #"{"periods":1}"#, token: nil).status == 401)
        for bad in [#"{"periods":0}"#, #"{"periods":"2"}"#, #"{"periods":true}"#, #"{"until":"tomorrow"}"#, #"{"days":1}"#,
                    #"{"periods":1,"until":"2026-03-05T00:00:00Z"}"#, "[1]"] {
            let reply = try await api.send("POST", "/api/database-updater/simulation/advance", json: bad)
            #expect(reply.status == 400, "\(bad): \(reply.status) \(reply.text)")
        }
        #expect(await simulation.state().completedPeriods == 1, "a refused request advanced nothing")

        let two = try await api.send("POST", "/api/database-updater/simulation/advance", json: #"{"periods":2}"#)
        #expect(two.status == 200 && two.json()?["completedPeriods"] as? Int == 3 && two.json()?["phase"] as? String == "paused", "\(two.text)")
        let executions = ((two.json()?["totals"] as? [String: Any])?["executions"] as? Int) ?? 0
        let history = try await simulation.manager.history.recent(limit: 1000)
        #expect(executions > 0 && history.filter { $0.trigger == .simulation }.count == executions)

        let until = try await api.send("POST", "/api/database-updater/simulation/advance", json: #"{"until":"2026-03-06T00:00:00Z"}"#)
        #expect(until.json()?["completedPeriods"] as? Int == 4 && until.json()?["phase"] as? String == "paused", "\(until.text)")
        let end = try await api.send("POST", "/api/database-updater/simulation/advance", body: nil)
        #expect(end.status == 200 && end.json()?["phase"] as? String == "finished", "\(end.text)")
        #expect(try await running.value.completedPeriods == 4)
        try await api.stopServing()
    }

    /// What a program driving a factory simulation over HTTP does at each pause: advance, check.
    @Test func aFactoryDrivenOverHTTPIsCheckedAtEachPause() async throws {
        let (api, simulation) = try await APIHarness.simulation(start: start, days: 7, scenario: "factory")
        let running = Task { try await simulation.run() }
        var reports = simulation.reports.makeAsyncIterator()
        _ = await reports.next()
        let status = try await api.send("GET", "/api/database-updater/status")
        #expect(status.json()?["scenario"] as? String == "factory", "\(status.text)")
        let advanced = try await api.send("POST", "/api/database-updater/simulation/advance", json: #"{"periods":4}"#)
        #expect(advanced.status == 200 && advanced.json()?["completedPeriods"] as? Int == 5, "\(advanced.text)")
        let clean = try await api.send("GET", "/api/database-updater/invariants")
        #expect(clean.status == 200 && clean.json()?["passed"] as? Bool == true, "\(clean.text)")
        #expect((clean.json()?["results"] as? [Any])?.count == 7)

        // A part's stock that no longer matches its movements.
        let database = await simulation.manager.database
        let part = try await database.withConnection { conn in
            let id = try conn.query("SELECT id FROM inventory.parts ORDER BY part_number LIMIT 1").first?["id"].stringValue ?? ""
            try conn.execute("UPDATE inventory.parts SET stock_level = stock_level + 7 WHERE id = $1", .text(id))
            return id
        }
        let broken = try await api.send("GET", "/api/database-updater/invariants")
        #expect(broken.status == 200 && broken.json()?["passed"] as? Bool == false)
        #expect(broken.text.contains("inventory.parts:\(part)"), "\(broken.text)")
        _ = await simulation.advance(periods: 10)
        #expect(try await running.value.completedPeriods == 7)
        try await api.stopServing()
    }

    @Test func withoutASimulationTheRoutesAnswer404() async throws {
        let api = try await APIHarness.start()
        let reply = try await api.send("GET", "/api/database-updater/simulation")
        #expect(reply.status == 404 && reply.text.contains("no simulation"), "\(reply.text)")
        #expect(try await api.send("POST", "/api/database-updater/simulation/advance", json: "{}").status == 404)
        try await api.stop()
    }
}
