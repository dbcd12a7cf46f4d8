import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater.Monitor {
    /// `updater monitor status`: whether a monitor runs on the state folder, its checks, and
    /// what each table looked like at the last one.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether the monitor runs (pid), its last and next check, and each table's count and max id.")

        @Flag(help: "Print the status as JSON.")
        var json = false

        @OptionGroup var options: MonitorOptions

        struct Report: Encodable {
            var running: Bool
            var pid: Int32?
            var stateFolder: String
            var intervalSeconds: Double?
            var lastCheck: Date?
            var nextCheck: Date?
            var secondsUntilNextCheck: Double?
            var tables: [MonitorState.TableState]
        }

        func run() async throws {
            let (config, store) = try options.load()
            let report: Report
            do {
                report = try Self.report(store)
            } catch {
                throw MonitorFailure.report(error)
            }
            if json {
                Console.line(String(decoding: try JSONCoding.encoder(pretty: true).encode(report), as: UTF8.self))
                return
            }
            Console.line(Self.lines(report, zone: config.timeZone).joined(separator: "\n"))
        }

        /// The state folder's status now.
        static func report(_ store: MonitorStateStore, now: Date = Date()) throws -> Report {
            let state = try store.load()
            let holder = InstanceLock.runningHolder(directory: store.directory.path, fileName: MonitorProcess.pidFile)
            let run = holder != nil && state.run?.pid == holder?.pid ? state.run : nil
            return Report(running: holder != nil, pid: holder?.pid, stateFolder: store.directory.path, intervalSeconds: run?.intervalSeconds,
                          lastCheck: state.tables.values.map(\.checkedAt).max(), nextCheck: run?.nextCheck,
                          secondsUntilNextCheck: run?.nextCheck.map { max(0, $0.timeIntervalSince(now)) },
                          tables: state.tables.values.sorted { ($0.database, $0.table) < ($1.database, $1.table) })
        }

        /// The report as text.
        static func lines(_ report: Report, zone: TimeZone) -> [String] {
            var lines = [report.running
                ? "monitor: running (pid \(report.pid.map(String.init) ?? "?"))" + (report.intervalSeconds.map { ", every \(Int($0)) s" } ?? "")
                : "monitor: not running"]
            lines.append("state: \(report.stateFolder)")
            lines.append("last check: " + (report.lastCheck.map { MonitorAlert.timestamp($0, zone: zone) } ?? "never"))
            if let next = report.nextCheck, report.running {
                lines.append("next check: \(MonitorAlert.timestamp(next, zone: zone)) (in \(Int((report.secondsUntilNextCheck ?? 0).rounded(.up))) s)")
            }
            if report.tables.isEmpty { return lines + ["(no table checked yet)"] }
            lines += ["", "TABLE                          RECORDS    MAX ID                                 CHECKED"]
            for table in report.tables {
                lines.append(table.table.padding(toLength: 30, withPad: " ", startingAt: 0) + " "
                    + "\(table.recordCount)".padding(toLength: 10, withPad: " ", startingAt: 0) + " "
                    + (table.maxId ?? "-").padding(toLength: 38, withPad: " ", startingAt: 0) + " "
                    + MonitorAlert.timestamp(table.checkedAt, zone: zone))
            }
            return lines
        }
    }

    /// `updater monitor stop`: stops the monitor running on the state folder, by its pid.
    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the monitor running on the state folder (SIGTERM to its pid) and wait for it to end.")

        @OptionGroup var options: MonitorOptions

        func run() async throws {
            let (_, store) = try options.load()
            guard let holder = InstanceLock.runningHolder(directory: store.directory.path, fileName: MonitorProcess.pidFile) else {
                Console.line("monitor: not running")
                return
            }
            kill(holder.pid, SIGTERM)
            let deadline = Date().addingTimeInterval(30)
            while InstanceLock.runningHolder(directory: store.directory.path, fileName: MonitorProcess.pidFile) != nil {
                guard Date() < deadline else { throw CommandFailure.exit("the monitor (pid \(holder.pid)) did not stop within 30 s", status: CommandFailure.failed) }
                try await Task.sleep(for: .milliseconds(50))
            }
            Console.line("monitor: stopped (pid \(holder.pid))")
        }
    }

    /// `updater monitor logs`: the monitor's last log entries, alerts in full.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the monitor's last log entries (alerts in full).")

        @Option(help: "How many entries (1 to 10000).")
        var count = 50

        @Flag(help: "Print the entries as JSON lines.")
        var json = false

        @OptionGroup var options: MonitorOptions

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count must be between 1 and 10000") }
        }

        func run() async throws {
            let (config, store) = try options.load()
            for entry in MonitorLog(store: store).last(count) {
                Console.line(json ? String(decoding: try JSONCoding.encoder().encode(entry), as: UTF8.self) : Self.text(entry, zone: config.timeZone))
            }
        }

        /// An entry as text: the alert of a check with changes, else time, level and message.
        static func text(_ entry: MonitorLog.Entry, zone: TimeZone) -> String {
            if let check = entry.check { return MonitorAlert.text(check, zone: zone) }
            return "\(MonitorAlert.timestamp(entry.time, zone: zone)) \(entry.level.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(entry.message)"
        }
    }
}
