import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater.Monitor {
    /// `updater monitor dashboard`: a full-screen view of the monitor that refreshes itself.
    /// Keys: `r` refresh, `s` status, `l` logs, `t` run a check now, `q` quit.
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A full-screen view of the monitor: status, counts, recent alerts (keys: r refresh, s status, l logs, t check now, q quit)."
        )

        @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between redraws (0.2 to 60).", valueName: "seconds"))
        var refresh = "1"

        @OptionGroup var options: MonitorOptions
        @OptionGroup var output: MonitorOutputOptions

        func validate() throws {
            guard let seconds = Double(refresh), (0.2...60).contains(seconds) else { throw ValidationError("--refresh '\(refresh)': give 0.2 to 60 seconds") }
        }

        func run() async throws {
            guard isatty(0) == 1, isatty(1) == 1 else {
                throw CommandFailure.exit("the dashboard needs a terminal; use updater monitor status or monitor logs in scripts", status: CommandFailure.badInput)
            }
            let (config, store) = try options.load()
            let monitor = try output.monitor(options, config: config, store: store)
            let terminal = RawTerminal()
            defer { terminal.restore() }
            var view = MonitorDashboardView(store: store, zone: config.timeZone, color: Console.coloured)
            let events = TerminalEvents.stream(refresh: Double(refresh)!)
            terminal.draw(view.frame(size: terminal.size()))
            for await event in events {
                switch event {
                case .tick: break
                case .key(let key):
                    switch key {
                    case "q", "Q": return
                    case "s", "S": view.mode = .status
                    case "l", "L": view.mode = .logs
                    case "r", "R": view.mode = .main
                    case "t", "T":
                        terminal.draw(view.frame(size: terminal.size(), message: "checking…"))
                        view.message = await Self.checkNow(monitor, store: store)
                    default: view.message = "keys: r refresh  s status  l logs  t check now  q quit"
                    }
                case .stop: return
                }
                terminal.draw(view.frame(size: terminal.size()))
            }
        }

        /// Asks the running monitor for a check (SIGUSR1), or checks here when none runs.
        static func checkNow(_ monitor: SnapshotMonitor, store: MonitorStateStore) async -> String {
            if let holder = InstanceLock.runningHolder(directory: store.directory.path, fileName: MonitorProcess.pidFile) {
                kill(holder.pid, SIGUSR1)
                return "asked the monitor (pid \(holder.pid)) for a check"
            }
            do {
                let checks = try await monitor.check()
                return "checked: " + checks.map { "\($0.table) +\($0.inserted.count) -\($0.deleted.count) ~\($0.modified.count)" }.joined(separator: ", ")
            } catch let error as DatabaseError {
                return "check failed: \(error.message)"
            } catch {
                return "check failed: \(error)"
            }
        }
    }
}
