import ArgumentParser
import DatabaseUpdater

extension Updater {
    /// `updater migrate`: bring the target database's schema up to date.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the schema of the target database (safe to run again)."
        )

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let database = try await DatabaseFactory.open(try configOptions.load().config.database, poolSize: 1)
            let report: Migrator.Report
            do {
                report = try await Migrator.migrate(database)
            } catch {
                await database.close()
                throw error
            }
            await database.close()
            if report.applied.isEmpty {
                print("\(database.redactedLocation): schema is up to date (version \(report.currentVersion))")
            } else {
                let names = Schema.migrations.filter { report.applied.contains($0.version) }.map { "  \($0.version): \($0.name)" }
                print("\(database.redactedLocation): applied \(report.applied.count) migration(s), schema version \(report.currentVersion)")
                print(names.joined(separator: "\n"))
            }
        }
    }
}
