import DatabaseUpdater
import Foundation
import Testing

/// The `updater start` replicas of one cluster test, all in cluster mode on one PostgreSQL
/// database, each in a working folder of its own (its configuration, data folder, history and
/// lock), and what the cluster's registry says of them.
final class ClusterReplicas {
    /// The database, as the test reaches it.
    let location: String
    private(set) var folders: [URL] = []
    private(set) var configs: [String] = []
    private(set) var services: [ServiceProcess] = []

    init(location: String) { self.location = location }

    /// A test that fails before stopping them leaves no process (``ServiceProcess``'s deinit) and no folder.
    deinit { for folder in folders { try? FileManager.default.removeItem(at: folder) } }

    /// Starts one more replica and returns its index.
    /// - Parameters:
    ///   - database: the URL it is configured with instead of ``location`` (a ``TCPProxy``'s).
    ///   - environment: added to its environment (`UPDATER_CLOCK_OFFSET_SECONDS`, say).
    @discardableResult
    func start(database: String? = nil, environment: [String: String] = [:]) throws -> Int {
        let folder = try CommandRunner.temporaryFolder()
        folders.append(folder)
        let config = try ServiceFixture.writeConfig(ReplicaFixture.config(location: database ?? location, cluster: true), in: folder)
        configs.append(config)
        services.append(try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder, environment: environment))
        return services.count - 1
    }

    var indices: Range<Int> { services.indices }

    /// Everything the replicas printed, for a failure's message.
    func dump() -> String {
        services.enumerated().map { "replica \($0.offset): \($0.element.stdout)\($0.element.stderr)" }.joined(separator: "\n---\n")
    }

    /// How much each replica has logged so far: ``waitUntilEachSees(_:replicas:since:timeout:sourceLocation:)``
    /// after it reads only what they log next.
    func stderrMark() -> [Int] { services.map { $0.stderr.utf8.count } }

    /// Whether the latest "cluster replicas" line in `log` (a replica logs one whenever the live
    /// replicas it sees change, right before it takes its tenants among them) counts `live` replicas.
    static func sees(_ live: Int, in log: Substring) -> Bool {
        log.split(separator: "\n").last { $0.contains(" cluster replicas ") }?.contains("live=\(live) ") ?? false
    }

    /// Waits until each of `replicas` (all when nil) sees `live` live replicas — every one of
    /// them has then taken its tenants among the same replicas: ownership is settled — and
    /// returns when the last did; nil, with an issue recorded, when one did not within `timeout`.
    /// - Parameter mark: from ``stderrMark()``: only what they logged after it counts (a replica
    ///   started after the mark: everything).
    func waitUntilEachSees(_ live: Int, replicas: [Int]? = nil, since mark: [Int] = [], timeout: Duration = .seconds(60),
                           sourceLocation: SourceLocation = #_sourceLocation) async -> Date? {
        let chosen = replicas ?? Array(indices)
        var seen = [Date?](repeating: nil, count: chosen.count)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && seen.contains(where: { $0 == nil }) {
            for (position, index) in chosen.enumerated() where seen[position] == nil {
                let log = services[index].stderr
                let skip = mark.indices.contains(index) ? mark[index] : 0
                if Self.sees(live, in: Substring(log.utf8.dropFirst(skip))) { seen[position] = Date() }
            }
            if chosen.contains(where: { !services[$0].isRunning }) { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard seen.allSatisfy({ $0 != nil }), let last = seen.compactMap({ $0 }).max() else {
            Issue.record("replicas \(chosen) did not all see \(live) live replicas: \(dump())", sourceLocation: sourceLocation)
            return nil
        }
        return last
    }

    /// The live replicas as the cluster's registry has them now, and who owns which tenant.
    func membership() async throws -> Membership {
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        do {
            let registry = try await ReplicaRegistry.prepare(cluster: ReplicaFixture.clusterName, heartbeatSeconds: ReplicaFixture.heartbeatSeconds,
                                                             in: database)
            let replicas = try await registry.replicas()
            await database.close()
            var indexOf: [UUID: Int] = [:]
            for replica in replicas {
                if let index = services.firstIndex(where: { Int($0.pid) == replica.pid }) { indexOf[replica.id] = index }
            }
            return Membership(live: replicas.filter(\.alive).map(\.id), indexOf: indexOf)
        } catch {
            await database.close()
            throw error
        }
    }

    /// Removes replica `index` (stopped, never coming back) from the registry, as `updater cluster forget` does.
    func forget(_ index: Int, in membership: Membership) async throws {
        guard let id = membership.indexOf.first(where: { $0.value == index })?.key else { return }
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let forgotten: Bool
        do {
            let registry = try await ReplicaRegistry.prepare(cluster: ReplicaFixture.clusterName, heartbeatSeconds: ReplicaFixture.heartbeatSeconds,
                                                             in: database)
            forgotten = try await registry.forget(id)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        #expect(forgotten, "replica \(index) (\(id)) was not in the registry")
    }

    /// Stops `replicas` (every running one when nil) with SIGTERM, expecting each to exit 0.
    func stop(_ replicas: [Int]? = nil, sourceLocation: SourceLocation = #_sourceLocation) async {
        let chosen = replicas ?? indices.filter { services[$0].isRunning }
        for index in chosen {
            #expect(services[index].isRunning, "replica \(index) exited early: \(services[index].stderr)", sourceLocation: sourceLocation)
            services[index].signal(SIGTERM)
        }
        for index in chosen {
            let status = await services[index].waitForExit(timeout: .seconds(30))
            #expect(status == 0, "replica \(index) exit \(String(describing: status)): \(services[index].stderr)", sourceLocation: sourceLocation)
        }
    }

    /// Kills replica `index` with SIGKILL and waits for it to be gone.
    func kill(_ index: Int) async {
        services[index].signal(SIGKILL)
        _ = await services[index].waitForExit(timeout: .seconds(10))
    }

    /// `updater verify` with replica `index`'s configuration: the change log and the database agree.
    func expectVerified(by index: Int = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let verified = try await CommandRunner.run(["verify", "--config", configs[index]], in: folders[index])
        #expect(verified.status == 0 && verified.stdout.contains("the log and the database agree"), "\(verified.stdout)\(verified.stderr)",
                sourceLocation: sourceLocation)
    }
}

/// Which replicas the registry holds for live, and so which owns each tenant (rendezvous
/// hashing, computed as every replica computes it).
struct Membership {
    /// The live replicas' ids.
    var live: [UUID]
    /// The test's replica index of each registered replica id.
    var indexOf: [UUID: Int]

    /// The index of the replica that owns `tenant`.
    func owner(of tenant: UUID) -> Int? {
        ReplicaRegistry.assignment(of: ReplicaFixture.tenants, target: FireLog.defaultTarget, among: live)[tenant].flatMap { indexOf[$0] }
    }

    /// The tenants replica `index` owns.
    func tenants(of index: Int) -> [UUID] { ReplicaFixture.tenants.filter { owner(of: $0) == index } }

    /// The replica owning the most tenants (nil when none owns any).
    var busiest: Int? {
        let owners = live.compactMap { indexOf[$0] }
        return owners.max { tenants(of: $0).count < tenants(of: $1).count }.flatMap { tenants(of: $0).isEmpty ? nil : $0 }
    }

    /// For the report: each live replica's tenants.
    var description: String {
        live.compactMap { indexOf[$0] }.sorted().map { "replica \($0): \(tenants(of: $0).count) tenants" }.joined(separator: ", ")
    }
}
