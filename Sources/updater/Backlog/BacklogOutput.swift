import DatabaseUpdater
import Foundation

/// How the backlog commands print: schedules with their items, counts, and what an action did.
enum BacklogOutput {
    /// Today's line per schedule (last fire, due fires, what starting does with them), then its
    /// items, one per line with the id `mark-done` takes, and a total.
    static func list(_ schedules: [BacklogSchedule], config: UpdaterConfig, note: String?) -> String {
        var lines = ["misfire policy: \(config.misfirePolicy.rawValue) (limit \(config.misfireLimit))"]
        if let note { lines.append("note: \(note)") }
        for schedule in schedules {
            let last = schedule.lastFire.map { time($0, config) } ?? "never"
            var line = "\(short(schedule.tenant))  \(pad(schedule.updater, 27)) last fire \(last)"
            if let first = schedule.firstDue, let lastDue = schedule.lastDue {
                line += "; \(schedule.due) due (\(time(first, config)) … \(time(lastDue, config)))"
            }
            lines.append(line + "; on start: \(schedule.onStart)")
            for item in schedule.items { lines.append("    " + self.item(item, config: config)) }
        }
        let status = BacklogStatus(schedules)
        lines.append(status.total.items == 0 ? "nothing pending"
            : "pending: \(count(status.total)) — updater backlog retry [--dry-run] | clear --reason TEXT | mark-done ID")
        return lines.joined(separator: "\n")
    }

    /// The counts by reason, updater and tenant, and the oldest item.
    static func status(_ result: (status: BacklogStatus, note: String?), config: UpdaterConfig) -> String {
        let status = result.status
        var lines: [String] = []
        if let note = result.note { lines.append("note: \(note)") }
        lines.append("pending: \(count(status.total))")
        for (title, groups) in [("by reason", status.byReason), ("by updater", status.byUpdater), ("by tenant", status.byTenant)]
        where !groups.isEmpty {
            lines.append("\(pad(title + ":", 12)) " + groups.keys.sorted().map { "\($0) \(count(groups[$0]!))" }.joined(separator: ", "))
        }
        if let oldest = status.oldest { lines.append("\(pad("oldest:", 12)) " + item(oldest, config: config)) }
        return lines.joined(separator: "\n")
    }

    /// The report (`--json`: as the API returns it), one line per item with its record's outcome.
    static func print(_ report: BacklogReport, json: Bool, config: UpdaterConfig) throws {
        if json {
            Swift.print(String(decoding: try JSONCoding.encoder(pretty: true).encode(report), as: UTF8.self))
            return
        }
        guard !report.entries.isEmpty else {
            Swift.print("nothing pending")
            return
        }
        let verb = switch report.action {
        case .retry: report.dryRun ? "dry-ran" : "retried"
        case .clear: "cleared"
        case .markDone: "marked done"
        }
        var lines = ["\(verb) \(report.entries.count) item\(report.entries.count == 1 ? "" : "s")"
            + (report.dryRun ? " (dry run: rolled back, nothing written, nothing resolved)" : "")]
        for entry in report.entries {
            let record = entry.record
            var result = record.outcome.rawValue
            if report.action == .retry && record.missedRange == nil {
                result += ", \(record.totalRows) row\(record.totalRows == 1 ? "" : "s")"
                    + (record.rows.isEmpty ? "" : " (\(rows(record.rows)))")
            }
            if let error = record.error, record.outcome != .succeeded { result += ": \(error)" }
            lines.append("  \(entry.item.id)  \(pad(entry.item.reason.rawValue, 6))  \(short(entry.item.tenant))  \(pad(entry.item.updater, 27)) "
                + "\(time(entry.item.scheduledAt, config))  → \(result)")
        }
        if report.action == .retry {
            let failed = report.entries.filter(\.failed).count
            lines.append("\(report.entries.count - failed) done, \(failed) failed")
        }
        Swift.print(lines.joined(separator: "\n"))
    }

    /// `id  reason  tenant  updater  fire  what`.
    static func item(_ item: BacklogItem, config: UpdaterConfig) -> String {
        let what: String
        if let range = item.missedRange {
            what = "\(range.count)\(range.countIsExact ? "" : "+") fires \(time(range.first, config)) … \(time(range.last, config)), passed over"
        } else if item.reason == .failed {
            what = item.error.map { "failed: \($0)" } ?? "failed"
        } else {
            what = item.recorded ? "recorded as missed, not run" : "due, not handled yet"
        }
        return "\(item.id)  \(pad(item.reason.rawValue, 6))  \(short(item.tenant))  \(pad(item.updater, 27)) \(time(item.scheduledAt, config))  \(what)"
    }

    private static func count(_ count: BacklogStatus.Count) -> String {
        "\(count.items) item\(count.items == 1 ? "" : "s")" + (count.fires == count.items ? "" : " (\(count.fires) fires)")
    }

    /// `service_tickets +2 ~1, business_records +1`: per table, in first-seen order.
    private static func rows(_ counts: [ExecutionRecord.RowCount]) -> String {
        var tables: [String] = []
        for count in counts where !tables.contains(count.table) { tables.append(count.table) }
        return tables.map { table in
            table + " " + counts.filter { $0.table == table }.map { "\(symbol($0.operation))\($0.count)" }.joined(separator: " ")
        }.joined(separator: ", ")
    }

    private static func symbol(_ operation: RowChange.Operation) -> String {
        switch operation {
        case .insert: "+"
        case .update: "~"
        case .delete: "-"
        }
    }

    private static func time(_ date: Date, _ config: UpdaterConfig) -> String { ISO8601.format(date, in: config.timeZone) }
    private static func short(_ tenant: UUID) -> String { String(tenant.lowercaseString.prefix(8)) }
    private static func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
}
