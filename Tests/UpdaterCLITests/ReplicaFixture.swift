import DatabaseUpdater
import Foundation

/// What the replica tests (``ReplicaExactlyOnceTests``, ``ClusterModeTests``) share: three
/// tenants × three updaters firing every second, the configuration each replica gets, and waiting
/// for what replicas log.
enum ReplicaFixture {
    static let tenants = (1...3).map { UUID(uuidString: String(format: "5c1a0f3e-0000-4000-8000-%012d", $0))! }
    static let updaters = ["business_record_activities", "service_tickets", "business_records"]
    /// The cluster the configuration names when cluster mode is on.
    static let clusterName = "prod"
    /// A replica silent for three beats is taken for dead: takeovers happen within seconds.
    static let heartbeatSeconds = 1.0

    /// Every fire of the tenants and updaters in `window` (whole seconds).
    static func slots(in window: ClosedRange<Int64>, tenants: [UUID] = tenants) -> [FireSlot] {
        window.flatMap { at in tenants.flatMap { tenant in updaters.map { FireSlot(tenant: tenant, updater: $0, at: at) } } }
    }

    /// The configuration every replica gets: each updater every second for each tenant,
    /// `runOnce` for missed fires, and, with `cluster`, cluster mode with a one-second heartbeat.
    static func config(location: String, seed: UInt64? = nil, cluster: Bool = false) -> String {
        """
        database: "\(location)"
        \(seed.map { "seed: \($0)" } ?? "")
        scheduleConfig:
          businessActivities: "*/1 * * * * *"
          serviceTickets: "*/1 * * * * *"
          newLeads: "*/1 * * * * *"
        executionConfig:
          maxConcurrentExecutions: 9
        misfirePolicy: runOnce
        shutdownGracePeriodSeconds: 10
        \(cluster ? "cluster:\n  enabled: true\n  name: \(clusterName)\n  heartbeatSeconds: \(heartbeatSeconds)" : "")
        tenants:
        \(tenants.map { "  - id: \($0.lowercaseString)\n    customerId: cust-1" }.joined(separator: "\n"))
        """
    }

    /// For each process, when its stderr first contained `text` (nil if it did not in time or exited).
    static func waitForStderr(_ processes: [ServiceProcess], containing text: String, timeout: Duration) async -> [Date?] {
        await waitForStderr(processes, timeout: timeout) { $0.contains(text) }
    }

    /// For each process, when `condition` first held of its stderr (nil if it did not in time or
    /// the process exited).
    static func waitForStderr(_ processes: [ServiceProcess], timeout: Duration, until condition: (String) -> Bool) async -> [Date?] {
        var seen = [Date?](repeating: nil, count: processes.count)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && seen.contains(where: { $0 == nil }) {
            for (index, process) in processes.enumerated() where seen[index] == nil && condition(process.stderr) {
                seen[index] = Date()
            }
            if processes.indices.contains(where: { seen[$0] == nil && !processes[$0].isRunning }) { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return seen
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
