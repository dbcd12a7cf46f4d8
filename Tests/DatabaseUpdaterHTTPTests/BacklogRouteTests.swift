import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The backlog routes over a real socket: reads open, actions behind the token, refusals as 4xx
/// JSON errors that write nothing, and retry through the service's executor.
struct BacklogRouteTests {
    private static let base = "/api/database-updater/backlog"

    /// A service whose only schedule (service tickets, daily at midnight) last fired three days
    /// ago at midnight: three missed fires are pending.
    private static func withService(_ engine: Engine, _ body: (APIHarness, [Date]) async throws -> Void) async throws {
        let api = try await APIHarness.start(engine) { config in
            config.scheduleConfig = ["serviceTickets": "0 0 0 * * *"]
            config.executionConfig.enabledUpdaters = ["businessActivities": false, "newLeads": false]
        }
        defer { try? FileManager.default.removeItem(at: api.folder) }
        do {
            let midnight = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400)
            let last = midnight.addingTimeInterval(-3 * 86_400)
            await api.manager.history.record(ExecutionRecord(
                id: UUID(), updater: "service_tickets", tenant: Tenant.default.id, scheduledAt: last, startedAt: last,
                finishedAt: last, outcome: .succeeded, trigger: .scheduled, dryRun: false, seed: 1, rows: [], error: nil, sample: nil))
            try await body(api, (1...3).map { last.addingTimeInterval(Double($0) * 86_400) })
        } catch {
            try? await api.stop()
            throw error
        }
        try await api.stop()
    }

    private func pending(_ api: APIHarness) async throws -> [BacklogItem] {
        let reply = try await api.send("GET", Self.base, token: nil)
        #expect(reply.status == 200)
        return try reply.decode([BacklogSchedule].self).flatMap(\.items)
    }

    @Test(arguments: Engine.allCases)
    func listStatusAndRetryThroughTheServicesExecutor(engine: Engine) async throws {
        try await Self.withService(engine) { api, missed in
            let items = try await pending(api)
            #expect(items.map(\.scheduledAt) == missed)
            #expect(items.allSatisfy { $0.reason == .missed && !$0.recorded })
            let status = try await api.send("GET", "\(Self.base)/status?updater=service_tickets", token: nil).decode(BacklogStatus.self)
            #expect(status.total.items == 3 && status.byReason["missed"]?.items == 3 && status.oldest?.id == items[0].id)

            let dry = try await api.send("POST", "\(Self.base)/retry?dryRun=true", json: "{}")
            #expect(dry.status == 200, "\(dry.text)")
            let dryReport = try dry.decode(BacklogReport.self)
            #expect(dryReport.dryRun && dryReport.entries.count == 3 && dryReport.entries.allSatisfy(\.record.dryRun))
            #expect(try await pending(api) == items)

            let retry = try await api.send("POST", "\(Self.base)/retry", json: #"{"updater": "service_tickets", "dryRun": false}"#)
            #expect(retry.status == 200, "\(retry.text)")
            let report = try retry.decode(BacklogReport.self)
            #expect(report.entries.map(\.item.id) == items.map(\.id))
            #expect(report.entries.allSatisfy { $0.record.outcome == .succeeded && $0.record.trigger == .catchUp && $0.record.backlog?.action == .retry })
            #expect(try await pending(api).isEmpty)
            let rows = try await api.manager.database.withConnection { conn in
                try conn.query("SELECT COUNT(*) AS n FROM service_tickets")[0]["n"].intValue
            }
            #expect(rows == Int64(report.entries.flatMap(\.record.rows).filter { $0.operation == .insert }.reduce(0) { $0 + $1.count }))
        }
    }

    @Test(arguments: Engine.allCases)
    func clearAndMarkDoneNeedTheTokenAndRefuseBadInputWithoutWriting(engine: Engine) async throws {
        try await Self.withService(engine) { api, _ in
            let items = try await pending(api)
            let historyBefore = try await api.manager.history.recent(limit: 100).count
            for (method, path, body, token, status) in [
                ("POST", "\(Self.base)/clear", "{}", nil, 401),
                ("POST", "\(Self.base)/clear", "{}", "wrong-token", 403),
                ("POST", "\(Self.base)/retry", "{}", nil, 401),
                ("POST", "\(Self.base)/items/\(items[0].id)/done", "{}", nil, 401),
                ("POST", "\(Self.base)/clear", #"{"reason": 5}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/clear", #"{"because": "x"}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/clear", #"{"reason": "two\nlines"}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/clear", "[1]", APIHarness.token, 400),
                ("POST", "\(Self.base)/retry", #"{"dryRun": "yes"}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/retry", #"{"tenant": "not-a-uuid"}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/retry", #"{"tenant": "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"}"#, APIHarness.token, 400),
                ("POST", "\(Self.base)/retry", #"{"updater": "invoices"}"#, APIHarness.token, 404),
                ("POST", "\(Self.base)/items/0123456789ab/done", "{}", APIHarness.token, 404),
                ("POST", "\(Self.base)/items/\(items[1].id)/done", "{}", APIHarness.token, 409),
                ("GET", "\(Self.base)?updater=invoices", "", nil, 404),
            ] as [(String, String, String, String?, Int)] {
                let reply = try await api.send(method, path, body: body.isEmpty ? nil : Data(body.utf8), token: token)
                #expect(reply.status == status, "\(method) \(path) \(body): \(reply.text)")
                #expect(reply.json()?["error"] is String, "\(path): \(reply.text)")
            }
            #expect(try await api.manager.history.recent(limit: 100).count == historyBefore)
            #expect(try await pending(api) == items)

            let done = try await api.send("POST", "\(Self.base)/items/\(items[0].id)/done", json: #"{"reason": "ran by hand"}"#)
            #expect(done.status == 200, "\(done.text)")
            #expect(try done.decode(BacklogReport.self).entries.first?.record.backlog == BacklogResolution(action: .markDone, item: items[0].id, reason: "ran by hand"))
            let cleared = try await api.send("POST", "\(Self.base)/clear", json: #"{"reason": "maintenance window"}"#)
            #expect(cleared.status == 200, "\(cleared.text)")
            let report = try cleared.decode(BacklogReport.self)
            #expect(report.entries.map(\.item.id) == [items[1].id, items[2].id])
            #expect(report.entries.allSatisfy { $0.record.outcome == .skipped && $0.record.error == "cleared from the backlog: maintenance window" })
            #expect(try await pending(api).isEmpty)
            let rows = try await api.manager.database.withConnection { conn in
                try conn.query("SELECT COUNT(*) AS n FROM service_tickets")[0]["n"].intValue
            }
            #expect(rows == 0)
        }
    }
}
