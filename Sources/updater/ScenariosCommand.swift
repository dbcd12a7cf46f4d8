import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater scenarios`: the businesses the tool can simulate.
    struct Scenarios: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the scenarios, with their databases, updaters, default schedules and invariants."
        )

        @Flag(help: "Print the list as JSON.")
        var json = false

        /// One scenario as `--json` prints it.
        struct Listing: Codable {
            struct Updater: Codable {
                var name: String
                var configKey: String
                var defaultSchedule: String
                var meaning: String
                var summary: String
            }
            struct Rule: Codable {
                var name: String
                var description: String
            }
            var name: String
            var summary: String
            var isDefault: Bool
            var databases: [String]
            var updaters: [Updater]
            var invariants: [Rule]
        }

        func run() throws {
            let listings = ScenarioRegistry.builtIn.all.map { scenario in
                Listing(
                    name: scenario.name, summary: scenario.summary, isDefault: scenario.name == ScenarioRegistry.defaultName,
                    databases: scenario.databases,
                    updaters: scenario.updaters.all.map { updater in
                        .init(name: updater.name, configKey: updater.configKey, defaultSchedule: updater.defaultSchedule,
                              meaning: (try? CronSchedule(updater.defaultSchedule).explain()) ?? "", summary: updater.summary)
                    },
                    invariants: scenario.invariants.map { .init(name: $0.name, description: $0.description) })
            }
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(listings), as: UTF8.self))
                return
            }
            var lines: [String] = []
            for listing in listings {
                lines.append("\(listing.name)\(listing.isDefault ? " (default)" : ""): \(listing.summary)")
                lines.append("  databases: \(listing.databases.isEmpty ? "one" : listing.databases.joined(separator: ", "))")
                lines.append("  updaters (config key, default schedule):")
                let width = listing.updaters.map(\.name.count).max() ?? 0
                for updater in listing.updaters {
                    lines.append("    \(updater.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(updater.configKey), "
                        + "\"\(updater.defaultSchedule)\" — \(updater.meaning)")
                }
                lines.append("  invariants (updater verify --invariants):")
                for rule in listing.invariants { lines.append("    \(rule.name): \(rule.description)") }
                lines.append("")
            }
            print(lines.joined(separator: "\n"), terminator: "")
        }
    }
}
