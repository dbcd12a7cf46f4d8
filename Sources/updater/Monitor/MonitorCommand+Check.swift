import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater.Monitor {
    /// `updater monitor check`: one check, its alerts on stdout, then exit.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the tables once against the previous check, print the alerts, and exit.")

        @Flag(help: "Print each table's findings as a JSON object, one per line.")
        var json = false

        @OptionGroup var options: MonitorOptions
        @OptionGroup var output: MonitorOutputOptions

        func run() async throws {
            let (config, store) = try options.load()
            let monitor = try output.monitor(options, config: config, store: store)
            do {
                for check in try await monitor.check() {
                    Console.line(json ? String(decoding: try JSONCoding.encoder().encode(check), as: UTF8.self)
                                      : MonitorAlert.text(check, zone: config.timeZone))
                }
            } catch {
                throw MonitorFailure.report(error)
            }
        }
    }
}
