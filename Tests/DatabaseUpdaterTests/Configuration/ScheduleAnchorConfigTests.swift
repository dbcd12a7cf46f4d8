import Cron
import Foundation
import Testing
@testable import DatabaseUpdater

/// `scheduleAnchor`, and schedules in the configuration that are macros or `@every` intervals.
struct ScheduleAnchorConfigTests {
    private func load(_ yaml: String, environment: [String: String] = [:]) throws(ConfigurationError) -> LoadedConfig {
        try ConfigLoader.load(data: Data(yaml.utf8), name: "anchor.yaml", environment: environment)
    }

    private func date(_ text: String) throws -> Date { try #require(ISO8601.parse(text)) }

    @Test func aDateIsMidnightInTheConfiguredZoneWhereverTheZoneIsSet() throws {
        // `timezone` comes after `scheduleAnchor` in the file, and the environment can change it again.
        let file = try load("scheduleAnchor: 2026-03-01\ntimezone: Europe/Paris\n")
        #expect(file.config.scheduleAnchor == (try date("2026-03-01T00:00:00+01:00")))
        #expect(file.sources["scheduleAnchor"] == .file("anchor.yaml"))
        let environment = try load("scheduleAnchor: 2026-03-01\ntimezone: Europe/Paris\n",
                                   environment: ["DATABASE_UPDATER_TIMEZONE": "America/New_York"])
        #expect(environment.config.scheduleAnchor == (try date("2026-03-01T00:00:00-05:00")))
    }

    @Test func aDateTimeIsAnInstant() throws {
        let loaded = try load("timezone: Europe/Paris\nscheduleAnchor: 2026-03-01T06:30:00Z\n")
        #expect(loaded.config.scheduleAnchor == (try date("2026-03-01T06:30:00Z")))
        #expect(try load("scheduleAnchor: null\n").config.scheduleAnchor == nil)
        #expect(try load("").config.scheduleAnchor == nil)
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let loaded = try load("scheduleAnchor: 2026-03-01\n", environment: ["DATABASE_UPDATER_SCHEDULE_ANCHOR": "2026-04-01T12:00:00+02:00"])
        #expect(loaded.config.scheduleAnchor == (try date("2026-04-01T10:00:00Z")))
        #expect(loaded.sources["scheduleAnchor"] == .environment("DATABASE_UPDATER_SCHEDULE_ANCHOR"))
    }

    @Test(arguments: [
        ("scheduleAnchor: yesterday\n", "scheduleAnchor: 'yesterday' is not a date or date-time (expected ISO 8601 such as "
            + "2026-03-01T00:00:00Z, or a date such as 2026-03-01 for midnight in the configured time zone)"),
        ("scheduleAnchor: 2026-02-30\n", "scheduleAnchor: '2026-02-30' is not a date or date-time"),
        ("scheduleAnchor: 1772323200\n", "scheduleAnchor: wrong type: expected text, got 1772323200"),
    ])
    func aBadAnchorIsOneClearProblem(_ yaml: String, _ problem: String) {
        let error = #expect(throws: ConfigurationError.self) { try load(yaml) }
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.hasPrefix(problem) == true, "\(error?.problems ?? [])")
    }

    @Test func aBadAnchorFromTheEnvironmentIsAProblemToo() {
        let error = #expect(throws: ConfigurationError.self) {
            try load("", environment: ["DATABASE_UPDATER_SCHEDULE_ANCHOR": "soon"])
        }
        #expect(error?.problems.first?.hasPrefix("scheduleAnchor: 'soon' is not a date or date-time") == true)
    }

    @Test func cronScheduleUsesTheZoneAndTheAnchor() throws {
        var config = UpdaterConfig(timezone: "Europe/Paris")
        // No anchor: midnight 1970-01-01 in the zone.
        #expect(try config.cronSchedule("@every 1d").next(after: try date("2026-01-15T12:00:00Z")) == (try date("2026-01-16T00:00:00+01:00")))
        config.scheduleAnchor = try date("2026-03-01T06:00:00Z")
        let schedule = try config.cronSchedule("@every 3d")
        #expect(schedule.timeZone.identifier == "Europe/Paris")
        #expect(schedule.anchor == config.scheduleAnchor)
        #expect(schedule.next(after: try date("2026-03-02T00:00:00Z")) == (try date("2026-03-04T06:00:00Z")))
        // An explicit anchor wins.
        #expect(try config.cronSchedule("@every 3d", anchor: try date("2026-03-02T00:00:00Z")).anchor == (try date("2026-03-02T00:00:00Z")))
        // Cron expressions are read in the zone.
        #expect(try config.cronSchedule("@daily").next(after: try date("2026-03-01T12:00:00Z")) == (try date("2026-03-02T00:00:00+01:00")))
    }

    @Test func validationAcceptsMacrosAndIntervals() throws {
        let loaded = try load("""
            scheduleConfig:
              serviceTickets: "@every 90m"
              newLeads: "@WEEKLY"
            tenants:
              - id: 550e8400-e29b-41d4-a716-446655440000
                scheduleConfig: { businessActivities: "@every 1h30m" }
            """)
        #expect(loaded.config.scheduleConfig["serviceTickets"] == "@every 90m")
        #expect(ConfigLoader.validate(loaded.config).isEmpty)
    }

    @Test func validationRejectsBadMacrosAndIntervalsInOneLineEach() {
        let error = #expect(throws: ConfigurationError.self) {
            try load("""
                scheduleConfig:
                  serviceTickets: "@every 0s"
                  newLeads: "@fortnightly"
                tenants:
                  - id: 550e8400-e29b-41d4-a716-446655440000
                    scheduleConfig: { businessActivities: "@every 5x" }
                """)
        }
        #expect(error?.problems == [
            #"scheduleConfig.newLeads: invalid cron expression "@fortnightly": unknown macro '@fortnightly' (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every DURATION)"#,
            #"scheduleConfig.serviceTickets: invalid cron expression "@every 0s": an interval must be at least 1 second, got '0s'"#,
            #"tenants[0].scheduleConfig.businessActivities: invalid cron expression "@every 5x": unknown unit 'x' in '5x' (units: s, m, h, d, w)"#,
        ])
    }

    @Test func liveUpdatesSetAndClearTheAnchor() throws {
        let base = try load("timezone: Europe/Paris\n")
        let set = try ConfigLoader.merge(["scheduleAnchor": "2026-04-01"], into: base)
        #expect(set.config.scheduleAnchor == (try date("2026-04-01T00:00:00+02:00")))
        #expect(set.sources["scheduleAnchor"] == .api)
        let cleared = try ConfigLoader.merge(["scheduleAnchor": NSNull()], into: set)
        #expect(cleared.config.scheduleAnchor == nil)
        let error = #expect(throws: ConfigurationError.self) { try ConfigLoader.merge(["scheduleAnchor": "never"], into: set) }
        #expect(error?.problems.first?.hasPrefix("scheduleAnchor: 'never' is not a date or date-time") == true)
    }

    @Test func theAnchorSurvivesJSON() throws {
        var config = UpdaterConfig()
        config.scheduleAnchor = try date("2026-03-01T00:00:00Z")
        let data = try JSONCoding.encoder().encode(config)
        #expect(String(decoding: data, as: UTF8.self).contains(#""scheduleAnchor":"2026-03-01T00:00:00.000Z""#))
        #expect(try JSONCoding.decoder().decode(UpdaterConfig.self, from: data) == config)
    }
}
