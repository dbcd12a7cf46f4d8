/// What `GET /health` reports.
public struct HealthReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case healthy, degraded, unhealthy
    }

    public var status: Status
    /// Why the status is not `healthy`, one line each.
    public var reasons: [String]
    public var database: DatabaseHealth.State
    /// Failed or timed-out share of the last (up to) 20 executions; nil before any.
    public var recentFailureRatio: Double?
}
