import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater watch`: the live delta of the change log, refreshed every interval.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch the traffic live: per table and operation, counts and rates over the last seconds, the latest keys, freshness, what runs and what fires next.",
            discussion: """
                Reads the change log of the target database (with or without a running service), incrementally: each \
                refresh reads only the entries committed since the last. Entries are placed in the window by their commit \
                time. A table is stale when its last write is older than --stale seconds, or it was never written. What \
                runs comes from a running service's API; without one, what fires next comes from the configured schedules. \
                Full display by default (redrawn in place on a terminal; frames one after another otherwise), --compact one \
                line per refresh, --json one JSON object per refresh. With --once: one frame, then exit; a database that \
                cannot be read is one line on stderr and exit 1. Live, a database that cannot be read is shown in the frame \
                and read again at every refresh. Ctrl-C ends it (exit 0).
                """
        )

        @Option(help: ArgumentHelp("The window: the last this many seconds (up to 86400).", valueName: "seconds"))
        var window: Double = 30

        @Option(help: ArgumentHelp("A table not written for this many seconds is stale (default: 3 × the window).", valueName: "seconds"))
        var stale: Double?

        @Option(help: ArgumentHelp("Seconds between refreshes (0.1 to 3600).", valueName: "seconds"))
        var interval: Double = 1

        @Flag(help: "One line per refresh: time, inserts, updates, deletes, rates of the busy tables, freshness.")
        var compact = false

        @Flag(help: "Print one frame and exit (for scripts).")
        var once = false

        @Flag(help: "One JSON object per refresh, one line each.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let staleAfter = try checkedOptions()
            let config = try configOptions.load().config
            let view = View(config: config, length: window, staleAfter: staleAfter, mode: json ? .json : (compact ? .compact : .full),
                            renderer: WatchRenderer(zone: config.timeZone, colour: !json && Console.coloured, retrying: once ? nil : interval))
            if once {
                try await view.once()
            } else {
                await view.live(every: interval)
            }
        }

        /// The options' problems as bad input (exit 2), before anything is opened; the staleness threshold.
        private func checkedOptions() throws -> Double {
            guard window.isFinite, window > 0, window <= 86_400 else {
                throw BadInput("--window: \(WatchRenderer.number(window)) is not a number of seconds from more than 0 to 86400")
            }
            guard interval.isFinite, interval >= 0.1, interval <= 3_600 else {
                throw BadInput("--interval: \(WatchRenderer.number(interval)) is not a number of seconds from 0.1 to 3600")
            }
            if let stale, !(stale.isFinite && stale > 0) {
                throw BadInput("--stale: \(WatchRenderer.number(stale)) is not a number of seconds more than 0")
            }
            if compact && json { throw BadInput("--compact and --json: choose one") }
            return stale ?? 3 * window
        }
    }
}

extension Updater.Watch {
    enum Mode: Sendable { case full, compact, json }

    /// The watching itself, apart from argument parsing: reads, renders, prints.
    struct View: Sendable {
        let config: UpdaterConfig
        let length: Double
        let staleAfter: Double
        let mode: Mode
        let renderer: WatchRenderer

        /// The target database for messages, password redacted.
        private var location: String { config.databaseLocation?.description ?? "(invalid location)" }

        /// One frame; a database that cannot be read ends the command with one line and exit 1.
        func once() async throws {
            var window = ChangeWindow(length: length)
            do {
                let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
                defer { Task { await database.close() } }
                try await window.refresh(from: database, now: Date())
            } catch let error as DatabaseError {
                throw CommandFailure.exit("cannot read the change log of \(location): \(error.message)", status: CommandFailure.failed)
            }
            Console.line(try await frame(window, error: nil))
        }

        /// Refreshes every `interval` seconds until SIGINT or SIGTERM. A failed read is shown in
        /// the frame (with the window as last read) and the database opened again at the next refresh.
        func live(every interval: Double) async {
            let screen = mode == .full && Console.isTerminal
            let loop = Task {
                var window = ChangeWindow(length: length), read = false
                var database: (any Database)?
                while !Task.isCancelled {
                    var failure: String?
                    do {
                        if database == nil {
                            database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
                        }
                        if let database { try await window.refresh(from: database, now: Date()) }
                        read = true
                    } catch is CancellationError {
                        break
                    } catch {
                        failure = "cannot read the change log of \(location): \((error as? DatabaseError)?.message ?? "\(error)")"
                        await database?.close()
                        database = nil
                    }
                    guard let text = try? await frame(read ? window : nil, error: failure) else { break }
                    if screen {
                        // Home, each line cleared to its end, the rest of the screen cleared: no flicker.
                        FileHandle.standardOutput.write(Data(("\u{1B}[H" + text.replacingOccurrences(of: "\n", with: "\u{1B}[K\n") + "\u{1B}[K\u{1B}[J").utf8))
                    } else {
                        Console.line(mode == .full ? text + "\n" : text)
                    }
                    try? await Task.sleep(for: .milliseconds(Int64(interval * 1_000)))
                }
                await database?.close()
            }
            let interrupts = InterruptHandler { loop.cancel() }
            // The alternate screen, cursor hidden; both restored on the way out.
            if screen { FileHandle.standardOutput.write(Data("\u{1B}[?1049h\u{1B}[?25l".utf8)) }
            await loop.value
            if screen { FileHandle.standardOutput.write(Data("\u{1B}[?25h\u{1B}[?1049l".utf8)) }
            withExtendedLifetime(interrupts) {}
        }

        /// The frame for `window` (nil: never read) now, rendered for the mode.
        private func frame(_ window: ChangeWindow?, error: String?) async throws -> String {
            let now = Date()
            let frame = WatchFrame(at: now, target: config.target, database: location, staleAfter: staleAfter,
                                   window: window?.summary(at: now, tables: config.scenarioValue.trackedTables, staleAfter: staleAfter),
                                   activity: await WatchActivity.read(config, now: now), error: error)
            switch mode {
            case .full: return renderer.full(frame).joined(separator: "\n")
            case .compact: return renderer.compact(frame)
            case .json: return try frame.jsonLine()
            }
        }
    }
}
