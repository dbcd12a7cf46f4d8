import Cron
import Foundation

extension ConfigKeyTable {
    /// Every key of ``UpdaterConfig``. A new key of a common kind (text, boolean, number with a
    /// range, one of some names, optional) is one line here, after its field in ``UpdaterConfig``;
    /// then run `updater config --keys > docs/CONFIGURATION.md`.
    public static let standard = ConfigKeyTable([
        .value("database", \.database, .text("database location", check: databaseProblem), env: "DATABASE_UPDATER_DATABASE_URL",
               flag: "--database", live: .restart,
               "The target database: `sqlite:PATH`, `sqlite::memory:`, `postgres://user:pass@host:5432/db` or a libpq conninfo string (password never shown)."),
        .value("scenario", \.scenario, .text("scenario name", check: scenarioProblem), env: "DATABASE_UPDATER_SCENARIO", flag: "--scenario",
               live: .restart, "The business simulated in the database: " + ScenarioRegistry.builtIn.names.map { "`\($0)`" }.joined(separator: ", ") + "."),
        .value("target", \.target, .text("target name", check: targetNameProblem), live: .restart,
               "The top-level database's name as a target: in its fire log, the log, `--target` and `?target=`."),
        targets,
        .value("timezone", \.timezone, .text("IANA time zone name", check: timeZoneProblem), env: "DATABASE_UPDATER_TIMEZONE",
               "The zone cron expressions are evaluated in (and log files roll over in)."),
        scheduleAnchor,
        .value("logLevel", \.logLevel, .oneOf("level", normalize: { $0.lowercased() == "warning" ? "warn" : $0.lowercased() }),
               env: "DATABASE_UPDATER_LOG_LEVEL", flag: "--log-level", live: .restart, "The least severe log entries written."),
        .value("dryRun", \.dryRun, .bool, flag: "--dry-run",
               "Roll back every execution: generation and SQL run against the real schema, nothing persists."),
        .value("enableScheduling", \.enableScheduling, .bool, live: .refused("use POST /stop and /start to pause and resume"),
               "Run the scheduler; when false, executions happen only on request."),
        .byUpdater("scheduleConfig", \.scheduleConfig, .text("cron expression"), default: "each updater's own schedule",
                   check: { schedules, path, context in context.scheduleProblems(schedules, at: path) },
                   shows: { config, updater in
                       let expression = config.scheduleConfig[updater.configKey] ?? updater.defaultSchedule
                       return "\"\(expression)\"   # \((try? config.cronSchedule(expression).explain()) ?? "invalid")"
                   },
                   "Schedules: six-field cron expressions (seconds first), macros such as `@daily`, or `@every DURATION`."),
        .byUpdater("executionConfig.enabledUpdaters", \.executionConfig.enabledUpdaters, .bool, default: "every updater enabled",
                   check: { flags, path, context in context.updaterKeyProblems(flags.keys, at: path) },
                   shows: { config, updater in "\(config.executionConfig.enabledUpdaters[updater.configKey] ?? true)" },
                   "Which updaters run; an updater not named runs."),
        .value("executionConfig.maxConcurrentExecutions", \.executionConfig.maxConcurrentExecutions, .int(ConfigLimits.maxConcurrentExecutions),
               live: .restart, "Executions allowed at once; also the database connection pool's size."),
        .value("executionConfig.executionTimeoutMinutes", \.executionConfig.executionTimeoutMinutes,
               .number(ConfigLimits.executionTimeoutMinutes, aboveLowerBound: true, " (a day)"),
               "An execution still running after this long is cancelled and rolled back."),
        .value("executionConfig.retentionDays", \.executionConfig.retentionDays,
               .optional(.int(ConfigLimits.retentionDays, " (or null to keep everything)"), null: "keep everything"),
               "Delete closed tickets and completed activities older than this many days."),
        .value("misfirePolicy", \.misfirePolicy, .oneOf("policy"),
               "Fires missed while stopped: `skip` records them, `runOnce` runs the latest, `runAll` runs them all (up to `misfireLimit`)."),
        .value("misfireLimit", \.misfireLimit, .int(ConfigLimits.misfireLimit),
               "The most missed fires one updater and tenant catch up or record one by one."),
        .value("shutdownGracePeriodSeconds", \.shutdownGracePeriodSeconds, .number(ConfigLimits.shutdownGracePeriodSeconds),
               "On SIGINT or SIGTERM, how long running executions may finish before they are cancelled."),
        .value("dataDirectory", \.dataDirectory, .text("folder"), live: .restart,
               "Where the history (`state.sqlite`), the change ledger and the lock file live."),
        .value("logDirectory", \.logDirectory, .text("folder"), live: .restart, "Where the daily log files live."),
        .value("seed", \.seed, .optional(.unsigned64, null: "draw one per execution"),
               "The run seed: with the tenant, updater and fire time it determines every generated row."),
        .value("api.enabled", \.api.enabled, .bool, live: .restart, "Serve the HTTP API (`updater start --no-api` turns it off)."),
        .value("api.host", \.api.host, .text("host name or address", check: { $0.trimmingCharacters(in: .whitespaces).isEmpty ? "must not be empty" : nil }),
               live: .restart, "The address the API binds; off loopback, GET routes need the token too."),
        .value("api.port", \.api.port, .int(ConfigLimits.apiPort), live: .restart, "The port the API binds; 0 picks a free one."),
        .value("api.token", \.api.token,
               .optional(.text("text of at least 16 characters", check: { $0.count < 16 ? "must be at least 16 characters (it guards every mutating route)" : nil }),
                         null: "generate one"),
               env: "DATABASE_UPDATER_API_TOKEN", live: .restart,
               shows: { $0.api.token == nil ? "generated at first start into \($0.dataDirectory)/api-token" : "set, hidden" },
               "The bearer token of mutating routes; never shown."),
        .value("streams.maxClients", \.streams.maxClients, .int(ConfigLimits.streamClients), live: .restart,
               "Streaming clients (SSE and WebSocket on /api/database-updater/events) served at once; one more gets 503."),
        .value("streams.clientBuffer", \.streams.clientBuffer, .int(ConfigLimits.streamClientBuffer), live: .restart,
               "Live events buffered per streaming client; one further behind gets a gap marker and the rest from the change log."),
        .value("cluster.enabled", \.cluster.enabled, .bool, live: .restart,
               "Run as one replica of a cluster sharing the schedules through the target PostgreSQL database (each fire once)."),
        .value("cluster.name", \.cluster.name, .text("cluster name", check: { $0.isEmpty || $0.count > 63 ? "must be 1 to 63 characters" : nil }),
               live: .restart, "Replicas with the same name on one database share the schedules."),
        .value("cluster.heartbeatSeconds", \.cluster.heartbeatSeconds, .number(ConfigLimits.clusterHeartbeatSeconds), live: .restart,
               "How often a replica beats; one silent for three beats is taken for dead and its tenants move to the others."),
        .value("ledger.rowImages", \.ledger.rowImages, .bool,
               "Keep each changed row's full after-image in the change log (canonical JSON), besides its hashes."),
        .value("groundTruth.walSlot", \.groundTruth.walSlot,
               .optional(.text("replication slot name", check: WALSlot.nameProblem), null: "none"), live: .restart,
               "PostgreSQL: a logical replication slot (wal2json) the service creates at start, for `updater verify --wal`."),
        webhooks,
        tenants,
    ])


    private static func databaseProblem(_ text: String) -> String? {
        do {
            _ = try DatabaseLocation(parsing: text)
            return nil
        } catch {
            return error.message
        }
    }

    private static func scenarioProblem(_ name: String) -> String? {
        do {
            _ = try ScenarioRegistry.builtIn.scenario(named: name)
            return nil
        } catch {
            return error.message
        }
    }

    private static func targetNameProblem(_ name: String) -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_-"))
        return name.isEmpty || name.count > 40 || name.unicodeScalars.contains { !allowed.contains($0) || !$0.isASCII }
            ? "'\(name)' is not a target name (1 to 40 letters, digits, _ or -)" : nil
    }

    /// `targets`: further databases the service drives, each with its scenario, schedules and
    /// enabled updaters, checked against that scenario's updaters.
    private static let targets = ConfigKey(
        path: "targets", type: "list of `name`, `database`, and optional `scenario`, `scheduleConfig` and `enabledUpdaters`",
        liveUpdate: .restart, documentedDefault: "none: the top-level database only",
        summary: "Further targets driven by the same service (for example a PostgreSQL office and a SQLite factory); tenants and execution settings are shared.",
        apply: { builder, raw, source in
            guard let list = raw as? [Any] else {
                builder.problems.append("targets: wrong type: expected a list, got \(ConfigLoader.describe(raw))")
                return
            }
            var targets: [TargetConfig] = []
            for (index, item) in list.enumerated() {
                let path = "targets[\(index)]"
                guard let map = item as? [String: Any] else { builder.problems.append("\(path): expected a mapping with name and database"); continue }
                guard let name = map["name"].flatMap({ builder.string($0, "\(path).name") }) else {
                    if map["name"] == nil { builder.problems.append("\(path).name: missing") }
                    continue
                }
                guard let database = map["database"].flatMap({ builder.string($0, "\(path).database") }) else {
                    if map["database"] == nil { builder.problems.append("\(path).database: missing") }
                    continue
                }
                var target = TargetConfig(name: name, database: database)
                if let scenario = map["scenario"].flatMap({ builder.string($0, "\(path).scenario") }) { target.scenario = scenario }
                if let schedules = map["scheduleConfig"] {
                    target.scheduleConfig = builder.map(schedules, "\(path).scheduleConfig") { $0.string($1, $2) } ?? [:]
                }
                if let flags = map["enabledUpdaters"] {
                    target.enabledUpdaters = builder.map(flags, "\(path).enabledUpdaters") { $0.bool($1, $2) } ?? [:]
                }
                for key in map.keys.sorted() where !["name", "database", "scenario", "scheduleConfig", "enabledUpdaters"].contains(key) {
                    builder.unknown("\(path).\(key)")
                }
                targets.append(target)
            }
            builder.config.targets = targets
            builder.sources["targets"] = source
        },
        check: { config, _ in
            var problems: [String] = []
            var seen: Set<String> = [config.target]
            for (index, target) in config.targets.enumerated() {
                let path = "targets[\(index)]"
                if let problem = targetNameProblem(target.name) { problems.append("\(path).name: \(problem)") }
                if !seen.insert(target.name).inserted { problems.append("\(path).name: duplicate target '\(target.name)'") }
                if let problem = databaseProblem(target.database) { problems.append("\(path).database: \(problem)") }
                if target.database == config.database || config.targets.prefix(index).contains(where: { $0.database == target.database }) {
                    problems.append("\(path).database: another target already writes to this database")
                }
                if let problem = scenarioProblem(target.scenario) {
                    problems.append("\(path).scenario: \(problem)")
                    continue
                }
                let context = ConfigCheckContext(registry: target.$scenario.updaters, tenantPositions: nil)
                problems += context.scheduleProblems(target.scheduleConfig, at: "\(path).scheduleConfig")
                problems += context.updaterKeyProblems(target.enabledUpdaters.keys, at: "\(path).enabledUpdaters")
            }
            return problems
        },
        show: { config, _ in
            .list(config.targets.flatMap { target in
                ["- name: \(target.name)", "  database: \(target.$database?.description ?? "(invalid location)")", "  scenario: \(target.scenario)"]
                    + target.scheduleConfig.sorted(by: { $0.key < $1.key }).map { "  scheduleConfig.\($0.key): \"\($0.value)\"" }
                    + target.enabledUpdaters.sorted(by: { $0.key < $1.key }).map { "  enabledUpdaters.\($0.key): \($0.value)" }
            })
        },
        isUnchanged: { $0.targets == $1.targets })

    private static func timeZoneProblem(_ name: String) -> String? {
        TimeZone(identifier: name) == nil ? "unknown time zone '\(name)' (expected an IANA name such as Europe/Paris)" : nil
    }

    /// `scheduleAnchor`: a date is midnight in `timezone`, which a later source may set, so the
    /// text is kept and read once every source is applied (``ConfigBuilder/resolveAnchor()``).
    private static let scheduleAnchor = ConfigKey(
        path: "scheduleAnchor", type: "ISO 8601 date-time with offset, or a date (midnight in `timezone`), or `null`",
        environment: "DATABASE_UPDATER_SCHEDULE_ANCHOR", documentedDefault: "`null`: midnight 1970-01-01 in `timezone`",
        summary: "Where `@every` schedules count from: they fire at this instant plus whole intervals.",
        apply: { builder, raw, source in
            if raw is NSNull {
                builder.anchorText = nil
                builder.config.scheduleAnchor = nil
                builder.sources["scheduleAnchor"] = source
            } else if let text = builder.string(raw, "scheduleAnchor") {
                // The zone only places a date's midnight: any zone tells whether the text is valid.
                if ISO8601.parse(dateOrDateTime: text, in: builder.config.timeZone) != nil {
                    builder.anchorText = text
                    builder.sources["scheduleAnchor"] = source
                } else {
                    builder.problems.append("scheduleAnchor: '\(text)' is not a date or date-time (expected ISO 8601 such as "
                        + "2026-03-01T00:00:00Z, or a date such as 2026-03-01 for midnight in the configured time zone)")
                }
            }
        },
        show: { config, _ in
            .value(ISO8601.format(config.scheduleAnchor ?? CronSchedule.defaultAnchor(in: config.timeZone), in: config.timeZone))
        },
        isUnchanged: { $0.scheduleAnchor == $1.scheduleAnchor })

    /// `tenants`: a list replaced whole; each entry may override schedules and enabled flags,
    /// checked against the scenario's updaters like the global ones.
    private static let tenants = ConfigKey(
        path: "tenants", type: "list of `id` (UUID), `customerId`, and optional `scheduleConfig` and `enabledUpdaters`",
        documentedDefault: "one tenant, `\(Tenant.defaultID)` of customer `\(Tenant.defaultCustomerID)`",
        summary: "The tenants written for; each may override `scheduleConfig` and `enabledUpdaters` for itself.",
        apply: { builder, raw, source in
            guard let (tenants, positions) = builder.tenants(raw, "tenants") else { return }
            builder.config.tenants = tenants
            builder.tenantPositions = positions
            builder.sources["tenants"] = source
        },
        check: { config, context in
            if config.tenants.isEmpty { return ["tenants: at least one tenant is required"] }
            var problems: [String] = []
            var seen = Set<UUID>()
            for (position, tenant) in config.tenants.enumerated() {
                let path = "tenants[\(context.tenantPositions?[position] ?? position)]"
                if !seen.insert(tenant.id).inserted { problems.append("\(path).id: duplicate tenant \(tenant.id.lowercaseString)") }
                if tenant.customerId.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("\(path).customerId: must not be empty") }
                problems += context.scheduleProblems(tenant.scheduleConfig ?? [:], at: "\(path).scheduleConfig")
                problems += context.updaterKeyProblems((tenant.enabledUpdaters ?? [:]).keys, at: "\(path).enabledUpdaters")
            }
            return problems
        },
        show: { config, _ in
            .list(config.tenants.flatMap { tenant in
                ["- id: \(tenant.id.lowercaseString)", "  customerId: \(tenant.customerId)"]
                    + (tenant.scheduleConfig ?? [:]).sorted(by: { $0.key < $1.key }).map { key, expression in
                        "  scheduleConfig.\(key): \"\(expression)\"   # \((try? config.cronSchedule(expression).explain()) ?? "invalid")"
                    }
                    + (tenant.enabledUpdaters ?? [:]).sorted(by: { $0.key < $1.key }).map { "  enabledUpdaters.\($0.key): \($0.value)" }
            })
        },
        isUnchanged: { $0.tenants == $1.tenants })
}
