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
}
