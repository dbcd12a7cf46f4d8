import Foundation
import Testing

struct CronCommandTests {
    @Test func nextPrintsInstantsWithTheZoneOffset() async throws {
        let result = try await CommandRunner.run(["cron", "next", "0 0 9-17/2 * * 1-5", "--from", "2026-03-02T08:00:00+01:00",
                                            "--tz", "Europe/Paris", "--count", "3"])
        #expect(result.status == 0)
        #expect(result.stdout == "2026-03-02T09:00:00+01:00\n2026-03-02T11:00:00+01:00\n2026-03-02T13:00:00+01:00\n")
    }

    @Test func nextDefaultsToFiveTimesInTheConfiguredZone() async throws {
        let result = try await CommandRunner.run(["cron", "next", "0 30 2 * * *", "--from", "2026-03-07T12:00:00Z"],
                                           environment: ["DATABASE_UPDATER_TIMEZONE": "America/New_York"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        #expect(lines.first == "2026-03-08T03:00:00-04:00")  // 02:30 was skipped that night
    }

    @Test(arguments: [
        (["cron", "next", "0 0 24 * * *"], "hour field"),
        (["cron", "next", "* * * * *"], "expected 6 fields"),
        (["cron", "next", "0 0 9 * * *", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["cron", "next", "0 0 9 * * *", "--from", "yesterday"], "invalid --from"),
        (["cron", "next", "0 0 0 30 2 *"], "never fires"),
        (["cron", "explain", "*/0 * * * * *"], "second field"),
        (["cron", "next", "@every 0s"], #"invalid cron expression "@every 0s": an interval must be at least 1 second"#),
        (["cron", "next", "@every 5x"], "unknown unit 'x' in '5x'"),
        (["cron", "next", "@every 90m", "--anchor", "tomorrow"], "invalid --anchor 'tomorrow': expected ISO 8601"),
        (["cron", "explain", "@fortnightly"], "unknown macro '@fortnightly'"),
    ])
    func invalidInputExitsNonZeroWithNothingOnStdout(arguments: [String], message: String) async throws {
        let result = try await CommandRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func explainDescribesTheExpression() async throws {
        let result = try await CommandRunner.run(["cron", "explain", "0 */2 9-17 * * 1-5"])
        #expect(result.status == 0)
        #expect(result.stdout == "every 2 minutes from 09:00 through 17:58, Monday through Friday\n")
    }

    @Test func nextCountsAnIntervalFromItsAnchor() async throws {
        let result = try await CommandRunner.run(["cron", "next", "@every 90m", "--anchor", "2026-03-01T00:00:00Z", "--count", "3",
                                                  "--from", "2026-03-01T00:00:00Z"])
        #expect(result.status == 0)
        #expect(result.stdout == "2026-03-01T01:30:00Z\n2026-03-01T03:00:00Z\n2026-03-01T04:30:00Z\n")
        // A date is midnight in the zone; the environment's anchor is the default.
        let paris = try await CommandRunner.run(["cron", "next", "@every 1d", "--from", "2026-03-28T12:00:00+01:00", "--count", "2"],
                                                environment: ["DATABASE_UPDATER_TIMEZONE": "Europe/Paris",
                                                              "DATABASE_UPDATER_SCHEDULE_ANCHOR": "2026-03-01"])
        #expect(paris.stdout == "2026-03-29T00:00:00+01:00\n2026-03-30T01:00:00+02:00\n", "\(paris.stderr)")
    }

    /// From now: three fires 90 minutes apart, on the anchor's grid, the first within 90 minutes.
    @Test func nextFromNowStaysOnTheAnchorsGrid() async throws {
        let before = Date()
        let result = try await CommandRunner.run(["cron", "next", "@every 90m", "--anchor", "2026-03-01T00:00:00Z", "--count", "3"])
        #expect(result.status == 0)
        let formatter = ISO8601DateFormatter()
        let fires = result.stdout.split(separator: "\n").compactMap { formatter.date(from: String($0)) }
        #expect(fires.count == 3)
        let anchor = try #require(formatter.date(from: "2026-03-01T00:00:00Z"))
        for (index, fire) in fires.enumerated() {
            #expect(fire.timeIntervalSince(anchor).truncatingRemainder(dividingBy: 5400) == 0)
            if index > 0 { #expect(fire.timeIntervalSince(fires[index - 1]) == 5400) }
        }
        #expect(fires.first.map { $0 > before.addingTimeInterval(-1) && $0 <= before.addingTimeInterval(5400 + 60) } == true)
    }

    @Test func explainUnderstandsMacrosAndIntervals() async throws {
        let weekly = try await CommandRunner.run(["cron", "explain", "@weekly"])
        #expect(weekly.status == 0)
        #expect(weekly.stdout == "at 00:00, on Sunday\n")
        let interval = try await CommandRunner.run(["cron", "explain", "@every 3d", "--anchor", "2026-03-01", "--tz", "Europe/Paris"])
        #expect(interval.stdout == "every 3 days, from 2026-03-01 00:00:00\n", "\(interval.stderr)")
    }
}
