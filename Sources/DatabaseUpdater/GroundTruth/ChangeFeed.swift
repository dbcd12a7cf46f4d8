import Foundation
import Logging
import Synchronization

/// Committed change-log entries, handed on in sequence order: appended to the export
/// (`changes.jsonl`) and published to live subscribers; and ``subscribe(after:)``, which
/// replays the durable log and then follows live, never dropping anything silently.
///
/// Executions on two connections may finish their bookkeeping in another order than they
/// committed; entries wait here until the ones before them arrive. Entries this process will
/// never see (written by another process, such as `updater execute --at` beside a service)
/// are read from the log after a second.
public final class ChangeFeed: Sendable {
    /// Live entries, in sequence order, without gaps (each subscriber's buffer is bounded: see
    /// ``subscribe(after:)`` for the subscription that recovers what a full buffer lost).
    public let live = ChangeEventBus()
    private let export: ChangeLedger?
    private let database: any Database
    private let logger: Logger

    private struct State {
        /// The next sequence number to hand on; nil until ``catchUp()`` read where the log is.
        var next: Int64?
        /// Entries waiting for earlier ones, by their first sequence number.
        var waiting: [Int64: [ChangeEvent]] = [:]
        var fillScheduled = false
        /// Set by ``finish()``: no more reading from the log.
        var finished = false
    }

    private let state = Mutex(State())

    /// How long entries wait for earlier ones before those are read from the log.
    static let fillDelay: Duration = .seconds(1)

    /// - Parameter export: the JSON-lines export to keep current, if any.
    public init(database: any Database, export: ChangeLedger?, logger: Logger = Logger(label: "updater.changelog")) {
        self.database = database
        self.export = export
        self.logger = logger
    }

    /// Hands on `events` (one transaction's entries, numbered) once every earlier entry has been.
    public func committed(_ events: [ChangeEvent]) {
        guard let first = events.first?.seq else { return }
        let scheduleFill = state.withLock { state -> Bool in
            state.waiting[first] = events
            release(&state)
            guard !state.waiting.isEmpty, state.next != nil, !state.fillScheduled, !state.finished else { return false }
            state.fillScheduled = true
            return true
        }
        if scheduleFill { Task { await fillGap() } }
    }

    /// Where the log is, and the export caught up with it: run at start, before executions.
    /// - Returns: how many entries were appended to the export (ones a crash kept from it).
    @discardableResult
    public func catchUp() async throws -> Int {
        let last = try await ChangeLog.lastSequence(in: database)
        var exported = try export?.lastSequence() ?? last
        if exported > last {
            logger.warning("changes.jsonl is ahead of the database's change log (a replaced or restored database): started again",
                           metadata: ["exported": "\(exported)", "log": "\(last)"])
            try export?.reset()
            exported = 0
        }
        var appended = 0
        while exported < last {
            let page = try await ChangeLog.read(after: exported, limit: 5_000, in: database)
            guard let end = page.last?.seq else { break }
            try export?.append(page)
            appended += page.count
            exported = end
        }
        state.withLock { state in
            if (state.next ?? 0) <= last { state.next = last + 1 }
            state.waiting = state.waiting.filter { $0.key > last }
            release(&state)
        }
        return appended
    }

    /// Every entry after `seq`, from the log, then live as they commit. A subscriber that falls
    /// more than `bufferLimit` entries behind gets a ``ChangeSubscription/Item/gap(_:)`` marker
    /// and the skipped entries from the log: nothing is lost.
    public func subscribe(after seq: Int64, bufferLimit: Int = ChangeEventBus.bufferLimit) -> ChangeSubscription {
        ChangeSubscription(after: seq, live: live.subscribe(bufferLimit: bufferLimit), database: database)
    }

    /// The last entry handed on to live subscribers; nil until ``catchUp()`` found where the log is.
    public var handedOn: Int64? { state.withLock { $0.next.map { $0 - 1 } } }

    /// The log's last sequence number, read from the database (0 for an empty log).
    public func lastSequence() async throws -> Int64 {
        try await ChangeLog.lastSequence(in: database)
    }

    /// Ends the live subscribers' streams, and any wait for missing entries.
    public func finish() {
        state.withLock { $0.finished = true }
        live.finish()
    }

    // MARK: - Internals

    /// Hands on every waiting entry that follows the last one handed on.
    private func release(_ state: inout State) {
        guard var next = state.next else { return }
        while let events = state.waiting.removeValue(forKey: next) {
            do {
                try export?.append(events)
            } catch {
                logger.error("could not append to changes.jsonl", metadata: ["error": "\(error)", "seq": "\(next)"])
            }
            live.publish(events)
            next += Int64(events.count)
        }
        state.next = next
    }

    /// After ``fillDelay``, reads from the log the entries still missing before waiting ones.
    private func fillGap() async {
        try? await Task.sleep(for: Self.fillDelay)
        let missing = state.withLock { state -> (after: Int64, before: Int64)? in
            state.fillScheduled = false
            guard !state.finished, let next = state.next, let waiting = state.waiting.keys.min() else { return nil }
            return (next - 1, waiting)
        }
        guard let missing else { return }
        do {
            var after = missing.after
            while after + 1 < missing.before {
                let page = try await ChangeLog.read(after: after, limit: Int(min(5_000, missing.before - after - 1)), in: database)
                guard let end = page.last?.seq else { break }
                for transaction in Self.transactions(page) { committed(transaction) }
                after = end
            }
        } catch {
            logger.warning("could not read the change log to fill a gap; trying again", metadata: ["error": "\(error)"])
            let again = state.withLock { state -> Bool in
                guard !state.finished, !state.fillScheduled else { return false }
                state.fillScheduled = true
                return true
            }
            if again { Task { await fillGap() } }
        }
    }

    /// `events` split into runs of one transaction each.
    static func transactions(_ events: [ChangeEvent]) -> [[ChangeEvent]] {
        var runs: [[ChangeEvent]] = []
        for event in events {
            if let last = runs.last?.last, last.transaction == event.transaction { runs[runs.count - 1].append(event) } else { runs.append([event]) }
        }
        return runs
    }
}
