import Foundation
import UpdaterTestSupport
@testable import DatabaseUpdater

/// A manager on a simulated clock at 2026-03-05 12:00 UTC whose only schedule, service tickets
/// daily at midnight, last fired on 2026-03-02, and whose 2026-03-01 fire failed: four items are
/// pending (failed 03-01, missed 03-03, 03-04, 03-05).
struct BacklogFixture {
    static let now = ISO8601.parse("2026-03-05T12:00:00Z")!
    static let failedFire = ISO8601.parse("2026-03-01T00:00:00Z")!
    static let lastFire = ISO8601.parse("2026-03-02T00:00:00Z")!
    static let missedFires = ["2026-03-03", "2026-03-04", "2026-03-05"].map { ISO8601.parse("\($0)T00:00:00Z")! }

    let manager: DatabaseUpdaterManager

    /// Runs `body` on a fresh fixture, then closes it and removes its data folder, whether `body`
    /// returned or threw.
    static func with(_ engine: Engine, misfireLimit: Int = 10, _ body: (BacklogFixture) async throws -> Void) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("updater-backlog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let fixture = try await make(engine, misfireLimit: misfireLimit, data: data)
        do {
            try await body(fixture)
        } catch {
            await fixture.manager.close()
            throw error
        }
        await fixture.manager.close()
    }

    private static func make(_ engine: Engine, misfireLimit: Int, data: URL) async throws -> BacklogFixture {
        let config = UpdaterConfig(
            database: try await TestDatabases.freshLocation(engine), enableScheduling: false,
            scheduleConfig: ["serviceTickets": "0 0 0 * * *"],
            executionConfig: .init(enabledUpdaters: ["businessActivities": false, "newLeads": false]),
            misfireLimit: misfireLimit, dataDirectory: data.path, seed: 42)
        let manager = try await DatabaseUpdaterManager.open(configuration: config, clock: SimulatedClock(now))
        await manager.history.record(record(at: failedFire, outcome: .failed, error: "database connection error: server closed the connection"))
        await manager.history.record(record(at: lastFire, outcome: .succeeded))
        return BacklogFixture(manager: manager)
    }

    /// A scheduled fire's record as the scheduler would have written it.
    static func record(at fire: Date, outcome: ExecutionRecord.Outcome, error: String? = nil) -> ExecutionRecord {
        ExecutionRecord(id: UUID(), updater: "service_tickets", tenant: Tenant.default.id, scheduledAt: fire, startedAt: fire,
                        finishedAt: fire.addingTimeInterval(1), outcome: outcome, trigger: .scheduled, dryRun: false, seed: 1,
                        rows: [], error: error, sample: nil)
    }

    func items() async throws -> [BacklogItem] { try await manager.backlog().flatMap(\.items) }

    func count(_ sql: String) async throws -> Int {
        Int(try await manager.database.withConnection { conn in try conn.query(sql) }[0]["n"].intValue ?? -1)
    }

    func tickets() async throws -> Int { try await count("SELECT COUNT(*) AS n FROM service_tickets") }

    func committedFires() async throws -> Int {
        try await count("SELECT COUNT(*) AS n FROM \(FireLog.table(await manager.database.dialect))")
    }

    /// Real records written by backlog actions.
    func backlogRecords() async throws -> [ExecutionRecord] {
        try await manager.history.recent(limit: 100).filter { $0.backlog != nil && !$0.dryRun }
    }
}
