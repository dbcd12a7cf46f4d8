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
        // The crash: the history lost every record (not the data folder's replica id), then one comes back wrong.
        let damaged = try await ExecutionHistory(directory: fixture.dataDirectory)
        _ = try await damaged.database.withConnection { conn in try conn.execute("DELETE FROM executions") }
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

    /// Two services (two data folders) on one database: each execution names the replica that
    /// ran it, in its record and in the fire log, and a service's restore takes back only its
    /// own — never another replica's fires as its own successes.
    @Test(arguments: Engine.allCases)
    func aServiceRestoresOnlyWhatItRanItself(engine: Engine) async throws {
        let first = try await UpdaterFixture.make(engine)
        let location = await first.manager.configuration.database
        let second = try await UpdaterFixture.make(engine, location: location)
        let ids = (await first.manager.coordination.replica, await second.manager.coordination.replica)
        #expect(ids.0 != ids.1)
        #expect(try await first.manager.history.replicaID() == ids.0)
        let mine = try await first.manager.execute("service_tickets", fireTime: fireTime)
        let theirs = try await second.manager.execute("business_records", fireTime: fireTime)
        #expect(mine.replica == ids.0 && theirs.replica == ids.1)
        let table = FireLog.table(engine == .sqlite ? .sqlite : .postgres)
        let named = try await first.query("SELECT execution_id, replica FROM \(table) ORDER BY updater")
        #expect(named.map { $0["replica"].stringValue } == [ids.1.lowercaseString, ids.0.lowercaseString])
        await second.close()
        // The first service's history loses its records; reopened, it restores its own only.
        let data = first.dataDirectory
        await first.manager.close()
        let damaged = try await ExecutionHistory(directory: data)
        _ = try await damaged.database.withConnection { conn in try conn.execute("DELETE FROM executions") }
        await damaged.close()
        let reopened = try await UpdaterFixture.make(engine, location: location, dataDirectory: data)
        #expect(await reopened.manager.coordination.replica == ids.0, "a restarted service keeps its data folder's replica id")
        let restored = try await reopened.manager.history.recent(limit: 10)
        #expect(restored.map(\.id) == [mine.id])
        #expect(restored.first?.replica == ids.0)
        await reopened.close()
    }
}
