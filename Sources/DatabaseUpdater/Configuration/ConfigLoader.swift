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
    ]

    /// Loads and validates.
    /// - Parameters:
    ///   - file: `--config`; when nil, `defaultFile` is read if it exists.
    ///   - defaultFile: the file read when `file` is nil (``defaultFile``); nil reads none.
    ///   - environment: the process environment.
    ///   - overrides: command-line flags.
    ///   - registry: the updaters whose keys are valid.
    /// - Throws: ``ConfigurationError`` listing every problem.
    public static func load(
        file: String? = nil, defaultFile: String? = ConfigLoader.defaultFile,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: ConfigOverrides = .init(), registry: UpdaterRegistry = .builtIn
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = Builder(config: UpdaterConfig())
        let path = file ?? defaultFile.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        if let path {
            builder.readFile(path)
        }
        for (variable, key) in environmentKeys.sorted(by: { $0.key < $1.key }) {
            guard let value = environment[variable], !value.isEmpty else { continue }
            builder.apply(key: key, value: value, source: .environment(variable))
        }
        if let database = overrides.database { builder.apply(key: "database", value: database, source: .flag("--database")) }
        if let level = overrides.logLevel { builder.apply(key: "logLevel", value: level, source: .flag("--log-level")) }
        if overrides.dryRun { builder.apply(key: "dryRun", value: true, source: .flag("--dry-run")) }
        builder.problems += validate(builder.config, registry: registry)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings)
    }

    /// Applies a partial configuration (decoded JSON or YAML) on top of `base`, then validates
    /// the result whole, as live updates do.
    /// - Throws: ``ConfigurationError`` listing every problem; `base` is never half-changed.
    public static func merge(
        _ partial: [String: Any], into base: LoadedConfig, source: ConfigSource = .api, registry: UpdaterRegistry = .builtIn
    ) throws(ConfigurationError) -> LoadedConfig {
        var builder = Builder(config: base.config, sources: base.sources)
        builder.apply(mapping: partial, source: source)
        builder.problems += validate(builder.config, registry: registry)
        if !builder.problems.isEmpty { throw ConfigurationError(problems: builder.problems) }
        return LoadedConfig(config: builder.config, sources: builder.sources, warnings: builder.warnings)
    }

    /// Every problem with a configuration, one line each; empty when it is valid.
    public static func validate(_ config: UpdaterConfig, registry: UpdaterRegistry = .builtIn) -> [String] {
        var problems: [String] = []
        do { _ = try DatabaseLocation(parsing: config.database) } catch { problems.append("database: \(error.message)") }
        if TimeZone(identifier: config.timezone) == nil {
            problems.append("timezone: unknown time zone '\(config.timezone)' (expected an IANA name such as Europe/Paris)")
        }
        let keys = Set(registry.all.map(\.configKey))
        let known = registry.all.map(\.configKey).joined(separator: ", ")
        func checkSchedules(_ schedules: [String: String], at path: String) {
            for (key, expression) in schedules.sorted(by: { $0.key < $1.key }) {
                if !keys.contains(key) { problems.append("\(path).\(key): unknown updater key '\(key)' (known: \(known))") }
                do { _ = try CronExpression(expression) } catch { problems.append("\(path).\(key): \(error.description)") }
            }
        }
        func checkEnabled(_ flags: [String: Bool], at path: String) {
            for key in flags.keys.sorted() where !keys.contains(key) {
                problems.append("\(path).\(key): unknown updater key '\(key)' (known: \(known))")
            }
        }
        checkSchedules(config.scheduleConfig, at: "scheduleConfig")
        checkEnabled(config.executionConfig.enabledUpdaters, at: "executionConfig.enabledUpdaters")
        if config.executionConfig.maxConcurrentExecutions < 1 {
            problems.append("executionConfig.maxConcurrentExecutions: must be at least 1, got \(config.executionConfig.maxConcurrentExecutions)")
        }
        if !(config.executionConfig.executionTimeoutMinutes > 0) {
            problems.append("executionConfig.executionTimeoutMinutes: must be greater than 0, got \(config.executionConfig.executionTimeoutMinutes)")
        }
        if let days = config.executionConfig.retentionDays, days < 1 {
            problems.append("executionConfig.retentionDays: must be at least 1 (or null to keep everything), got \(days)")
        }
        if config.misfireLimit < 1 { problems.append("misfireLimit: must be at least 1, got \(config.misfireLimit)") }
        if config.shutdownGracePeriodSeconds < 0 {
            problems.append("shutdownGracePeriodSeconds: must not be negative, got \(config.shutdownGracePeriodSeconds)")
        }
        if !(0...65_535).contains(config.api.port) { problems.append("api.port: must be 0-65535, got \(config.api.port)") }
        if config.api.host.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("api.host: must not be empty") }
        if let token = config.api.token, token.count < 16 {
            problems.append("api.token: must be at least 16 characters (it guards every mutating route)")
        }
        if config.tenants.isEmpty { problems.append("tenants: at least one tenant is required") }
        var seen = Set<UUID>()
        for (index, tenant) in config.tenants.enumerated() {
            if !seen.insert(tenant.id).inserted {
                problems.append("tenants[\(index)].id: duplicate tenant \(tenant.id.lowercaseString)")
            }
            if tenant.customerId.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append("tenants[\(index)].customerId: must not be empty")
            }
            checkSchedules(tenant.scheduleConfig ?? [:], at: "tenants[\(index)].scheduleConfig")
            checkEnabled(tenant.enabledUpdaters ?? [:], at: "tenants[\(index)].enabledUpdaters")
        }
        return problems
    }

    // MARK: - Applying values

    /// Applies raw values to a configuration, recording sources, problems and warnings.
    private struct Builder {
        var config: UpdaterConfig
        var sources: [String: ConfigSource] = [:]
        var problems: [String] = []
        var warnings: [String] = []

        mutating func readFile(_ path: String) {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                problems.append("cannot read configuration file \(path): \((error as NSError).localizedDescription)")
                return
            }
            let parsed: Any?
            do {
                parsed = try Yams.load(yaml: text)
            } catch {
                problems.append("\(path): invalid YAML: \(DatabaseError.oneLine("\(error)"))")
                return
            }
            guard let parsed else { return }  // an empty file sets nothing
            guard let mapping = parsed as? [String: Any] else {
                problems.append("\(path): the top level must be a mapping of keys to values")
                return
            }
            apply(mapping: mapping, source: .file(path))
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
                guard let map = value as? [String: Any] else { problems.append("executionConfig: expected a mapping"); return }
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
                    default: warnings.append("unknown key '\(path)' (ignored)")
                    }
                }
            case "tenants":
                if let v = tenants(value) { config.tenants = v; sources[key] = source }
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
                guard let map = value as? [String: Any] else { problems.append("api: expected a mapping"); return }
                for (sub, subValue) in map.sorted(by: { $0.key < $1.key }) {
                    let path = "api.\(sub)"
                    switch sub {
                    case "enabled": if let v = bool(subValue, path) { config.api.enabled = v; sources[path] = source }
                    case "host": if let v = string(subValue, path) { config.api.host = v; sources[path] = source }
                    case "port": if let v = int(subValue, path) { config.api.port = v; sources[path] = source }
                    case "token":
                        if subValue is NSNull { config.api.token = nil; sources[path] = source }
                        else if let v = string(subValue, path) { config.api.token = v; sources[path] = source }
                    default: warnings.append("unknown key '\(path)' (ignored)")
                    }
                }
            case "misfireLimit": if let v = int(value, key) { config.misfireLimit = v; sources[key] = source }
            case "shutdownGracePeriodSeconds": if let v = number(value, key) { config.shutdownGracePeriodSeconds = v; sources[key] = source }
            case "dataDirectory": if let v = string(value, key) { config.dataDirectory = v; sources[key] = source }
            case "logDirectory": if let v = string(value, key) { config.logDirectory = v; sources[key] = source }
            case "seed":
                if value is NSNull { config.seed = nil; sources[key] = source }
                else if let v = int(value, key) {
                    if v < 0 { problems.append("seed: must not be negative, got \(v)") } else { config.seed = UInt64(v); sources[key] = source }
                }
            default:
                warnings.append("unknown key '\(key)' (ignored)")
            }
        }

        // MARK: Typed reads that record a problem instead of failing

        private mutating func string(_ value: Any, _ path: String) -> String? {
            if let s = value as? String { return s }
            problems.append("\(path): expected text, got \(describe(value))")
            return nil
        }

        /// A real boolean: Swift's (from YAML), or JSONSerialization's boolean number. On Linux
        /// `1 is Bool` holds for JSON numbers, so the type is checked, not a cast.
        private func isBoolean(_ value: Any) -> Bool {
            type(of: value) == Bool.self || String(describing: type(of: value)) == "__NSCFBoolean"
        }

        private mutating func bool(_ value: Any, _ path: String) -> Bool? {
            if isBoolean(value), let b = value as? Bool { return b }
            if let s = value as? String, let b = ["true": true, "false": false][s.lowercased()] { return b }
            problems.append("\(path): expected true or false, got \(describe(value))")
            return nil
        }

        private mutating func int(_ value: Any, _ path: String) -> Int? {
            if isBoolean(value) { problems.append("\(path): expected a whole number, got \(describe(value))"); return nil }
            if let i = value as? Int { return i }
            if let d = value as? Double, d.rounded() == d, let i = Int(exactly: d) { return i }
            if let s = value as? String, let i = Int(s) { return i }
            problems.append("\(path): expected a whole number, got \(describe(value))")
            return nil
        }

        private mutating func number(_ value: Any, _ path: String) -> Double? {
            if isBoolean(value) { problems.append("\(path): expected a number, got \(describe(value))"); return nil }
            if let d = value as? Double { return d }
            if let i = value as? Int { return Double(i) }
            if let s = value as? String, let d = Double(s) { return d }
            problems.append("\(path): expected a number, got \(describe(value))")
            return nil
        }

        /// A mapping whose values are each read with `read`; bad values are problems, good ones kept.
        private mutating func map<T>(_ value: Any, _ path: String, _ read: (inout Builder, Any, String) -> T?) -> [String: T]? {
            guard let map = value as? [String: Any] else { problems.append("\(path): expected a mapping"); return nil }
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

        private mutating func tenants(_ value: Any) -> [Tenant]? {
            guard let list = value as? [Any] else { problems.append("tenants: expected a list"); return nil }
            var result: [Tenant] = []
            for (index, item) in list.enumerated() {
                let path = "tenants[\(index)]"
                guard let map = item as? [String: Any] else { problems.append("\(path): expected a mapping with id and customerId"); continue }
                guard let idText = map["id"].flatMap({ string($0, "\(path).id") }) else {
                    if map["id"] == nil { problems.append("\(path).id: missing") }
                    continue
                }
                guard let id = UUID(uuidString: idText) else { problems.append("\(path).id: '\(idText)' is not a UUID"); continue }
                let customer = map["customerId"].flatMap { string($0, "\(path).customerId") } ?? Schema.defaultCustomerID
                var tenant = Tenant(id: id, customerId: customer)
                if let schedules = map["scheduleConfig"] { tenant.scheduleConfig = stringMap(schedules, "\(path).scheduleConfig") }
                if let flags = map["enabledUpdaters"] { tenant.enabledUpdaters = boolMap(flags, "\(path).enabledUpdaters") }
                for key in map.keys.sorted() where !["id", "customerId", "scheduleConfig", "enabledUpdaters"].contains(key) {
                    warnings.append("unknown key '\(path).\(key)' (ignored)")
                }
                result.append(tenant)
            }
            return result
        }

        private func describe(_ value: Any) -> String {
            switch value {
            case is NSNull: "null"
            case let s as String: "'\(s)'"
            case is [Any]: "a list"
            case is [String: Any]: "a mapping"
            default: "\(value)"
            }
        }
    }
}
