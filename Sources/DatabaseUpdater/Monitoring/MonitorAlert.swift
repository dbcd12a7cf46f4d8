import Foundation

/// The text of a check's alert, in the shape users of table monitors expect:
///
/// ```
/// ==========================================================
/// TABLE MONITORING ALERT — service_tickets — 2026-03-03 16:49:35
/// ==========================================================
/// NEW RECORDS DETECTED! 2 new record(s) added
///   1. id f2861fee…  ticket_number ST-1007  title "Streaks and faded output"
/// Count: previous 6, current 8, added 2
/// ```
///
/// followed, as they apply, by `RECORDS DELETED! N record(s) removed` and `N record(s)
/// modified` (with the changed columns); a check without changes is one `No changes` line, a
/// first check one `Baseline` line.
public enum MonitorAlert {
    static let rule = String(repeating: "=", count: 58)

    /// The alert (or the one-line summary) for `check`, times in `zone`.
    public static func text(_ check: TableCheck, zone: TimeZone) -> String {
        let time = timestamp(check.checkedAt, zone: zone)
        if check.baseline {
            return "Baseline — \(check.table) — \(time): \(check.currentCount) record(s)" + (check.maxId.map { ", max id \($0)" } ?? "")
        }
        guard check.hasChanges else { return "No changes — \(check.table) — \(time) (\(check.currentCount) record(s))" }
        var lines = [rule, "TABLE MONITORING ALERT — \(check.table) — \(time)", rule]
        let keyName = check.keyColumns.joined(separator: ",")
        if !check.inserted.isEmpty {
            lines.append("NEW RECORDS DETECTED! \(check.inserted.count) new record(s) added")
            lines += list(check.inserted, keyName: keyName)
        }
        if !check.deleted.isEmpty {
            lines.append("RECORDS DELETED! \(check.deleted.count) record(s) removed")
            lines += list(check.deleted, keyName: keyName)
        }
        if !check.modified.isEmpty {
            lines.append("\(check.modified.count) record(s) modified")
            lines += list(check.modified, keyName: keyName)
        }
        if !check.columnsAdded.isEmpty { lines.append("Columns added: \(check.columnsAdded.joined(separator: ", "))") }
        if !check.columnsRemoved.isEmpty { lines.append("Columns removed: \(check.columnsRemoved.joined(separator: ", "))") }
        let previous = check.previousCount ?? 0
        let delta = check.currentCount - previous
        let change = delta > 0 ? "added \(delta)" : delta < 0 ? "removed \(-delta)" : "unchanged"
        lines.append("Count: previous \(previous), current \(check.currentCount), \(change)")
        return lines.joined(separator: "\n")
    }

    /// One numbered line per row, the first ``TableScan/listedRows``, then how many more.
    private static func list(_ rows: [TableCheck.ChangedRow], keyName: String) -> [String] {
        var lines = rows.prefix(TableScan.listedRows).enumerated().map { index, row in
            var line = "  \(index + 1). \(keyName) \(short(row.key))"
            if let changed = row.changedColumns {
                // A modified row: each changed column, with its new value where the check kept one.
                let values = Dictionary((row.fields ?? []).map { ($0.column, $0.value) }, uniquingKeysWith: { first, _ in first })
                let parts = changed.map { column in values[column].map { "\(column) → \($0.map(quoted) ?? "NULL")" } ?? column }
                return line + "  changed: " + (parts.isEmpty ? "(the column set)" : parts.joined(separator: ", "))
            }
            for field in row.fields ?? [] { line += "  \(field.column) \(field.value.map(quoted) ?? "NULL")" }
            return line
        }
        if rows.count > TableScan.listedRows { lines.append("  … and \(rows.count - TableScan.listedRows) more") }
        return lines
    }

    /// A long key (a UUID) cut to its first 8 characters and an ellipsis.
    public static func short(_ key: String) -> String {
        key.count > 12 ? String(key.prefix(8)) + "…" : key
    }

    /// Numbers as they are, other text in double quotes.
    private static func quoted(_ value: String) -> String {
        Double(value) != nil ? value : "\"\(value)\""
    }

    /// `2026-03-03 16:49:35` in `zone`.
    public static func timestamp(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
    }
}
