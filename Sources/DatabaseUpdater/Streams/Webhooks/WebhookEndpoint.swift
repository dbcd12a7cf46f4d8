import Foundation
import Logging
import Synchronization

/// One endpoint's delivery: reads the change log from its position (replayed, then live) and the
/// outside events into its ``WebhookQueue``, and sends batches from it one at a time, in order,
/// each until it is answered (at least once: a retry keeps the batch's `webhook-id`).
///
/// Retries follow network errors, timeouts, 5xx, 408 and 429, with exponential backoff (0.5 s
/// doubling to 30 s, jittered to 50–100 %) or the receiver's `Retry-After`, for as long as the
/// service runs; another 4xx gives the batch up (counted failed); `410 Gone` disables the
/// endpoint. Where delivery got to is kept in the data folder (``WebhookCursor``).
final class WebhookEndpoint: Sendable {
    let config: WebhookConfig
    let stats: WebhookStats
    private let poster: WebhookPoster
    private let cursor: WebhookCursor
    private let logger: Logger
    /// Set once delivery has found its starting point.
    private let queue = Mutex<WebhookQueue?>(nil)

    /// - Parameter config: a validated endpoint (its URL parses).
    init(_ config: WebhookConfig, dataDirectory: URL, stats: WebhookStats, logger: Logger) {
        self.config = config
        self.stats = stats
        poster = WebhookPoster(url: URL(string: config.url)!, signer: config.secret.flatMap(WebhookSigner.init(secret:)),
                               timeoutSeconds: config.timeoutSeconds)
        cursor = WebhookCursor(directory: dataDirectory, endpoint: config)
        var logger = logger
        logger[metadataKey: "webhook"] = "\(config.displayURL)"
        self.logger = logger
    }

    /// Delivers until the feed ends, the endpoint is disabled, ``finish(afterReading:)`` is
    /// done, or the task is cancelled.
    /// - Parameters:
    ///   - logEnd: the log's last entry when the service started: where delivery starts unless
    ///     the data folder remembers an earlier position.
    ///   - external: the subscription to outside events, made before the first execution.
    func run(feed: ChangeFeed, logEnd: Int64, external: AsyncStream<ChangeEvent>) async {
        let remembered = cursor.read() ?? logEnd
        let reset = remembered > logEnd
        if reset {
            logger.warning("the remembered webhook position is past the change log's end (a replaced database): going on from the end",
                           metadata: ["remembered": "\(remembered)", "log": "\(logEnd)"])
        }
        let start = min(remembered, logEnd)
        let queue = WebhookQueue(capacity: config.queueLimit, start: start)
        self.queue.withLock { $0 = queue }
        if reset { _ = await queue.push(.reset(lastSequence: start), through: nil) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.readLog(feed, after: start, into: queue) }
            group.addTask { await self.readExternal(external, into: queue) }
            await send(from: queue)
            queue.finish()
            group.cancelAll()
        }
        try? cursor.write(queue.position.deliveredThrough)
    }

    /// Stops once everything up to log entry `end` is sent (or the task is cancelled).
    func finish(afterReading end: Int64) {
        guard let queue = queue.withLock({ $0 }) else { return }
        queue.finish(afterReading: end)
    }

    /// Stops at once: the sender gets what is queued but sends nothing more once its task is cancelled.
    func abort() {
        queue.withLock { $0 }?.finish()
    }

    /// The endpoint's status now.
    func status(now: Date) -> WebhookStatus {
        stats.status(queue.withLock { $0 }?.position, now: now)
    }

    // MARK: - Readers

    /// The log after `after`, filtered, into the queue. A subscription that fails (the database
    /// went away during a replay) is made again from where it got, a second later.
    private func readLog(_ feed: ChangeFeed, after: Int64, into queue: WebhookQueue) async {
        var position = after
        while !Task.isCancelled {
            do {
                for try await item in feed.subscribe(after: position, bufferLimit: config.queueLimit) {
                    switch item {
                    case .event(let event):
                        guard let seq = event.seq else { continue }
                        position = seq
                        if config.filter.matches(event) {
                            guard await queue.push(.event(event), through: seq) else { return }
                        } else {
                            queue.skip(through: seq)
                        }
                    case .gap(let range):
                        stats.didDrop(range.count)
                        guard await queue.push(.gap(range), through: nil) else { return }
                    }
                }
                queue.finish()  // the feed ended: the service stops
                return
            } catch {
                logger.warning("could not read the change log for a webhook; trying again", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Outside events, filtered, into the queue; dropped (and counted) while it is full.
    private func readExternal(_ events: AsyncStream<ChangeEvent>, into queue: WebhookQueue) async {
        for await event in events where config.filter.matches(event) {
            if !queue.offer(event) { stats.didDrop(1) }
        }
    }

    // MARK: - Sender

    private func send(from queue: WebhookQueue) async {
        while let batch = await queue.nextBatch(size: config.batchSize, interval: config.interval) {
            let message = WebhookMessage(batch.items, endpoint: config.key)
            switch await deliver(message) {
            case .done:
                queue.completed(batch)
                do {
                    try cursor.write(queue.position.deliveredThrough)
                } catch {
                    logger.warning("could not record the webhook position in the data folder", metadata: ["error": "\(error)"])
                }
                _ = stats.status(queue.position, now: Date())  // the lag gauges
            case .gone, .abandoned:
                return
            }
        }
    }

    private enum Delivery {
        /// Delivered, or given up on: the position moves past it.
        case done
        /// The endpoint is disabled.
        case gone
        /// Stopped before an answer (the service's grace is over): sent again after a restart.
        case abandoned
    }

    /// Sends `message` until it is answered for good.
    private func deliver(_ message: WebhookMessage) async -> Delivery {
        var attempt = 0
        while !Task.isCancelled {
            switch await poster.post(message.body, id: message.id) {
            case .delivered:
                stats.didDeliver(message.events)
                return .done
            case .rejected(let error):
                stats.didFail(message.events, error: error)
                logger.warning("webhook batch rejected; not sent again", metadata: ["id": "\(message.id)", "error": "\(error)"])
                return .done
            case .gone(let error):
                stats.didFail(message.events, error: error)
                stats.disable("\(error): the receiver wants no more")
                logger.warning("webhook endpoint disabled: the receiver answered 410 Gone", metadata: ["id": "\(message.id)"])
                return .gone
            case .retry(let error, let after):
                guard !Task.isCancelled else { return .abandoned }
                attempt += 1
                stats.willRetry(after: error)
                if attempt == 1 || attempt % 10 == 0 {
                    logger.warning("webhook delivery failed; retrying",
                                   metadata: ["id": "\(message.id)", "error": "\(error)", "attempt": "\(attempt)"])
                }
                do {
                    try await Task.sleep(for: max(after ?? .zero, Self.backoff(attempt: attempt)))
                } catch {
                    return .abandoned
                }
            }
        }
        return .abandoned
    }

    /// The wait before retry `attempt` (from 1): 0.5 s doubling up to 30 s, times a random 50–100 %.
    static func backoff(attempt: Int) -> Duration {
        let seconds = min(0.5 * pow(2, Double(min(attempt, 16) - 1)), 30)
        return .milliseconds(Int64(seconds * Double.random(in: 0.5...1) * 1000))
    }
}
