import Foundation
import Logging
import Synchronization

/// One replica's part in a cluster: it beats through its ``CoordinationStore`` every heartbeat
/// and hands the scheduler the tenants it owns among the live replicas (rendezvous ownership
/// with bounded loads, ``ReplicaRegistry/assignment(of:target:among:)``). The fire log's key, not this, makes each fire
/// take effect once; this makes the replicas split the work instead of all doing it.
actor ClusterMember {
    private let store: any CoordinationStore
    private let scheduler: CronScheduler
    private let configuration: UpdaterConfig
    private let keys: [ExecutionKey]
    private let logger: Logger
    private let committed: FireCounter
    private let clock: any UpdaterClock
    private var heartbeat: Heartbeat
    /// Whether the last beat found this replica's clock off the database's (warned once per episode).
    private var skewed = false
    private var owned: Set<UUID> = []
    private var live: [UUID] = []

    /// How far this replica's clock may be from the coordinating database's before it warns.
    static let skewWarning: TimeInterval = 2

    /// - Parameter committed: the fires this replica committed, reported with each beat.
    init(store: any CoordinationStore, scheduler: CronScheduler, configuration: UpdaterConfig, keys: [ExecutionKey],
         committed: FireCounter, clock: any UpdaterClock, logger: Logger) {
        self.clock = clock
        self.store = store
        self.scheduler = scheduler
        self.configuration = configuration
        self.keys = keys
        self.committed = committed
        self.logger = logger
        heartbeat = Heartbeat(host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
                              startedAt: Date())
    }

    /// Reports where this replica's API listens, from the next heartbeat on.
    func announce(api: String) { heartbeat.api = api }

    /// Beats and rebalances every heartbeat until cancelled.
    func run() async {
        while !Task.isCancelled {
            await beat()
            try? await Task.sleep(for: .seconds(configuration.cluster.heartbeatSeconds))
        }
    }

    /// One heartbeat: records it, reads who is live, and gives the scheduler this replica's
    /// tenants. A gained tenant resumes after its last committed fire (whoever committed it)
    /// under the misfire policy. When the database cannot be reached this replica owns nothing
    /// (the others take its tenants after three silent beats) until a beat goes through again.
    func beat() async {
        do {
            heartbeat.firesClaimed = committed.value
            let sent = clock.now()
            let (alive, recordedAt) = try await store.beat(heartbeat)
            if let recordedAt { checkSkew(sent: sent, received: clock.now(), recordedAt: recordedAt) }
            let mine = Set(ReplicaRegistry.assignment(of: configuration.tenants.map(\.id), target: configuration.target, among: alive)
                .filter { $0.value == store.replica }.keys)
            if alive != live {
                logger.info("cluster replicas", metadata: ["live": "\(alive.count)", "owned tenants": "\(mine.count)"])
                live = alive
            }
            guard mine != owned else { return }
            let gained = mine.subtracting(owned)
            let lastFires = try await store.lastCommittedFires(of: keys.filter { gained.contains($0.tenant) })
            owned = mine
            // A tenant no fire ever committed for starts at the database's time, not this
            // replica's: a replica whose clock runs ahead records the slots between as missed
            // instead of silently starting past them.
            await scheduler.setOwnership(mine, lastCommitted: lastFires, otherwiseAfter: recordedAt)
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

extension ClusterMember {
    /// Warns when this replica's clock is more than ``skewWarning`` off the database's (the beat
    /// was recorded between sending and receiving it): fires are named by their slot, so skew
    /// never duplicates one, but this replica fires its tenants early or late by as much.
    private func checkSkew(sent: Date, received: Date, recordedAt: Date) {
        let offset = sent.timeIntervalSince(recordedAt) > 0
            ? sent.timeIntervalSince(recordedAt)
            : min(0, received.timeIntervalSince(recordedAt))
        let off = abs(offset) > Self.skewWarning
        if off && !skewed {
            logger.warning("this replica's clock is off the database's; its tenants' fires run early or late by as much",
                           metadata: ["aheadSeconds": "\(String(format: "%.1f", offset))"])
        } else if !off && skewed {
            logger.info("this replica's clock agrees with the database's again")
        }
        skewed = off
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
