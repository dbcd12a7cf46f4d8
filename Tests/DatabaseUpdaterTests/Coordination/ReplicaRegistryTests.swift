import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// The cluster's replica registry against the test cluster's PostgreSQL: heartbeats judged by
/// the database's clock, forgetting, and rendezvous ownership.
struct ReplicaRegistryTests {
    @Test func heartbeatsMakeReplicasLiveAndSilenceMakesThemDead() async throws {
        let database = try await DatabaseFactory.open(try await TestDatabases.freshLocation(.postgres))
        defer { Task { await database.close() } }
        // Beats a minute apart: a loaded machine cannot make a replica look dead between two checks.
        let registry = try await ReplicaRegistry.prepare(cluster: "test", heartbeatSeconds: 60, in: database)
        let first = ReplicaRegistry.Replica(id: UUID(), host: "a", pid: 1, startedAt: Date())
        let second = ReplicaRegistry.Replica(id: UUID(), host: "b", pid: 2, startedAt: Date().addingTimeInterval(1), firesClaimed: 3)
        try await registry.beat(first)
        try await registry.beat(second)
        var seen = try await registry.replicas()
        #expect(seen.map(\.id) == [first.id, second.id] && seen.allSatisfy(\.alive), "\(seen)")
        #expect(seen[1].firesClaimed == 3 && seen[1].host == "b" && seen[1].pid == 2)

        // Silent for more than three beats, by the database's clock.
        _ = try await database.withConnection { conn in
            try conn.execute("UPDATE updater.replicas SET last_heartbeat = now() - interval '181 seconds' WHERE replica_id = $1", .uuid(first.id))
        }
        seen = try await registry.replicas()
        #expect(seen.map(\.alive) == [false, true])
        try await registry.beat(first)
        #expect(try await registry.replicas().allSatisfy(\.alive), "a beat brings it back")

        // Another cluster in the same database is apart.
        let other = try await ReplicaRegistry.prepare(cluster: "other", heartbeatSeconds: 60, in: database)
        #expect(try await other.replicas().isEmpty)
        #expect(try await registry.forget(first.id))
        #expect(try await !registry.forget(first.id))
        #expect(try await registry.replicas().map(\.id) == [second.id])
    }

    @Test func sqliteIsRefused() async throws {
        let database = try await DatabaseFactory.open(try await TestDatabases.freshLocation(.sqlite))
        defer { Task { await database.close() } }
        await #expect(throws: ReplicaRegistry.Unsupported.self) {
            try await ReplicaRegistry.prepare(cluster: "test", heartbeatSeconds: 5, in: database)
        }
    }

    @Test func eachTenantHasOneOwnerAndALeavingReplicaMovesOnlyItsOwn() {
        let replicas = (0..<3).map { _ in UUID() }
        let tenants = (0..<300).map { _ in UUID() }
        let owners = tenants.map { ReplicaRegistry.owner(of: $0, target: "default", among: replicas)! }
        // The same answer from any order of the list.
        #expect(tenants.map { ReplicaRegistry.owner(of: $0, target: "default", among: replicas.reversed())! } == owners)
        // Spread: each replica owns a fair share (300 tenants, 3 replicas: far from 0 or 300).
        for replica in replicas { #expect((50...150).contains(owners.filter { $0 == replica }.count)) }
        // Without the first replica, only its tenants move.
        let survivors = Array(replicas.dropFirst())
        for (tenant, owner) in zip(tenants, owners) {
            let next = ReplicaRegistry.owner(of: tenant, target: "default", among: survivors)!
            if owner != replicas[0] { #expect(next == owner) } else { #expect(survivors.contains(next)) }
        }
        #expect(ReplicaRegistry.owner(of: tenants[0], target: "default", among: []) == nil)
    }
}
