import Foundation

/// One configuration key and everything the tool knows about it: its path, type, default,
/// environment variable and flag, whether a running service may change it, what it means, and
/// how it is read into, checked in and shown from an ``UpdaterConfig``.
///
/// The keys are listed once, in ``ConfigKeyTable/standard``; loading, validation, `updater
/// config`, the live-update rules, the environment variables and `docs/CONFIGURATION.md` are all
/// driven from that list, so none of them can forget a key.
public struct ConfigKey: Sendable {
    /// Whether a running service may change a key through a live update.
    public enum LiveUpdate: Sendable, Equatable {
        /// The change takes effect at once.
        case allowed
        /// The key names something opened at start: it changes with a restart only.
        case restart
        /// The key cannot change this way; the text says what to do instead.
        case refused(String)

        /// Why a live update may not change the key; nil when it may.
        public var reason: String? {
            switch self {
            case .allowed: nil
            case .restart: "restart the service"
            case .refused(let instead): instead
            }
        }
    }

    /// A value as `updater config` shows it.
    enum Shown: Sendable {
        /// One value on the key's line.
        case value(String)
        /// Named entries under the key, each with its own source (`scheduleConfig.newLeads`).
        case entries([(name: String, value: String)])
        /// Lines under the key (a list), which has one source.
        case list([String])
    }

    /// The key as users write it, dotted below the top level (`executionConfig.maxConcurrentExecutions`).
    public let path: String
    /// The type, as the documentation states it.
    public let type: String
    /// The environment variable that sets it, if any.
    public let environment: String?
    /// The command-line flag that sets it, if any (see ``ConfigOverrides``).
    public let flag: String?
    /// Whether a live update may change it.
    public let liveUpdate: LiveUpdate
    /// What it means, in one line.
    public let summary: String
    /// The default as the documentation states it, where showing the default value is not enough.
    let documentedDefault: String?
    /// Reads a raw value from `source` into the configuration being built, or records a problem.
    let apply: @Sendable (inout ConfigBuilder, Any, ConfigSource) -> Void
    /// Every problem with the key's value in a configuration, each line naming the key.
    let check: @Sendable (UpdaterConfig, ConfigCheckContext) -> [String]
    /// The value of a (redacted) configuration as `updater config` shows it, for a scenario's updaters.
    let show: @Sendable (UpdaterConfig, UpdaterRegistry) -> Shown
    /// Whether two configurations hold the same value.
    let isUnchanged: @Sendable (UpdaterConfig, UpdaterConfig) -> Bool

    /// A key with every part given; the factories below cover the common kinds in one line.
    init(path: String, type: String, environment: String? = nil, flag: String? = nil, liveUpdate: LiveUpdate = .allowed,
         documentedDefault: String? = nil, summary: String,
         apply: @escaping @Sendable (inout ConfigBuilder, Any, ConfigSource) -> Void,
         check: @escaping @Sendable (UpdaterConfig, ConfigCheckContext) -> [String] = { _, _ in [] },
         show: @escaping @Sendable (UpdaterConfig, UpdaterRegistry) -> Shown,
         isUnchanged: @escaping @Sendable (UpdaterConfig, UpdaterConfig) -> Bool) {
        self.path = path
        self.type = type
        self.environment = environment
        self.flag = flag
        self.liveUpdate = liveUpdate
        self.documentedDefault = documentedDefault
        self.summary = summary
        self.apply = apply
        self.check = check
        self.show = show
        self.isUnchanged = isUnchanged
    }
}

extension ConfigKey {
    /// A key holding one value of `field`, read by `reader`: the kind almost every key is.
    /// - Parameters:
    ///   - shows: how `updater config` shows the value when it depends on more than the value
    ///     (the API token's line names the data directory); default `reader.show`.
    ///   - summary: what it means, in one line.
    static func value<Value: Equatable & Sendable>(
        _ path: String, _ field: WritableKeyPath<UpdaterConfig, Value> & Sendable, _ reader: ConfigReader<Value>,
        env: String? = nil, flag: String? = nil, live: LiveUpdate = .allowed, default documented: String? = nil,
        shows: (@Sendable (UpdaterConfig) -> String)? = nil, _ summary: String
    ) -> ConfigKey {
        ConfigKey(
            path: path, type: reader.type, environment: env, flag: flag, liveUpdate: live, documentedDefault: documented, summary: summary,
            apply: { builder, raw, source in
                guard let value = reader.read(&builder, raw, path) else { return }
                builder.config[keyPath: field] = value
                builder.sources[path] = source
            },
            check: { config, _ in reader.check(config[keyPath: field]).map { ["\(path): \($0)"] } ?? [] },
            show: { config, _ in .value(shows?(config) ?? reader.show(config[keyPath: field])) },
            isUnchanged: { $0[keyPath: field] == $1[keyPath: field] })
    }

    /// A mapping from updater configuration keys to values read by `element`. Entries are merged
    /// into the ones already set (each with its own source), never replace the whole mapping.
    /// - Parameters:
    ///   - check: the problems with the mapping (updater keys unknown to the scenario, say).
    ///   - shows: an entry's value as `updater config` shows it, for every updater of the
    ///     scenario, in the (redacted) configuration.
    static func byUpdater<Element: Equatable & Sendable>(
        _ path: String, _ field: WritableKeyPath<UpdaterConfig, [String: Element]> & Sendable, _ element: ConfigReader<Element>,
        default documented: String, check: @escaping @Sendable ([String: Element], String, ConfigCheckContext) -> [String],
        shows: @escaping @Sendable (UpdaterConfig, any BaseUpdater) -> String, _ summary: String
    ) -> ConfigKey {
        ConfigKey(
            path: path, type: "mapping of updater key to \(element.type)", documentedDefault: documented, summary: summary,
            apply: { builder, raw, source in
                guard let entries = builder.map(raw, path, element.read) else { return }
                for (name, value) in entries {
                    builder.config[keyPath: field][name] = value
                    builder.sources["\(path).\(name)"] = source
                }
            },
            check: { config, context in check(config[keyPath: field], path, context) },
            show: { config, updaters in .entries(updaters.all.map { ($0.configKey, shows(config, $0)) }) },
            isUnchanged: { $0[keyPath: field] == $1[keyPath: field] })
    }
}
