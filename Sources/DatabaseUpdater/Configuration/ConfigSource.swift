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

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        problems.count == 1
            ? "invalid configuration: \(problems[0])"
            : "invalid configuration (\(problems.count) problems):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}

/// Command-line flags that override configuration values.
public struct ConfigOverrides: Sendable {
    public var database: String?
    public var logLevel: String?
    public var dryRun: Bool

    public init(database: String? = nil, logLevel: String? = nil, dryRun: Bool = false) {
        self.database = database
        self.logLevel = logLevel
        self.dryRun = dryRun
    }
}
