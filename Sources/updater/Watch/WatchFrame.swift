import DatabaseUpdater
import Foundation

/// One refresh of `updater watch`: the window's summary, the activity, and the error of the last
/// read if it failed; rendered as a full frame, a compact line, or one line of JSON.
struct WatchFrame: Encodable {
    var at: Date
    var target: String
    /// The target database, password redacted.
    var database: String
    var staleAfter: Double
    /// Nil until the log was read once.
    var window: ChangeWindow.Summary?
    var activity: WatchActivity
    /// Why the last read failed (the window then shows what was read before).
    var error: String?

    enum CodingKeys: String, CodingKey {
        case at, target, database, staleAfter, window, service, running, dueNext, error
    }

    /// Every key always present (`null` when empty), so a script can rely on the shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(at, forKey: .at)
        try container.encode(target, forKey: .target)
        try container.encode(database, forKey: .database)
        try container.encode(staleAfter, forKey: .staleAfter)
        try container.encode(window, forKey: .window)
        try container.encode(activity.service, forKey: .service)
        try container.encode(activity.running, forKey: .running)
        try container.encode(activity.dueNext, forKey: .dueNext)
        try container.encode(error, forKey: .error)
    }

    /// The frame as one line of JSON.
    func jsonLine() throws -> String {
        String(decoding: try JSONCoding.encoder().encode(self), as: UTF8.self)
    }
}

/// Turns frames into text, in the configured time zone, coloured or not.
struct WatchRenderer {
    var zone: TimeZone
    var colour: Bool
    /// The refresh interval, named in the error line of a live display (nil: one frame only).
    var retrying: Double?

    /// The full display: header, per table × operation counts with rate and freshness, the latest
    /// keys, what runs and what fires next.
    func full(_ frame: WatchFrame) -> [String] {
        var lines = [style("updater watch · target \(frame.target) · \(frame.database) · \(clock(frame.at))", .bold)]
        if let error = frame.error {
            lines.append(style("error: \(error)" + (retrying.map { " (retrying every \(Self.number($0)) s)" } ?? ""), .red))
        }
        guard let window = frame.window else { return lines + ["(the change log has not been read yet)"] }
        var about = "last \(Self.number(window.windowSeconds)) s · log at seq \(window.lastSequence) · stale after \(Self.number(frame.staleAfter)) s"
        if window.coveredSeconds < window.windowSeconds {
            about += " · counts cover the last \(Self.number(window.coveredSeconds)) s only (more entries than kept in memory)"
        }
        lines += [about, ""]
        let width = max(8, window.tables.map(\.table.count).max() ?? 0)
        lines.append(style(pad("TABLE", width) + "  INSERTS  UPDATES  DELETES    RATE/S  LAST WRITE", .bold))
        for table in window.tables {
            let fresh = table.ageSeconds.map { "\(Self.duration($0)) ago" } ?? "never"
            lines.append(pad(table.table, width) + counts(table.counts) + "  " + right(Self.rate(table.ratePerSecond), 8) + "  "
                + (table.stale ? style(fresh + " STALE", .yellow) : fresh))
        }
        lines.append(pad("all", width) + counts(window.totals) + "  " + right(Self.rate(window.ratePerSecond), 8) + "  "
            + (window.ageSeconds.map { "\(Self.duration($0)) ago" } ?? "never"))
        lines += ["", style("LATEST KEYS (newest first)", .bold)]
        let written = window.tables.filter { !$0.latestKeys.isEmpty }
        for table in written {
            lines.append(pad(table.table, width) + "  " + table.latestKeys.map { Self.symbol($0.operation) + Self.short($0.key) }.joined(separator: "  "))
        }
        if written.isEmpty { lines.append("(no writes in the window)") }
        lines += ["", style("SERVICE", .bold) + "   \(frame.activity.service)"]
        let running = frame.activity.running.map { $0.isEmpty ? "none" : $0.map(entry).joined(separator: ", ") } ?? "unknown"
        lines.append(style("RUNNING", .bold) + "   \(running)")
        if frame.activity.dueNext.isEmpty { lines.append(style("DUE NEXT", .bold) + "  none scheduled") }
        for (index, due) in frame.activity.dueNext.enumerated() {
            let when = due.time.map { "\(clock($0, from: frame.at)) (in \(Self.duration($0.timeIntervalSince(frame.at))))" } ?? "-"
            lines.append((index == 0 ? style("DUE NEXT", .bold) : "        ") + "  \(when)  \(entry(due))")
        }
        return lines
    }

    /// One line: `12:00:05 +4 ~2 -0  service_tickets 3/s  business_records 0.1/s  fresh 2s`, then
    /// the stale tables and the error, if any.
    func compact(_ frame: WatchFrame) -> String {
        var parts = [clock(frame.at)]
        if let window = frame.window {
            let totals = window.totals
            parts.append("+\(totals.insert) ~\(totals.update) -\(totals.delete) ")
            let active = window.tables.filter { $0.counts.total > 0 }.sorted { ($1.counts.total, $0.table) < ($0.counts.total, $1.table) }
            parts += active.map { "\($0.table) \(Self.rate($0.ratePerSecond))/s " }
            parts.append("fresh " + (window.ageSeconds.map(Self.duration) ?? "never"))
            let stale = window.tables.filter(\.stale).map(\.table)
            if !stale.isEmpty { parts.append(style(" stale " + stale.joined(separator: ", "), .yellow)) }
        }
        if let error = frame.error { parts.append(style((frame.window == nil ? "" : " ") + "error: \(error)", .red)) }
        return parts.joined(separator: " ")
    }

    // MARK: - Formatting

    private func style(_ text: String, _ style: Console.Style) -> String { Console.styled(text, style, enabled: colour) }

    private func counts(_ counts: ChangeWindow.Counts) -> String {
        "  " + [counts.insert, counts.update, counts.delete].map { right("\($0)", 7) }.joined(separator: "  ")
    }

    private func entry(_ entry: WatchActivity.Entry) -> String { "\(entry.updater) \(entry.tenant.prefix(8))" }

    /// `HH:MM:SS` in the zone; with the date in front when `date` is on another day than `reference`.
    private func clock(_ date: Date, from reference: Date? = nil) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let time = [parts.hour, parts.minute, parts.second].map { two($0 ?? 0) }.joined(separator: ":")
        guard let reference, !calendar.isDate(date, inSameDayAs: reference) else { return time }
        return "\(parts.year ?? 0)-\(two(parts.month ?? 0))-\(two(parts.day ?? 0)) \(time)"
    }

    private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
    private func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

    /// `+`, `~` or `-`, as the simulation's summaries write them.
    static func symbol(_ operation: RowChange.Operation) -> String {
        switch operation {
        case .insert: "+"
        case .update: "~"
        case .delete: "-"
        }
    }

    /// A key of more than 12 characters (a UUID) as its first 8 and an ellipsis.
    static func short(_ key: String) -> String { key.count > 12 ? key.prefix(8) + "…" : key }

    /// A rate with two significant digits, never in exponent form: `3`, `0.1`, `0.00083`, `12`.
    static func rate(_ value: Double) -> String {
        guard value > 0 else { return "0" }
        if value >= 10 { return String(Int(value.rounded())) }
        var decimals = 1
        while value * pow(10, Double(decimals)) < 10 && decimals < 6 { decimals += 1 }
        return trimmed(String(format: "%.\(decimals)f", value))
    }

    /// Seconds as a whole number when whole (`30`), else with up to three decimals.
    static func number(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : trimmed(String(format: "%.3f", seconds))
    }

    /// An age or a delay: `4s`, `5m 03s`, `2h 05m`, `3d 4h`.
    static func duration(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        switch s {
        case ..<60: return "\(s)s"
        case ..<3_600: return "\(s / 60)m \(two(s % 60))s"
        case ..<86_400: return "\(s / 3_600)h \(two(s % 3_600 / 60))m"
        default: return "\(s / 86_400)d \(s % 86_400 / 3_600)h"
        }
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var text = Substring(text)
        while text.hasSuffix("0") { text = text.dropLast() }
        if text.hasSuffix(".") { text = text.dropLast() }
        return String(text)
    }
}
