import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater cron next|explain`: work with schedules; needs no database and no config file.
    struct CronCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cron",
            abstract: "Show when a schedule (six-field cron expression, seconds first; @daily; @every 90m) fires, and what it means.",
            subcommands: [Next.self, Explain.self]
        )
    }
}

extension Updater.CronCommand {
    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next fire times, one ISO 8601 instant with offset per line.",
            discussion: """
                Examples: updater cron next "0 0 9-17/2 * * 1-5" --tz Europe/Paris --count 3
                          updater cron next "@every 90m" --anchor 2026-03-01T00:00:00Z --count 3
                """
        )

        @Argument(help: ScheduleOptions.expressionHelp)
        var expression: String

        @Option(help: "Start instant (ISO 8601 with offset, e.g. 2026-03-02T08:00:00+01:00); default now.")
        var from: String?

        @Option(parsing: .unconditional, help: "How many fire times to print (1 to 10000).")
        var count: Int = 5

        @OptionGroup var scheduleOptions: ScheduleOptions

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count: out of range: must be from 1 to 10000, got \(count)") }
        }

        func run() throws {
            let schedule = try scheduleOptions.schedule(expression)
            let zone = schedule.timeZone
            var start = Date()
            if let from {
                guard let parsed = ISO8601.parse(from) else {
                    throw BadInput("invalid --from '\(CronParseError.escaped(from, quotes: false))': expected ISO 8601 like 2026-03-02T08:00:00+01:00")
                }
                start = parsed
            }
            var lines: [String] = []
            for time in schedule.fireTimes(after: start).prefix(count) {
                lines.append(ISO8601.format(time, in: zone))
            }
            if lines.isEmpty {
                throw BadInput("'\(CronParseError.escaped(schedule.source, quotes: false))' never fires (\(schedule.explain()))")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a schedule in plain English.")

        @Argument(help: ScheduleOptions.expressionHelp)
        var expression: String

        @OptionGroup var scheduleOptions: ScheduleOptions

        func run() throws {
            print(try scheduleOptions.schedule(expression).explain())
        }
    }
}

/// Resolves `--tz`, then `DATABASE_UPDATER_TIMEZONE`, then UTC.
enum TimeZoneOption {
    static func resolve(_ option: String?) throws -> TimeZone {
        let name = option ?? ProcessInfo.processInfo.environment["DATABASE_UPDATER_TIMEZONE"] ?? "UTC"
        guard let zone = TimeZone(identifier: name) else {
            throw BadInput("unknown time zone '\(CronParseError.escaped(name, quotes: false))' (expected an IANA name such as Europe/Paris)")
        }
        return zone
    }
}
