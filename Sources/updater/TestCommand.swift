import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater test`: dry-run every enabled updater for every tenant.
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dry-run every enabled updater for every tenant against the real schema; exit 1 if any fails."
        )

        @Flag(help: "Print the execution records as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let manager = try await DatabaseUpdaterManager.open(configuration: try configOptions.load().config)
            let records = await manager.testAll()
            await manager.close()
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(records), as: UTF8.self))
            } else {
                print(ExecutionReport.table(records))
                let failed = records.filter { $0.outcome != .succeeded }.count
                print("\(records.count - failed) passed, \(failed) failed (dry run: nothing was written)")
            }
            if records.contains(where: { $0.outcome != .succeeded }) { throw ExitCode(CommandFailure.failed) }
        }
    }
}
