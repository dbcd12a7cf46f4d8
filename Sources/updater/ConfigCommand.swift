import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater config` and `updater config validate`.
    struct ConfigCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Show the effective configuration with where each value came from (passwords redacted).",
            subcommands: [Show.self, Validate.self],
            defaultSubcommand: Show.self
        )
    }
}

extension Updater.ConfigCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the effective configuration.")

        @Flag(help: "Print the configuration as JSON.")
        var json = false

        @Flag(help: "Print every configuration key (type, default, environment variable, live update, meaning) as Markdown.")
        var keys = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            if keys {
                print(ConfigKeyTable.standard.markdown(), terminator: "")
                return
            }
            let loaded = try configOptions.load()
            if json {
                struct Output: Encodable { let config: UpdaterConfig; let sources: [String: String] }
                let output = Output(config: loaded.config.redacted, sources: loaded.sources.mapValues(\.description))
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(output), as: UTF8.self))
                return
            }
            print(ConfigKeyTable.standard.describe(loaded))
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a configuration file; exit 2 listing every problem.")

        @Argument(help: "The file to check (default: \(ConfigLoader.defaultFile)).")
        var file: String?

        func run() async throws {
            let path = file ?? ConfigLoader.defaultFile
            do {
                let loaded = try ConfigLoader.load(file: path, environment: [:])
                for warning in loaded.warnings { print("warning: \(warning)") }
                print("\(path): valid")
            } catch {
                throw CommandFailure.exit(error.description, status: CommandFailure.badInput)
            }
        }
    }
}
