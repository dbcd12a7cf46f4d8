import Foundation

/// How well a monitor's detections match the change log: what ``Scorer`` finds, and what
/// `updater score --json` prints (keys sorted, so the same inputs give the same bytes).
public struct ScoreReport: Codable, Sendable, Equatable {
    /// The matching rule the report used.
    public var mode: Scorer.Mode
    /// Net mode: the polling interval the truth was collapsed with, in seconds (given or inferred).
    public var interval: Double?
    /// How late a detection may claim to precede its entry's commit and still prefer it, in seconds.
    public var tolerance: Double
    /// The change-log entries scored against, before any collapsing.
    public var logEntries: Int
    /// All tables and operations together.
    public var overall: Counts
    /// Per table name: every table of the truth or the detections.
    public var tables: [String: Counts]
    /// Per operation (`insert`, `update`, `delete`): always all three.
    public var operations: [String: Counts]
    /// Detection time minus commit time over matched detections; nil when nothing matched.
    public var latency: Latency?
    /// Pairs of detections of one row (table and key) reported in the opposite order to their
    /// entries' order in the log.
    public var inversions: Int
    /// The first unmatched truth entries, in log order (``overall``'s `missed` counts them all).
    public var misses: [Miss]

    /// Counts of one slice (all, a table, an operation).
    public struct Counts: Codable, Sendable, Equatable {
        /// Truth entries (collapsed ones in net mode).
        public var truth = 0
        /// Detections, whatever became of them.
        public var detections = 0
        /// Truth entries matched by a detection (equally: detections that matched one).
        public var matched = 0
        /// Detections repeating a row change already matched.
        public var duplicates = 0
        /// Detections of a change that is not in the truth at all.
        public var falsePositives = 0
        /// Truth entries no detection matched.
        public var missed = 0
        /// `matched / truth`; 1 when there is no truth.
        public var recall = 1.0
        /// `matched / detections` (duplicates count against it); 1 when there are no detections.
        public var precision = 1.0

        public init() {}

        /// `recall` and `precision` from the counts.
        mutating func finish() {
            missed = truth - matched
            recall = truth == 0 ? 1 : Double(matched) / Double(truth)
            precision = detections == 0 ? 1 : Double(matched) / Double(detections)
        }
    }

    /// Latency percentiles, nearest rank, in seconds (milliseconds kept).
    public struct Latency: Codable, Sendable, Equatable {
        public var count: Int
        public var p50: Double
        public var p95: Double
        public var p99: Double
        public var max: Double
    }

    /// A truth entry no detection matched.
    public struct Miss: Codable, Sendable, Equatable {
        /// Its sequence number (in net mode, of its last entry).
        public var seq: Int64?
        public var table: String
        public var key: String
        public var operation: RowChange.Operation
        /// Its commit time, seconds since 1970.
        public var committedAt: Double
    }

    /// What falls short of the minimum recall and precision asked for, one sentence each;
    /// empty when the monitor passes.
    public func unmet(minRecall: Double?, minPrecision: Double?) -> [String] {
        var unmet: [String] = []
        if let minRecall, overall.recall < minRecall {
            unmet.append("recall \(Self.ratio(overall.recall)) (\(overall.matched) of \(overall.truth)) is below the minimum \(Self.ratio(minRecall))")
        }
        if let minPrecision, overall.precision < minPrecision {
            unmet.append("precision \(Self.ratio(overall.precision)) (\(overall.matched) of \(overall.detections)) is below the minimum \(Self.ratio(minPrecision))")
        }
        return unmet
    }

    /// A ratio with up to four decimals, without trailing zeros (`0.9`, `0.9876`, `1`).
    public static func ratio(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

extension ScoreReport.Latency {
    /// The percentiles of `samples`; nil for none.
    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        p50 = ChangeEvent.milliseconds(Self.nearestRank(50, in: sorted))
        p95 = ChangeEvent.milliseconds(Self.nearestRank(95, in: sorted))
        p99 = ChangeEvent.milliseconds(Self.nearestRank(99, in: sorted))
        max = ChangeEvent.milliseconds(sorted[sorted.count - 1])
    }

    /// The nearest-rank `percent`-th percentile of ascending `sorted`: the value at rank ⌈p/100 · n⌉.
    static func nearestRank(_ percent: Int, in sorted: [Double]) -> Double {
        let rank = (percent * sorted.count + 99) / 100
        return sorted[Swift.max(rank, 1) - 1]
    }
}
