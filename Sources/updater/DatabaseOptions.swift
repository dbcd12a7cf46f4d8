import ArgumentParser
import DatabaseUpdater
import Foundation

/// `--database`, shared by every command that touches the target database.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Target database: sqlite:PATH, sqlite::memory:, postgres://user:pass@host:5432/db or a libpq conninfo.",
        discussion: "Default: DATABASE_UPDATER_DATABASE_URL, else \(DatabaseLocation.defaultURL).",
        valueName: "url"))
    var database: String?

    /// The location to use: the flag, then the environment, then the default.
    var location: String {
        database ?? ProcessInfo.processInfo.environment["DATABASE_UPDATER_DATABASE_URL"] ?? DatabaseLocation.defaultURL
    }
}
