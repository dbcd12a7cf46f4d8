import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater monitor`: the reference snapshot-diff monitor, on the configured target's tables
    /// or on any table of any SQLite or PostgreSQL database.
    struct Monitor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A snapshot-diff monitor of any table: new, deleted and modified rows by primary key and row hash.",
            discussion: """
                Watches the configured target's scenario tables, or any table of any SQLite or PostgreSQL database \
                (--database URL --table NAME). Each check compares every row's hash with the previous check's; the \
                state folder keeps keys and hashes, never records.
                """,
            subcommands: [Start.self, Check.self, Status.self, Stop.self, Logs.self, Dashboard.self]
        )
    }
}

/// What the monitor watches and where it keeps its state: shared by every `monitor` subcommand.
struct MonitorOptions: ParsableArguments {
    @Option(name: .customLong("table"), help: ArgumentHelp(
        "A table to watch (repeatable; schema.table on PostgreSQL, database.table for the factory's SQLite files); default: the scenario's tables.",
        valueName: "name"))
    var tables: [String] = []

    @Option(help: ArgumentHelp("The column(s) that identify a row, comma-separated, for tables without a primary key (applies to every --table).",
                               valueName: "columns"))
    var key: String?

    @Option(help: ArgumentHelp("The state folder (hashes, log, pid file); default: DATA_DIRECTORY/monitor.", valueName: "dir"))
    var state: String?

    @OptionGroup var configOptions: ConfigOptions

    /// The loaded configuration and the state folder it implies.
    func load() throws -> (config: UpdaterConfig, store: MonitorStateStore) {
        let config = try configOptions.load().config
        return (config, MonitorStateStore(directory: state ?? URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("monitor").path))
    }

    /// The database and tables to watch, from the options and `config`.
    func source(_ config: UpdaterConfig) throws -> SnapshotMonitor.Source {
        guard let location = config.databaseLocation else { throw BadInput("no database to watch: give --database URL") }
        if case .sqliteFile(let path) = location, config.scenarioValue.databases.isEmpty, !FileManager.default.fileExists(atPath: path) {
            throw BadInput("no SQLite database at \(path)")
        }
        let keyColumns = key.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        if let keyColumns, keyColumns.isEmpty { throw BadInput("--key needs at least one column name") }
        if keyColumns != nil, tables.isEmpty { throw BadInput("--key applies to the tables given with --table") }
        let names = tables.isEmpty ? config.scenarioValue.trackedTables : tables
        if let empty = names.first(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) { throw BadInput("--table '\(empty)': a table name is needed") }
        return SnapshotMonitor.Source(location: location, attachments: config.scenarioValue.databases,
                                      tables: names.map { WatchedTable.Request(name: $0, key: keyColumns) })
    }
}

/// `--detections` and `--alert-command`, for the subcommands that check.
struct MonitorOutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Append every detected change to this file, JSON lines as updater score reads them.", valueName: "file"))
    var detections: String?

    @Option(help: ArgumentHelp("Run this shell command for each alert, the alert as JSON on its standard input.", valueName: "command"))
    var alertCommand: String?

    func monitor(_ options: MonitorOptions, config: UpdaterConfig, store: MonitorStateStore) throws -> SnapshotMonitor {
        SnapshotMonitor(sources: [try options.source(config)], store: store, detectionsFile: detections,
                        alertCommand: alertCommand.map(AlertCommand.init))
    }
}

/// The monitor's failures as the CLI reports them: one line, exit 2 for what the user must fix
/// (a table without key, a missing table), 1 for a database that does not answer.
enum MonitorFailure {
    static func report(_ error: any Error) -> any Error {
        switch error {
        case let error as MonitorError: return CommandFailure.exit(error.description, status: CommandFailure.badInput)
        case let error as DatabaseError: return CommandFailure.exit(error.message, status: CommandFailure.failed)
        default: return error
        }
    }
}
