import ArgumentParser

@main
struct Updater: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "updater",
        abstract: "Keeps databases alive with realistic, scheduled, synthetic business traffic.",
        version: "0.1.0",
        subcommands: [Start.self, Status.self, Execute.self, Test.self, Logs.self, ConfigCommand.self, Backlog.self, Migrate.self, CronCommand.self]
    )
}
