import ArgumentParser
import DatabaseUpdater

extension Updater {
    /// `updater migrate`: bring the target database's schema up to date.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the scenario's schema in the target database (safe to run again).",
            discussion: """
                A scenario's reference data (the factory's customers, catalogue, stock and employees) is created at the first \
                start, simulation or execution, stamped with that run's clock, so a simulation's rows and its seed data share \
                one timeline.
                """
        )

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let scenario = config.scenarioValue
            let database = try await DatabaseFactory.open(config.database, poolSize: 1, databases: scenario.databases)
            let report: Migrator.Report
            do {
                report = try await Migrator.migrate(database, migrations: scenario.migrations)
            } catch {
                await database.close()
                throw error
            }
            await database.close()
            if report.applied.isEmpty {
                print("\(database.redactedLocation): schema is up to date (version \(report.currentVersion))")
            } else {
                let names = scenario.migrations.filter { report.applied.contains($0.version) }.map { "  \($0.version): \($0.name)" }
                print("\(database.redactedLocation): applied \(report.applied.count) migration(s), schema version \(report.currentVersion)")
                print(names.joined(separator: "\n"))
            }
        }
    }
}
