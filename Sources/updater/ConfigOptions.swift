import ArgumentParser
import DatabaseUpdater
import Foundation

/// `--config`, `--database` and `--scenario`, accepted by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML); default \(ConfigLoader.defaultFile) when present.", valueName: "file"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp(
        "Target database: sqlite:PATH, sqlite::memory:, postgres://user:pass@host:5432/db or a libpq conninfo.",
        discussion: "Default: DATABASE_UPDATER_DATABASE_URL, the configuration file, else \(DatabaseLocation.defaultURL).",
        valueName: "url"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp(
        "The business simulated in the target database: \(ScenarioRegistry.builtIn.names.joined(separator: ", ")) (updater scenarios lists them).",
        discussion: "Default: DATABASE_UPDATER_SCENARIO, the configuration file, else \(ScenarioRegistry.defaultName).",
        valueName: "name"))
    var scenario: String?

    @Option(name: .long, help: ArgumentHelp(
        "Act on this target of the configuration (its `targets:` entries, or the top-level one); default: every target for start, else the top-level one.",
        valueName: "name"))
    var target: String?

    /// Loads the effective configuration; an invalid one ends the command with every problem
    /// listed on stderr and exit status 2, before anything is opened.
    func load(logLevel: String? = nil, dryRun: Bool = false) throws -> LoadedConfig {
        do {
            let loaded = try ConfigLoader.load(file: config, overrides: .init(database: database, logLevel: logLevel, dryRun: dryRun,
                                                                                          scenario: scenario))
            for warning in loaded.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            guard let target else { return loaded }
            var selected = loaded
            selected.config = try loaded.config.configuration(forTarget: target)
            return selected
        } catch let error as UpdaterError {
            throw CommandFailure.exit(error.description, status: CommandFailure.badInput)
        } catch {
            throw CommandFailure.exit("\(error)", status: CommandFailure.badInput)
        }
    }
}
