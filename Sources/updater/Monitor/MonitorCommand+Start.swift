import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater.Monitor {
    /// `updater monitor start`: checks every `--interval` seconds until stopped; in the
    /// foreground, or with `--detach` in the background with a pid file.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the tables now and then every --interval seconds (on multiples of it) until stopped.",
            discussion: "SIGTERM or SIGINT stop it after the check in progress; SIGUSR1 asks for a check now. One monitor per state folder."
        )

        @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between checks (1 to 31536000); checks fall on multiples of it.", valueName: "seconds"))
        var interval = "3600"

        @Flag(help: "Run in the background (pid file monitor.pid in the state folder, output in monitor.out) and return once its first check is done.")
        var detach = false

        @OptionGroup var options: MonitorOptions
        @OptionGroup var output: MonitorOutputOptions

        func validate() throws {
            guard let seconds = Double(interval), seconds.isFinite, (1...31_536_000).contains(seconds) else {
                throw ValidationError("--interval '\(interval)': give a number of seconds from 1 to 31536000")
            }
        }

        func run() async throws {
            let (config, store) = try options.load()
            let monitor = try output.monitor(options, config: config, store: store)
            if let holder = InstanceLock.runningHolder(directory: store.directory.path, fileName: MonitorProcess.pidFile) {
                throw CommandFailure.exit("a monitor (pid \(holder.pid)) already runs on the state folder \(store.directory.path): "
                    + "updater monitor stop first, or give another --state", status: CommandFailure.badInput)
            }
            if detach {
                try await MonitorDetach.start(store: store)
                return
            }
            try await runInForeground(monitor, config: config, store: store, interval: Double(interval)!)
        }

        private func runInForeground(_ monitor: SnapshotMonitor, config: UpdaterConfig, store: MonitorStateStore, interval: Double) async throws {
            let lock: InstanceLock
            do {
                lock = try InstanceLock(directory: store.directory.path, holder: .init(pid: getpid(), startedAt: Date()), fileName: MonitorProcess.pidFile)
            } catch let held as InstanceLock.Held {
                throw CommandFailure.exit("a monitor (pid \(held.holder.map { String($0.pid) } ?? "?")) already runs on the state folder "
                    + "\(store.directory.path)", status: CommandFailure.badInput)
            } catch {
                throw CommandFailure.exit("\(error)", status: CommandFailure.badInput)
            }
            let started = Date()
            let tables = monitor.sources.flatMap(\.tables).map(\.name)
            Console.line("monitor: watching \(tables.joined(separator: ", ")) in \(monitor.sources.first?.location.description ?? "?") "
                + "every \(Int(interval)) s (state \(store.directory.path), pid \(getpid()))")
            let (events, continuation) = MonitorProcess.events()
            continuation.yield(.checkNow)
            var timer: Task<Void, Never>?
            var firstCheck = true
            for await event in events {
                if case .stop = event { break }
                timer?.cancel()
                do {
                    for check in try await monitor.check() { Console.line(MonitorAlert.text(check, zone: config.timeZone)) }
                } catch {
                    // A table that cannot be watched is the user's to fix: say so and end. A database
                    // that does not answer may come back: log it and try again at the next check.
                    if firstCheck, error is MonitorError { throw MonitorFailure.report(error) }
                    let message = (error as? DatabaseError)?.message ?? "\(error)"
                    FileHandle.standardError.write(Data("Error: check failed: \(message)\n".utf8))
                    MonitorLog(store: store).append(.init(time: Date(), level: "error", message: "check failed: \(message)"))
                }
                firstCheck = false
                let checked = Date()
                let next = MonitorProcess.nextCheck(after: checked, interval: interval)
                try? await store.updateRun { run in
                    run = MonitorState.RunInfo(pid: getpid(), startedAt: started, intervalSeconds: interval, lastCheck: checked, nextCheck: next)
                }
                timer = MonitorProcess.schedule(continuation, at: next)
            }
            timer?.cancel()
            withExtendedLifetime(lock) {}
            Console.line("monitor: stopped")
        }
    }
}
