import Foundation

/// The change log's last few seconds, kept in memory and summarised: what `updater watch` shows.
///
/// The window is fed incrementally — each refresh hands over only the entries after
/// ``lastSequence`` (``refresh(from:now:)`` reads them) — and is bounded: it keeps at most
/// ``capacity`` entries, dropping the oldest first, and forgets entries that left the window.
/// Entries are placed in time by their **commit time** (``ChangeEvent/timestamp``), the wall
/// clock of the writer just before its `COMMIT`, not their data time: a simulation writing a month
/// of fires in a second is a burst now, which is what a monitor of the database sees.
///
/// ```swift
/// var window = ChangeWindow(length: 30)
/// window.add(entries, now: Date())
/// let summary = window.summary(at: Date(), tables: scenario.trackedTables, staleAfter: 90)
/// print(summary.totals.insert, summary.tables.map(\.ratePerSecond))
/// ```
///
/// The window is the half-open interval (now − length, now]: an entry exactly `length` seconds
/// old has left it. An entry committed after `now` (the writer's clock ahead of ours) counts as
/// in the window, with an age of zero.
public struct ChangeWindow: Sendable {
    /// One log entry as the window keeps it.
    struct Entry: Sendable {
        var seq: Int64
        var committedAt: Double
        var table: String
        var operation: RowChange.Operation
        var key: String
    }

    /// The window's length in seconds.
    public let length: Double
    /// The most entries kept; beyond it the oldest are dropped and ``Summary/coveredSeconds``
    /// says how much of the window the counts cover.
    public let capacity: Int
    /// How many of the latest keys each table's summary lists.
    public let latestKeyCount: Int
    /// The last sequence number handed over: the next refresh reads after it.
    public internal(set) var lastSequence: Int64 = 0

    /// The entries, in sequence order, from `head` on (a queue: dropping the oldest moves `head`).
    private var entries: [Entry] = []
    private var head = 0
    /// The commit time of the newest entry dropped for capacity: the counts cover only what came after.
    private var droppedThrough: Double?
    /// The latest commit time seen per table, in the window or not (freshness).
    private var lastWrites: [String: Double] = [:]

    /// An empty window of `length` seconds.
    /// - Parameters:
    ///   - length: seconds, more than 0.
    ///   - capacity: the most entries kept in memory (default 100,000: over 3,000 a second for 30 s).
    ///   - latestKeys: how many of the latest keys a table's summary lists.
    public init(length: Double, capacity: Int = 100_000, latestKeys: Int = 3) {
        precondition(length > 0 && capacity > 0, "a window has a length and room for entries")
        self.length = length
        self.capacity = capacity
        self.latestKeyCount = latestKeys
    }

    /// Adds the entries after ``lastSequence`` (in sequence order) and forgets what left the
    /// window at `now` or exceeds ``capacity``.
    public mutating func add(_ events: some Sequence<ChangeEvent>, now: Date) {
        for event in events {
            guard let seq = event.seq, seq > lastSequence else { continue }
            lastSequence = seq
            entries.append(Entry(seq: seq, committedAt: event.timestamp, table: event.table, operation: event.operation, key: event.key))
            lastWrites[event.table] = max(lastWrites[event.table] ?? event.timestamp, event.timestamp)
        }
        let cutoff = now.timeIntervalSince1970 - length
        while head < entries.count, entries[head].committedAt <= cutoff { head += 1 }
        while entries.count - head > capacity {
            markDropped(through: entries[head].committedAt)
            head += 1
        }
        if head > 1_024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// Records that `table` was last written at `time` (from the part of the log older than the
    /// entries handed over), for freshness. A later write already seen wins.
    public mutating func noteLastWrite(table: String, at time: Date) {
        let seconds = time.timeIntervalSince1970
        lastWrites[table] = max(lastWrites[table] ?? seconds, seconds)
    }

    /// Records that entries committed up to `time` were not kept (they exceeded the capacity):
    /// the counts then cover only what came after.
    mutating func markDropped(through time: Double) {
        droppedThrough = max(droppedThrough ?? time, time)
    }

    /// Forgets everything (the log was replaced: its last sequence number went down).
    mutating func reset() {
        self = ChangeWindow(length: length, capacity: capacity, latestKeys: latestKeyCount)
    }

    /// The window at `now`.
    /// - Parameters:
    ///   - tables: tables to list even without writes (a scenario's tracked tables); every table
    ///     written is listed too. Tables come sorted by name.
    ///   - staleAfter: a table whose last write is older than this many seconds, or that was
    ///     never written, is stale.
    public func summary(at now: Date, tables: [String] = [], staleAfter: Double) -> Summary {
        let nowSeconds = now.timeIntervalSince1970
        let start = max(nowSeconds - length, droppedThrough ?? -Double.infinity)
        let covered = nowSeconds - start
        var counts: [String: Counts] = [:], latest: [String: [KeyChange]] = [:], totals = Counts()
        for entry in entries[head...].reversed() where entry.committedAt > start {
            counts[entry.table, default: Counts()].add(entry.operation)
            totals.add(entry.operation)
            if latest[entry.table, default: []].count < latestKeyCount {
                latest[entry.table, default: []].append(KeyChange(key: entry.key, operation: entry.operation, seq: entry.seq,
                                                                  committedAt: Date(timeIntervalSince1970: entry.committedAt)))
            }
        }
        let names = Set(tables).union(lastWrites.keys).union(counts.keys).sorted()
        let rows = names.map { name in
            let counted = counts[name] ?? Counts()
            let last = lastWrites[name]
            let age = last.map { max(0, nowSeconds - $0) }
            return TableSummary(table: name, counts: counted, ratePerSecond: Double(counted.total) / covered,
                                latestKeys: latest[name] ?? [], lastWrite: last.map(Date.init(timeIntervalSince1970:)),
                                ageSeconds: age, stale: age.map { $0 > staleAfter } ?? true)
        }
        let newest = lastWrites.values.max()
        return Summary(at: now, windowSeconds: length, coveredSeconds: covered, lastSequence: lastSequence, totals: totals,
                       ratePerSecond: Double(totals.total) / covered, tables: rows,
                       lastWrite: newest.map(Date.init(timeIntervalSince1970:)), ageSeconds: newest.map { max(0, nowSeconds - $0) })
    }
}

extension ChangeWindow {
    /// Inserts, updates and deletes.
    public struct Counts: Sendable, Codable, Equatable {
        public var insert = 0
        public var update = 0
        public var delete = 0

        public init(insert: Int = 0, update: Int = 0, delete: Int = 0) {
            self.insert = insert
            self.update = update
            self.delete = delete
        }

        /// All three together.
        public var total: Int { insert + update + delete }

        mutating func add(_ operation: RowChange.Operation) {
            switch operation {
            case .insert: insert += 1
            case .update: update += 1
            case .delete: delete += 1
            }
        }
    }

    /// A key written in the window.
    public struct KeyChange: Sendable, Codable, Equatable {
        public var key: String
        public var operation: RowChange.Operation
        public var seq: Int64
        public var committedAt: Date
    }

    /// One table in the window.
    public struct TableSummary: Sendable, Codable, Equatable {
        public var table: String
        public var counts: Counts
        /// Entries per second over the window (over ``Summary/coveredSeconds``).
        public var ratePerSecond: Double
        /// The latest keys written in the window, newest first.
        public var latestKeys: [KeyChange]
        /// The table's latest write in the whole log, in the window or not; nil: never written.
        public var lastWrite: Date?
        /// Seconds since ``lastWrite``.
        public var ageSeconds: Double?
        /// Never written, or not within the staleness threshold.
        public var stale: Bool
    }

    /// The window at one instant.
    public struct Summary: Sendable, Codable, Equatable {
        public var at: Date
        public var windowSeconds: Double
        /// The span the counts cover: the window, or less when more entries than the capacity fell in it.
        public var coveredSeconds: Double
        /// The last sequence number read from the log.
        public var lastSequence: Int64
        public var totals: Counts
        public var ratePerSecond: Double
        /// Per table, sorted by name.
        public var tables: [TableSummary]
        /// The latest write to any table, and seconds since.
        public var lastWrite: Date?
        public var ageSeconds: Double?
    }
}
