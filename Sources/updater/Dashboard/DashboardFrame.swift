import DatabaseUpdater
import Foundation

/// One dashboard frame: the service and the database, the backlog, the scenario's tables with
/// their freshness, each schedule with its next fire and last outcome, and the recent log.
enum DashboardFrame {
    static func lines(_ snapshot: DashboardSnapshot, config: UpdaterConfig, style: TerminalStyle, hint: String? = nil) -> [String] {
        let zone = config.timeZone
        func time(_ date: Date?) -> String { date.map { ISO8601.format($0, in: zone) } ?? "-" }
        var lines = [style.bold("updater dashboard") + "  " + time(snapshot.time) + (hint.map { "  (\($0))" } ?? "")]

        switch snapshot.status {
        case .success(let status):
            lines.append(status.running
                ? "\(style.mark(.ok)) service   running (pid \(status.pid.map(String.init) ?? "?"), up \(Updater.Status.duration(status.uptimeSeconds ?? 0)))"
                    + (status.schedulingPaused ? ", scheduling paused" : "")
                : "\(style.mark(.warning)) service   not running")
            let reachable = status.databaseHealth?.reachable ?? false
            lines.append("\(style.mark(reachable ? .ok : .failed)) database  \(status.database): "
                + (reachable ? "reachable" : "unreachable: \(status.databaseHealth?.lastError ?? "")"))
        case .failure(let problem):
            lines.append("\(style.mark(.failed)) service   \(problem.message)")
        }
        lines.append(backlogLine(snapshot.backlog, style: style, time: time))

        lines += ["", style.bold(pad("TABLE", 32) + " " + pad("ROWS", 8, right: true) + "  " + pad("NEWEST CREATED", 26) + "NEWEST UPDATED")]
        switch snapshot.tables {
        case .success(let tables):
            for table in tables {
                lines.append(pad(table.table, 32) + " " + pad("\(table.rows)", 8, right: true) + "  " + pad(time(table.newestCreated), 26)
                    + time(table.newestUpdated))
            }
        case .failure(let problem):
            lines.append("\(style.mark(.failed)) \(problem.message)")
        }

        lines += ["", style.bold("  " + pad("TENANT", 10) + pad("UPDATER", 28) + pad("SCHEDULE", 21) + pad("NEXT FIRE", 26) + pad("LAST RUN", 26) + "RESULT")]
        if case .success(let status) = snapshot.status {
            for entry in status.schedules {
                let mark: TerminalStyle.Mark = switch entry.lastOutcome {
                case .succeeded: .ok
                case .failed, .timedOut: .failed
                case .skipped: .warning
                case nil: .none
                }
                lines.append("\(style.mark(mark)) " + pad(String(entry.tenant.lowercaseString.prefix(8)), 10) + pad(entry.updater, 28)
                    + pad(entry.schedule, 21) + pad(time(entry.nextFire), 26) + pad(entry.lastRun.map { time($0) } ?? "never", 26)
                    + (entry.lastOutcome?.rawValue ?? "-"))
            }
            if status.schedules.isEmpty { lines.append("  (no schedules: scheduling is off)") }
        }

        lines += ["", style.bold("RECENT LOG")]
        switch snapshot.logs {
        case .success(let entries):
            if entries.isEmpty { lines.append("  (no log entries)") }
            for entry in entries {
                let level = entry.level.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)
                let mark: TerminalStyle.Mark = entry.isAtLeast("error") ? .failed : (entry.isAtLeast("warn") ? .warning : .none)
                let fields = entry.metadata.keys.sorted().map { "\($0)=\(entry.metadata[$0]!)" }.joined(separator: " ")
                lines.append("\(style.mark(mark)) \(entry.time) \(mark == .failed ? style.red(level) : mark == .warning ? style.yellow(level) : level) "
                    + "[\(entry.label)] \(entry.message)" + (fields.isEmpty ? "" : " " + fields))
            }
        case .failure(let problem):
            lines.append("\(style.mark(.failed)) \(problem.message)")
        }
        return lines
    }

    /// ✓ nothing pending, ⚠ missed fires pending, ✗ failed executions pending.
    private static func backlogLine(_ backlog: Result<BacklogStatus, DashboardProblem>, style: TerminalStyle, time: (Date?) -> String) -> String {
        switch backlog {
        case .success(let status) where status.total.items == 0:
            return "\(style.mark(.ok)) backlog   nothing pending"
        case .success(let status):
            let reasons = status.byReason.keys.sorted().map { "\($0) \(status.byReason[$0]!.items)" }.joined(separator: ", ")
            let mark: TerminalStyle.Mark = status.byReason["failed"] == nil ? .warning : .failed
            return "\(style.mark(mark)) backlog   \(status.total.items) item\(status.total.items == 1 ? "" : "s") (\(reasons)), oldest "
                + time(status.oldest?.scheduledAt) + " — updater backlog"
        case .failure(let problem):
            return "\(style.mark(.failed)) backlog   \(problem.message)"
        }
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        guard text.count < width else { return text + " " }
        let padding = String(repeating: " ", count: width - text.count)
        return right ? padding + text : text + padding
    }
}
