import Foundation
import Testing
@testable import DatabaseUpdater

struct ConfigLoaderTests {
    /// The repository's Fixtures folder, found from this file's path.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/config")
    static let repositoryConfig = fixtures.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Config")

    private func write(_ yaml: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("updater-config-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test func defaultsWithoutAnyFile() throws {
        let loaded = try ConfigLoader.load(file: nil, defaultFile: nil, environment: [:])
        #expect(loaded.config == UpdaterConfig())
        #expect(loaded.sources.isEmpty)
    }

    @Test func theShippedFilesAreValidAndUpdaterYamlIsTheDefaults() throws {
        let production = try ConfigLoader.load(file: Self.repositoryConfig.appendingPathComponent("updater.yaml").path, environment: [:])
        var expected = UpdaterConfig()
        expected.scheduleConfig = ["businessActivities": "0 0 9-17/2 * * 1-5", "serviceTickets": "0 0 */6 * * *", "newLeads": "0 0 10 * * 1-5"]
        expected.executionConfig.enabledUpdaters = ["businessActivities": true, "serviceTickets": true, "newLeads": true]
        #expect(production.config == expected)
        #expect(production.warnings.isEmpty)
        let demo = try ConfigLoader.load(file: Self.repositoryConfig.appendingPathComponent("demo.yaml").path, environment: [:])
        #expect(demo.config.scheduleConfig["serviceTickets"] == "*/20 * * * * *")
    }

    @Test func laterSourcesWin() throws {
        let file = try write("""
            database: sqlite:from-file.sqlite
            timezone: Europe/Paris
            logLevel: debug
            """)
        let loaded = try ConfigLoader.load(
            file: file,
            environment: ["DATABASE_UPDATER_TIMEZONE": "America/New_York", "DATABASE_UPDATER_DATABASE_URL": "sqlite:from-env.sqlite"],
            overrides: .init(database: "sqlite:from-flag.sqlite", logLevel: "warn", dryRun: true))
        #expect(loaded.config.database == "sqlite:from-flag.sqlite")
        #expect(loaded.config.timezone == "America/New_York")
        #expect(loaded.config.logLevel == .warn)
        #expect(loaded.config.dryRun)
        #expect(loaded.sources["database"] == .flag("--database"))
        #expect(loaded.sources["timezone"] == .environment("DATABASE_UPDATER_TIMEZONE"))
        #expect(loaded.sources["logLevel"] == .flag("--log-level"))
    }

    @Test func perTenantOverrides() throws {
        let loaded = try ConfigLoader.load(file: Self.fixtures.appendingPathComponent("two-tenants.yaml").path, environment: [:])
        let config = loaded.config
        #expect(config.tenants.count == 2)
        let tickets = ServiceTicketsUpdater(), leads = BusinessRecordsUpdater()
        #expect(config.schedule(for: tickets, tenant: config.tenants[0]) == "0 0 */6 * * *")
        #expect(config.schedule(for: tickets, tenant: config.tenants[1]) == "0 30 */2 * * *")
        #expect(config.schedule(for: leads, tenant: config.tenants[1]) == "0 0 10 * * 1-5")
        #expect(config.isEnabled(leads, tenant: config.tenants[0]))
        #expect(!config.isEnabled(leads, tenant: config.tenants[1]))
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        do {
            _ = try ConfigLoader.load(file: Self.fixtures.appendingPathComponent("invalid.yaml").path, environment: [:])
            Issue.record("an invalid configuration loaded")
        } catch {
            let text = error.description
            for expected in [
                "timezone: unknown time zone 'Mars/Olympus_Mons'",
                #"scheduleConfig.serviceTickets: invalid cron expression "0 0 25 * * *": hour field: value 25 is out of range (allowed: 0-23)"#,
                "scheduleConfig.invoices: unknown updater key 'invoices'",
                "executionConfig.maxConcurrentExecutions: must be at least 1, got 0",
                "executionConfig.executionTimeoutMinutes: must be greater than 0, got -1.0",
                "executionConfig.enabledUpdaters.newLeads: expected true or false, got 'perhaps'",
                "tenants[1].id: duplicate tenant 550e8400-e29b-41d4-a716-446655440000",
            ] {
                #expect(error.problems.contains { $0.hasPrefix(expected) }, "missing: \(expected)\n\(text)")
            }
            #expect(error.problems.count == 7, "\(text)")
        }
    }

    @Test func unknownKeysAreWarnings() throws {
        let loaded = try ConfigLoader.load(file: try write("colour: blue\nexecutionConfig:\n  turbo: true\n"), environment: [:])
        #expect(loaded.warnings == ["unknown key 'colour' (ignored)", "unknown key 'executionConfig.turbo' (ignored)"])
    }

    @Test func brokenYamlAndMissingFilesAreProblems() throws {
        #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: try write("scheduleConfig: [unclosed\n"), environment: [:]) }
        #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: "/nonexistent/updater.yaml", environment: [:]) }
        // A bare * is a YAML alias: the user gets a YAML error, not a crash.
        #expect(throws: ConfigurationError.self) {
            try ConfigLoader.load(file: try write("scheduleConfig:\n  serviceTickets: */5 * * * * *\n"), environment: [:])
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigLoader.load(file: nil, defaultFile: nil, environment: ["DATABASE_UPDATER_LOG_LEVEL": "loud"])
        }
    }

    @Test func mergeValidatesTheWholeResultAndLeavesTheBaseAlone() throws {
        let base = try ConfigLoader.load(file: nil, defaultFile: nil, environment: [:])
        #expect(throws: ConfigurationError.self) {
            try ConfigLoader.merge(["scheduleConfig": ["serviceTickets": "0 0 */0 * * *"]], into: base)
        }
        let merged = try ConfigLoader.merge(["scheduleConfig": ["serviceTickets": "0 */5 * * * *"]], into: base)
        #expect(merged.config.scheduleConfig["serviceTickets"] == "0 */5 * * * *")
        #expect(merged.sources["scheduleConfig.serviceTickets"] == .api)
        #expect(base.config.scheduleConfig["serviceTickets"] == nil)
    }

    @Test func redactionHidesThePassword() {
        let config = UpdaterConfig(database: "postgres://app:hunter2@db/crm")
        #expect(config.redacted.database == "postgres://app:***@db/crm")
    }
}
