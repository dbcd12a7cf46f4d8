import Foundation
import Testing
@testable import Cron

struct CronEvaluationTests {
    @Test func nextIsStrictlyAfter() throws {
        #expect(try fires("0 0 10 * * *", utc, after: "2026-01-05T10:00:00Z") == ["2026-01-06T10:00:00Z"])
        #expect(try fires("* * * * * *", utc, after: "2026-01-05T10:00:00Z") == ["2026-01-05T10:00:01Z"])
        let schedule = try CronSchedule("* * * * * *")
        let fractional = Date(timeIntervalSince1970: 1_767_225_600.25)
        #expect(schedule.next(after: fractional) == Date(timeIntervalSince1970: 1_767_225_601))
        #expect(schedule.previous(before: fractional) == Date(timeIntervalSince1970: 1_767_225_600))
    }

    @Test func defaultSchedules() throws {
        // Friday 2026-01-02 16:30 → 17:00, then Monday 09:00.
        #expect(try fires("0 0 9-17/2 * * 1-5", utc, after: "2026-01-02T16:30:00Z", count: 3)
            == ["2026-01-02T17:00:00Z", "2026-01-05T09:00:00Z", "2026-01-05T11:00:00Z"])
        #expect(try fires("0 0 */6 * * *", utc, after: "2026-01-01T05:59:59Z", count: 3)
            == ["2026-01-01T06:00:00Z", "2026-01-01T12:00:00Z", "2026-01-01T18:00:00Z"])
        #expect(try fires("0 0 10 * * 1-5", utc, after: "2026-01-02T10:00:00Z", count: 2)
            == ["2026-01-05T10:00:00Z", "2026-01-06T10:00:00Z"])
        // The original tool's expression really fires every two minutes.
        #expect(try fires("0 */2 9-17 * * 1-5", utc, after: "2026-01-05T09:00:00Z", count: 2)
            == ["2026-01-05T09:02:00Z", "2026-01-05T09:04:00Z"])
        #expect(try fires("0 */2 9-17 * * 1-5", utc, after: "2026-01-05T17:57:00Z", count: 2)
            == ["2026-01-05T17:58:00Z", "2026-01-06T09:00:00Z"])
    }

    @Test func orRuleWhenBothDayFieldsAreRestricted() throws {
        // The 13th, or any Friday. January 2026: Fri 2nd, 9th, Tue 13th, Fri 16th.
        #expect(try fires("0 0 0 13 * FRI", utc, after: "2026-01-01T00:00:00Z", count: 4)
            == ["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z", "2026-01-13T00:00:00Z", "2026-01-16T00:00:00Z"])
        // Only one day field restricted: both must match (here: day 13 only).
        #expect(try fires("0 0 0 13 * ?", utc, after: "2026-01-01T00:00:00Z", count: 2)
            == ["2026-01-13T00:00:00Z", "2026-02-13T00:00:00Z"])
        #expect(try fires("0 0 0 * * FRI", utc, after: "2026-01-01T00:00:00Z", count: 2)
            == ["2026-01-02T00:00:00Z", "2026-01-09T00:00:00Z"])
    }

    @Test func leapYears() throws {
        #expect(try fires("0 0 0 29 2 *", utc, after: "2026-01-01T00:00:00Z", count: 3)
            == ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z", "2036-02-29T00:00:00Z"])
        // 2100 is not a leap year; 2000 was.
        #expect(try fires("0 0 0 29 2 *", utc, after: "2096-03-01T00:00:00Z") == ["2104-02-29T00:00:00Z"])
        #expect(try fires("0 0 0 29 2 *", utc, after: "1999-01-01T00:00:00Z") == ["2000-02-29T00:00:00Z"])
        let schedule = try CronSchedule("0 0 0 29 2 *")
        #expect(local(schedule.previous(before: instant("2104-01-01T00:00:00Z")), utc) == "2096-02-29T00:00:00Z")
    }

    @Test func monthEndsAndYearRollover() throws {
        #expect(try fires("0 0 0 31 * *", utc, after: "2026-01-31T00:00:00Z", count: 3)
            == ["2026-03-31T00:00:00Z", "2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z"])
        #expect(try fires("0 0 0 30 * *", utc, after: "2026-01-30T00:00:00Z") == ["2026-03-30T00:00:00Z"])
        #expect(try fires("59 59 23 31 12 *", utc, after: "2026-06-01T00:00:00Z", count: 2)
            == ["2026-12-31T23:59:59Z", "2027-12-31T23:59:59Z"])
        #expect(try fires("0 0 0 1 1 *", utc, after: "2026-12-31T23:59:59Z") == ["2027-01-01T00:00:00Z"])
        #expect(try fires("* * * * * *", utc, after: "2026-12-31T23:59:59Z") == ["2027-01-01T00:00:00Z"])
    }

    @Test func impossibleExpressionsReturnNil() throws {
        for text in ["0 0 0 30 2 *", "0 0 0 31 4,6,9,11 *", "0 0 0 31 2 ?"] {
            let schedule = try CronSchedule(text, timeZone: newYork)
            #expect(schedule.next(after: instant("2026-01-01T00:00:00Z")) == nil)
            #expect(schedule.previous(before: instant("2026-01-01T00:00:00Z")) == nil)
        }
        // With the OR rule the day of week still fires (in February: the 2nd is a Monday).
        #expect(try fires("0 0 0 30 2 MON", utc, after: "2026-01-01T00:00:00Z") == ["2026-02-02T00:00:00Z"])
    }

    @Test func previousMirrorsNext() throws {
        let schedule = try CronSchedule("0 0 9-17/2 * * 1-5")
        #expect(local(schedule.previous(before: instant("2026-01-05T09:00:00Z")), utc) == "2026-01-02T17:00:00Z")
        #expect(local(schedule.previous(before: instant("2026-01-05T09:00:01Z")), utc) == "2026-01-05T09:00:00Z")
        let everySecond = try CronSchedule("* * * * * *")
        #expect(local(everySecond.previous(before: instant("2027-01-01T00:00:00Z")), utc) == "2026-12-31T23:59:59Z")
    }

    @Test func matchesOnlyFireTimes() throws {
        let schedule = try CronSchedule("0 0 10 * * 1-5")
        #expect(schedule.matches(instant("2026-01-05T10:00:00Z")))
        #expect(!schedule.matches(instant("2026-01-04T10:00:00Z")))  // Sunday
        #expect(!schedule.matches(instant("2026-01-05T10:00:01Z")))
        #expect(!schedule.matches(Date(timeIntervalSince1970: 1_767_607_200.5)))
    }

    @Test func zonesShiftTheWallClock() throws {
        #expect(try fires("0 0 9 * * *", paris, after: "2026-01-05T00:00:00Z") == ["2026-01-05T09:00:00+01:00"])
        #expect(try fires("0 0 9 * * *", paris, after: "2026-07-05T00:00:00Z") == ["2026-07-05T09:00:00+02:00"])
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        #expect(try fires("0 0 9 * * *", kolkata, after: "2026-07-05T00:00:00Z") == ["2026-07-05T09:00:00+05:30"])
        #expect(try fires("0 0 9 * * *", TimeZone(secondsFromGMT: -7200)!, after: "2026-07-05T00:00:00Z")
            == ["2026-07-05T09:00:00-02:00"])
    }

    @Test func fireTimesIsLazyAndOrdered() throws {
        let schedule = try CronSchedule("*/15 * * * * *")
        let times = Array(schedule.fireTimes(after: instant("2026-01-01T00:00:00Z")).prefix(5))
        #expect(times.map { local($0, utc)! } == [
            "2026-01-01T00:00:15Z", "2026-01-01T00:00:30Z", "2026-01-01T00:00:45Z",
            "2026-01-01T00:01:00Z", "2026-01-01T00:01:15Z",
        ])
        #expect(Array(try CronSchedule("0 0 0 30 2 *").fireTimes(after: .now)).isEmpty)
    }
}
