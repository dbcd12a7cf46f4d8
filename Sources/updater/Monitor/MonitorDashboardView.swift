import DatabaseUpdater
import Foundation

/// What the monitor dashboard shows: its frames, from the state folder.
struct MonitorDashboardView {
    enum Mode {
        case main, status, logs
    }

    let store: MonitorStateStore
    let zone: TimeZone
    let color: Bool
    var mode = Mode.main
    /// The last action's outcome, shown above the key line.
    var message = ""

    /// The screen's lines for a terminal of `size`.
    func frame(size: (rows: Int, columns: Int), message override: String? = nil) -> [String] {
        let now = Date()
        var lines = [bold("updater monitor — \(store.directory.path)") + "   " + MonitorAlert.timestamp(now, zone: zone), ""]
        do {
            let report = try Updater.Monitor.Status.report(store, now: now)
            switch mode {
            case .main:
                lines += Updater.Monitor.Status.lines(report, zone: zone)
                lines += ["", bold("Recent checks")]
                let entries = MonitorLog(store: store).last(max(1, size.rows - lines.count - 4))
                lines += entries.isEmpty ? ["(none yet)"] : entries.map { "  \(MonitorAlert.timestamp($0.time, zone: zone)) \($0.message)" }
            case .status:
                lines += Updater.Monitor.Status.lines(report, zone: zone)
            case .logs:
                lines += [bold("Log (newest last)")]
                let text = MonitorLog(store: store).last(200).flatMap { Updater.Monitor.Logs.text($0, zone: zone).split(separator: "\n").map(String.init) }
                lines += text.suffix(max(1, size.rows - lines.count - 3))
            }
        } catch {
            lines.append("state: \(error)")
        }
        let footer = [override ?? message, bold("r") + " refresh  " + bold("s") + " status  " + bold("l") + " logs  " + bold("t") + " check now  " + bold("q") + " quit"]
        let body = lines.prefix(max(0, size.rows - footer.count)).map { fit($0, size.columns) }
        return body + Array(repeating: "", count: max(0, size.rows - footer.count - body.count)) + footer.map { fit($0, size.columns) }
    }

    private func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }

    /// `line` cut to `width` visible characters (escape sequences do not count).
    private func fit(_ line: String, _ width: Int) -> String {
        var visible = 0, out = "", escape = false
        for character in line {
            if character == "\u{1B}" { escape = true }
            if !escape {
                guard visible < width else { break }
                visible += 1
            }
            out.append(character)
            if escape, character.isLetter { escape = false }
        }
        return escape || out.contains("\u{1B}") ? out + (color ? "\u{1B}[0m" : "") : out
    }
}
