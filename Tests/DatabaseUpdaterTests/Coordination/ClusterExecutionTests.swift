import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// What cluster mode changes in an execution, on the test cluster's PostgreSQL: a fire another
/// replica is working on, or one that took effect, is skipped before anything is generated; a
/// manual execution of a chosen slot claims it like a fire; `status` names the replica that ran
/// each schedule's last fire.
struct ClusterExecutionTests {
    private let fireTime = Date(timeIntervalSince1970: 1_767_571_200)  // 2026-01-05T00:00:00Z
    private static let cluster = UpdaterConfig.ClusterConfig(enabled: true, name: "test", heartbeatSeconds: 60)

    private func fire(_ trigger: ExecutionRecord.Trigger = .scheduled, seed: UInt64 = 1) -> Executor.Request {
        Executor.Request(updater: ServiceTicketsUpdater(), tenant: .default, scheduledAt: fireTime, dryRun: false, seed: seed, trigger: trigger)
    }

    @Test func aFireAnotherReplicaIsWorkingOnIsSkippedWithoutGeneratingAnything() async throws {
        let fixture = try await UpdaterFixture.make(.postgres, cluster: Self.cluster)
        let location = await fixture.manager.configuration.database
        // "Another replica": a session of its own holding the fire's advisory lock.
        let other = try await DatabaseFactory.open(location, poolSize: 1)
        let slot = FireLog.slotName(target: FireLog.defaultTarget, request: fire())
        _ = try await other.withConnection { conn in try conn.query("SELECT pg_advisory_lock(hashtextextended($1, 0))", .text(slot)) }
        let tickets = try await fixture.count("service_tickets")
        let blocked = await fixture.manager.executor.execute(fire())
        #expect(blocked.outcome == .skipped && blocked.error == ClaimedElsewhere.reason, "\(blocked.outcome) \(blocked.error ?? "")")
        #expect(try await fixture.count("service_tickets") == tickets)
        #expect(try await fixture.count(FireLog.table(.postgres)) == 0)

        // Released (the other replica rolled back): the fire is taken. Unlocked before closing: a
        // closed session's locks go only when its server process has ended, a moment later.
        _ = try await other.withConnection { conn in try conn.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", .text(slot)) }
        await other.close()
        let taken = await fixture.manager.executor.execute(fire())
        #expect(taken.outcome == .succeeded, "\(taken.error ?? "")")
        // Committed: a second attempt finds its record before generating anything.
        let again = await fixture.manager.executor.execute(fire(.catchUp, seed: 2))
        #expect(again.outcome == .skipped && again.error == ClaimedElsewhere.reason, "\(again.error ?? "")")
        #expect(try await fixture.count(FireLog.table(.postgres)) == 1)
        await fixture.close()
    }

    /// In cluster mode `execute --at SLOT` is that slot's fire: once, with the scheduled fire of
    /// the same slot, whichever replica runs which. Without a chosen slot it is its own.
    @Test func aManualExecutionOfAChosenSlotClaimsIt() async throws {
        let fixture = try await UpdaterFixture.make(.postgres, cluster: Self.cluster)
        let manual = try await fixture.manager.execute("service_tickets", fireTime: fireTime)
        #expect(manual.outcome == .succeeded && manual.trigger == .manual, "\(manual.error ?? "")")
        let second = try await fixture.manager.execute("service_tickets", seed: 9, fireTime: fireTime)
        #expect(second.outcome == .skipped, "\(second.outcome) \(second.error ?? "")")
        let scheduled = await fixture.manager.executor.execute(fire(seed: 3))
        #expect(scheduled.outcome == .skipped)
        let rows = try await fixture.query("SELECT manual_execution, trigger FROM \(FireLog.table(.postgres))")
        #expect(rows.map { $0["manual_execution"].stringValue } == [""] && rows.first?["trigger"].stringValue == "manual")
        // Now, no slot chosen: not a fire, not refused.
        let now = try await fixture.manager.execute("service_tickets")
        #expect(now.outcome == .succeeded, "\(now.error ?? "")")
        await fixture.close()
    }

    /// Outside cluster mode a manual execution of a chosen time stays a manual one, as before.
    @Test func withoutClusterModeManualExecutionsOfOneTimeAllRun() async throws {
        let fixture = try await UpdaterFixture.make(.postgres)
        for seed in [UInt64(1), 2] {
            let record = try await fixture.manager.execute("service_tickets", seed: seed, fireTime: fireTime)
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
        }
        await fixture.close()
    }

    /// Two replicas of one cluster: once both beat, each lists both (alive, the API it
    /// announced); a schedule's last fire is named with the replica that ran it, also when
    /// that is the other one.
    @Test func statusNamesTheReplicaThatRanEachSchedulesLastFire() async throws {
        let location = try await TestDatabases.freshLocation(.postgres)
        func replica() async throws -> DatabaseUpdaterManager {
            var config = UpdaterConfig(database: location, enableScheduling: true, tenants: [.default],
                                       dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("updater-data-\(UUID().uuidString)").path,
                                       seed: 42)
            // Once a year: nothing fires during the test.
            config.scheduleConfig = ["businessActivities": "0 0 0 1 1 *", "serviceTickets": "0 0 0 1 1 *", "newLeads": "0 0 0 1 1 *"]
            config.cluster = Self.cluster
            config.api.enabled = false
            return try await DatabaseUpdaterManager.start(configuration: config)
        }
        let first = try await replica(), second = try await replica()
        await first.announce(api: "http://127.0.0.1:5001")
        var replicas: [ReplicaRegistry.Replica] = []
        for _ in 0..<100 {
            replicas = await first.status().replicas ?? []
            if replicas.count == 2 && replicas.allSatisfy(\.alive) && replicas.contains(where: { $0.api != nil }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(Set(replicas.map(\.id)) == [first.coordination.replica, second.coordination.replica], "\(replicas)")
        #expect(replicas.first { $0.id == first.coordination.replica }?.api == "http://127.0.0.1:5001")
        let ran = try await second.execute("service_tickets", fireTime: fireTime)
        #expect(ran.outcome == .succeeded && ran.replica == second.coordination.replica, "\(ran.error ?? "")")
        let status = await first.status()
        #expect(status.replica == first.coordination.replica)
        let entry = status.schedules.first { $0.updater == "service_tickets" }
        #expect(entry?.lastRun == fireTime && entry?.lastReplica == second.coordination.replica, "\(String(describing: entry))")
        // A graceful stop leaves the cluster: the other sees it gone at once, not after three beats.
        try await first.stop()
        #expect(try await second.coordination.replicas().map(\.id) == [second.coordination.replica])
        try await second.stop()
    }
}
