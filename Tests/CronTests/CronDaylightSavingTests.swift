import Foundation
import Testing
@testable import Cron

/// cronie's rules in the three zones of DESIGN.md, 2026:
/// New York springs forward 8 March 02:00→03:00 and falls back 1 November 02:00→01:00;
/// Paris 29 March 02:00→03:00 and 25 October 03:00→02:00;
/// Sydney falls back 5 April 03:00→02:00 and springs forward 4 October 02:00→03:00.
struct CronDaylightSavingTests {
    // MARK: Spring forward, fixed time: fires once at the first instant after the jump.

    @Test func newYorkSkippedFixedTimeFiresAtTheJump() throws {
        #expect(try fires("0 30 2 * * *", newYork, after: "2026-03-07T12:00:00-05:00", count: 3)
            == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"])
        // Several fixed times in the skipped hour still fire only once.
        #expect(try fires("0 0,15,45 2 * * *", newYork, after: "2026-03-08T01:00:00-05:00", count: 2)
            == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"])
        // A fixed time that also matches 03:00 fires once there.
        #expect(try fires("0 30 2,3 * * *", newYork, after: "2026-03-08T01:00:00-05:00", count: 2)
            == ["2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"])
    }

    @Test func searchStartingJustBeforeTheJumpStillFiresAtIt() throws {
        #expect(try fires("0 30 2 * * *", newYork, after: "2026-03-08T01:59:59-05:00") == ["2026-03-08T03:00:00-04:00"])
        #expect(try fires("0 30 2 * * *", newYork, after: "2026-03-08T03:00:00-04:00") == ["2026-03-09T02:30:00-04:00"])
    }

    @Test func parisAndSydneySkippedFixedTime() throws {
        #expect(try fires("0 30 2 * * *", paris, after: "2026-03-28T12:00:00+01:00", count: 2)
            == ["2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"])
        #expect(try fires("0 30 2 * * *", sydney, after: "2026-10-03T12:00:00+10:00", count: 2)
            == ["2026-10-04T03:00:00+11:00", "2026-10-05T02:30:00+11:00"])
    }

    // MARK: Spring forward, wildcard: skipped wall-clock times do not happen.

    @Test func skippedWildcardTimesDoNotHappen() throws {
        #expect(try fires("0 15 * * * *", newYork, after: "2026-03-08T01:20:00-05:00", count: 2)
            == ["2026-03-08T03:15:00-04:00", "2026-03-08T04:15:00-04:00"])
        #expect(try fires("0 */30 * * * *", paris, after: "2026-03-29T01:40:00+01:00", count: 2)
            == ["2026-03-29T03:00:00+02:00", "2026-03-29T03:30:00+02:00"])
    }

    // MARK: Fall back, fixed time: fires once, at the first occurrence.

    @Test func repeatedFixedTimeFiresOnce() throws {
        #expect(try fires("0 30 1 * * *", newYork, after: "2026-10-31T12:00:00-04:00", count: 2)
            == ["2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"])
        #expect(try fires("0 30 2 * * *", paris, after: "2026-10-24T12:00:00+02:00", count: 2)
            == ["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"])
        #expect(try fires("0 30 2 * * *", sydney, after: "2026-04-04T12:00:00+11:00", count: 2)
            == ["2026-04-05T02:30:00+11:00", "2026-04-06T02:30:00+10:00"])
        // Starting inside the second pass does not fire the repeated time again.
        #expect(try fires("0 45 1 * * *", newYork, after: "2026-11-01T01:10:00-05:00")
            == ["2026-11-02T01:45:00-05:00"])
    }

    // MARK: Fall back, wildcard: repeated times happen in both passes.

    @Test func repeatedWildcardTimesFireTwice() throws {
        #expect(try fires("0 30 * * * *", newYork, after: "2026-11-01T00:45:00-04:00", count: 3)
            == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"])
        #expect(try fires("0 */20 * * * *", sydney, after: "2026-04-05T02:50:00+11:00", count: 2)
            == ["2026-04-05T02:00:00+10:00", "2026-04-05T02:20:00+10:00"])
        // Every minute at the end of the first pass continues into the second pass.
        #expect(try fires("0 * * * * *", paris, after: "2026-10-25T02:59:00+02:00", count: 2)
            == ["2026-10-25T02:00:00+01:00", "2026-10-25T02:01:00+01:00"])
    }

    // MARK: previous() applies the same rules backwards.

    @Test func previousAcrossTransitions() throws {
        let skipped = try CronSchedule("0 30 2 * * *", timeZone: newYork)
        #expect(local(skipped.previous(before: instant("2026-03-08T12:00:00-04:00")), newYork) == "2026-03-08T03:00:00-04:00")
        #expect(local(skipped.previous(before: instant("2026-03-08T03:00:00-04:00")), newYork) == "2026-03-07T02:30:00-05:00")
        let repeated = try CronSchedule("0 30 1 * * *", timeZone: newYork)
        #expect(local(repeated.previous(before: instant("2026-11-01T12:00:00-05:00")), newYork) == "2026-11-01T01:30:00-04:00")
        let wildcard = try CronSchedule("0 30 * * * *", timeZone: newYork)
        #expect(local(wildcard.previous(before: instant("2026-11-01T02:00:00-05:00")), newYork) == "2026-11-01T01:30:00-05:00")
        #expect(local(wildcard.previous(before: instant("2026-11-01T01:30:00-05:00")), newYork) == "2026-11-01T01:30:00-04:00")
    }

    @Test func matchesFollowsTheSameRules() throws {
        let skipped = try CronSchedule("0 30 2 * * *", timeZone: newYork)
        #expect(skipped.matches(instant("2026-03-08T03:00:00-04:00")))
        let repeated = try CronSchedule("0 30 1 * * *", timeZone: newYork)
        #expect(repeated.matches(instant("2026-11-01T01:30:00-04:00")))
        #expect(!repeated.matches(instant("2026-11-01T01:30:00-05:00")))
    }
}
