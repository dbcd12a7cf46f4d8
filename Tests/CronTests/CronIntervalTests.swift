import Foundation
import Testing
@testable import Cron

/// `@every DURATION`: fires at the anchor plus whole intervals, in elapsed time.
struct CronIntervalTests {
    let anchor = instant("2026-03-01T00:00:00Z")

    @Test func firesAtTheAnchorPlusWholeIntervals() throws {
        let schedule = try CronSchedule("@every 90m", anchor: anchor)
        #expect(schedule.next(after: anchor.addingTimeInterval(-1)) == anchor)
        #expect(local(schedule.next(after: anchor), utc) == "2026-03-01T01:30:00Z")
        #expect(schedule.fireTimes(after: anchor.addingTimeInterval(100)).prefix(3).map { local($0, utc)! }
            == ["2026-03-01T01:30:00Z", "2026-03-01T03:00:00Z", "2026-03-01T04:30:00Z"])
        #expect(schedule.previous(before: anchor) == anchor.addingTimeInterval(-5400))
        #expect(schedule.previous(before: anchor.addingTimeInterval(5400)) == anchor)
        #expect(schedule.previous(before: anchor.addingTimeInterval(5400.5)) == anchor.addingTimeInterval(5400))
        #expect(schedule.matches(anchor))
        #expect(schedule.matches(anchor.addingTimeInterval(5400 * 1000)))
        #expect(!schedule.matches(anchor.addingTimeInterval(60)))
        #expect(!schedule.matches(anchor.addingTimeInterval(0.5)))
    }

    /// k < 0: the schedule fired before its anchor too.
    @Test func firesBeforeTheAnchor() throws {
        let schedule = try CronSchedule("@every 3d", anchor: anchor)
        let start = instant("2026-02-20T12:00:00Z")
        #expect(schedule.fireTimes(after: start).prefix(4).map { local($0, utc)! }
            == ["2026-02-23T00:00:00Z", "2026-02-26T00:00:00Z", "2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"])
        #expect(local(schedule.previous(before: start), utc) == "2026-02-20T00:00:00Z")
        #expect(schedule.matches(instant("2026-02-17T00:00:00Z")))
        #expect(!schedule.matches(instant("2026-02-18T00:00:00Z")))
        // Far from the anchor either way, still on its grid: the anchor plus whole intervals.
        for start in [instant("1901-07-04T10:11:12Z"), instant("2399-12-31T23:59:59Z")] {
            let next = try #require(schedule.next(after: start))
            let k = next.timeIntervalSince(anchor) / (3 * 86_400)
            #expect(k == k.rounded() && next > start && next.timeIntervalSince(start) <= 3 * 86_400)
        }
    }

    /// Daylight saving changes the wall clock, not the elapsed time between fires.
    @Test func elapsedTimeAcrossDaylightSavingInParis() throws {
        let daily = try CronSchedule("@every 1d", timeZone: paris, anchor: instant("2026-03-28T00:00:00+01:00"))
        #expect(daily.fireTimes(after: instant("2026-03-27T12:00:00+01:00")).prefix(3).map { local($0, paris)! }
            == ["2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", "2026-03-30T01:00:00+02:00"])
        let hourly = try CronSchedule("@every 1h", timeZone: paris, anchor: anchor)
        // Spring forward: 02:00 does not exist, yet the gap stays one hour.
        #expect(hourly.fireTimes(after: instant("2026-03-29T00:30:00+01:00")).prefix(3).map { local($0, paris)! }
            == ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"])
        // Fall back: 02:00 happens twice, and fires twice.
        #expect(hourly.fireTimes(after: instant("2026-10-25T01:30:00+02:00")).prefix(3).map { local($0, paris)! }
            == ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"])
        #expect(hourly.previous(before: instant("2026-10-25T02:00:00+01:00")) == instant("2026-10-25T02:00:00+02:00"))
    }

    @Test func theDefaultAnchorIsMidnight1970InTheZone() throws {
        #expect(CronSchedule.defaultAnchor(in: utc) == instant("1970-01-01T00:00:00Z"))
        #expect(CronSchedule.defaultAnchor(in: paris) == instant("1970-01-01T00:00:00+01:00"))
        #expect(CronSchedule.defaultAnchor(in: newYork) == instant("1970-01-01T00:00:00-05:00"))
        #expect(CronSchedule.defaultAnchor(in: sydney) == instant("1970-01-01T00:00:00+10:00"))
        #expect(try fires("@every 1d", paris, after: "2026-01-15T12:00:00+01:00") == ["2026-01-16T00:00:00+01:00"])
        #expect(try fires("@every 90m", utc, after: "2026-01-15T00:10:00Z", count: 2) == ["2026-01-15T01:30:00Z", "2026-01-15T03:00:00Z"])
        // 1970-01-01 was a Thursday.
        #expect(try fires("@every 1w", utc, after: "2026-03-02T00:00:00Z") == ["2026-03-05T00:00:00Z"])
        #expect(try CronSchedule("@every 1d", timeZone: paris).anchor == instant("1970-01-01T00:00:00+01:00"))
    }

    @Test func fireTimesDoNotDependOnWhenTheSearchStarts() throws {
        let schedule = try CronSchedule("@every 7h13m", anchor: anchor)
        let grid = Set(schedule.fireTimes(after: instant("2026-04-01T00:00:00Z")).prefix(50))
        for offset in stride(from: 0.0, to: 200_000, by: 9_999.5) {
            let start = instant("2026-04-01T00:00:00Z").addingTimeInterval(offset)
            let fires = Array(schedule.fireTimes(after: start).prefix(3))
            #expect(fires.allSatisfy { grid.contains($0) && $0 > start }, "after \(start)")
            #expect(zip(fires, fires.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 7 * 3600 + 13 * 60 })
        }
    }

    @Test func theAnchorIsTakenToTheWholeSecond() throws {
        let schedule = try CronSchedule("@every 1m", anchor: Date(timeIntervalSince1970: 1000.7))
        #expect(schedule.anchor == Date(timeIntervalSince1970: 1000))
        #expect(schedule.next(after: Date(timeIntervalSince1970: 1000.7)) == Date(timeIntervalSince1970: 1060))
        #expect(schedule.matches(Date(timeIntervalSince1970: 1000)))
    }

    @Test func durationsAddUp() throws {
        for text in ["@every 90m", "@every 1h30m", "@every 30m1h", "@every 5400s", "@EVERY 1h30m", "@every\t1h30m"] {
            let schedule = try CronSchedule(text, anchor: anchor)
            #expect(schedule.interval == .seconds(5400), "\(text)")
            #expect(schedule.next(after: anchor) == anchor.addingTimeInterval(5400), "\(text)")
        }
        #expect(try CronSchedule("@every 2w").interval == .seconds(14 * 86_400))
        #expect(try CronSchedule("@every 45s").interval == .seconds(45))
        #expect(try CronSchedule("@every 366d").interval == .seconds(366 * 86_400))
        #expect(try CronSchedule("@every\t1h30m").source == "@every 1h30m")
        #expect(try CronSchedule("@EVERY 3d").source == "@EVERY 3d")
    }

    @Test(arguments: [
        ("@every", CronParseError.Reason.malformedInterval, nil as String?, "@every needs a duration such as 90m or 3d"),
        ("  @every  ", .malformedInterval, nil, "@every needs a duration such as 90m or 3d"),
        ("@every 0s", .outOfRange, "0s", "an interval must be at least 1 second, got '0s'"),
        ("@every 0h0m", .outOfRange, "0h0m", "an interval must be at least 1 second, got '0h0m'"),
        ("@every 367d", .outOfRange, "367d", "an interval must be at most 366 days, got '367d'"),
        ("@every 99999999999999999999999w", .outOfRange, "99999999999999999999999w", "an interval must be at most 366 days"),
        ("@every 5x", .malformedInterval, "5x", "unknown unit 'x' in '5x' (units: s, m, h, d, w)"),
        ("@every 5min", .malformedInterval, "5min", "unknown unit 'min' in '5min' (units: s, m, h, d, w)"),
        ("@every 5H", .malformedInterval, "5H", "unknown unit 'H' in '5H' (units: s, m, h, d, w)"),
        ("@every -1h", .malformedInterval, "-1h", "'-1h' is negative: expected whole numbers each followed by a unit"),
        ("@every 1.5h", .malformedInterval, "1.5h", "'1.5h' is not a duration: expected whole numbers each followed by a unit"),
        ("@every h", .malformedInterval, "h", "'h' is not a duration"),
        ("@every 90", .malformedInterval, "90", "'90' has no unit (such as 90m or 90h; units: s, m, h, d, w)"),
        ("@every 1h30", .malformedInterval, "1h30", "'30' has no unit"),
        ("@every 1h 30m", .malformedInterval, "1h 30m", "@every takes one duration, written without spaces (such as 1h30m), got '1h 30m'"),
    ])
    func rejects(_ text: String, reason: CronParseError.Reason, token: String?, message: String) {
        do {
            _ = try CronSchedule(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason == reason, "\(text)")
            #expect(error.field == nil)
            #expect(error.token == token, "\(text)")
            #expect(error.message.hasPrefix(message), "\(error.message)")
            #expect(error.description == "invalid cron expression \"\(text)\": \(error.message)")
        }
    }

    @Test(arguments: [
        ("@every 3d", "every 3 days, from 2026-03-01 00:00:00"),
        ("@every 1h", "every hour, from 2026-03-01 00:00:00"),
        ("@every 90m", "every 1 hour and 30 minutes, from 2026-03-01 00:00:00"),
        ("@every 2w", "every 2 weeks, from 2026-03-01 00:00:00"),
        ("@every 7d", "every week, from 2026-03-01 00:00:00"),
        ("@every 1s", "every second, from 2026-03-01 00:00:00"),
        ("@every 1d2h3m4s", "every 1 day, 2 hours, 3 minutes and 4 seconds, from 2026-03-01 00:00:00"),
        ("@every 10d", "every 10 days, from 2026-03-01 00:00:00"),
    ])
    func explains(_ text: String, _ expected: String) throws {
        #expect(try CronSchedule(text, anchor: anchor).explain() == expected)
    }

    @Test func explainShowsTheAnchorOnTheZonesClock() throws {
        #expect(try CronSchedule("@every 3d", timeZone: paris, anchor: anchor).explain() == "every 3 days, from 2026-03-01 01:00:00")
        #expect(try CronSchedule("@every 3d", timeZone: paris).explain() == "every 3 days, from 1970-01-01 00:00:00")
    }

    @Test func whatItIs() throws {
        let interval = try CronSchedule("@every 90m", anchor: anchor)
        #expect(interval.expression == nil)
        #expect(interval.interval == .seconds(5400))
        #expect(interval.anchor == anchor)
        #expect(interval.source == "@every 90m")
        let cron = try CronSchedule("0 0 9 * * *", anchor: anchor)
        #expect(cron.expression == (try CronExpression("0 0 9 * * *")))
        #expect(cron.interval == nil && cron.anchor == nil)
        #expect(cron == (try CronSchedule("0 0 9 * * *")))  // cron expressions have no anchor
    }

    @Test func equalityIncludesTheIntervalAndTheAnchor() throws {
        let base = try CronSchedule("@every 90m", anchor: anchor)
        #expect(base == (try CronSchedule("@every 90m", anchor: anchor.addingTimeInterval(0.25))))
        #expect(base != (try CronSchedule("@every 90m", anchor: anchor.addingTimeInterval(60))))
        #expect(base != (try CronSchedule("@every 91m", anchor: anchor)))
        #expect(base != (try CronSchedule("@every 90m", timeZone: paris, anchor: anchor)))
        let set: Set = [base, try CronSchedule("@every 90m", anchor: anchor), try CronSchedule("@every 90m")]
        #expect(set.count == 2)
    }
}
