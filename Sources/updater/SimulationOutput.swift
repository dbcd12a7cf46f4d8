import DatabaseUpdater
import Foundation
import Synchronization

/// What `updater simulate` prints: a header, then per period a JSON line (`--json`), a pause
/// line (step mode), a progress bar redrawn in place (a terminal) or one plain line (anything
/// else), and at the end a summary. No colour anywhere, so NO_COLOR holds by construction.
final class SimulationOutput: Sendable {
    private let json: Bool
    private let timeZone: TimeZone
    private let periodNoun: String
    private let step: Bool
    /// Whether stdout is a terminal: the progress bar is drawn there.
    private let terminal: Bool
    /// Whether a progress bar is on screen (to be cleared before a full line).
    private let barShown = Mutex(false)

    init(json: Bool, timeZone: TimeZone, periodNoun: String, step: Bool) {
        self.json = json
        self.timeZone = timeZone
        self.periodNoun = periodNoun
        self.step = step
        terminal = isatty(STDOUT_FILENO) == 1 && !json
    }

    // MARK: - Lines

    func header(_ options: SimulationOptions, periods: Int, tenants: Int, database: String, scenario: String, seedWasChosen: Bool) {
        let seedNote = seedWasChosen ? " (chosen at random; repeat with --seed \(options.seed))" : ""
        note("""
            simulating \(ISO8601.format(options.start, in: timeZone)) → \(ISO8601.format(options.end, in: timeZone)) \
            (\(periods) \(periodNoun)\(periods == 1 ? "" : "s")), \(tenants) tenant\(tenants == 1 ? "" : "s"), speed \(options.speed), \
            seed \(options.seed)\(seedNote)
              database   \(database)
              scenario   \(scenario)
            """)
    }

    /// A line for the user: stdout, or stderr when stdout carries JSON.
    func note(_ text: String) {
        if json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            line(text)
        }
    }

    private func line(_ text: String) {
        let clear = barShown.withLock { shown in
            defer { shown = false }
            return shown
        }
        FileHandle.standardOutput.write(Data(((clear ? "\r\u{1B}[2K" : "") + text + "\n").utf8))
    }

    // MARK: - Following a run

    /// Prints every period's report as it completes (and, on a terminal, redraws the progress
    /// bar meanwhile) until the simulation ends.
    func follow(_ simulation: Simulation) async {
        await withTaskGroup(of: Void.self) { group in
            if terminal {
                group.addTask {
                    while !Task.isCancelled {
                        self.drawBar(await simulation.state())
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
            for await report in simulation.reports { self.print(report) }
            group.cancelAll()
        }
    }

    private func print(_ report: SimulationPeriodReport) {
        if json {
            Console.line(Self.jsonLine(report))
            return
        }
        let text = "\(periodNoun) \(report.period)/\(report.periods) (\(label(report.start)))"
        if step {
            let prompt = report.period < report.periods ? "Enter: next \(periodNoun), N: N \(periodNoun)s, q: quit" : "Enter or q: finish"
            line("\(text) complete: \(Self.counts(report)) — \(prompt)")
        } else if !terminal {
            line("\(text): \(Self.counts(report))")
        }
    }

    /// `41 executions, 118 rows (service_tickets +4 ~2, business_records +1)`.
    static func counts(_ report: SimulationPeriodReport) -> String {
        var text = "\(report.executions) execution\(report.executions == 1 ? "" : "s"), \(report.totalRows) rows"
        let tables = report.rows.keys.sorted().map { table -> String in
            let operations = report.rows[table] ?? [:]
            let parts = [("insert", "+"), ("update", "~"), ("delete", "-")].compactMap { name, sign in
                operations[name].map { "\(sign)\($0)" }
            }
            return "\(table) \(parts.joined(separator: " "))"
        }
        if !tables.isEmpty { text += " (\(tables.joined(separator: ", ")))" }
        if !report.unsuccessful.isEmpty {
            text += "; not succeeded: " + report.unsuccessful.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        return text
    }

    static func jsonLine(_ report: SimulationPeriodReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// `2026-03-03, Tue`, with the time for periods shorter than a day.
    private func label(_ start: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = periodNoun == "day" || periodNoun == "week" ? "yyyy-MM-dd, EEE" : "yyyy-MM-dd HH:mm, EEE"
        return formatter.string(from: start)
    }

    private func drawBar(_ state: SimulationState) {
        guard state.phase == .running else { return }
        let width = 24
        let done = Int((state.fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: done) + String(repeating: "-", count: width - done)
        let running = state.elapsedSeconds - state.pausedSeconds
        let rate = running > 0 ? Double(state.totals.totalRows) / running : 0
        let eta = state.fraction > 0 ? running * (1 - state.fraction) / state.fraction : 0
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        let text = "[\(bar)] \(formatter.string(from: state.now)) \(Int(state.fraction * 100))%  \(state.totals.executions) executions  "
            + "\(state.totals.totalRows) rows  \(Int(rate)) rows/s  ETA \(Self.duration(eta))"
        barShown.withLock { shown in
            FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + text).utf8))
            shown = true
        }
    }

    // MARK: - Summary

    func summary(_ state: SimulationState) {
        if json {
            struct Summary: Encodable { let summary: SimulationState }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            Console.line(String(decoding: (try? encoder.encode(Summary(summary: state))) ?? Data("{}".utf8), as: UTF8.self))
            return
        }
        let totals = state.totals
        let running = state.elapsedSeconds - state.pausedSeconds
        let perSecond = running > 0 ? Double(totals.executions) / running : 0
        let pausedNote = state.pausedSeconds >= 0.05 ? " (\(Self.duration(state.pausedSeconds)) of it paused)" : ""
        var lines = [
            "simulated \(ISO8601.format(state.start, in: timeZone)) → \(ISO8601.format(state.now, in: timeZone)) "
                + "(\(state.completedPeriods)/\(state.periods) \(periodNoun)s) in \(Self.duration(state.elapsedSeconds))\(pausedNote): "
                + "\(totals.executions) executions (\(String(format: "%.1f", perSecond))/s), \(totals.totalRows) rows",
        ]
        let operations = ["insert", "update", "delete"]
        lines += Self.table(corner: "rows", columns: operations, rows: totals.rows)
        let outcomes = ["succeeded", "failed", "timed_out", "skipped"]
        lines += Self.table(corner: "executions", columns: outcomes, rows: totals.outcomes)
        line(lines.joined(separator: "\n"))
    }

    /// A plain text table: one row per key (sorted), one column per name, zeros shown.
    static func table(corner: String, columns: [String], rows: [String: [String: Int]]) -> [String] {
        let names = rows.keys.sorted()
        let first = max(corner.count, names.map(\.count).max() ?? 0)
        let widths = columns.map { column in max(column.count, rows.values.map { String($0[column] ?? 0).count }.max() ?? 1) }
        func pad(_ text: String, _ width: Int, left: Bool) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return left ? text + fill : fill + text
        }
        var lines = ["  " + pad(corner, first, left: true) + zip(columns, widths).map { "  " + pad($0, $1, left: false) }.joined()]
        for name in names {
            lines.append("  " + pad(name, first, left: true)
                + zip(columns, widths).map { "  " + pad(String(rows[name]?[$0] ?? 0), $1, left: false) }.joined())
        }
        return lines
    }

    /// `1:02:03`, `2:03`, `14.2 s`, `0.35 s`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds)
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
            : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
