/// Where a configuration value came from, for `updater config`.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case environment(String)
    case flag(String)
    case api

    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "environment \(name)"
        case .flag(let name): "flag \(name)"
        case .api: "API"
        }
    }
}

/// A configuration that passed validation, with where each non-default value came from.
public struct LoadedConfig: Sendable {
    /// The effective configuration.
    public var config: UpdaterConfig
    /// Source of each value set by something other than the defaults, by key path
    /// (`executionConfig.maxConcurrentExecutions`).
    public var sources: [String: ConfigSource]
    /// Things worth knowing that do not stop the load (unknown keys).
    public var warnings: [String]
}

/// A configuration that cannot be used, with every problem found (not just the first).
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line per problem, each naming the key.
    public var problems: [String]
    /// The configuration file involved, named once at the start of ``description``.
    public var file: String?

    public init(problems: [String], file: String? = nil) {
        self.problems = problems
        self.file = file
    }

    public var description: String {
        let prefix = file.map { "\($0): " } ?? ""
        return problems.count == 1
            ? "\(prefix)invalid configuration: \(problems[0])"
            : "\(prefix)invalid configuration (\(problems.count) problems):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Command-line flags that override configuration values. Each is applied through the key it
/// sets, and the key's ``ConfigKey/flag`` names the source.
public struct ConfigOverrides: Sendable {
    /// `--database`.
    public var database: String?
    /// `--log-level`.
    public var logLevel: String?
    /// `--dry-run` (false: not given).
    public var dryRun: Bool
    /// `--scenario`.
    public var scenario: String?

    public init(database: String? = nil, logLevel: String? = nil, dryRun: Bool = false, scenario: String? = nil) {
        self.database = database
        self.scenario = scenario
        self.logLevel = logLevel
        self.dryRun = dryRun
    }

    /// The value given for the key at `path`, if any.
    func value(for path: String) -> Any? {
        switch path {
        case "database": database
        case "scenario": scenario
        case "logLevel": logLevel
        case "dryRun": dryRun ? true : nil
        default: nil
        }
    }
}
