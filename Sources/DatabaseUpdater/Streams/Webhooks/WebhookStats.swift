import Foundation
import Metrics
import Synchronization

/// One endpoint's counters and state, kept for ``WebhookStatus`` and reported to swift-metrics
/// (labelled by the endpoint's display URL): `updater_webhook_delivered_events_total`,
/// `updater_webhook_failed_events_total`, `updater_webhook_retries_total`,
/// `updater_webhook_dropped_events_total`, and the gauges `updater_webhook_lag_seconds` and
/// `updater_webhook_lag_sequences`.
final class WebhookStats: Sendable {
    private let counts: Mutex<WebhookStatus>
    private let delivered: Counter
    private let failed: Counter
    private let retried: Counter
    private let dropped: Counter
    private let lagSeconds: Gauge
    private let lagSequences: Gauge

    init(url: String, factory: any MetricsFactory) {
        counts = Mutex(WebhookStatus(url: url, state: .active))
        let dimensions = [("endpoint", url)]
        delivered = Counter(label: "updater_webhook_delivered_events_total", dimensions: dimensions, factory: factory)
        failed = Counter(label: "updater_webhook_failed_events_total", dimensions: dimensions, factory: factory)
        retried = Counter(label: "updater_webhook_retries_total", dimensions: dimensions, factory: factory)
        dropped = Counter(label: "updater_webhook_dropped_events_total", dimensions: dimensions, factory: factory)
        lagSeconds = Gauge(label: "updater_webhook_lag_seconds", dimensions: dimensions, factory: factory)
        lagSequences = Gauge(label: "updater_webhook_lag_sequences", dimensions: dimensions, factory: factory)
    }

    func didDeliver(_ events: Int) {
        counts.withLock {
            $0.delivered += events
            $0.lastError = nil
        }
        delivered.increment(by: events)
    }

    func didFail(_ events: Int, error: String) {
        counts.withLock {
            $0.failed += events
            $0.lastError = error
        }
        failed.increment(by: events)
    }

    func willRetry(after error: String) {
        counts.withLock {
            $0.retried += 1
            $0.lastError = error
        }
        retried.increment()
    }

    func didDrop(_ events: Int) {
        counts.withLock { $0.dropped += events }
        dropped.increment(by: events)
    }

    func disable(_ reason: String) {
        counts.withLock {
            $0.state = .disabled
            $0.reason = reason
        }
    }

    var isDisabled: Bool { counts.withLock { $0.state == .disabled } }

    /// The status at `now`, with the queue's position (nil before delivery found its start).
    func status(_ position: WebhookQueue.Position?, now: Date) -> WebhookStatus {
        var status = counts.withLock { $0 }
        if let position {
            status.deliveredThrough = position.deliveredThrough
            status.lagSequences = max(0, position.newest - position.deliveredThrough)
            status.lagSeconds = position.oldestQueuedTimestamp.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0
        }
        lagSeconds.record(status.lagSeconds)
        lagSequences.record(status.lagSequences)
        return status
    }
}
