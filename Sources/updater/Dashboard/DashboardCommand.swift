import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater dashboard`: the installation at a glance, redrawn every `--interval` seconds.
    struct Dashboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The whole installation on one screen: service, database, backlog, tables, schedules and recent log.",
            discussion: "On a terminal it redraws full-screen every --interval seconds (q or Ctrl-C quits); --once prints one frame. "
                + "Colour only on a terminal and without NO_COLOR."
        )

        @Flag(help: "Print one frame and exit.")
        var once = false

        @Option(parsing: .unconditional, help: ArgumentHelp("Seconds between redraws (0.2 to 3600).", valueName: "seconds"))
        var interval = 2.0

        @OptionGroup var configOptions: ConfigOptions

        func validate() throws {
            guard (0.2...3600).contains(interval) else { throw ValidationError("--interval: give 0.2 to 3600 seconds, got \(interval)") }
        }

        func run() async throws {
            let config = try configOptions.load().config
            let reader = DashboardReader(config: config)
            if once {
                print(DashboardFrame.lines(await reader.snapshot(), config: config, style: .forStandardOutput()).joined(separator: "\n"))
                await reader.close()
            } else if isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 {
                await fullScreen(reader, config: config)
            } else {
                try await frames(reader, config: config)
            }
        }

        /// Full-screen redraws on the alternate screen until `q`, SIGINT or SIGTERM; the terminal is
        /// restored whichever ends it.
        private func fullScreen(_ reader: DashboardReader, config: UpdaterConfig) async {
            let terminal = RawTerminal()
            defer { terminal.restore() }
            let style = TerminalStyle.forStandardOutput()
            let hint = "every \(interval.formatted()) s; q quits"
            func draw() async {
                let lines = DashboardFrame.lines(await reader.snapshot(), config: config, style: style, hint: hint)
                terminal.draw(Array(lines.prefix(terminal.size().rows)))
            }
            await draw()
            for await event in TerminalEvents.stream(refresh: interval) {
                switch event {
                case .tick: await draw()
                case .key(let key) where key == "q" || key == "Q": await reader.close(); return
                case .key: break
                case .stop: await reader.close(); return
                }
            }
            await reader.close()
        }

        /// Without a terminal: a plain frame every interval, separated by a blank line.
        private func frames(_ reader: DashboardReader, config: UpdaterConfig) async throws {
            while true {
                Console.line(DashboardFrame.lines(await reader.snapshot(), config: config, style: .forStandardOutput()).joined(separator: "\n") + "\n")
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
        }
    }
}
