import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater backlog`: the pending work — missed fires and failed executions — and the
    /// operator's actions on it. The work is the library's (``BacklogReader``, the manager's
    /// backlog operations); these commands parse, choose the service's API or a local manager
    /// (``BacklogAccess``), and print (``BacklogOutput``).
    struct Backlog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The pending work: missed fires and failed executions, and what to do with them.",
            subcommands: [List.self, Status.self, Retry.self, Clear.self, MarkDone.self],
            defaultSubcommand: List.self
        )
    }
}

/// `--updater` and `--tenant`, shared by the backlog commands that take a filter.
struct BacklogFilterOptions: ParsableArguments {
    @Option(help: "Only this updater's items (name or configuration key).")
    var updater: String?

    @Option(help: "Only this tenant's items (a configured tenant's id).")
    var tenant: String?

    /// The filter, checked against `config` before anything is opened.
    /// - Throws: ``UpdaterError`` for an unknown updater, ``BadInput`` for a bad or unknown tenant.
    func filter(in config: UpdaterConfig) throws -> BacklogFilter {
        let name = try updater.map { try config.scenarioValue.updaters.updater(named: $0).name }
        return BacklogFilter(updater: name, tenant: try parseTenant(tenant, in: config))
    }
}

extension Updater.Backlog {
    /// `updater backlog list` (the default): each schedule's last fire, due fires and what the
    /// misfire policy would do with them on start, and its pending items with their ids.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List each schedule's missed fires (and what the misfire policy will do with them on start) and its pending items with their ids."
        )

        @Flag(help: "Print the schedules and their items as JSON.")
        var json = false

        @OptionGroup var filterOptions: BacklogFilterOptions
        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let (schedules, note) = try await BacklogAccess.list(config, filter: try filterOptions.filter(in: config))
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(schedules), as: UTF8.self))
                return
            }
            print(BacklogOutput.list(schedules, config: config, note: note))
        }
    }

    /// `updater backlog status`: counts by updater, tenant and reason, and the oldest item.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count the pending items by updater, tenant and reason, and show the oldest.")

        @Flag(help: "Print the counts as JSON.")
        var json = false

        @OptionGroup var filterOptions: BacklogFilterOptions
        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let status = try await BacklogAccess.status(config, filter: try filterOptions.filter(in: config))
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(status.status), as: UTF8.self))
                return
            }
            print(BacklogOutput.status(status, config: config))
        }
    }

    /// `updater backlog retry`: runs the pending items now, through the executor.
    struct Retry: AsyncParsableCommand, BootstrapsLogging {
        static let configuration = CommandConfiguration(
            abstract: "Run the pending fires and failed executions now, oldest first, as catch-up executions of their fires.",
            discussion: "Through the running service when there is one, else locally. Exit 1 if an execution failed."
        )

        @Flag(help: "Run each in a transaction that is rolled back: report what would be written, write nothing, resolve nothing.")
        var dryRun = false

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var filterOptions: BacklogFilterOptions
        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let report = try await BacklogAccess.retry(config, filter: try filterOptions.filter(in: config), dryRun: dryRun)
            try BacklogOutput.print(report, json: json, config: config)
            if !report.allSucceeded { throw ExitCode(CommandFailure.failed) }
        }
    }

    /// `updater backlog clear`: records the pending items as skipped, with the operator's reason.
    struct Clear: AsyncParsableCommand, BootstrapsLogging {
        static let configuration = CommandConfiguration(
            abstract: "Record the pending items as skipped, not run, with your reason; they stop being pending."
        )

        @Option(help: "Why (one line, recorded with each item).")
        var reason: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var filterOptions: BacklogFilterOptions
        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let report = try await BacklogAccess.clear(config, filter: try filterOptions.filter(in: config), reason: reason)
            try BacklogOutput.print(report, json: json, config: config)
        }
    }

    /// `updater backlog mark-done ID`: records one item as done.
    struct MarkDone: AsyncParsableCommand, BootstrapsLogging {
        static let configuration = CommandConfiguration(
            commandName: "mark-done",
            abstract: "Record one pending item as done (skipped, not run), by the id `backlog list` shows."
        )

        @Argument(help: "The item's id (12 hex digits).")
        var id: String

        @Option(help: "Why (one line, recorded with the item).")
        var reason: String?

        @Flag(help: "Print the report as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let report = try await BacklogAccess.markDone(config, id: id, reason: reason)
            try BacklogOutput.print(report, json: json, config: config)
        }
    }
}
