import Foundation

/// The change log from a sequence number on: first the durable log, then live entries as they
/// commit, in order and without gaps (``ChangeFeed/subscribe(after:)``).
///
/// Pull-based, so it holds at most a page of the log and its bounded live buffer whatever the
/// consumer's pace. When the live buffer overflowed (the consumer fell more than
/// ``Broadcaster/bufferLimit`` entries behind), the consumer gets a ``Item/gap(_:)`` marker
/// naming the skipped range, then those entries, read from the log.
///
/// ```swift
/// for try await item in manager.feed.subscribe(after: lastSeen) {
///     switch item {
///     case .event(let event): handle(event)
///     case .gap(let range): print("fell behind: \(range) replayed from the log")
///     }
/// }
/// ```
public struct ChangeSubscription: AsyncSequence, Sendable {
    public enum Item: Sendable, Equatable {
        /// The next entry.
        case event(ChangeEvent)
        /// The live buffer overflowed: these entries were dropped from it, and follow now from the log.
        case gap(ClosedRange<Int64>)
    }

    let after: Int64
    let live: AsyncStream<ChangeEvent>
    let database: any Database

    /// Entries read from the log per query.
    static let pageSize = 1_000

    public func makeAsyncIterator() -> Iterator {
        Iterator(last: after, live: live.makeAsyncIterator(), database: database)
    }

    public struct Iterator: AsyncIteratorProtocol {
        /// The last sequence number delivered.
        var last: Int64
        var live: AsyncStream<ChangeEvent>.AsyncIterator
        let database: any Database
        /// Entries read from the log, not yet delivered.
        var page: [ChangeEvent] = []
        var pageIndex = 0
        /// Whether the log may hold entries after ``last`` that live will not deliver.
        var replaying = true
        var pendingGap: ClosedRange<Int64>?

        public mutating func next() async throws -> Item? {
            while true {
                if let gap = pendingGap {
                    pendingGap = nil
                    return .gap(gap)
                }
                if pageIndex < page.count {
                    let event = page[pageIndex]
                    pageIndex += 1
                    if let seq = event.seq, seq > last {
                        last = seq
                        return .event(event)
                    }
                    continue
                }
                if replaying {
                    page = try await ChangeLog.read(after: last, limit: ChangeSubscription.pageSize, in: database)
                    pageIndex = 0
                    // A short page is the end of the log: whatever commits later is in the live
                    // stream, subscribed before this read (and what both hold is skipped once).
                    if page.count < ChangeSubscription.pageSize { replaying = false }
                    continue
                }
                guard let event = await live.next() else { return nil }
                guard let seq = event.seq, seq > last else { continue }
                if seq == last + 1 {
                    last = seq
                    return .event(event)
                }
                // Live skipped entries: the buffer overflowed. Say so, then read them from the log.
                pendingGap = (last + 1)...(seq - 1)
                replaying = true
            }
        }
    }
}
