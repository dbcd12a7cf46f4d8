import Foundation
import Testing
@testable import DatabaseUpdater

/// `targets:`: further databases one service drives, each read, checked against its own
/// scenario's updaters, and turned into a target's configuration.
struct TargetConfigTests {
    static func load(_ yaml: String) throws(ConfigurationError) -> UpdaterConfig {
        try ConfigLoader.load(data: Data(yaml.utf8), name: "test.yaml").config
    }

    @Test func aTargetGetsItsDatabaseScenarioSchedulesAndFolder() throws {
        let config = try Self.load("""
            database: postgres://app:secret@db.internal/crm
            dataDirectory: state
            seed: 9
            tenants:
              - id: 6b7d1c2e-0000-4000-8000-000000000001
                customerId: acme
                scheduleConfig: { serviceTickets: "0 0 * * * *" }
            targets:
              - name: plant
                database: "sqlite:databases/"
                scenario: factory
                scheduleConfig: { payroll: "0 0 16 * * 5" }
                enabledUpdaters: { customerMaintenance: false }
            """)
        #expect(config.targetNames == ["default", "plant"])
        let plant = try config.configuration(forTarget: "plant")
        #expect(plant.target == "plant" && plant.scenario == "factory" && plant.database == "sqlite:databases/")
        #expect(plant.scheduleConfig == ["payroll": "0 0 16 * * 5"] && plant.executionConfig.enabledUpdaters == ["customerMaintenance": false])
        #expect(plant.dataDirectory == URL(fileURLWithPath: "state/targets/plant").path && plant.seed == 9)
        #expect(plant.tenants.map(\.customerId) == ["acme"] && plant.tenants[0].scheduleConfig == nil, "the office's overrides stay the office's")
        #expect(ConfigLoader.validate(plant).isEmpty, "\(ConfigLoader.validate(plant))")
        #expect(try config.configuration(forTarget: "default") == config)
        #expect(throws: UpdaterError.self) { try config.configuration(forTarget: "warehouse") }
        #expect(config.redacted.targets.first?.database == "sqlite:databases/")
    }

    @Test func targetsAreCheckedAgainstTheirOwnScenario() {
        #expect(throws: ConfigurationError.self) { try Self.load("targets: [{name: plant}]") }
        do {
            _ = try Self.load("""
                database: sqlite:data/a.sqlite
                targets:
                  - { name: plant, database: "sqlite:databases/", scenario: factory, scheduleConfig: { serviceTickets: "* * * * * *" } }
                  - { name: plant, database: "sqlite:other/", scenario: factory }
                  - { name: "two words", database: "sqlite:data/a.sqlite", scenario: bakery }
                  - { name: spare, database: "postgres://u:hunter2@h/db", scenario: factory, enabledUpdaters: { payroll: maybe }, colour: blue }
                  - { name: default, database: "mysql://x" }
                """)
            Issue.record("an invalid target was accepted")
        } catch {
            let problems = error.problems.joined(separator: "\n")
            #expect(problems.contains("targets[0].scheduleConfig.serviceTickets: unknown updater key 'serviceTickets' (known: orderGeneration"), "\(problems)")
            #expect(problems.contains("targets[1].name: duplicate target 'plant'"), "\(problems)")
            #expect(problems.contains("targets[2].name: 'two words' is not a target name"), "\(problems)")
            #expect(problems.contains("targets[2].database: another target already writes to this database"), "\(problems)")
            #expect(problems.contains("targets[2].scenario: unknown scenario 'bakery'"), "\(problems)")
            #expect(problems.contains("targets[3].enabledUpdaters.payroll: wrong type"), "\(problems)")
            #expect(problems.contains("targets[4].name: duplicate target 'default'"), "\(problems)")
            #expect(problems.contains("targets[4].database:"), "\(problems)")
            #expect(!problems.contains("hunter2"))
        }
    }
}
