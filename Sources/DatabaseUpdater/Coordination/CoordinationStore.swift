import Foundation

/// What a service asks of whoever else may drive its target: who it is, who else is alive,
/// which fires already took effect, and what runs. The scheduler (through ``ClusterMember``),
/// manual executions, the start-up restore and `status` go through it.
///
/// ``LocalCoordination`` is one service alone with its target (it owns every tenant);
/// ``PostgresCoordination`` is a replica of a cluster, whose replicas heartbeat in the target
/// PostgreSQL database and split its tenants. In both, what took effect is read from the target
/// database's ``FireLog``, whose key is what makes each fire take effect once.
public protocol CoordinationStore: Sendable {
    /// This service's replica id: stable for its data folder (``ExecutionHistory/replicaID()``).
    var replica: UUID { get }
    /// Whether other processes share the schedules (cluster mode).
    var isCluster: Bool { get }
    /// The target database, whose fire log says what took effect.
    var database: any Database { get }
    /// The name the fire log records this target's executions under.
    var target: String { get }
    /// This service's own record of what it ran (`state.sqlite`).
    var history: ExecutionHistory { get }
    /// What runs in this process, scheduled or manual.
    var running: RunningExecutions { get }

    /// Readies what the store keeps (a cluster's registry); safe to call again after a failure.
    func join() async throws
    /// Records this replica's heartbeat: the live replicas' ids (this one included once its beat
    /// went through), and the time the beat was recorded at by the coordinating database's clock.
    func beat(_ heartbeat: Heartbeat) async throws -> (live: [UUID], recordedAt: Date?)
    /// Leaves (a graceful stop): the others take this replica's tenants at their next beat
    /// instead of waiting for three silent ones.
    func leave() async throws
    /// The replicas known, alive or not, oldest first.
    func replicas() async throws -> [ReplicaRegistry.Replica]
    /// Removes a replica that will not come back; false when there was none with that id.
    func forget(_ id: UUID) async throws -> Bool
}

/// What a replica reports with each heartbeat.
public struct Heartbeat: Sendable {
    public var host: String
    public var pid: Int
    public var startedAt: Date
    /// Fires it committed since it started.
    public var firesClaimed: Int
    /// Where its HTTP API listens (`http://host:port`), when it serves one.
    public var api: String?

    public init(host: String, pid: Int, startedAt: Date, firesClaimed: Int = 0, api: String? = nil) {
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.firesClaimed = firesClaimed
        self.api = api
    }
}

extension CoordinationStore {
    /// The latest committed fire of each of `keys` that has one, whichever replica ran it:
    /// where the scheduler resumes.
    public func lastCommittedFires(of keys: [ExecutionKey]) async throws -> [ExecutionKey: Date] {
        try await FireLog.lastFires(of: keys, in: database, target: target)
    }

    /// The latest committed fire of each of `keys`, as a record naming the replica that ran it.
    public func lastFireRecords(of keys: [ExecutionKey]) async throws -> [ExecutionKey: ExecutionRecord] {
        try await FireLog.lastFireRecords(of: keys, in: database, target: target)
    }

    /// Brings this service's history in line with what it committed (``ExecutionHistory/restore(committed:)``):
    /// a record a crash lost is added from the fire log. Only this replica's executions: another
    /// replica's fires are its own history's.
    /// - Returns: how many records were added or corrected.
    public func restoreHistory(of keys: [ExecutionKey]) async throws -> Int {
        // An updater and tenant run one execution at a time, so the records a crash lost are
        // its latest: from the latest the history holds (give or take five minutes) on.
        var restored = 0
        for key in keys {
            let since = try await history.lastRecordedFire(updater: key.updater, tenant: key.tenant).map { $0.addingTimeInterval(-300) }
            restored += try await history.restore(
                committed: try await FireLog.records(of: key, scheduledSince: since, ranBy: replica, in: database, target: target))
        }
        return restored
    }
}

/// One service alone with its target: it is the only replica and owns every tenant. Another
/// service on the same data folder is refused by ``InstanceLock``; services on different data
/// folders against one database still take each fire once, through the fire log's key.
public struct LocalCoordination: CoordinationStore {
    public let replica: UUID
    public var isCluster: Bool { false }
    public let database: any Database
    public let target: String
    public let history: ExecutionHistory
    public let running: RunningExecutions

    public init(replica: UUID, database: any Database, target: String, history: ExecutionHistory,
                running: RunningExecutions = RunningExecutions()) {
        self.replica = replica
        self.database = database
        self.target = target
        self.history = history
        self.running = running
    }

    public func join() async throws {}

    public func beat(_ heartbeat: Heartbeat) async throws -> (live: [UUID], recordedAt: Date?) { ([replica], nil) }

    public func leave() async throws {}

    public func replicas() async throws -> [ReplicaRegistry.Replica] { [] }

    public func forget(_ id: UUID) async throws -> Bool { false }
}

/// A replica of a cluster: the replicas heartbeat in the target PostgreSQL database's
/// `updater.replicas` (``ReplicaRegistry``), judged alive by the database's clock.
public final class PostgresCoordination: CoordinationStore {
    public let replica: UUID
    public var isCluster: Bool { true }
    public let database: any Database
    public let target: String
    public let history: ExecutionHistory
    public let running: RunningExecutions
    private let cluster: String
    private let heartbeatSeconds: Double

    /// - Throws: ``ReplicaRegistry/Unsupported`` for a database that is not PostgreSQL.
    public init(cluster: UpdaterConfig.ClusterConfig, replica: UUID, database: any Database, target: String, history: ExecutionHistory,
                running: RunningExecutions = RunningExecutions()) throws {
        guard database.dialect == .postgres else { throw ReplicaRegistry.unsupported }
        self.cluster = cluster.name
        heartbeatSeconds = cluster.heartbeatSeconds
        self.replica = replica
        self.database = database
        self.target = target
        self.history = history
        self.running = running
    }

    private var registry: ReplicaRegistry {
        ReplicaRegistry(cluster: cluster, heartbeatSeconds: heartbeatSeconds, database: database)
    }

    public func join() async throws {
        _ = try await ReplicaRegistry.prepare(cluster: cluster, heartbeatSeconds: heartbeatSeconds, in: database)
    }

    public func beat(_ heartbeat: Heartbeat) async throws -> (live: [UUID], recordedAt: Date?) {
        let recordedAt = try await registry.beat(ReplicaRegistry.Replica(id: replica, host: heartbeat.host, pid: heartbeat.pid,
                                                                         startedAt: heartbeat.startedAt, firesClaimed: heartbeat.firesClaimed,
                                                                         api: heartbeat.api))
        return (try await registry.replicas().filter(\.alive).map(\.id), recordedAt)
    }

    public func leave() async throws { _ = try await registry.forget(replica) }

    public func replicas() async throws -> [ReplicaRegistry.Replica] { try await registry.replicas() }

    public func forget(_ id: UUID) async throws -> Bool { try await registry.forget(id) }
}
