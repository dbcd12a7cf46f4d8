import Foundation
import Synchronization

/// One endpoint's bounded queue between the readers (the change log, outside events) and the
/// sender, and the bookkeeping of how far the endpoint got in the log.
///
/// Never in an execution's way: executions publish to the feed's buffers, which never wait; this
/// queue is filled from those by the endpoint's own readers. A log reader that finds it full
/// waits, its subscription's buffer then overflows, and the skipped entries come back from the
/// log behind a gap record (``ChangeSubscription``); outside events, which cannot be read back,
/// are counted and dropped instead (``offer(_:)``).
final class WebhookQueue: Sendable {
    /// What the sender takes at once.
    struct Batch: Sendable {
        let items: [StreamItem]
        /// Every log entry up to here is in this batch or was delivered or filtered out before.
        let through: Int64
    }

    private struct State {
        var items: [StreamItem] = []
        /// Items before this index are taken (the array is compacted now and then).
        var head = 0
        /// When the oldest waiting item arrived: the batch interval runs from it.
        var oldestArrival: ContinuousClock.Instant?
        var finished = false
        /// The sender, waiting for `wanted` items (or the interval's end, or the finish).
        var sender: (continuation: CheckedContinuation<Void, Never>, wanted: Int)?
        /// The current batch's interval is over (set by its timer, which may fire before the
        /// sender waits: the flag keeps that wake-up from being lost).
        var intervalOver = false
        /// The log reader, waiting for room.
        var reader: CheckedContinuation<Void, Never>?
        /// Outside events dropped since the last drop record was queued.
        var unreportedDrops = 0
        /// The last log entry the reader handled (queued or filtered out).
        var readThrough: Int64
        /// The last log entry delivered, every earlier one delivered or filtered out.
        var deliveredThrough: Int64
        /// The newest log entry seen (an entry or the end of a gap).
        var newest: Int64
        /// Finish once the reader handled this log entry (the service stops: deliver what committed).
        var finishAfter: Int64?
        /// A batch is being sent.
        var inFlight = false
        /// Commit time of the in-flight batch's first event.
        var inFlightTimestamp: Double?

        var count: Int { items.count - head }

        /// The reader got to `seq`; finished if that is as far as it was to go.
        mutating func read(through seq: Int64) {
            readThrough = seq
            newest = max(newest, seq)
            if let finishAfter, seq >= finishAfter { finished = true }
        }

        mutating func append(_ item: StreamItem, now: ContinuousClock.Instant) {
            if count == 0 { oldestArrival = now }
            items.append(item)
        }

        /// Resumes the sender if it waits for no more than what is here (or for the finish).
        mutating func wakeSender(force: Bool = false) -> CheckedContinuation<Void, Never>? {
            guard let sender, force || finished || count >= sender.wanted else { return nil }
            self.sender = nil
            return sender.continuation
        }
    }

    private let state: Mutex<State>
    let capacity: Int

    /// - Parameter start: the log entry delivery starts after.
    init(capacity: Int, start: Int64) {
        self.capacity = capacity
        state = Mutex(State(readThrough: start, deliveredThrough: start, newest: start))
    }

    // MARK: - Readers

    /// Queues a log item, waiting while the queue is full.
    /// - Parameter through: the log entry the item takes the reader to (nil for a gap or reset).
    /// - Returns: false once the queue is finished.
    func push(_ item: StreamItem, through: Int64?) async -> Bool {
        while true {
            let outcome = state.withLock { state -> (queued: Bool?, wake: CheckedContinuation<Void, Never>?) in
                if state.finished { return (false, nil) }
                guard state.count < capacity else { return (nil, nil) }
                queueDrops(&state)
                state.append(item, now: .now)
                if let through { state.read(through: through) }
                if case .gap(let range) = item { state.newest = max(state.newest, range.upperBound) }
                return (true, state.wakeSender())
            }
            outcome.wake?.resume()
            if let queued = outcome.queued { return queued }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if state.finished || state.count < capacity { return true }
                    state.reader = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Notes a log entry the filter left out: delivered, as far as the position goes, once
    /// everything before it is.
    func skip(through seq: Int64) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.read(through: seq)
            if state.count == 0 && !state.inFlight { state.deliveredThrough = seq }
            return state.wakeSender()
        }?.resume()
    }

    /// Queues an outside event if there is room; otherwise counts it dropped.
    /// - Returns: whether it was queued.
    func offer(_ event: ChangeEvent) -> Bool {
        let (queued, wake) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.finished, state.count < capacity else {
                state.unreportedDrops += 1
                return (false, nil)
            }
            queueDrops(&state)
            state.append(.event(event), now: .now)
            return (true, state.wakeSender())
        }
        wake?.resume()
        return queued
    }

    /// A drop record before the next item, so the receiver learns of the loss where it happened
    /// (it may take the queue one past its capacity).
    private func queueDrops(_ state: inout State) {
        guard state.unreportedDrops > 0 else { return }
        state.append(.externalDropped(state.unreportedDrops), now: .now)
        state.unreportedDrops = 0
    }

    // MARK: - Sender

    /// The next batch: once `size` items wait, or `interval` after the oldest of them arrived,
    /// whichever comes first; everything left once finished. Nil when finished and empty.
    func nextBatch(size: Int, interval: Duration) async -> Batch? {
        // Wait for a first item (a late timer of the previous batch may wake us before one).
        while state.withLock({ !$0.finished && $0.count == 0 }) { await waitForSender(wanted: 1) }
        let deadline = state.withLock { $0.oldestArrival.map { $0 + interval } }
        if let deadline, state.withLock({ !$0.finished && $0.count < size }) {
            // Wait for the batch to fill, or for its deadline (a timer wakes us then).
            state.withLock { $0.intervalOver = false }
            let timer = Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                if !Task.isCancelled { self?.endInterval() }
            }
            await waitForSender(wanted: size, orIntervalEnd: true)
            timer.cancel()
        }
        let (batch, reader) = state.withLock { state -> (Batch?, CheckedContinuation<Void, Never>?) in
            guard state.count > 0 else { return (nil, nil) }
            let end = min(state.head + size, state.items.count)
            let items = Array(state.items[state.head..<end])
            state.head = end
            if state.head > 4_096 && state.head * 2 > state.items.count {
                state.items.removeFirst(state.head)
                state.head = 0
            }
            state.oldestArrival = state.count > 0 ? .now : nil
            state.inFlight = true
            state.inFlightTimestamp = Self.firstTimestamp(items[...])
            let lastSeq = items.reversed().lazy.compactMap { item -> Int64? in
                if case .event(let event) = item { return event.seq }
                return nil
            }.first
            let through = state.count == 0 ? state.readThrough : (lastSeq ?? state.deliveredThrough)
            let reader = state.reader
            state.reader = nil
            return (Batch(items: items, through: through), reader)
        }
        reader?.resume()
        return batch
    }

    /// Waits until `wanted` items are queued, the queue is finished, or (if `orIntervalEnd`) the
    /// batch's interval is over.
    private func waitForSender(wanted: Int, orIntervalEnd: Bool = false) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.finished || state.count >= wanted || (orIntervalEnd && state.intervalOver) { return true }
                state.sender = (continuation, wanted)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The batch's interval is over: the sender goes with what it has.
    private func endInterval() {
        state.withLock { state in
            state.intervalOver = true
            return state.wakeSender(force: true)
        }?.resume()
    }

    /// The batch was delivered, or given up on: the position moves past it.
    func completed(_ batch: Batch) {
        state.withLock { state in
            state.deliveredThrough = max(state.deliveredThrough, batch.through)
            state.inFlight = false
            state.inFlightTimestamp = nil
            if state.count == 0 { state.deliveredThrough = max(state.deliveredThrough, state.readThrough) }
        }
    }

    /// Finishes once the reader handled log entry `end` (at once if it has): what committed
    /// before the service began to stop is still delivered.
    func finish(afterReading end: Int64) {
        let done = state.withLock { state -> Bool in
            state.finishAfter = end
            return state.readThrough >= end
        }
        if done { finish() }
    }

    /// No more items: waiters are resumed, the sender gets what is left (and a record of the
    /// outside events dropped since the last item), readers stop.
    func finish() {
        let (sender, reader) = state.withLock { state in
            queueDrops(&state)
            state.finished = true
            let reader = state.reader
            state.reader = nil
            return (state.wakeSender(), reader)
        }
        sender?.resume()
        reader?.resume()
    }

    // MARK: - Observing

    /// Where the endpoint stands.
    struct Position: Sendable {
        let deliveredThrough: Int64
        let newest: Int64
        let readThrough: Int64
        let queued: Int
        /// Commit time of the oldest event in flight or queued, if any.
        let oldestQueuedTimestamp: Double?
    }

    var position: Position {
        state.withLock { state in
            let oldest = state.inFlightTimestamp ?? Self.firstTimestamp(state.items[state.head...])
            return Position(deliveredThrough: state.deliveredThrough, newest: state.newest, readThrough: state.readThrough,
                            queued: state.count, oldestQueuedTimestamp: oldest)
        }
    }

    private static func firstTimestamp(_ items: ArraySlice<StreamItem>) -> Double? {
        items.lazy.compactMap { item -> Double? in
            if case .event(let event) = item { return event.timestamp }
            return nil
        }.first
    }
}
