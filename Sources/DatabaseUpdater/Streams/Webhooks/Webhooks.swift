import Foundation
import Logging
import Metrics
import Synchronization

/// A service's webhook endpoints (``UpdaterConfig/webhooks``): one delivery task each, started
/// with the service once the change log's end is known, stopped with it.
///
/// ```swift
/// let webhooks = Webhooks([WebhookConfig(url: "http://127.0.0.1:8000/hook")], dataDirectory: data)
/// webhooks.start(feed: manager.feed, logEnd: 0, external: manager.externalEvents)
/// // …
/// await webhooks.stop(grace: .seconds(5))   // what committed is still sent, for up to 5 s
/// ```
///
/// Delivery never holds up an execution: the endpoints read the feed's buffers, which never wait
/// (see ``WebhookQueue``).
public final class Webhooks: Sendable {
    let endpoints: [WebhookEndpoint]
    /// The delivery tasks, and whether they were started (they start once, however often asked).
    private let tasks = Mutex<(running: [Task<Void, Never>], started: Bool)>(([], false))

    /// - Parameters:
    ///   - configs: validated endpoints.
    ///   - dataDirectory: where each endpoint's position is kept (`webhooks/`).
    public init(_ configs: [WebhookConfig], dataDirectory: URL, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger = Logger(label: "updater.webhooks")) {
        endpoints = configs.map { config in
            WebhookEndpoint(config, dataDirectory: dataDirectory, stats: WebhookStats(url: config.displayURL, factory: metricsFactory),
                            logger: logger)
        }
    }

    /// Starts delivering (once; later calls do nothing).
    /// - Parameter logEnd: the change log's last entry: where an endpoint that has not delivered
    ///   before starts. Outside events are subscribed to before this returns.
    public func start(feed: ChangeFeed, logEnd: Int64, external: ChangeEventBus) {
        tasks.withLock { tasks in
            guard !tasks.started else { return }
            tasks.started = true
            tasks.running = endpoints.map { endpoint in
                // The default buffer (not the queue's limit): it takes a burst that the reader,
                // which never waits, moves on to the queue, where an overflow is counted.
                let events = external.subscribe()
                return Task { await endpoint.run(feed: feed, logEnd: logEnd, external: events) }
            }
        }
    }

    /// Sends what is queued and what the log holds up to `logEnd`, for at most `grace`; then
    /// cancels what is left (sent again after a restart, from the remembered position).
    public func stop(logEnd: Int64?, grace: Duration) async {
        let running = tasks.withLock { tasks in
            defer { tasks.running = [] }
            return tasks.running
        }
        guard !running.isEmpty else { return }
        for endpoint in endpoints {
            if let logEnd { endpoint.finish(afterReading: logEnd) } else { endpoint.abort() }
        }
        let deadline = Task {
            try? await Task.sleep(for: grace)
            guard !Task.isCancelled else { return }
            for task in running { task.cancel() }
            for endpoint in endpoints { endpoint.abort() }
        }
        for task in running { await task.value }
        deadline.cancel()
    }

    /// Every endpoint's status, in configuration order.
    public func status(now: Date = Date()) -> [WebhookStatus] {
        endpoints.map { $0.status(now: now) }
    }
}
