import Foundation

/// One webhook endpoint in ``ServiceStatus/webhooks``: where it stands and what it did since
/// the service started. Never holds the secret.
public struct WebhookStatus: Sendable, Codable, Equatable {
    /// `active`, or `disabled` (see ``reason``).
    public enum State: String, Sendable, Codable {
        case active, disabled
    }

    /// The receiver, without user, password or query (``WebhookConfig/displayURL``).
    public var url: String
    public var state: State
    /// Why the endpoint is disabled (`410 Gone`), nil while active.
    public var reason: String?
    /// Events delivered (answered 2xx).
    public var delivered: Int
    /// Events in batches given up on: rejected with a 4xx other than 408 and 429, or by `410 Gone`.
    public var failed: Int
    /// Requests sent again after a network error, a timeout, a 5xx, a 408 or a 429.
    public var retried: Int
    /// Log entries that overflowed the queue (read back from the log and delivered later, after
    /// a gap record) and outside events dropped on overflow (lost: counted in `external_dropped` records).
    public var dropped: Int
    /// The last log entry delivered (every earlier one delivered or filtered out); nil before
    /// delivery has found its starting point.
    public var deliveredThrough: Int64?
    /// Log entries after ``deliveredThrough``.
    public var lagSequences: Int64
    /// Seconds since the oldest queued or in-flight event committed; 0 with nothing waiting.
    public var lagSeconds: Double
    /// The last failed attempt, while it has not been followed by a success.
    public var lastError: String?

    public init(url: String, state: State, reason: String? = nil, delivered: Int = 0, failed: Int = 0, retried: Int = 0,
                dropped: Int = 0, deliveredThrough: Int64? = nil, lagSequences: Int64 = 0, lagSeconds: Double = 0,
                lastError: String? = nil) {
        self.url = url
        self.state = state
        self.reason = reason
        self.delivered = delivered
        self.failed = failed
        self.retried = retried
        self.dropped = dropped
        self.deliveredThrough = deliveredThrough
        self.lagSequences = lagSequences
        self.lagSeconds = lagSeconds
        self.lastError = lastError
    }
}
