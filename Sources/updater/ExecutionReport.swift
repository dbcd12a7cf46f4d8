import DatabaseUpdater
import Foundation

/// Human-readable renderings of execution records.
enum ExecutionReport {
    /// A headline and one line per table and operation; for dry runs, a sample of the rows.
    static func text(_ record: ExecutionRecord) -> String {
        var lines = ["\(record.updater) for tenant \(record.tenant.lowercaseString) at "
            + "\(DatabaseValue.formatTimestamp(record.scheduledAt)): \(record.outcome.rawValue) in \(milliseconds(record.durationSeconds))"
            + (record.dryRun ? " (dry run: rolled back, nothing written)" : "")]
        if let error = record.error { lines.append("  error: \(error)") }
        for count in record.rows {
            lines.append("  \(count.table.padding(toLength: 28, withPad: " ", startingAt: 0)) \(count.operation.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(count.count)")
        }
        if let sample = record.sample {
            for table in sample.keys.sorted() {
                lines.append("  sample of \(table):")
                for row in sample[table] ?? [] {
                    let fields = row.keys.sorted().filter { !["id", "tenant_id", "created_at", "updated_at"].contains($0) }
                    lines.append("    - " + fields.map { "\($0)=\(row[$0]!)" }.joined(separator: ", "))
                }
            }
        }
        lines.append("  execution \(record.id.lowercaseString), seed \(record.seed)")
        return lines.joined(separator: "\n")
    }

    /// One line per record: updater, tenant, result, rows, time.
    static func table(_ records: [ExecutionRecord]) -> String {
        var lines = ["UPDATER                      TENANT    RESULT     ROWS  TIME"]
        for record in records {
            let result = record.outcome == .succeeded ? "pass" : "FAIL"
            lines.append("\(record.updater.padding(toLength: 28, withPad: " ", startingAt: 0)) "
                + "\(String(record.tenant.lowercaseString.prefix(8)))  \(result.padding(toLength: 9, withPad: " ", startingAt: 0))  "
                + "\(String(record.totalRows).padding(toLength: 4, withPad: " ", startingAt: 0))  \(milliseconds(record.durationSeconds))")
            if let error = record.error { lines.append("    \(error)") }
        }
        return lines.joined(separator: "\n")
    }

    /// One line per execution for the service's console:
    /// `2026-11-24T12:00:00Z  550e8400  service_tickets             succeeded  3 rows  12 ms`.
    static func line(_ record: ExecutionRecord) -> String {
        var text = "\(ISO8601.format(record.scheduledAt, in: TimeZone(identifier: "UTC")!))  \(String(record.tenant.lowercaseString.prefix(8)))  "
            + "\(record.updater.padding(toLength: 27, withPad: " ", startingAt: 0)) \(record.outcome.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  "
            + "\(record.totalRows) row\(record.totalRows == 1 ? "" : "s")  \(milliseconds(record.durationSeconds))"
        if record.trigger == .catchUp { text += "  (catch-up)" }
        if record.dryRun { text += "  (dry run)" }
        if let error = record.error, record.outcome != .succeeded { text += "  \(error)" }
        return text
    }

    static func milliseconds(_ seconds: Double) -> String { "\(Int((seconds * 1000).rounded())) ms" }
}
