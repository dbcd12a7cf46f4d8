import Foundation

/// Per-updater totals of the execution history, kept up to date incrementally: each
/// ``advance(_:)`` reads only the records appended since the last one (by rowid), so `status`
/// and the metrics routes cost the same on the history's first day and its hundredth. Before,
/// every call aggregated the whole table, and scanned all of an updater's records for its
/// last error when errors were rare: the soak saw that grow to half a core under API load.
struct ExecutionTotals: Sendable {
    private struct Totals: Sendable {
        var total = 0, succeeded = 0, failed = 0, timedOut = 0, skipped = 0
        /// Of the executions that ran (not skipped).
        var durationSum = 0.0
        var lastStarted: Date?
        var lastDuration: Double?
        var lastOutcome: ExecutionRecord.Outcome?
        var lastErrorStarted: Date?
        var lastError: String?
    }

    /// The highest rowid counted.
    private(set) var watermark: Int64 = 0
    private var updaters: [String: Totals] = [:]

    /// Counts the records appended since the last call.
    mutating func advance(_ conn: any SQLConnection) throws {
        guard let top = try conn.query("SELECT MAX(rowid) AS top FROM executions").first?["top"].intValue, top > watermark else { return }
        let range: [DatabaseValue] = [.integer(watermark), .integer(top)]
        let window = "rowid > $1 AND rowid <= $2 AND dry_run = 0"
        for row in try conn.query(
            """
            SELECT updater,
                   SUM(CASE WHEN outcome <> 'skipped' THEN 1 ELSE 0 END) AS total,
                   SUM(CASE WHEN outcome = 'succeeded' THEN 1 ELSE 0 END) AS succeeded,
                   SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
                   SUM(CASE WHEN outcome = 'timed_out' THEN 1 ELSE 0 END) AS timed_out,
                   SUM(CASE WHEN outcome = 'skipped' THEN COALESCE(missed_count, 1) ELSE 0 END) AS skipped,
                   SUM(CASE WHEN outcome <> 'skipped' THEN duration_seconds ELSE 0 END) AS duration_sum
            FROM executions WHERE \(window) GROUP BY updater
            """, range) {
            let name = row["updater"].stringValue ?? ""
            updaters[name, default: Totals()].total += Int(row["total"].intValue ?? 0)
            updaters[name]!.succeeded += Int(row["succeeded"].intValue ?? 0)
            updaters[name]!.failed += Int(row["failed"].intValue ?? 0)
            updaters[name]!.timedOut += Int(row["timed_out"].intValue ?? 0)
            updaters[name]!.skipped += Int(row["skipped"].intValue ?? 0)
            updaters[name]!.durationSum += row["duration_sum"].doubleValue ?? 0
        }
        // SQLite gives the other columns of the row holding the MAX (its "bare columns").
        for row in try conn.query(
            """
            SELECT updater, duration_seconds, outcome, MAX(started_at) AS started_at
            FROM executions WHERE \(window) AND outcome <> 'skipped' GROUP BY updater
            """, range) {
            let name = row["updater"].stringValue ?? ""
            guard let started = row["started_at"].dateValue, started >= updaters[name]?.lastStarted ?? .distantPast else { continue }
            updaters[name]?.lastStarted = started
            updaters[name]?.lastDuration = row["duration_seconds"].doubleValue
            updaters[name]?.lastOutcome = row["outcome"].stringValue.flatMap(ExecutionRecord.Outcome.init(rawValue:))
        }
        for row in try conn.query(
            """
            SELECT updater, error, MAX(started_at) AS started_at
            FROM executions WHERE \(window) AND outcome <> 'skipped' AND error IS NOT NULL GROUP BY updater
            """, range) {
            let name = row["updater"].stringValue ?? ""
            guard let started = row["started_at"].dateValue, started >= updaters[name]?.lastErrorStarted ?? .distantPast else { continue }
            updaters[name]?.lastErrorStarted = started
            updaters[name]?.lastError = row["error"].stringValue
        }
        watermark = top
    }

    /// The totals as metrics, by updater name.
    var metrics: [UpdaterMetrics] {
        updaters.keys.sorted().map { name in
            let t = updaters[name]!
            return UpdaterMetrics(
                updater: name, totalExecutions: t.total, successfulExecutions: t.succeeded, failedExecutions: t.failed,
                timedOutExecutions: t.timedOut, skippedExecutions: t.skipped,
                averageDurationSeconds: t.total > 0 ? t.durationSum / Double(t.total) : nil,
                lastDurationSeconds: t.lastDuration, lastExecutionTime: t.lastStarted, lastOutcome: t.lastOutcome,
                lastError: t.lastError)
        }
    }
}
