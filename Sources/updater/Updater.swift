import ArgumentParser
import DatabaseUpdater
import Logging

@main
struct Updater: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "updater",
        abstract: "Keeps databases alive with realistic, scheduled, synthetic business traffic.",
        version: "0.1.0",
        subcommands: [Start.self, Simulate.self, Status.self, Execute.self, Test.self, Logs.self, ConfigCommand.self, Backlog.self, Dashboard.self,
                      Watch.self, Monitor.self, Migrate.self, Verify.self, Score.self, Ledger.self, Slot.self, Capture.self, Cluster.self, Scenarios.self, CronCommand.self]
    )

    /// Tunes the allocator, parses, sets up logging, runs. One-off commands print their own results, so the library's
    /// log shows on stderr only from warnings up; `start` sets up its own files and console.
    static func main() async {
        MemoryTuning.apply()
        do {
            var command = try parseAsRoot(Simulate.normalizingStep(Array(CommandLine.arguments.dropFirst())))
            if !(command is Start) && !(command is Simulate) && !(command is any BootstrapsLogging) {
                LoggingSystem.bootstrap { ConsoleLogHandler(label: $0, level: .warning) }
            }
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let code = CommandFailure.exitCode(for: error) { exit(withError: code) }
            exit(withError: error)
        }
    }
}

/// A command that sets up logging itself, once it knows where its work runs (the backlog's
/// actions: the day files when they run locally, the console when a service does the work).
protocol BootstrapsLogging {}
