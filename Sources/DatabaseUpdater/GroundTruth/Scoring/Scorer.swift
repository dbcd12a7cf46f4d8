import Foundation

/// Rates a monitor's detections against the change log (the truth): which entries it found
/// (recall), how much of what it reported was real (precision), how late, how often twice, and
/// in what order. Pure: the same truth and detections give the same ``ScoreReport``.
///
/// **Matching.** Each truth entry is matched by at most one detection of the same table, key
/// and operation (and tenant, when the detection names one). Detections are taken in time order
/// (`detected_at`, then file order); each takes the earliest unmatched entry (in log order) of
/// its row and operation committed no later than `detected_at` + ``tolerance``, else the
/// earliest unmatched one. A detection that finds none left is a *duplicate* when its row and
/// operation had entries (all matched already), else a *false positive*; both count against
/// precision.
public struct Scorer: Sendable {
    /// How the truth is read.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Every log entry is a change to detect: for monitors that see each change (triggers,
        /// logical decoding, the log itself).
        case exact
        /// Per row and polling interval only the net effect (``NetChanges``): for monitors that
        /// compare snapshots.
        case net
    }

    public var mode: Mode
    /// Net mode's polling interval in seconds; nil infers it from the detections
    /// (``NetChanges/inferredInterval(_:)``).
    public var interval: Double?
    /// How many seconds an entry may be committed after a detection's `detected_at` and still be
    /// preferred by it (clocks differ, and commit times are taken just before `COMMIT`).
    public var tolerance: Double
    /// How many unmatched entries the report lists.
    public var missLimit: Int

    public init(mode: Mode = .exact, interval: Double? = nil, tolerance: Double = 1, missLimit: Int = 10) {
        self.mode = mode
        self.interval = interval
        self.tolerance = tolerance
        self.missLimit = missLimit
    }

    /// `entries` in log order: by sequence number when every entry has one, else by commit
    /// time; ties keep their given order.
    public static func logOrder(_ entries: [ChangeEvent]) -> [ChangeEvent] {
        let bySeq = entries.allSatisfy { $0.seq != nil }
        return entries.enumerated().sorted { a, b in
            if bySeq, let x = a.element.seq, let y = b.element.seq, x != y { return x < y }
            if !bySeq && a.element.timestamp != b.element.timestamp { return a.element.timestamp < b.element.timestamp }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// What became of one detection.
    private enum Outcome {
        case matched(Int)
        case duplicate
        case falsePositive
    }

    /// A row's entries of one operation, in log order, and where its unmatched ones begin.
    private struct Group {
        var entries: [Int] = []
        var firstUnmatched = 0
    }

    private struct GroupKey: Hashable {
        var table: String, key: String, operation: RowChange.Operation
    }

    /// Scores `detections` against `truth` (the change log's entries, any order).
    public func score(truth: [ChangeEvent], detections: [Detection]) -> ScoreReport {
        let logged = Self.logOrder(truth)
        let interval = mode == .net ? (self.interval ?? NetChanges.inferredInterval(detections)) : nil
        let expected = interval.map { NetChanges.collapse(logged, interval: $0) } ?? logged

        var groups: [GroupKey: Group] = [:]
        for (index, entry) in expected.enumerated() {
            groups[GroupKey(table: entry.table, key: entry.key, operation: entry.operation), default: Group()].entries.append(index)
        }
        var matchedBy = [Int?](repeating: nil, count: expected.count)
        var outcomes = [Outcome](repeating: .falsePositive, count: detections.count)
        let inTimeOrder = detections.indices.sorted { a, b in
            detections[a].detectedAt != detections[b].detectedAt ? detections[a].detectedAt < detections[b].detectedAt : a < b
        }
        for index in inTimeOrder {
            let detection = detections[index]
            let groupKey = GroupKey(table: detection.table, key: detection.key, operation: detection.operation)
            guard var group = groups[groupKey] else { continue }  // a false positive
            let tenant = detection.tenant?.lowercased()
            var earliest: Int?, chosen: Int?
            for entry in group.entries[group.firstUnmatched...] {
                if let tenant, expected[entry].tenant.lowercased() != tenant { continue }
                guard matchedBy[entry] == nil else { continue }
                if earliest == nil { earliest = entry }
                if expected[entry].timestamp <= detection.detectedAt + tolerance {
                    chosen = entry
                    break
                }
            }
            if let entry = chosen ?? earliest {
                matchedBy[entry] = index
                outcomes[index] = .matched(entry)
                while group.firstUnmatched < group.entries.count && matchedBy[group.entries[group.firstUnmatched]] != nil {
                    group.firstUnmatched += 1
                }
                groups[groupKey] = group
            } else if tenant == nil || group.entries.contains(where: { expected[$0].tenant.lowercased() == tenant }) {
                outcomes[index] = .duplicate
            }
        }
        return report(expected: expected, logEntries: truth.count, interval: interval, detections: detections, outcomes: outcomes,
                      matchedBy: matchedBy)
    }

    /// The report from the matching's results.
    private func report(expected: [ChangeEvent], logEntries: Int, interval: Double?, detections: [Detection], outcomes: [Outcome],
                        matchedBy: [Int?]) -> ScoreReport {
        var overall = ScoreReport.Counts()
        var tables: [String: ScoreReport.Counts] = [:]
        var operations: [String: ScoreReport.Counts] = [:]
        for operation in RowChange.Operation.allCases { operations[operation.rawValue] = ScoreReport.Counts() }
        func count(table: String, operation: RowChange.Operation, _ add: (inout ScoreReport.Counts) -> Void) {
            add(&overall)
            add(&tables[table, default: ScoreReport.Counts()])
            add(&operations[operation.rawValue, default: ScoreReport.Counts()])
        }
        for entry in expected {
            count(table: entry.table, operation: entry.operation) { $0.truth += 1 }
        }
        var latencies: [Double] = []
        for (detection, outcome) in zip(detections, outcomes) {
            count(table: detection.table, operation: detection.operation) { counts in
                counts.detections += 1
                switch outcome {
                case .matched: counts.matched += 1
                case .duplicate: counts.duplicates += 1
                case .falsePositive: counts.falsePositives += 1
                }
            }
            if case .matched(let entry) = outcome { latencies.append(detection.detectedAt - expected[entry].timestamp) }
        }
        overall.finish()
        for name in tables.keys { tables[name]?.finish() }
        for name in operations.keys { operations[name]?.finish() }

        let misses = expected.indices.lazy.filter { matchedBy[$0] == nil }.prefix(max(missLimit, 0)).map { index in
            let entry = expected[index]
            return ScoreReport.Miss(seq: entry.seq, table: entry.table, key: entry.key, operation: entry.operation,
                                    committedAt: entry.timestamp)
        }
        return ScoreReport(mode: mode, interval: interval, tolerance: tolerance, logEntries: logEntries, overall: overall,
                           tables: tables, operations: operations, latency: ScoreReport.Latency(latencies),
                           inversions: Self.inversions(expected: expected, detections: detections, outcomes: outcomes),
                           misses: Array(misses))
    }

    /// Pairs of matched detections of one row whose `detected_at` order (strictly earlier) is the
    /// opposite of their entries' log order. Per row: sorted by detection time (then log
    /// position, so detections at the same instant never count), the pairs out of log order are
    /// the inversions of the positions, counted by merge sort.
    private static func inversions(expected: [ChangeEvent], detections: [Detection], outcomes: [Outcome]) -> Int {
        struct Row: Hashable { var table: String, key: String }
        var rows: [Row: [(time: Double, position: Int)]] = [:]
        for (detection, outcome) in zip(detections, outcomes) {
            guard case .matched(let entry) = outcome else { continue }
            rows[Row(table: expected[entry].table, key: expected[entry].key), default: []].append((detection.detectedAt, entry))
        }
        var total = 0
        for matched in rows.values where matched.count > 1 {
            var positions = matched.sorted { $0.time != $1.time ? $0.time < $1.time : $0.position < $1.position }.map(\.position)
            total += countInversions(&positions)
        }
        return total
    }

    /// The pairs `i < j` with `values[i] > values[j]`; sorts `values`.
    static func countInversions(_ values: inout [Int]) -> Int {
        guard values.count > 1 else { return 0 }
        var buffer = values
        var inversions = 0
        var width = 1
        while width < values.count {
            var start = 0
            while start < values.count {
                let middle = min(start + width, values.count), end = min(start + 2 * width, values.count)
                var left = start, right = middle, out = start
                while left < middle && right < end {
                    if values[left] <= values[right] {
                        buffer[out] = values[left]; left += 1
                    } else {
                        buffer[out] = values[right]; right += 1
                        inversions += middle - left
                    }
                    out += 1
                }
                while left < middle { buffer[out] = values[left]; left += 1; out += 1 }
                while right < end { buffer[out] = values[right]; right += 1; out += 1 }
                start += 2 * width
            }
            swap(&values, &buffer)
            width *= 2
        }
        return inversions
    }
}
