import Foundation
import Logging
import Synchronization

/// One replica's part in a cluster: it beats in ``ReplicaRegistry`` every heartbeat and hands
/// the scheduler the tenants it owns among the live replicas (rendezvous ownership). The fire
/// log's key, not this, makes each fire take effect once; this makes the replicas split the
/// work instead of all doing it.
actor ClusterMember {
    let replica: ReplicaRegistry.Replica
    private let registry: ReplicaRegistry
    private let scheduler: CronScheduler
    private let database: any Database
    private let configuration: UpdaterConfig
    private let keys: [ExecutionKey]
    private let logger: Logger
    private let committed: FireCounter
    private var owned: Set<UUID> = []
    private var live: [UUID] = []

    /// - Parameter committed: the fires this replica committed, reported with each beat.
    init(registry: ReplicaRegistry, scheduler: CronScheduler, database: any Database, configuration: UpdaterConfig,
         keys: [ExecutionKey], committed: FireCounter, logger: Logger) {
        self.committed = committed
        replica = ReplicaRegistry.Replica(id: Identifiers.next(), host: ProcessInfo.processInfo.hostName,
                                          pid: Int(ProcessInfo.processInfo.processIdentifier), startedAt: Date())
        self.registry = registry
        self.scheduler = scheduler
        self.database = database
        self.configuration = configuration
        self.keys = keys
        self.logger = logger
    }

    /// The cluster's replicas as the registry has them now.
    func replicas() async throws -> [ReplicaRegistry.Replica] { try await registry.replicas() }

    /// Beats and rebalances every heartbeat until cancelled.
    func run() async {
        while !Task.isCancelled {
            await beat()
            try? await Task.sleep(for: .seconds(configuration.cluster.heartbeatSeconds))
        }
    }

    /// One heartbeat: records it, reads who is live, and gives the scheduler this replica's
    /// tenants. When the database cannot be reached this replica owns nothing (the others will
    /// take its tenants after three silent beats) until a beat goes through again.
    func beat() async {
        do {
            var me = replica
            me.firesClaimed = committed.value
            try await registry.beat(me)
            let replicas = try await registry.replicas()
            let alive = replicas.filter(\.alive).map(\.id)
            let mine = Set(configuration.tenants.map(\.id).filter {
                ReplicaRegistry.owner(of: $0, target: configuration.target, among: alive) == replica.id
            })
            if alive != live {
                logger.info("cluster replicas", metadata: ["live": "\(alive.count)", "owned tenants": "\(mine.count)"])
                live = alive
            }
            guard mine != owned else { return }
            let gained = mine.subtracting(owned)
            let lastFires = try await FireLog.lastFires(of: keys.filter { gained.contains($0.tenant) }, in: database,
                                                        target: configuration.target)
            owned = mine
            await scheduler.setOwnership(mine, lastCommitted: lastFires)
        } catch {
            logger.warning("cluster heartbeat failed; owning no tenant until one goes through",
                           metadata: ["error": "\((error as? DatabaseError)?.message ?? "\(error)")"])
            live = []
            if !owned.isEmpty {
                owned = []
                await scheduler.setOwnership([], lastCommitted: [:])
            }
        }
    }
}

/// The fires a replica committed: counted by its scheduler's records, read by its heartbeat.
final class FireCounter: Sendable {
    private let count = Atomic(0)

    /// Counts `record` when it is a fire (scheduled or catch-up) that took effect.
    func note(_ record: ExecutionRecord) {
        if record.outcome == .succeeded, record.trigger == .scheduled || record.trigger == .catchUp { count.add(1, ordering: .relaxed) }
    }

    var value: Int { count.load(ordering: .relaxed) }
}
