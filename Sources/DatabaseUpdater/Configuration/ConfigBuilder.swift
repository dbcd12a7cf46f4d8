import Cron
import Foundation

/// A configuration being built from raw values: applies them through the keys of a
/// ``ConfigKeyTable``, recording each value's source, and every problem and warning met
/// instead of stopping at the first.
struct ConfigBuilder {
    /// The keys values are applied through.
    let keys: ConfigKeyTable
    var config: UpdaterConfig
    var sources: [String: ConfigSource] = [:]
    /// Whether an unknown key is a problem (live updates) or a warning (files).
    var unknownKeysAreProblems = false
    /// Where each tenant read stood in its list (see ``ConfigCheckContext/tenantPositions``).
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
            problems.append("the top level must be a mapping of keys to values, got \(ConfigLoader.describe(parsed))")
            return
        }
        apply(mapping: mapping, source: source)
    }

    /// Applies every entry of `mapping`, found at `prefix` (empty at the top level): a key's
    /// value through the key, a group's mapping (`executionConfig`) entry by entry.
    mutating func apply(mapping: [String: Any], at prefix: String = "", source: ConfigSource) {
        for (name, value) in mapping.sorted(by: { $0.key < $1.key }) {
            let path = prefix.isEmpty ? name : "\(prefix).\(name)"
            if let key = keys[path] {
                key.apply(&self, value, source)
            } else if keys.isGroup(path) {
                guard let group = value as? [String: Any] else {
                    problems.append("\(path): wrong type: expected a mapping, got \(ConfigLoader.describe(value))")
                    continue
                }
                apply(mapping: group, at: path, source: source)
            } else {
                unknown(path)
            }
        }
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

    // MARK: Typed reads that record a problem instead of failing

    mutating func string(_ value: Any, _ path: String) -> String? {
        if let s = value as? String { return s }
        problems.append("\(path): wrong type: expected text, got \(ConfigLoader.describe(value))")
        return nil
    }

    mutating func bool(_ value: Any, _ path: String) -> Bool? {
        if ConfigLoader.isBoolean(value), let b = value as? Bool { return b }
        if let s = value as? String, let b = ["true": true, "false": false][s.lowercased()] { return b }
        problems.append("\(path): wrong type: expected true or false, got \(ConfigLoader.describe(value))")
        return nil
    }

    /// A whole number that fits an `Int`; a number too large for one is out of range (the
    /// setting's own range is checked by validation).
    mutating func int(_ value: Any, _ path: String) -> Int? {
        switch ConfigLoader.WholeNumber(value) {
        case .int(let i): return i
        case .unsigned, .outOfRange:
            problems.append("\(path): out of range: \(ConfigLoader.describe(value)) is far beyond any allowed value")
        case .notWhole, .notANumber:
            problems.append("\(path): wrong type: expected a whole number, got \(ConfigLoader.describe(value))")
        }
        return nil
    }

    /// A whole number from 0 to 2^64-1 (seeds).
    mutating func unsigned64(_ value: Any, _ path: String) -> UInt64? {
        switch ConfigLoader.WholeNumber(value) {
        case .int(let i) where i >= 0: return UInt64(i)
        case .unsigned(let u): return u
        case .int, .outOfRange:
            problems.append("\(path): out of range: must be from 0 to \(UInt64.max), got \(ConfigLoader.describe(value))")
        case .notWhole, .notANumber:
            problems.append("\(path): wrong type: expected a whole number from 0 to \(UInt64.max), got \(ConfigLoader.describe(value))")
        }
        return nil
    }

    /// A number; non-finite numbers are kept, for validation to call out of range.
    mutating func number(_ value: Any, _ path: String) -> Double? {
        if ConfigLoader.isBoolean(value) {
            problems.append("\(path): wrong type: expected a number, got \(ConfigLoader.describe(value))")
            return nil
        }
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        if let u = value as? UInt64 { return Double(u) }
        if let s = value as? String, let d = Double(s.trimmingCharacters(in: .whitespaces)) { return d }
        problems.append("\(path): wrong type: expected a number, got \(ConfigLoader.describe(value))")
        return nil
    }

    /// A mapping whose values are each read with `read`; bad values are problems, good ones kept.
    mutating func map<T>(_ value: Any, _ path: String, _ read: (inout ConfigBuilder, Any, String) -> T?) -> [String: T]? {
        guard let map = value as? [String: Any] else {
            problems.append("\(path): wrong type: expected a mapping, got \(ConfigLoader.describe(value))")
            return nil
        }
        var result: [String: T] = [:]
        for (key, v) in map.sorted(by: { $0.key < $1.key }) {
            if let read = read(&self, v, "\(path).\(key)") { result[key] = read }
        }
        return result
    }

    /// The tenants that could be read, and where each stood in the list.
    mutating func tenants(_ value: Any, _ path: String) -> ([Tenant], [Int])? {
        guard let list = value as? [Any] else {
            problems.append("\(path): wrong type: expected a list, got \(ConfigLoader.describe(value))")
            return nil
        }
        var result: [Tenant] = []
        var positions: [Int] = []
        for (index, item) in list.enumerated() {
            let path = "\(path)[\(index)]"
            guard let map = item as? [String: Any] else { problems.append("\(path): expected a mapping with id and customerId"); continue }
            guard let idText = map["id"].flatMap({ string($0, "\(path).id") }) else {
                if map["id"] == nil { problems.append("\(path).id: missing") }
                continue
            }
            guard let id = UUID(uuidString: idText) else { problems.append("\(path).id: '\(idText)' is not a UUID"); continue }
            let customer = map["customerId"].flatMap { string($0, "\(path).customerId") } ?? Tenant.defaultCustomerID
            var tenant = Tenant(id: id, customerId: customer)
            if let schedules = map["scheduleConfig"] {
                tenant.scheduleConfig = self.map(schedules, "\(path).scheduleConfig") { $0.string($1, $2) }
            }
            if let flags = map["enabledUpdaters"] {
                tenant.enabledUpdaters = self.map(flags, "\(path).enabledUpdaters") { $0.bool($1, $2) }
            }
            for key in map.keys.sorted() where !["id", "customerId", "scheduleConfig", "enabledUpdaters"].contains(key) {
                unknown("\(path).\(key)")
            }
            result.append(tenant)
            positions.append(index)
        }
        return (result, positions)
    }
}

/// What validating a key may need besides the configuration itself.
struct ConfigCheckContext {
    /// The updaters whose configuration keys are valid (the configured scenario's).
    let registry: UpdaterRegistry
    /// Where each of `config.tenants` stood in the list it was read from (entries that could not
    /// be read are left out of `config.tenants`), so problems name the entry the user wrote;
    /// nil when the tenants were not read from a list.
    let tenantPositions: [Int]?

    /// Problems with schedules by updater key at `path`: keys the registry does not have and
    /// expressions that do not parse (in the Cron module's own words).
    func scheduleProblems(_ schedules: [String: String], at path: String) -> [String] {
        schedules.sorted(by: { $0.key < $1.key }).flatMap { key, expression in
            var problems = updaterKeyProblems([key], at: path)
            do throws(CronParseError) { _ = try CronSchedule(expression) } catch { problems.append("\(path).\(key): \(error.description)") }
            return problems
        }
    }

    /// A problem for each of `keys` the registry does not have, at `path`.
    func updaterKeyProblems(_ keys: some Sequence<String>, at path: String) -> [String] {
        let known = registry.all.map(\.configKey)
        return keys.sorted().filter { !known.contains($0) }.map {
            "\(path).\($0): unknown updater key '\($0)' (known: \(known.joined(separator: ", ")))"
        }
    }
}
