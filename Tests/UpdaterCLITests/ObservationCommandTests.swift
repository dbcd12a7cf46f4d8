import DatabaseUpdater
import Foundation
import Testing

/// `logs`, `status` and `config`.
struct ObservationCommandTests {
    private func entry(_ time: String, _ level: String, _ message: String) -> String {
        #"{"label":"updater","level":"\#(level)","message":"\#(message)","metadata":{},"time":"\#(time)"}"#
    }

    @Test func logsCountThreePrintsTheLastThreeAcrossADayBoundary() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try [entry("2026-11-23T23:59:58.000Z", "info", "one"), entry("2026-11-23T23:59:59.000Z", "warn", "two")]
            .joined(separator: "\n").appending("\n")
            .write(to: logs.appendingPathComponent("database-updater-2026-11-23.log"), atomically: true, encoding: .utf8)
        try [entry("2026-11-24T00:00:00.000Z", "info", "three"), entry("2026-11-24T00:00:01.000Z", "error", "four")]
            .joined(separator: "\n").appending("\n")
            .write(to: logs.appendingPathComponent("database-updater-2026-11-24.log"), atomically: true, encoding: .utf8)
        let result = try await CommandRunner.run(["logs", "--count", "3"], in: folder)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.map { $0.split(separator: " ").last.map(String.init) } == ["two", "three", "four"])
        #expect(lines[0].hasPrefix("2026-11-23T23:59:59.000Z WARN"))
        let warnings = try await CommandRunner.run(["logs", "--count", "10", "--level", "warn", "--json"], in: folder)
        let messages = try warnings.stdout.split(separator: "\n").map { try JSONDecoder().decode(LogEntry.self, from: Data($0.utf8)).message }
        #expect(messages == ["two", "four"])
        let bad = try await CommandRunner.run(["logs", "--level", "loud"], in: folder)
        #expect(bad.status != 0)
    }

    @Test func logsFollowPrintsNewEntriesAsTheyAreWritten() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let logs = folder.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let file = logs.appendingPathComponent("database-updater-2026-11-24.log")
        try (entry("2026-11-24T10:00:00.000Z", "info", "before") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let follower = try ServiceProcess(["logs", "--count", "5", "--follow"], in: folder)
        #expect(await follower.waitForLines(where: { $0.hasSuffix("before") }))
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((entry("2026-11-24T10:00:01.000Z", "warn", "after") + "\n").utf8))
        try handle.close()
        #expect(await follower.waitForLines(where: { $0.hasSuffix("after") && $0.contains("WARN") }), "\(follower.stdout)")
        // A new day's file is picked up too.
        try (entry("2026-11-25T00:00:00.000Z", "info", "next day") + "\n")
            .write(to: logs.appendingPathComponent("database-updater-2026-11-25.log"), atomically: true, encoding: .utf8)
        #expect(await follower.waitForLines(where: { $0.hasSuffix("next day") }), "\(follower.stdout)")
        follower.signal(SIGINT)
        _ = await follower.waitForExit(timeout: .seconds(5))
    }

    @Test func theServiceWritesDailyJsonLogs() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig("""
            database: sqlite:data/target.sqlite
            scheduleConfig: { serviceTickets: "* * * * * *" }
            executionConfig: { enabledUpdaters: { businessActivities: false, newLeads: false } }
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(2, where: { $0.contains("succeeded") }))
        service.signal(SIGINT)
        #expect(await service.waitForExit() == 0)
        let files = LogReader.dayFiles(in: folder.appendingPathComponent("logs"))
        #expect(files.count == 1)
        #expect(files.first?.lastPathComponent.range(of: #"^database-updater-\d{4}-\d{2}-\d{2}\.log$"#, options: .regularExpression) != nil)
        let entries = try LogReader.entries(in: files[0])
        #expect(entries.contains { $0.message == "service started" })
        #expect(entries.contains { $0.message == "execution" && $0.metadata["updater"] == "service_tickets" && $0.metadata["outcome"] == "succeeded" })
        #expect(entries.last?.message == "service stopped")
        let logs = try await CommandRunner.run(["logs", "--count", "200", "--config", config], in: folder)
        #expect(logs.stdout.contains("service stopped"))
    }

    @Test func statusWorksWithoutARunningServiceAndShowsMetrics() async throws {
        let folder = try CommandRunner.temporaryFolder()
        _ = try await CommandRunner.run(["execute", "service_tickets"], in: folder)
        _ = try await CommandRunner.run(["execute", "business_records"], in: folder)
        let human = try await CommandRunner.run(["status"], in: folder)
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("service: not running"))
        #expect(human.stdout.contains("database: sqlite:data/updater.sqlite — reachable"))
        let json = try await CommandRunner.run(["status", "--json"], in: folder)
        let status = try JSONCoding.decoder().decode(ServiceStatus.self, from: Data(json.stdout.utf8))
        #expect(!status.running)
        #expect(status.schedules.count == 3)
        #expect(status.schedules.first { $0.updater == "service_tickets" }?.schedule == "0 0 */6 * * *")
        #expect(status.metrics.first { $0.updater == "service_tickets" }?.successfulExecutions == 1)
    }

    @Test func statusSaysWhenTheDatabaseIsDownWithoutThePassword() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["status", "--database", "postgres://app:S3cret-pw@127.0.0.1:1/crm"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.contains("database: postgres://app:***@127.0.0.1:1/crm — unreachable"))
        #expect(!result.stdout.contains("S3cret-pw") && !result.stderr.contains("S3cret-pw"))
    }

    @Test func configShowsSourcesAndHidesThePassword() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig("timezone: Europe/Paris\nscheduleConfig: { newLeads: \"0 0 */2 * * *\" }\n", in: folder)
        let result = try await CommandRunner.run(["config", "--config", config],
                                           environment: ["DATABASE_UPDATER_DATABASE_URL": "postgres://app:S3cret-pw@db/crm",
                                                         "DATABASE_UPDATER_API_TOKEN": "T0ken-S3cret-0123456789"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.contains("database: postgres://app:***@db/crm   (environment DATABASE_UPDATER_DATABASE_URL)"))
        #expect(result.stdout.contains("timezone: Europe/Paris   (file \(config))"))
        #expect(result.stdout.contains(#"newLeads: "0 0 */2 * * *"   # at second 0 of minute 0, every 2 hours"#))
        #expect(!result.stdout.contains("S3cret-pw"))
        #expect(result.stdout.contains("token: set, hidden   (environment DATABASE_UPDATER_API_TOKEN)"))
        #expect(!result.stdout.contains("T0ken-S3cret"))
        let json = try await CommandRunner.run(["config", "--json"], environment: ["DATABASE_UPDATER_DATABASE_URL": "postgres://app:S3cret-pw@db/crm"], in: folder)
        #expect(json.status == 0)
        #expect(!json.stdout.contains("S3cret-pw"))
        #expect(json.stdout.contains(#""database" : "environment DATABASE_UPDATER_DATABASE_URL""#))
    }

    @Test func configShowsTheScheduleAnchorAndWhatIntervalsMean() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig(
            "timezone: Europe/Paris\nscheduleAnchor: 2026-03-01\nscheduleConfig: { serviceTickets: \"@every 90m\", newLeads: \"@weekly\" }\n", in: folder)
        let result = try await CommandRunner.run(["config", "--config", config], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("scheduleAnchor: 2026-03-01T00:00:00+01:00   (file \(config))"))
        #expect(result.stdout.contains(#"serviceTickets: "@every 90m"   # every 1 hour and 30 minutes, from 2026-03-01 00:00:00"#))
        #expect(result.stdout.contains(#"newLeads: "@weekly"   # at 00:00, on Sunday"#))
        let defaults = try await CommandRunner.run(["config"], environment: ["DATABASE_UPDATER_TIMEZONE": "America/New_York"], in: folder)
        #expect(defaults.stdout.contains("scheduleAnchor: 1970-01-01T00:00:00-05:00\n"))
        let json = try await CommandRunner.run(["config", "--json", "--config", config], in: folder)
        #expect(json.stdout.contains(#""scheduleAnchor" : "2026-02-28T23:00:00.000Z""#))
    }
}
