import ArgumentParser
import Cron
import Foundation

extension Updater {
    /// `updater cron next|explain`: work with cron expressions; needs no database and no config file.
    struct CronCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cron",
            abstract: "Show when a six-field cron expression (seconds first) fires, and what it means.",
            subcommands: [Next.self, Explain.self]
        )
    }
}

extension Updater.CronCommand {
    struct Next: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the next fire times, one ISO 8601 instant with offset per line.",
            discussion: """
                Example: updater cron next "0 0 9-17/2 * * 1-5" --tz Europe/Paris --count 3
                The zone defaults to DATABASE_UPDATER_TIMEZONE, or UTC.
                """
        )

        @Argument(help: "Six fields: second minute hour day-of-month month day-of-week.")
        var expression: String

        @Option(help: "Start instant (ISO 8601 with offset, e.g. 2026-03-02T08:00:00+01:00); default now.")
        var from: String?

        @Option(parsing: .unconditional, help: "How many fire times to print (1 to 10000).")
        var count: Int = 5

        @Option(help: "IANA time zone, e.g. America/New_York.")
        var tz: String?

        func validate() throws {
            guard (1...10_000).contains(count) else { throw ValidationError("--count: out of range: must be from 1 to 10000, got \(count)") }
        }

        func run() throws {
            let zone = try TimeZoneOption.resolve(tz)
            let schedule = try CronSchedule(expression, timeZone: zone)
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
                throw BadInput("'\(CronParseError.escaped(schedule.expression.source, quotes: false))' never fires (\(schedule.expression.explain()))")
            }
            print(lines.joined(separator: "\n"))
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe an expression in plain English.")

        @Argument(help: "Six fields: second minute hour day-of-month month day-of-week.")
        var expression: String

        func run() throws {
            let parsed = try CronExpression(expression)
            print(parsed.explain())
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

/// ISO 8601 with the zone's offset at each instant (`2026-03-02T09:00:00+01:00`, `Z` for UTC).
enum ISO8601 {
    static func format(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = zone
        return formatter.string(from: date)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
