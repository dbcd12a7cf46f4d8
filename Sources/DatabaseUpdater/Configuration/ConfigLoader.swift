import Cron
import Foundation
import Yams

/// Builds the effective configuration from its sources, later overriding earlier: built-in
/// defaults, the YAML file (`--config FILE`, else `Config/updater.yaml` when present), the
/// environment, then flags. Every problem is collected and reported at once; nothing partial
/// is ever returned.
public enum ConfigLoader {
    /// The file read when no `--config` is given, if it exists.
    public static let defaultFile = "Config/updater.yaml"

    /// Environment variables read, and the keys they set.
    public static let environmentKeys = [
        "DATABASE_UPDATER_DATABASE_URL": "database", "DATABASE_UPDATER_TIMEZONE": "timezone",
        "DATABASE_UPDATER_LOG_LEVEL": "logLevel", "DATABASE_UPDATER_API_TOKEN": "api.token",
        "DATABASE_UPDATER_SCHEDULE_ANCHOR": "scheduleAnchor", "DATABASE_UPDATER_SCENARIO": "scenario",
    ]

    /// Loads and validates.
    /// - Parameters:
    ///   - file: `--config`; when nil, `defaultFile` is read if it exists.
    ///   - defaultFile: the file read when `file` is nil (``defaultFile``); nil reads none.
    ///   - environment: the process environment.
    ///   - overrides: command-line flags.
    ///   - registry: the updaters whose keys are valid; nil for the configured scenario's.
    /// - Throws: ``ConfigurationError`` listing every problem.
    public static func load(
        file: String? = nil, defaultFile: String? = ConfigLoader.defaultFile,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: ConfigOverrides = .init(), registry: UpdaterRegistry? = nil
    ) throws(ConfigurationError) -> LoadedConfig {
        let path = file ?? defaultFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        return try load(path: path, document: { () throws(ConfigDocument.Problem) in
            guard let path else { return nil }
            return try ConfigDocument.read(path: path)
        }, environment: environment, overrides: overrides, registry: registry)
    }

    /// Loads and validates a configuration document held in memory (YAML bytes), as ``load(file:defaultFile:environment:overrides:registry:)``
    /// does a file's.
    /// - Parameter name: how errors name the document.
    public static func load(
        data: Data, name: String, environment: [String: String] = [:], overrides: ConfigOverrides = .init(),
        registry: UpdaterRegistry? = nil
    ) throws(ConfigurationError) -> LoadedConfig {
        try load(path: name, document: { () throws(ConfigDocument.Problem) in try ConfigDocument.parse(data) },
                 environment: environment, overrides: overrides, registry: registry)
    }

    private static func load(
        path: String?, document: () throws(ConfigDocument.Problem) -> Any?, environment: [String: String],
        overrides: ConfigOverrides, registry: UpdaterRegistry?
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = Builder(config: UpdaterConfig())
        if let path {
            builder.read(document, source: .file(path))
        }
        for (variable, key) in environmentKeys.sorted(by: { $0.key < $1.key }) {
            guard let value = environment[variable], !value.isEmpty else { continue }
            builder.apply(key: key, value: value, source: .environment(variable))
        }
        if let database = overrides.database { builder.apply(key: "database", value: database, source: .flag("--database")) }
        if let scenario = overrides.scenario { builder.apply(key: "scenario", value: scenario, source: .flag("--scenario")) }
        if let level = overrides.logLevel { builder.apply(key: "logLevel", value: level, source: .flag("--log-level")) }
        if overrides.dryRun { builder.apply(key: "dryRun", value: true, source: .flag("--dry-run")) }
        builder.resolveAnchor()
        builder.problems += validate(builder.config, registry: registry, tenantPositions: builder.tenantPositions)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems.map(printable), file: path.map(printable)) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings.map(printable))
    }

    /// Applies a partial configuration (decoded JSON or YAML) on top of `base`, then validates
    /// the result whole, as live updates do. Unlike a file, a live update naming an unknown key
    /// is refused: the caller is a program that would otherwise believe its change applied.
    /// - Throws: ``ConfigurationError`` listing every problem; `base` is never half-changed.
    public static func merge(
        _ partial: [String: Any], into base: LoadedConfig, source: ConfigSource = .api, registry: UpdaterRegistry? = nil
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = Builder(config: base.config, sources: base.sources, unknownKeysAreProblems: true)
        builder.apply(mapping: partial, source: source)
        builder.resolveAnchor()
        builder.problems += validate(builder.config, registry: registry, tenantPositions: builder.tenantPositions)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems.map(printable)) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings.map(printable))
    }

    /// `line` with any control character escaped: problems and warnings quote keys and values of
    /// the input, and an escape sequence in a file must reach nobody's terminal, nor split a
    /// problem over two lines. (Already-escaped text stays as it is.)
    static func printable(_ line: String) -> String { CronParseError.escaped(line, quotes: false) }

    /// Every problem with a configuration, one line each; empty when it is valid.
    /// - Parameter registry: the updaters whose keys are valid; nil for the configured scenario's.
    public static func validate(_ config: UpdaterConfig, registry: UpdaterRegistry? = nil) -> [String] {
        validate(config, registry: registry, tenantPositions: nil)
    }

    /// - Parameter tenantPositions: where each of `config.tenants` stood in the list it was read
    ///   from (entries that could not be read are left out of `config.tenants`), so problems
    ///   name the entry the user wrote.
    static func validate(_ config: UpdaterConfig, registry: UpdaterRegistry?, tenantPositions: [Int]?) -> [String] {
        var problems: [String] = []
        let scenario: any Scenario
        do throws(UpdaterError) {
            scenario = try ScenarioRegistry.builtIn.scenario(named: config.scenario)
        } catch {
            problems.append("scenario: \(error.message)")
            scenario = OfficeScenario()
        }
        let registry = registry ?? scenario.updaters
        do { _ = try DatabaseLocation(parsing: config.database) } catch { problems.append("database: \(error.message)") }
        if TimeZone(identifier: config.timezone) == nil {
            problems.append("timezone: unknown time zone '\(config.timezone)' (expected an IANA name such as Europe/Paris)")
        }
        let keys = Set(registry.all.map(\.configKey))
        let known = registry.all.map(\.configKey).joined(separator: ", ")
        func checkSchedules(_ schedules: [String: String], at path: String) {
            for (key, expression) in schedules.sorted(by: { $0.key < $1.key }) {
                if !keys.contains(key) { problems.append("\(path).\(key): unknown updater key '\(key)' (known: \(known))") }
                do { _ = try CronSchedule(expression) } catch { problems.append("\(path).\(key): \(error.description)") }
            }
        }
        func checkEnabled(_ flags: [String: Bool], at path: String) {
            for key in flags.keys.sorted() where !keys.contains(key) {
                problems.append("\(path).\(key): unknown updater key '\(key)' (known: \(known))")
            }
        }
        checkSchedules(config.scheduleConfig, at: "scheduleConfig")
        checkEnabled(config.executionConfig.enabledUpdaters, at: "executionConfig.enabledUpdaters")
        func check<T: Comparable>(_ value: T, _ range: ClosedRange<T>, _ path: String, _ allowed: String) {
            if !range.contains(value) { problems.append("\(path): out of range: must be \(allowed), got \(value)") }
        }
        let execution = config.executionConfig
        check(execution.maxConcurrentExecutions, ConfigLimits.maxConcurrentExecutions, "executionConfig.maxConcurrentExecutions",
              "from \(ConfigLimits.maxConcurrentExecutions.lowerBound) to \(ConfigLimits.maxConcurrentExecutions.upperBound)")
        if !(execution.executionTimeoutMinutes > ConfigLimits.executionTimeoutMinutes.lowerBound
             && execution.executionTimeoutMinutes <= ConfigLimits.executionTimeoutMinutes.upperBound) {
            problems.append("executionConfig.executionTimeoutMinutes: out of range: must be greater than 0 and at most "
                + "\(Int(ConfigLimits.executionTimeoutMinutes.upperBound)) (a day), got \(execution.executionTimeoutMinutes)")
        }
        if let days = execution.retentionDays {
            check(days, ConfigLimits.retentionDays, "executionConfig.retentionDays",
                  "from \(ConfigLimits.retentionDays.lowerBound) to \(ConfigLimits.retentionDays.upperBound) (or null to keep everything)")
        }
        check(config.misfireLimit, ConfigLimits.misfireLimit, "misfireLimit",
              "from \(ConfigLimits.misfireLimit.lowerBound) to \(ConfigLimits.misfireLimit.upperBound)")
        // `contains` is false for NaN, so NaN is out of range too.
        if !ConfigLimits.shutdownGracePeriodSeconds.contains(config.shutdownGracePeriodSeconds) {
            problems.append("shutdownGracePeriodSeconds: out of range: must be from 0 to "
                + "\(Int(ConfigLimits.shutdownGracePeriodSeconds.upperBound)), got \(config.shutdownGracePeriodSeconds)")
        }
        check(config.api.port, ConfigLimits.apiPort, "api.port", "from 0 to 65535")
        if config.api.host.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("api.host: must not be empty") }
        if let token = config.api.token, token.count < 16 {
            problems.append("api.token: must be at least 16 characters (it guards every mutating route)")
        }
        if config.tenants.isEmpty { problems.append("tenants: at least one tenant is required") }
        var seen = Set<UUID>()
        for (position, tenant) in config.tenants.enumerated() {
            let index = tenantPositions?[position] ?? position
            if !seen.insert(tenant.id).inserted {
                problems.append("tenants[\(index)].id: duplicate tenant \(tenant.id.lowercaseString)")
            }
            if tenant.customerId.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("tenants[\(index)].customerId: must not be empty")
            }
            checkSchedules(tenant.scheduleConfig ?? [:], at: "tenants[\(index)].scheduleConfig")
            checkEnabled(tenant.enabledUpdaters ?? [:], at: "tenants[\(index)].enabledUpdaters")
        }
        return problems.map(printable)
    }

    // MARK: - Applying values

    /// Applies raw values to a configuration, recording sources, problems and warnings.
    private struct Builder {
        var config: UpdaterConfig
        var sources: [String: ConfigSource] = [:]
        /// Whether an unknown key is a problem (live updates) or a warning (files).
        var unknownKeysAreProblems = false
        /// Where each tenant read stood in its list (see ``ConfigLoader/validate(_:registry:tenantPositions:)``).
        var tenantPositions: [Int]?
        var problems: [String] = []
        var warnings: [String] = []
        /// The last `scheduleAnchor` applied, as written: a date means midnight in the time zone,
        /// which a later key or source may set, so it is read once all are applied (``resolveAnchor()``).
        var anchorText: String?

        /// Applies the document `read` returns, as coming from `source`.
        mutating func read(_ read: () throws(ConfigDocument.Problem) -> Any?, source: ConfigSource) {
            let parsed: Any?
            do {
                parsed = try read()
            } catch {
                problems.append(error.description)
                return
            }
            guard let parsed else { return }  // an empty file sets nothing
            guard let mapping = parsed as? [String: Any] else {
                problems.append("the top level must be a mapping of keys to values, got \(describe(parsed))")
                return
            }
            apply(mapping: mapping, source: source)
        }

        /// Notes a key the configuration does not have.
        mutating func unknown(_ path: String) {
            if unknownKeysAreProblems {
                problems.append("\(path): unknown key")
            } else {
                warnings.append("unknown key '\(path)' (ignored)")
            }
        }

        /// Sets `scheduleAnchor` from the text applied last (if any), in the time zone now configured.
        mutating func resolveAnchor() {
            guard let anchorText else { return }
            config.scheduleAnchor = ISO8601.parse(dateOrDateTime: anchorText, in: config.timeZone)
        }

        mutating func apply(mapping: [String: Any], source: ConfigSource) {
            for (key, value) in mapping.sorted(by: { $0.key < $1.key }) {
                apply(key: key, value: value, source: source)
            }
        }

        mutating func apply(key: String, value: Any, source: ConfigSource) {
            switch key {
            case "database": if let v = string(value, key) { config.database = v; sources[key] = source }
            case "timezone": if let v = string(value, key) { config.timezone = v; sources[key] = source }
            case "scenario": if let v = string(value, key) { config.scenario = v; sources[key] = source }
            case "scheduleAnchor":
                if value is NSNull {
                    anchorText = nil
                    config.scheduleAnchor = nil
                    sources[key] = source
                } else if let v = string(value, key) {
                    // The zone only places a date's midnight: any zone tells whether the text is valid.
                    if ISO8601.parse(dateOrDateTime: v, in: config.timeZone) != nil {
                        anchorText = v
                        sources[key] = source
                    } else {
                        problems.append("scheduleAnchor: '\(v)' is not a date or date-time (expected ISO 8601 such as "
                            + "2026-03-01T00:00:00Z, or a date such as 2026-03-01 for midnight in the configured time zone)")
                    }
                }
            case "logLevel":
                if let v = string(value, key) {
                    let normalized = v.lowercased() == "warning" ? "warn" : v.lowercased()
                    if let level = UpdaterConfig.LogLevel(rawValue: normalized) {
                        config.logLevel = level
                        sources[key] = source
                    } else {
                        problems.append("logLevel: unknown level '\(v)' (allowed: debug, info, warn, error)")
                    }
                }
            case "dryRun": if let v = bool(value, key) { config.dryRun = v; sources[key] = source }
            case "enableScheduling": if let v = bool(value, key) { config.enableScheduling = v; sources[key] = source }
            case "scheduleConfig":
                if let v = stringMap(value, key) {
                    for (name, expression) in v {
                        config.scheduleConfig[name] = expression
                        sources["scheduleConfig.\(name)"] = source
                    }
                }
            case "executionConfig":
                guard let map = value as? [String: Any] else { problems.append("executionConfig: wrong type: expected a mapping, got \(describe(value))"); return }
                for (sub, subValue) in map.sorted(by: { $0.key < $1.key }) {
                    let path = "executionConfig.\(sub)"
                    switch sub {
                    case "enabledUpdaters":
                        if let v = boolMap(subValue, path) {
                            for (name, flag) in v {
                                config.executionConfig.enabledUpdaters[name] = flag
                                sources["\(path).\(name)"] = source
                            }
                        }
                    case "maxConcurrentExecutions":
                        if let v = int(subValue, path) { config.executionConfig.maxConcurrentExecutions = v; sources[path] = source }
                    case "executionTimeoutMinutes":
                        if let v = number(subValue, path) { config.executionConfig.executionTimeoutMinutes = v; sources[path] = source }
                    case "retentionDays":
                        if subValue is NSNull { config.executionConfig.retentionDays = nil; sources[path] = source }
                        else if let v = int(subValue, path) { config.executionConfig.retentionDays = v; sources[path] = source }
                    default: unknown(path)
                    }
                }
            case "tenants":
                if let (v, positions) = tenants(value) {
                    config.tenants = v
                    tenantPositions = positions
                    sources[key] = source
                }
            case "misfirePolicy":
                if let v = string(value, key) {
                    if let policy = UpdaterConfig.MisfirePolicy(rawValue: v) {
                        config.misfirePolicy = policy
                        sources[key] = source
                    } else {
                        problems.append("misfirePolicy: unknown policy '\(v)' (allowed: skip, runOnce, runAll)")
                    }
                }
            case "api.token": if let v = string(value, key) { config.api.token = v; sources[key] = source }
            case "api":
                guard let map = value as? [String: Any] else { problems.append("api: wrong type: expected a mapping, got \(describe(value))"); return }
                for (sub, subValue) in map.sorted(by: { $0.key < $1.key }) {
                    let path = "api.\(sub)"
                    switch sub {
                    case "enabled": if let v = bool(subValue, path) { config.api.enabled = v; sources[path] = source }
                    case "host": if let v = string(subValue, path) { config.api.host = v; sources[path] = source }
                    case "port": if let v = int(subValue, path) { config.api.port = v; sources[path] = source }
                    case "token":
                        if subValue is NSNull { config.api.token = nil; sources[path] = source }
                        else if let v = string(subValue, path) { config.api.token = v; sources[path] = source }
                    default: unknown(path)
                    }
                }
            case "misfireLimit": if let v = int(value, key) { config.misfireLimit = v; sources[key] = source }
            case "shutdownGracePeriodSeconds": if let v = number(value, key) { config.shutdownGracePeriodSeconds = v; sources[key] = source }
            case "dataDirectory": if let v = string(value, key) { config.dataDirectory = v; sources[key] = source }
            case "logDirectory": if let v = string(value, key) { config.logDirectory = v; sources[key] = source }
            case "seed":
                if value is NSNull { config.seed = nil; sources[key] = source }
                else if let v = unsigned64(value, key) { config.seed = v; sources[key] = source }
            default:
                unknown(key)
            }
        }

        // MARK: Typed reads that record a problem instead of failing

        private mutating func string(_ value: Any, _ path: String) -> String? {
            if let s = value as? String { return s }
            problems.append("\(path): wrong type: expected text, got \(describe(value))")
            return nil
        }

        private func isBoolean(_ value: Any) -> Bool { ConfigLoader.isBoolean(value) }

        private mutating func bool(_ value: Any, _ path: String) -> Bool? {
            if isBoolean(value), let b = value as? Bool { return b }
            if let s = value as? String, let b = ["true": true, "false": false][s.lowercased()] { return b }
            problems.append("\(path): wrong type: expected true or false, got \(describe(value))")
            return nil
        }

        /// A whole number that fits an `Int`; a number too large for one is out of range (the
        /// setting's own range is checked by validation).
        private mutating func int(_ value: Any, _ path: String) -> Int? {
            switch WholeNumber(value) {
            case .int(let i): return i
            case .unsigned, .outOfRange:
                problems.append("\(path): out of range: \(describe(value)) is far beyond any allowed value")
            case .notWhole, .notANumber:
                problems.append("\(path): wrong type: expected a whole number, got \(describe(value))")
            }
            return nil
        }

        /// A whole number from 0 to 2^64-1 (seeds).
        private mutating func unsigned64(_ value: Any, _ path: String) -> UInt64? {
            switch WholeNumber(value) {
            case .int(let i) where i >= 0: return UInt64(i)
            case .unsigned(let u): return u
            case .int, .outOfRange:
                problems.append("\(path): out of range: must be from 0 to \(UInt64.max), got \(describe(value))")
            case .notWhole, .notANumber:
                problems.append("\(path): wrong type: expected a whole number from 0 to \(UInt64.max), got \(describe(value))")
            }
            return nil
        }

        /// A number; non-finite numbers are kept, for validation to call out of range.
        private mutating func number(_ value: Any, _ path: String) -> Double? {
            if isBoolean(value) { problems.append("\(path): wrong type: expected a number, got \(describe(value))"); return nil }
            if let d = value as? Double { return d }
            if let i = value as? Int { return Double(i) }
            if let u = value as? UInt64 { return Double(u) }
            if let s = value as? String, let d = Double(s.trimmingCharacters(in: .whitespaces)) { return d }
            problems.append("\(path): wrong type: expected a number, got \(describe(value))")
            return nil
        }

        /// A mapping whose values are each read with `read`; bad values are problems, good ones kept.
        private mutating func map<T>(_ value: Any, _ path: String, _ read: (inout Builder, Any, String) -> T?) -> [String: T]? {
            guard let map = value as? [String: Any] else { problems.append("\(path): wrong type: expected a mapping, got \(describe(value))"); return nil }
            var result: [String: T] = [:]
            for (key, v) in map.sorted(by: { $0.key < $1.key }) {
                if let read = read(&self, v, "\(path).\(key)") { result[key] = read }
            }
            return result
        }

        private mutating func stringMap(_ value: Any, _ path: String) -> [String: String]? {
            map(value, path) { builder, v, p in builder.string(v, p) }
        }

        private mutating func boolMap(_ value: Any, _ path: String) -> [String: Bool]? {
            map(value, path) { builder, v, p in builder.bool(v, p) }
        }

        /// The tenants that could be read, and where each stood in the list.
        private mutating func tenants(_ value: Any) -> ([Tenant], [Int])? {
            guard let list = value as? [Any] else { problems.append("tenants: wrong type: expected a list, got \(describe(value))"); return nil }
            var result: [Tenant] = []
            var positions: [Int] = []
            for (index, item) in list.enumerated() {
                let path = "tenants[\(index)]"
                guard let map = item as? [String: Any] else { problems.append("\(path): expected a mapping with id and customerId"); continue }
                guard let idText = map["id"].flatMap({ string($0, "\(path).id") }) else {
                    if map["id"] == nil { problems.append("\(path).id: missing") }
                    continue
                }
                guard let id = UUID(uuidString: idText) else { problems.append("\(path).id: '\(idText)' is not a UUID"); continue }
                let customer = map["customerId"].flatMap { string($0, "\(path).customerId") } ?? OfficeSchema.defaultCustomerID
                var tenant = Tenant(id: id, customerId: customer)
                if let schedules = map["scheduleConfig"] { tenant.scheduleConfig = stringMap(schedules, "\(path).scheduleConfig") }
                if let flags = map["enabledUpdaters"] { tenant.enabledUpdaters = boolMap(flags, "\(path).enabledUpdaters") }
                for key in map.keys.sorted() where !["id", "customerId", "scheduleConfig", "enabledUpdaters"].contains(key) {
                    unknown("\(path).\(key)")
                }
                result.append(tenant)
                positions.append(index)
            }
            return (result, positions)
        }

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
