import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

/// `--tz` and `--anchor` of `updater cron next|explain`: the zone a schedule is read in, and
/// where an `@every` interval counts from.
struct ScheduleOptions: ParsableArguments {
    /// Help for the schedule argument of the `cron` commands.
    static let expressionHelp = ArgumentHelp(
        "Six fields (second minute hour day-of-month month day-of-week), a macro (@yearly, @monthly, @weekly, @daily, @hourly) or @every DURATION (45s, 90m, 1h30m, 3d, 2w).",
        valueName: "schedule")

    @Option(help: ArgumentHelp("IANA time zone, e.g. America/New_York.", discussion: "Default: DATABASE_UPDATER_TIMEZONE, else UTC."))
    var tz: String?

    @Option(help: ArgumentHelp(
        "Where @every intervals count from: ISO 8601 with offset (2026-03-01T00:00:00Z) or a date (2026-03-01, midnight in the zone).",
        discussion: "Default: DATABASE_UPDATER_SCHEDULE_ANCHOR, else midnight 1970-01-01 in the zone. Cron expressions ignore it.",
        valueName: "date|iso8601"))
    var anchor: String?

    /// `expression` as a schedule in the chosen zone, from the chosen anchor.
    func schedule(_ expression: String) throws -> CronSchedule {
        let zone = try TimeZoneOption.resolve(tz)
        var instant: Date?
        if let text = anchor ?? ProcessInfo.processInfo.environment["DATABASE_UPDATER_SCHEDULE_ANCHOR"] {
            let name = anchor == nil ? "DATABASE_UPDATER_SCHEDULE_ANCHOR" : "--anchor"
            guard let parsed = ISO8601.parse(dateOrDateTime: text, in: zone) else {
                throw BadInput("invalid \(name) '\(CronParseError.escaped(text, quotes: false))': expected ISO 8601 like 2026-03-01T00:00:00Z or a date like 2026-03-01")
            }
            instant = parsed
        }
        return try CronSchedule(expression, timeZone: zone, anchor: instant)
    }
}
