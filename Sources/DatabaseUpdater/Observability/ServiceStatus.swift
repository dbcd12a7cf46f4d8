import Foundation

/// What `updater status` and `GET /status` report.
public struct ServiceStatus: Sendable, Codable, Equatable {
    /// Whether a service is running (this process, or the one holding the lock).
    public var running: Bool
    public var pid: Int?
    public var startedAt: Date?
    public var uptimeSeconds: Double?
    public var schedulingEnabled: Bool
    public var schedulingPaused: Bool
    public var dryRun: Bool
    /// The target database, password redacted.
    public var database: String
    /// The scenario simulated in it (nil from a service that predates scenarios).
    public var scenario: String?
    public var databaseHealth: DatabaseHealth.State?
    public var timezone: String
    /// Per tenant × updater: schedule, its meaning, next fire.
    public var schedules: [CronScheduler.EntryStatus]
    /// Per-updater metrics from the history.
    public var metrics: [UpdaterMetrics]
    /// Each webhook endpoint's state and counters (nil when no service runs).
    public var webhooks: [WebhookStatus]?
    /// This service's replica id (stable for its data folder; nil from a service that predates ids).
    public var replica: UUID?
    /// Cluster mode: the cluster's replicas (nil otherwise, or when the database cannot be read).
    public var replicas: [ReplicaRegistry.Replica]?

    public init(running: Bool, pid: Int?, startedAt: Date?, uptimeSeconds: Double?, schedulingEnabled: Bool, schedulingPaused: Bool,
                dryRun: Bool, database: String, scenario: String? = nil, databaseHealth: DatabaseHealth.State?, timezone: String,
                schedules: [CronScheduler.EntryStatus], metrics: [UpdaterMetrics], webhooks: [WebhookStatus]? = nil,
                replica: UUID? = nil, replicas: [ReplicaRegistry.Replica]? = nil) {
        self.replica = replica
        self.replicas = replicas
        self.running = running
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.schedulingEnabled = schedulingEnabled
        self.schedulingPaused = schedulingPaused
        self.dryRun = dryRun
        self.database = database
        self.scenario = scenario
        self.databaseHealth = databaseHealth
        self.timezone = timezone
        self.schedules = schedules
        self.metrics = metrics
        self.webhooks = webhooks
    }
}
