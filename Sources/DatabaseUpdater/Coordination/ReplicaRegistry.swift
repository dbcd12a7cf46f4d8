import Crypto
import Foundation

/// The replicas of one cluster, in the target PostgreSQL database's `updater.replicas`: each
/// replica's identity and its heartbeat, judged by the database's clock (never a replica's, so a
/// skewed machine cannot make another look dead), and which replica owns which tenant.
///
/// ```swift
/// let registry = try await ReplicaRegistry.prepare(cluster: "prod", heartbeatSeconds: 5, in: database)
/// try await registry.beat(me)                       // every heartbeatSeconds
/// let live = try await registry.replicas().filter(\.alive).map(\.id)
/// let mine = ReplicaRegistry.assignment(of: tenants, target: "default", among: live).filter { $0.value == me.id }
/// ```
public struct ReplicaRegistry: Sendable {
    /// One replica as the others see it.
    public struct Replica: Sendable, Codable, Equatable {
        public var id: UUID
        public var host: String
        public var pid: Int
        public var startedAt: Date
        /// The database's time of its last heartbeat.
        public var lastHeartbeat: Date
        /// Fires it committed (counted by itself, reported with each heartbeat).
        public var firesClaimed: Int
        /// Whether it beat within the last three heartbeat intervals (by the database's clock).
        public var alive: Bool
        /// Where its HTTP API listens (`http://host:port`), when it serves one.
        public var api: String?

        public init(id: UUID, host: String, pid: Int, startedAt: Date, lastHeartbeat: Date = Date(), firesClaimed: Int = 0,
                    alive: Bool = true, api: String? = nil) {
            self.api = api
            self.id = id
            self.host = host
            self.pid = pid
            self.startedAt = startedAt
            self.lastHeartbeat = lastHeartbeat
            self.firesClaimed = firesClaimed
            self.alive = alive
        }
    }

    /// Why a cluster cannot be coordinated through this database.
    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    /// The refusal of cluster mode on a SQLite target.
    public static let unsupported = Unsupported(
        description: "cluster mode coordinates replicas through PostgreSQL; the target is SQLite, which one process writes")

    /// Heartbeats missed before a replica counts as dead.
    public static let missedBeatsForDeath = 3

    public let cluster: String
    public let heartbeatSeconds: Double
    private let database: any Database
    private static let table = "\(FireLog.bookkeepingSchema).replicas"

    /// Creates the table if needed (cluster state lives beside the fire log, in the `updater`
    /// schema of the target database).
    /// - Throws: ``Unsupported`` for a SQLite database: its file has no other writers to coordinate with.
    public static func prepare(cluster: String, heartbeatSeconds: Double, in database: any Database) async throws -> ReplicaRegistry {
        guard database.dialect == .postgres else { throw unsupported }
        // Replicas starting together would race on CREATE … IF NOT EXISTS (PostgreSQL checks the
        // name before it inserts it): one at a time, under an advisory lock held to the commit.
        _ = try await database.transaction { conn in
            _ = try conn.query("SELECT pg_advisory_xact_lock(hashtext('updater.replicas'))")
            try conn.executeScript("""
                CREATE SCHEMA IF NOT EXISTS \(FireLog.bookkeepingSchema);
                CREATE TABLE IF NOT EXISTS \(table) (
                    cluster TEXT NOT NULL,
                    replica_id UUID NOT NULL,
                    host TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    started_at TIMESTAMPTZ NOT NULL,
                    last_heartbeat TIMESTAMPTZ NOT NULL,
                    fires_claimed BIGINT NOT NULL DEFAULT 0,
                    api TEXT,
                    PRIMARY KEY (cluster, replica_id)
                );
                ALTER TABLE \(table) ADD COLUMN IF NOT EXISTS api TEXT;
                """)
        }
        return ReplicaRegistry(cluster: cluster, heartbeatSeconds: heartbeatSeconds, database: database)
    }

    /// The registry of `cluster` in `database`, as it is: nothing is created, so reads fail
    /// while no replica has joined (``prepare(cluster:heartbeatSeconds:in:)`` creates it).
    public init(cluster: String, heartbeatSeconds: Double, database: any Database) {
        self.cluster = cluster
        self.heartbeatSeconds = heartbeatSeconds
        self.database = database
    }

    /// Records `replica`'s heartbeat at the database's `now()` (registering it the first time;
    /// a replica restarted on the same data folder keeps its id, and its row is updated).
    /// - Returns: the heartbeat's time, by the database's clock.
    @discardableResult
    public func beat(_ replica: Replica) async throws -> Date? {
        let cluster = cluster
        return try await database.withConnection { conn in
            try conn.query("""
                INSERT INTO \(Self.table) (cluster, replica_id, host, pid, started_at, last_heartbeat, fires_claimed, api)
                VALUES ($1, $2, $3, $4, $5, now(), $6, $7)
                ON CONFLICT (cluster, replica_id) DO UPDATE SET last_heartbeat = now(), host = EXCLUDED.host, pid = EXCLUDED.pid,
                    started_at = EXCLUDED.started_at, fires_claimed = EXCLUDED.fires_claimed, api = EXCLUDED.api
                RETURNING last_heartbeat
                """, .text(cluster), .uuid(replica.id), .text(replica.host), .integer(Int64(replica.pid)), .timestamp(replica.startedAt),
                .integer(Int64(replica.firesClaimed)), replica.api.map(DatabaseValue.text) ?? .null).first?["last_heartbeat"].dateValue
        }
    }

    /// Every replica registered in this cluster, alive or not, oldest first (none while no
    /// replica ever joined a cluster on this database).
    public func replicas() async throws -> [Replica] {
        let cluster = cluster, window = heartbeatSeconds * Double(Self.missedBeatsForDeath)
        let rows = try await Self.unlessNoRegistry([]) {
            try await database.withConnection { conn in
                try conn.query("""
                    SELECT replica_id, host, pid, started_at, last_heartbeat, fires_claimed, api,
                           last_heartbeat > now() - make_interval(secs => $2) AS alive
                    FROM \(Self.table) WHERE cluster = $1 ORDER BY started_at, replica_id
                    """, .text(cluster), .double(window))
            }
        }
        return rows.compactMap { row in
            guard let id = row["replica_id"].uuidValue, let host = row["host"].stringValue, let pid = row["pid"].intValue,
                  let started = row["started_at"].dateValue, let beat = row["last_heartbeat"].dateValue else { return nil }
            return Replica(id: id, host: host, pid: Int(pid), startedAt: started, lastHeartbeat: beat,
                           firesClaimed: Int(row["fires_claimed"].intValue ?? 0), alive: row["alive"].boolValue ?? false,
                           api: row["api"].stringValue)
        }
    }

    /// Removes a replica that will not come back; false when there was none with that id.
    public func forget(_ id: UUID) async throws -> Bool {
        let cluster = cluster
        return try await Self.unlessNoRegistry(0) {
            try await database.withConnection { conn in
                try conn.execute("DELETE FROM \(Self.table) WHERE cluster = $1 AND replica_id = $2", .text(cluster), .uuid(id))
            }
        } > 0
    }

    /// `body`'s result, or `empty` when the registry's table does not exist (SQLSTATE 42P01).
    private static func unlessNoRegistry<T>(_ empty: T, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError where error.sqlState == "42P01" {
            return empty
        }
    }

    /// Which replica of `live` owns each of `tenants` of `target`: rendezvous hashing with
    /// bounded loads. Each replica may own `T / N` tenants, the first `T mod N` of them (in an
    /// order fixed by their ids) one more, so the split is even to within one tenant — plain
    /// rendezvous hashing leaves a replica idle in most clusters of three over three tenants.
    /// Tenants, in the order of their ids, go to the replica they weigh most for that still has
    /// room. Every replica computes the same assignment from the same lists, in any order; a
    /// replica joining or leaving moves its own tenants and few others. Empty when no replica is live.
    public static func assignment(of tenants: [UUID], target: String, among live: [UUID]) -> [UUID: UUID] {
        let replicas = Set(live).sorted { ($0.uuidString) < ($1.uuidString) }
        guard !replicas.isEmpty else { return [:] }
        let ordered = Set(tenants).sorted { $0.uuidString < $1.uuidString }
        let byRoom = replicas.sorted { (weight($0, nil, target), $0.uuidString) > (weight($1, nil, target), $1.uuidString) }
        var room: [UUID: Int] = [:]
        for (index, replica) in byRoom.enumerated() {
            room[replica] = ordered.count / replicas.count + (index < ordered.count % replicas.count ? 1 : 0)
        }
        var owners: [UUID: UUID] = [:]
        for tenant in ordered {
            let ranked = replicas.sorted { (weight($0, tenant, target), $0.uuidString) > (weight($1, tenant, target), $1.uuidString) }
            guard let owner = ranked.first(where: { room[$0, default: 0] > 0 }) else { continue }
            room[owner, default: 0] -= 1
            owners[tenant] = owner
        }
        return owners
    }

    /// A replica's weight for a tenant (or, for nil, for an extra tenant of room): the first 8
    /// bytes of SHA-256 over both ids and the target.
    private static func weight(_ replica: UUID, _ tenant: UUID?, _ target: String) -> UInt64 {
        let text = "\(replica.uuidString.lowercased())|\(tenant?.uuidString.lowercased() ?? "room")|\(target)"
        return SHA256.hash(data: Data(text.utf8)).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
