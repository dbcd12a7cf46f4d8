import AsyncAlgorithms
import Foundation

/// One client's live stream: the change log from a sequence number on (replayed from the log,
/// then live, with a ``StreamItem/gap(_:)`` marker where the client fell behind) merged with
/// events from outside the log, filtered.
///
/// ```swift
/// let stream = EventStream(feed: manager.feed, external: manager.externalEvents, after: lastEventID,
///                          filter: StreamFilter(tables: ["service_tickets"]))
/// for try await item in stream.items() { … }
/// ```
public struct EventStream: Sendable {
    public let feed: ChangeFeed
    public let external: ChangeEventBus
    /// Start after this sequence number; nil: live, from the log's current end.
    public let after: Int64?
    public let filter: StreamFilter
    /// Entries kept for a slow client before it gets a gap and reads from the log instead.
    public let bufferLimit: Int

    public init(feed: ChangeFeed, external: ChangeEventBus, after: Int64?, filter: StreamFilter = .all,
                bufferLimit: Int = ChangeEventBus.bufferLimit) {
        self.feed = feed
        self.external = external
        self.after = after
        self.filter = filter
        self.bufferLimit = bufferLimit
    }

    /// The items, in order per source; ends when the feed finishes (the service stops).
    /// Subscribes at once (before the first item is asked for), so nothing committed after this
    /// call is missed.
    public func items() async throws -> some AsyncSequence<StreamItem, any Error> & Sendable {
        let last = try await feed.lastSequence()
        var start = after ?? last
        var reset: [StreamItem] = []
        if start > last || start < 0 {
            reset = [.reset(lastSequence: last)]
            start = last
        }
        let filter = filter
        let log = feed.subscribe(after: start, bufferLimit: bufferLimit).map { item -> StreamItem in
            switch item {
            case .event(let event): .event(event)
            case .gap(let range): .gap(range)
            }
        }
        let outside = external.subscribe(bufferLimit: bufferLimit).map { StreamItem.event($0) }
        return chain(reset.async, merge(log, outside)).filter { item in
            if case .event(let event) = item { return filter.matches(event) }
            return true
        }
    }
}
