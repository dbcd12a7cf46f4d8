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

    @Test func tenantsSplitEvenlyAndALeavingReplicaMovesLittleMoreThanItsOwn() {
        let replicas = (0..<3).map { _ in UUID() }
        let tenants = (0..<300).map { _ in UUID() }
        let owners = ReplicaRegistry.assignment(of: tenants, target: "default", among: replicas)
        #expect(Set(owners.keys) == Set(tenants))
        // The same answer from any order of the lists.
        #expect(ReplicaRegistry.assignment(of: tenants.reversed(), target: "default", among: replicas.reversed()) == owners)
        // Even: 100 each.
        for replica in replicas { #expect(owners.values.filter { $0 == replica }.count == 100) }
        // Without the first replica: its tenants move to the survivors (150 each), and few of
        // the survivors' own tenants move between them.
        let survivors = Array(replicas.dropFirst())
        let next = ReplicaRegistry.assignment(of: tenants, target: "default", among: survivors)
        for replica in survivors { #expect(next.values.filter { $0 == replica }.count == 150) }
        let moved = tenants.filter { owners[$0] != replicas[0] && next[$0] != owners[$0] }.count
        #expect(moved <= 30, "\(moved) of the survivors' 200 tenants changed owner")
        #expect(ReplicaRegistry.assignment(of: tenants, target: "default", among: []).isEmpty)
    }

    /// Few tenants: three clusters' worth of three tenants over three replicas — every replica
    /// owns exactly one, whatever the replicas' ids (plain rendezvous hashing left one idle in
    /// about seven clusters of nine).
    @Test func asManyTenantsAsReplicasGiveEachReplicaOne() {
        let tenants = (1...3).map { UUID(uuidString: String(format: "5c1a0f3e-0000-4000-8000-%012d", $0))! }
        for cluster in 0..<300 {
            let replicas = (0..<3).map { UUID(uuidString: String(format: "0000c1a5-0000-4000-8000-%012d", cluster * 3 + $0))! }
            let owners = ReplicaRegistry.assignment(of: tenants, target: "default", among: replicas)
            #expect(Set(owners.values) == Set(replicas), "cluster \(cluster): \(owners)")
        }
    }
}
