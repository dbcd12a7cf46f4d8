import Foundation
import Testing
@testable import Cron

/// cronie's macros: each fires exactly like its six fields at second 0, and keeps its name.
struct CronMacroTests {
    static let macros = [
        ("@yearly", "0 0 0 1 1 *"), ("@annually", "0 0 0 1 1 *"), ("@monthly", "0 0 0 1 * *"), ("@weekly", "0 0 0 * * 0"),
        ("@daily", "0 0 0 * * *"), ("@midnight", "0 0 0 * * *"), ("@hourly", "0 0 * * * *"),
    ]

    /// Zones with daylight saving (Santiago changes at midnight), and UTC.
    static let zones = [utc, paris, newYork, sydney, TimeZone(identifier: "America/Santiago")!]

    @Test(arguments: macros)
    func firesLikeItsSixFields(_ macro: String, _ fields: String) throws {
        for zone in Self.zones {
            let shorthand = try CronSchedule(macro, timeZone: zone), written = try CronSchedule(fields, timeZone: zone)
            // Starts every 9 days and 7 hours over 2026-2027: every daylight-saving change is near one.
            for step in 0..<80 {
                let start = instant("2026-01-01T00:00:00Z").addingTimeInterval(Double(step) * (9 * 86_400 + 7 * 3600))
                #expect(Array(shorthand.fireTimes(after: start).prefix(3)) == Array(written.fireTimes(after: start).prefix(3)),
                        "\(macro) in \(zone.identifier) after \(start)")
                #expect(shorthand.previous(before: start) == written.previous(before: start), "\(macro) in \(zone.identifier)")
            }
        }
        let expression = try CronExpression(macro)
        #expect(expression.source == macro)
        #expect(expression.isFixedTime == (try CronExpression(fields)).isFixedTime)
        #expect(expression.explain() == (try CronExpression(fields)).explain())
    }

    @Test func fireTimesInAZoneWithDaylightSaving() throws {
        #expect(try fires("@daily", paris, after: "2026-03-28T12:00:00+01:00", count: 2)
            == ["2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00"])
        // The hour skipped by the spring-forward does not happen (the hour field is `*`).
        #expect(try fires("@hourly", paris, after: "2026-03-29T01:30:00+01:00", count: 2)
            == ["2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"])
        #expect(try fires("@weekly", newYork, after: "2026-03-04T12:00:00-05:00", count: 2)
            == ["2026-03-08T00:00:00-05:00", "2026-03-15T00:00:00-04:00"])
        #expect(try fires("@monthly", utc, after: "2026-01-31T00:00:00Z", count: 2) == ["2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"])
        #expect(try fires("@yearly", sydney, after: "2026-06-01T00:00:00+10:00") == ["2027-01-01T00:00:00+11:00"])
    }

    @Test func namesAreCaseInsensitiveAndKeptAsWritten() throws {
        let daily = try CronSchedule("@daily")
        for text in ["@DAILY", "@Daily", "  @daily\t"] {
            let schedule = try CronSchedule(text)
            #expect(schedule.next(after: instant("2026-05-05T10:00:00Z")) == daily.next(after: instant("2026-05-05T10:00:00Z")))
        }
        #expect(try CronSchedule("@DAILY").source == "@DAILY")
        #expect(try CronSchedule("  @daily\t").source == "@daily")
        #expect(try CronSchedule("@weekly").explain() == "at 00:00, on Sunday")
        #expect(try CronSchedule("@hourly").expression?.source == "@hourly")
    }

    @Test(arguments: [
        ("@fortnightly", CronParseError.Reason.unknownMacro, "@fortnightly",
         "unknown macro '@fortnightly' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION)"),
        ("@", .unknownMacro, "@", "unknown macro '@'"),
        ("@daily * * *", .malformedValue, "* * *", "@daily stands alone (it means 0 0 0 * * *), but '* * *' follows it"),
    ])
    func rejects(_ text: String, reason: CronParseError.Reason, token: String, message: String) {
        do {
            _ = try CronSchedule(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.field == nil)
            #expect(error.token == token)
            #expect(error.message.hasPrefix(message), "\(error.message)")
        }
    }

    /// `@every` is a schedule, not an expression: CronExpression says where to take it.
    @Test func anExpressionIsNoInterval() {
        #expect(throws: CronParseError.self) { try CronExpression("@every 3d") }
        do { _ = try CronExpression("@every 3d") } catch {
            #expect(error.reason == .unknownMacro)
            #expect(error.message == "@every makes an interval schedule, not a cron expression (parse it with CronSchedule)")
        }
    }
}
