import Cron
import Foundation

/// Builds the effective configuration from its sources, later overriding earlier: built-in
/// defaults, the YAML file (`--config FILE`, else `Config/updater.yaml` when present), the
/// environment, then flags. Every problem is collected and reported at once; nothing partial
/// is ever returned.
public enum ConfigLoader {
    /// The file read when no `--config` is given, if it exists.
    public static let defaultFile = "Config/updater.yaml"

    /// Environment variables read, and the keys they set (from ``ConfigKeyTable/standard``).
    public static var environmentKeys: [String: String] { ConfigKeyTable.standard.environmentKeys }

    /// Loads and validates.
    /// - Parameters:
    ///   - file: `--config`; when nil, `defaultFile` is read if it exists.
    ///   - defaultFile: the file read when `file` is nil (``defaultFile``); nil reads none.
    ///   - environment: the process environment.
    ///   - overrides: command-line flags.
    ///   - registry: the updaters whose keys are valid; nil for the configured scenario's.
    ///   - keys: the keys read (``ConfigKeyTable/standard``).
    /// - Throws: ``ConfigurationError`` listing every problem.
    public static func load(
        file: String? = nil, defaultFile: String? = ConfigLoader.defaultFile,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: ConfigOverrides = .init(), registry: UpdaterRegistry? = nil, keys: ConfigKeyTable = .standard
    ) throws(ConfigurationError) -> LoadedConfig {
        let path = file ?? defaultFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        return try load(path: path, document: { () throws(ConfigDocument.Problem) in
            guard let path else { return nil }
            return try ConfigDocument.read(path: path)
        }, environment: environment, overrides: overrides, registry: registry, keys: keys)
    }

    /// Loads and validates a configuration document held in memory (YAML bytes), as ``load(file:defaultFile:environment:overrides:registry:keys:)``
    /// does a file's.
    /// - Parameter name: how errors name the document.
    public static func load(
        data: Data, name: String, environment: [String: String] = [:], overrides: ConfigOverrides = .init(),
        registry: UpdaterRegistry? = nil, keys: ConfigKeyTable = .standard
    ) throws(ConfigurationError) -> LoadedConfig {
        try load(path: name, document: { () throws(ConfigDocument.Problem) in try ConfigDocument.parse(data) },
                 environment: environment, overrides: overrides, registry: registry, keys: keys)
    }

    private static func load(
        path: String?, document: () throws(ConfigDocument.Problem) -> Any?, environment: [String: String],
        overrides: ConfigOverrides, registry: UpdaterRegistry?, keys: ConfigKeyTable
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = ConfigBuilder(keys: keys, config: UpdaterConfig())
        if let path {
            builder.read(document, source: .file(path))
        }
        for key in keys.all {
            guard let variable = key.environment, let value = environment[variable], !value.isEmpty else { continue }
            key.apply(&builder, value, .environment(variable))
        }
        for key in keys.all {
            guard let flag = key.flag, let value = overrides.value(for: key.path) else { continue }
            key.apply(&builder, value, .flag(flag))
        }
        builder.resolveAnchor()
        builder.problems += validate(builder.config, registry: registry, tenantPositions: builder.tenantPositions, keys: keys)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems.map(printable), file: path.map(printable)) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings.map(printable))
    }

    /// Applies a partial configuration (decoded JSON or YAML) on top of `base`, then validates
    /// the result whole, as live updates do. Unlike a file, a live update naming an unknown key
    /// is refused: the caller is a program that would otherwise believe its change applied.
    /// - Throws: ``ConfigurationError`` listing every problem; `base` is never half-changed.
    public static func merge(
        _ partial: [String: Any], into base: LoadedConfig, source: ConfigSource = .api, registry: UpdaterRegistry? = nil,
        keys: ConfigKeyTable = .standard
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = ConfigBuilder(keys: keys, config: base.config, sources: base.sources, unknownKeysAreProblems: true)
        builder.apply(mapping: partial, source: source)
        builder.resolveAnchor()
        builder.problems += validate(builder.config, registry: registry, tenantPositions: builder.tenantPositions, keys: keys)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems.map(printable)) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings.map(printable))
    }

    /// `line` with any control character escaped: problems and warnings quote keys and values of
    /// the input, and an escape sequence in a file must reach nobody's terminal, nor split a
    /// problem over two lines. (Already-escaped text stays as it is.)
    static func printable(_ line: String) -> String { CronParseError.escaped(line, quotes: false) }

    /// Every problem with a configuration, one line each; empty when it is valid.
    /// - Parameters:
    ///   - registry: the updaters whose keys are valid; nil for the configured scenario's.
    ///   - keys: the keys checked (``ConfigKeyTable/standard``).
    public static func validate(_ config: UpdaterConfig, registry: UpdaterRegistry? = nil, keys: ConfigKeyTable = .standard) -> [String] {
        validate(config, registry: registry, tenantPositions: nil, keys: keys)
    }

    /// Checks every key of `keys` in `config`, in table order (each key's own problems: type-level
    /// ranges and names, then what depends on the scenario, such as updater keys and schedules).
    /// - Parameter tenantPositions: see ``ConfigCheckContext/tenantPositions``.
    static func validate(_ config: UpdaterConfig, registry: UpdaterRegistry?, tenantPositions: [Int]?, keys: ConfigKeyTable) -> [String] {
        // An unknown scenario is the `scenario` key's problem; the rest is checked against the office's updaters.
        let context = ConfigCheckContext(registry: registry ?? config.scenarioValue.updaters, tenantPositions: tenantPositions)
        return keys.problems(in: config, context: context).map(printable)
    }

    /// A real boolean: Swift's (from YAML), or JSONSerialization's boolean number. On Linux
    /// `1 is Bool` holds for JSON numbers, so the type is checked, not a cast.
    static func isBoolean(_ value: Any) -> Bool {
        type(of: value) == Bool.self || String(describing: type(of: value)) == "__NSCFBoolean"
    }

    /// A value as error messages show it: its kind, and short values themselves (control
    /// characters escaped, long text cut).
    static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let s as String:
            let shown = s.count > 60 ? String(s.prefix(60)) + "…" : s
            return "text '\(CronParseError.escaped(shown))'"
        case is [Any]: return "a list"
        case is [String: Any]: return "a mapping"
        case let b as Bool where isBoolean(value): return "\(b) (a boolean)"
        default:
            let text = "\(value)"
            return text.count > 60 ? String(text.prefix(60)) + "…" : text
        }
    }

    /// What a configuration value is, read as a whole number: exactly, never by a conversion
    /// that could trap.
    enum WholeNumber: Equatable {
        /// Fits an `Int`.
        case int(Int)
        /// Above `Int.max`, fits a `UInt64`.
        case unsigned(UInt64)
        /// A whole number, or an infinity, beyond both.
        case outOfRange
        /// A number with a fraction, or NaN.
        case notWhole
        /// Not a number at all (text, a boolean, a list, …).
        case notANumber

        init(_ value: Any) {
            if ConfigLoader.isBoolean(value) {
                self = .notANumber
            } else if let i = value as? Int {
                self = .int(i)
            } else if let u = value as? UInt64 {
                self = .unsigned(u)
            } else if let d = value as? Double {
                self = Self(d)
            } else if let s = value as? String {
                let text = s.trimmingCharacters(in: .whitespaces)
                if let i = Int(text) { self = .int(i) }
                else if let u = UInt64(text) { self = .unsigned(u) }
                else if let d = Double(text) { self = Self(d) }
                else { self = .notANumber }
            } else {
                self = .notANumber
            }
        }

        private init(_ d: Double) {
            if d.isNaN { self = .notWhole }
            else if d.isInfinite { self = .outOfRange }
            else if d.rounded() != d { self = .notWhole }
            else if let i = Int(exactly: d) { self = .int(i) }
            else if let u = UInt64(exactly: d) { self = .unsigned(u) }
            else { self = .outOfRange }
        }
    }
}
