import DatabaseUpdater
import Foundation
import Testing

/// How rendezvous ownership spreads few tenants over the replicas: the issue's acceptance
/// cluster (three tenants, three replicas) should keep every replica busy.
struct TenantSpreadTests {
    /// The three tenants of the replica acceptance tests (`ReplicaFixture` in UpdaterCLITests).
    private let tenants = (1...3).map { UUID(uuidString: String(format: "5c1a0f3e-0000-4000-8000-%012d", $0))! }

    /// KNOWN DEFECT, reproduced without randomness: 300 clusters of three replicas (fixed ids
    /// standing for the random ones `ClusterMember` draws at start) over the three tenants.
    /// Rendezvous hashing gives each tenant to its highest-weight replica independently, so a
    /// replica owns no tenant in about 7 clusters of 9 ((2/3)^3 per replica), and one replica
    /// owns all three in about 1 of 9 — while the others idle. `ClusterModeTests` sees it as a
    /// replica committing no fire in most runs.
    @Test func withAsManyTenantsAsReplicasEveryReplicaOwnsOne() {
        var idle = 0, allOnOne = 0
        let clusters = 300
        for cluster in 0..<clusters {
            let replicas = (0..<3).map { UUID(uuidString: String(format: "0000c1a5-0000-4000-8000-%012d", cluster * 3 + $0))! }
            let owners = tenants.map { ReplicaRegistry.owner(of: $0, target: "default", among: replicas)! }
            let counts = replicas.map { replica in owners.filter { $0 == replica }.count }
            if counts.contains(0) { idle += 1 }
            if counts.contains(3) { allOnOne += 1 }
        }
        withKnownIssue("rendezvous ownership leaves a replica without a tenant when tenants are few (3 tenants, 3 replicas)") {
            #expect(idle == 0, "\(idle) of \(clusters) clusters leave a replica without a tenant; in \(allOnOne) one replica owns all three")
        }
    }
}
