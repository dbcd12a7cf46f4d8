import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Testing
import UpdaterTestSupport

struct PrometheusTests {
    @Test(arguments: Engine.allCases)
    func metricsParseAsPrometheusTextAndMatchTheHistory(engine: Engine) async throws {
        let api = try await APIHarness.start(engine)
        for name in ["service_tickets", "service_tickets", "business_records"] {
            #expect(try await api.send("POST", "\(APIPaths.base)/execute/\(name)").status == 200)
        }
        _ = try await api.send("POST", "\(APIPaths.base)/dry-run/service_tickets")  // dry runs are not counted
        let reply = try await api.send("GET", "/metrics", token: nil)
        #expect(reply.status == 200)
        #expect(reply.contentType?.hasPrefix("text/plain") == true)
        var samples: [String: Double] = [:]
        let sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/
        for line in reply.text.split(separator: "\n") where !line.isEmpty {
            if line.hasPrefix("#") {
                #expect(line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP "), "\(line)")
                continue
            }
            let match = try #require(String(line).wholeMatch(of: sample), "not Prometheus text: \(line)")
            samples[String(match.1) + String(match.2 ?? "")] = Double(String(match.3))
        }
        let history = try await api.manager.history.recent(limit: 100).filter { !$0.dryRun }
        let tenant = Tenant.default.description
        for updater in ["service_tickets", "business_records"] {
            let expected = Double(history.filter { $0.updater == updater && $0.outcome == .succeeded }.count)
            let key = #"updater_executions_total{updater="\#(updater)",tenant="\#(tenant)",outcome="succeeded"}"#
            #expect(samples[key] == expected, "\(key) in \(samples.keys.filter { $0.hasPrefix("updater_executions_total") })")
        }
        let insertedTickets = Double(history.filter { $0.updater == "service_tickets" }.flatMap(\.rows)
            .filter { $0.table == "service_tickets" && $0.operation == .insert }.reduce(0) { $0 + $1.count })
        #expect(samples[#"updater_rows_written_total{table="service_tickets",operation="insert"}"#] == insertedTickets)
        #expect(samples.keys.contains { $0.hasPrefix("updater_execution_duration_seconds_bucket") })
        try await api.stop()
    }
}
