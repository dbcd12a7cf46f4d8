import Foundation
import Testing
@testable import DatabaseUpdater

/// The key table is the one list of configuration keys: these tests hold it to that.
struct ConfigKeyTableTests {
    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    private func write(_ yaml: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("updater-keys-\(UUID().uuidString).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// A new key is one line in the table: with nothing else changed, files set it (and name
    /// themselves as its source), validation reports a bad value of it, `updater config` shows it
    /// with its meaning, a running service refuses to change it when the line says so, and the
    /// documentation lists it. (A test cannot add a stored field to `UpdaterConfig`, so its key
    /// writes an existing one under a new name.)
    @Test func aNewKeyIsOneLineInTheTable() throws {
        let keys = ConfigKeyTable(ConfigKeyTable.standard.all + [
            .value("retries.limit", \.misfireLimit, .int(1...20), env: "DATABASE_UPDATER_RETRIES", live: .restart, "How often a failed fire is retried."),
        ])
        let file = try write("retries:\n  limit: 7\n")
        let loaded = try ConfigLoader.load(file: file, environment: [:], keys: keys)
        #expect(loaded.config.misfireLimit == 7)
        #expect(loaded.sources["retries.limit"] == .file(file))
        #expect(loaded.warnings.isEmpty)
        let shown = keys.describe(loaded)
        #expect(shown.hasSuffix("retries:\n  # How often a failed fire is retried.\n  limit: 7   (file \(file))"), "\(shown)")

        let bad = #expect(throws: ConfigurationError.self) {
            try ConfigLoader.load(file: try write("retries:\n  limit: 99\n"), environment: [:], keys: keys)
        }
        #expect(bad?.problems == ["retries.limit: out of range: must be from 1 to 20, got 99"])
        let wrongType = #expect(throws: ConfigurationError.self) {
            try ConfigLoader.load(file: nil, defaultFile: nil, environment: ["DATABASE_UPDATER_RETRIES": "often"], keys: keys)
        }
        #expect(wrongType?.problems == ["retries.limit: wrong type: expected a whole number, got text 'often'"])
        #expect(keys.environmentKeys["DATABASE_UPDATER_RETRIES"] == "retries.limit")

        var changed = loaded.config
        changed.misfireLimit = 8
        #expect(keys.liveUpdateProblems(from: loaded.config, to: changed) == ["retries.limit: cannot change while running (restart the service)"])
        #expect(keys.markdown().contains("| `retries.limit` | whole number from 1 to 20 | `10` | `DATABASE_UPDATER_RETRIES` | restart | How often a failed fire is retried. |"))

        // The standard table does not know the key: a file's is a warning, a live update's a problem.
        let standard = try ConfigLoader.load(file: file, environment: [:])
        #expect(standard.warnings == ["unknown key 'retries' (ignored)"])
        let live = #expect(throws: ConfigurationError.self) { try ConfigLoader.merge(["retries": ["limit": 7]], into: standard) }
        #expect(live?.problems == ["retries: unknown key"])
    }

    /// `docs/CONFIGURATION.md` is generated (`updater config --keys`), so it cannot drift from the table.
    @Test func theCommittedReferenceIsTheGeneratedOne() throws {
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("docs/CONFIGURATION.md"), encoding: .utf8)
        #expect(committed == ConfigKeyTable.standard.markdown(),
                "docs/CONFIGURATION.md is stale: run `swift run updater config --keys > docs/CONFIGURATION.md`")
    }

    /// Every field of `UpdaterConfig` (as it is encoded) has its key in the table, and every key
    /// its field: a field added without a key fails here.
    @Test func everyFieldHasAKeyAndEveryKeyAField() throws {
        var config = UpdaterConfig(seed: 1, api: .init(token: "a-token-of-sixteen"), scheduleAnchor: Date(timeIntervalSince1970: 0))
        config.executionConfig.retentionDays = 30
        config.groundTruth.walSlot = "slot"
        let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        let table = ConfigKeyTable.standard
        func leaves(_ object: [String: Any], under prefix: String) -> [String] {
            object.flatMap { name, value -> [String] in
                let path = prefix.isEmpty ? name : "\(prefix).\(name)"
                if table[path] == nil, let nested = value as? [String: Any] { return leaves(nested, under: path) }
                return [path]
            }
        }
        #expect(Set(leaves(encoded, under: "")) == Set(table.all.map(\.path)))
    }

    /// The live-update rules come from the table: keys opened at start need a restart, scheduling
    /// has its own routes, and everything else changes at once.
    @Test func liveUpdateRulesComeFromTheTable() {
        let old = UpdaterConfig()
        var new = old
        new.database = "sqlite::memory:"
        new.enableScheduling = false
        new.api.port = 5001
        new.misfireLimit = 3
        new.timezone = "Europe/Paris"
        #expect(ConfigKeyTable.standard.liveUpdateProblems(from: old, to: new) == [
            "database: cannot change while running (restart the service)",
            "enableScheduling: cannot change while running (use POST /stop and /start to pause and resume)",
            "api.port: cannot change while running (restart the service)",
        ])
        #expect(UpdaterConfig.restartOnlyKeys.contains("executionConfig.maxConcurrentExecutions"))
        #expect(!UpdaterConfig.restartOnlyKeys.contains("enableScheduling"))
    }

    @Test func theEnvironmentVariablesComeFromTheTable() {
        #expect(ConfigLoader.environmentKeys == [
            "DATABASE_UPDATER_DATABASE_URL": "database", "DATABASE_UPDATER_TIMEZONE": "timezone",
            "DATABASE_UPDATER_LOG_LEVEL": "logLevel", "DATABASE_UPDATER_API_TOKEN": "api.token",
            "DATABASE_UPDATER_SCHEDULE_ANCHOR": "scheduleAnchor", "DATABASE_UPDATER_SCENARIO": "scenario",
        ])
    }

    /// `updater config` shows every key of the table, each under its meaning, and no secret.
    @Test func describeShowsEveryKeyWithItsMeaning() throws {
        let loaded = try ConfigLoader.load(file: nil, defaultFile: nil,
                                           environment: ["DATABASE_UPDATER_DATABASE_URL": "postgres://app:hunter2@db/crm",
                                                         "DATABASE_UPDATER_API_TOKEN": "T0ken-S3cret-0123456789"])
        let shown = ConfigKeyTable.standard.describe(loaded)
        for key in ConfigKeyTable.standard.all {
            #expect(shown.contains("# \(key.summary)\n"), "\(key.path)")
            #expect(shown.contains("\(key.path.split(separator: ".").last!):"), "\(key.path)")
        }
        #expect(shown.contains("database: postgres://app:***@db/crm   (environment DATABASE_UPDATER_DATABASE_URL)"))
        #expect(shown.contains("  token: set, hidden   (environment DATABASE_UPDATER_API_TOKEN)"))
        #expect(!shown.contains("hunter2") && !shown.contains("T0ken-S3cret"))
        #expect(shown.contains("executionConfig:\n  # Which updaters run; an updater not named runs.\n  enabledUpdaters:\n    businessActivities: true\n"))
    }

    /// The zone is looked up once, when the name is set; the encoded shape is the name alone.
    @Test func theTimeZoneIsParsedOnceAndEncodedAsItsName() throws {
        var config = UpdaterConfig(timezone: "Europe/Paris")
        #expect(config.timeZone.identifier == "Europe/Paris")
        config.timezone = "America/New_York"
        #expect(config.timeZone.identifier == "America/New_York")
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as? [String: Any])
        #expect(json["timezone"] as? String == "America/New_York")
        #expect(try JSONDecoder().decode(UpdaterConfig.self, from: JSONEncoder().encode(config)).timeZone.identifier == "America/New_York")
    }
}
