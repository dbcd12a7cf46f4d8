import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The fire log: a committed execution's row, written in its own transaction, unique per fire;
/// the history restored from it.
struct FireLogTests {
    private let fireTime = Date(timeIntervalSince1970: 1_767_571_200)  // 2026-01-05T00:00:00Z

    private func executor(_ fixture: UpdaterFixture) async -> Executor {
        let manager = fixture.manager
        return Executor(database: await manager.database, history: await manager.history, feed: await manager.feed,
                        clock: SystemClock(), settings: .init())
    }

    private func request(_ trigger: ExecutionRecord.Trigger, seed: UInt64, dryRun: Bool = false) -> Executor.Request {
        Executor.Request(updater: ServiceTicketsUpdater(), tenant: .default, scheduledAt: fireTime, dryRun: dryRun, seed: seed, trigger: trigger)
    }

    /// A fire run a second time is refused, whatever its seed: by the fire log's key at its
    /// commit, or (the same seed) by its own rows first; either way it is recorded as having
    /// already taken effect and writes nothing. Manual executions are not fires and may share
    /// its time.
    @Test(arguments: Engine.allCases)
    func aFireTakesEffectOnce(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        let executor = await executor(fixture)
        let first = await executor.execute(request(.scheduled, seed: 1))
        #expect(first.outcome == .succeeded, "\(first.error ?? "")")
        let tickets = try await fixture.count("service_tickets")
        let again = await executor.execute(request(.catchUp, seed: 2))
        #expect(again.outcome == .skipped)
        #expect(again.error?.hasPrefix("already took effect") == true, "\(again.error ?? "")")
        #expect(try await fixture.count("service_tickets") == tickets)
        let sameSeed = await executor.execute(request(.scheduled, seed: 1))
        #expect(sameSeed.outcome == .skipped && sameSeed.error?.hasPrefix("already took effect") == true, "\(sameSeed.error ?? "")")
        let dry = await executor.execute(request(.scheduled, seed: 3, dryRun: true))
        #expect(dry.outcome == .skipped)  // a dry run meets the same refusal a real run would
        let manual = await executor.execute(request(.manual, seed: 4))
        #expect(manual.outcome == .succeeded, "\(manual.error ?? "")")
        let rows = try await fixture.query(
            "SELECT execution_id, manual_execution, row_counts FROM \(FireLog.table(engine == .sqlite ? .sqlite : .postgres)) ORDER BY trigger DESC")
        #expect(rows.map { $0["execution_id"].uuidValue } == [first.id, manual.id])
        #expect(rows.map { $0["manual_execution"].stringValue } == ["", manual.id.lowercaseString])
        #expect(rows.first?["row_counts"].stringValue == ExecutionRecord.rowsJSON(first.rows))
        await fixture.close()
    }

    /// Records a crash lost are written back from the fire log; a record that says "failed" for
    /// an execution that in fact committed is corrected; the rest is left alone.
    @Test(arguments: Engine.allCases)
    func theHistoryIsRestoredFromWhatCommitted(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        var records: [ExecutionRecord] = []
        for updater in ["service_tickets", "business_records", "business_record_activities"] {
            records.append(try await fixture.manager.execute(updater, fireTime: fireTime))
        }
        #expect(records.allSatisfy { $0.outcome == .succeeded })
        let location = await fixture.manager.configuration.database
        await fixture.manager.close()
        // The crash: the history lost every record, then one comes back wrong.
        try FileManager.default.removeItem(at: fixture.dataDirectory.appendingPathComponent("state.sqlite"))
        let damaged = try await ExecutionHistory(directory: fixture.dataDirectory)
        var wrong = records[0]
        wrong.outcome = .failed
        wrong.error = "connection lost during COMMIT"
        damaged.record(wrong)
        await damaged.close()
        let reopened = try await UpdaterFixture.make(engine, location: location, dataDirectory: fixture.dataDirectory)
        let restored = try await reopened.manager.history.recent(limit: 10)
        #expect(Set(restored.map(\.id)) == Set(records.map(\.id)))
        for record in records {
            let found = try #require(restored.first { $0.id == record.id })
            #expect(found.outcome == .succeeded && found.error == nil && found.rows == record.rows && found.updater == record.updater)
            #expect(found.scheduledAt == record.scheduledAt && found.seed == record.seed)
        }
        // Restoring again changes nothing.
        let key = ExecutionKey(updater: "service_tickets", tenant: Tenant.default.id)
        let committed = try await FireLog.records(of: key, scheduledSince: nil, in: await reopened.database)
        #expect(committed.map(\.id) == [records[0].id])
        #expect(try await reopened.manager.history.restore(committed: committed) == 0)
        await reopened.close()
    }
}
