import Foundation
import Testing
@testable import DatabaseUpdater

/// `UpdaterConfig` holds its database and scenario parsed, kept in step with their text, while
/// the configuration's shape (YAML, JSON) stays the text alone.
struct ParsedValuesTests {
    @Test func theDatabaseAndScenarioAreParsedWhenSet() throws {
        var config = UpdaterConfig()
        #expect(config.databaseLocation == .sqliteFile(path: "data/updater.sqlite"))
        #expect(config.scenarioValue.name == "office")
        config.database = "postgres://app:secret@db.internal:5432/plant"
        config.scenario = "factory"
        #expect(config.databaseLocation?.dialect == .postgres)
        #expect(config.redacted.database == "postgres://app:***@db.internal:5432/plant")
        #expect(config.scenarioValue.databases == ["customers", "crm", "inventory", "mes", "erp"])
        config.database = "mysql://nope"
        #expect(config.databaseLocation == nil && config.redacted.database == "(invalid location)")

        config.database = "sqlite:databases/"
        let json = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(config)) as? [String: Any]
        #expect(json?["database"] as? String == "sqlite:databases/" && json?["scenario"] as? String == "factory")
        let decoded = try JSONDecoder().decode(UpdaterConfig.self, from: try JSONEncoder().encode(config))
        #expect(decoded == config && decoded.scenarioValue.name == "factory" && decoded.databaseLocation == config.databaseLocation)
    }
}
