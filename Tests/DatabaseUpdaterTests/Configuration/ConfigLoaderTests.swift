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
                "executionConfig.maxConcurrentExecutions: out of range: must be from 1 to 256, got 0",
                "executionConfig.executionTimeoutMinutes: out of range: must be greater than 0 and at most 1440 (a day), got -1.0",
                "executionConfig.enabledUpdaters.newLeads: wrong type: expected true or false, got text 'perhaps'",
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

    /// Every numeric setting has a finite range, whatever the source; values no conversion could
    /// hold (1e300, infinities, NaN) are out of range, never a trap later.
    @Test(arguments: [
        ("executionConfig:\n  executionTimeoutMinutes: 1e300\n", "executionConfig.executionTimeoutMinutes: out of range"),
        ("executionConfig:\n  executionTimeoutMinutes: .inf\n", "executionConfig.executionTimeoutMinutes: out of range"),
        ("executionConfig:\n  executionTimeoutMinutes: .nan\n", "executionConfig.executionTimeoutMinutes: out of range"),
        ("executionConfig:\n  maxConcurrentExecutions: 3000\n", "executionConfig.maxConcurrentExecutions: out of range: must be from 1 to 256, got 3000"),
        ("executionConfig:\n  maxConcurrentExecutions: 1e300\n", "executionConfig.maxConcurrentExecutions: out of range"),
        ("executionConfig:\n  retentionDays: 99999999999\n", "executionConfig.retentionDays: out of range"),
        ("shutdownGracePeriodSeconds: 1e300\n", "shutdownGracePeriodSeconds: out of range: must be from 0 to 3600"),
        ("shutdownGracePeriodSeconds: -.inf\n", "shutdownGracePeriodSeconds: out of range"),
        ("misfireLimit: 100000000\n", "misfireLimit: out of range: must be from 1 to 10000"),
        ("seed: -1\n", "seed: out of range: must be from 0 to 18446744073709551615"),
        ("seed: 1e400\n", "seed: out of range"),
        ("seed: 2.5\n", "seed: wrong type"),
        ("api:\n  port: 70000\n", "api.port: out of range: must be from 0 to 65535, got 70000"),
        ("executionConfig:\n  maxConcurrentExecutions: lots\n", "executionConfig.maxConcurrentExecutions: wrong type: expected a whole number, got text 'lots'"),
        ("executionConfig:\n  maxConcurrentExecutions: true\n", "executionConfig.maxConcurrentExecutions: wrong type: expected a whole number, got true (a boolean)"),
    ])
    func numbersOutOfTheirRangeAreRefused(yaml: String, expected: String) throws {
        let error = #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: try write(yaml), environment: [:]) }
        #expect(error?.problems.count == 1 && error?.problems.first?.hasPrefix(expected) == true, "\(error?.description ?? "")")
    }

    @Test func theLargestSeedIsAccepted() throws {
        let loaded = try ConfigLoader.load(file: try write("seed: 18446744073709551615\n"), environment: [:])
        #expect(loaded.config.seed == UInt64.max)
    }

    /// A live update (the API's PUT /config) with a key the configuration does not have is
    /// refused, naming the key; so are wrong types and values out of range.
    @Test func liveUpdatesRefuseUnknownKeysAndSayWhatIsWrong() throws {
        let base = try ConfigLoader.load(file: nil, defaultFile: nil, environment: [:])
        let unknown = #expect(throws: ConfigurationError.self) {
            try ConfigLoader.merge(["colour": "blue", "executionConfig": ["turbo": true]], into: base)
        }
        #expect(unknown?.problems == ["colour: unknown key", "executionConfig.turbo: unknown key"])
        let seed = #expect(throws: ConfigurationError.self) { try ConfigLoader.merge(["seed": Double.infinity], into: base) }
        #expect(seed?.problems.first?.hasPrefix("seed: out of range") == true)
        let type = #expect(throws: ConfigurationError.self) { try ConfigLoader.merge(["misfireLimit": "ten"], into: base) }
        #expect(type?.problems.first?.hasPrefix("misfireLimit: wrong type") == true)
        let grace = #expect(throws: ConfigurationError.self) { try ConfigLoader.merge(["shutdownGracePeriodSeconds": 1e300], into: base) }
        #expect(grace?.problems.first?.hasPrefix("shutdownGracePeriodSeconds: out of range") == true)
    }

    /// The file is named once, in front of the problems; a directory or an unreadable file is
    /// said in words.
    @Test func theFileIsNamedOnceAndFileProblemsAreWords() throws {
        let broken = try write("scheduleConfig: [unclosed\n")
        let yamlError = #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: broken, environment: [:]) }
        let text = yamlError?.description ?? ""
        #expect(text.hasPrefix("\(broken): invalid configuration: invalid YAML: "), "\(text)")
        #expect(text.components(separatedBy: broken).count == 2, "the file is named once: \(text)")
        #expect(!text.contains("\n"))
        let directory = FileManager.default.temporaryDirectory.path
        let dirError = #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: directory, environment: [:]) }
        #expect(dirError?.description == "\(directory): invalid configuration: is a directory, not a configuration file")
        let missing = #expect(throws: ConfigurationError.self) { try ConfigLoader.load(file: "/nonexistent/x.yaml", environment: [:]) }
        #expect(missing?.description == "/nonexistent/x.yaml: invalid configuration: no such file")
    }

    @Test func redactionHidesThePassword() {
        let config = UpdaterConfig(database: "postgres://app:hunter2@db/crm")
        #expect(config.redacted.database == "postgres://app:***@db/crm")
    }
}
