import ArgumentParser
import Cron
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation

extension Updater {
    /// `updater status`: from the history store, so it works with or without a running service.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether the service runs, whether the database answers, each schedule, and per-updater metrics."
        )

        @Flag(help: "Print the status as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let config = try configOptions.load().config
            let status: ServiceStatus
            if let client = try ServiceClient.forService(of: config) {
                status = try await client.send("GET", "\(APIPaths.base)/status", as: ServiceStatus.self)
            } else {
                status = try await Self.localStatus(config)
            }
            let slots = await Self.slotLines(config)
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(status), as: UTF8.self))
                for line in slots where line.hasPrefix("warning:") { Console.note(line) }
                return
            }
            let health = status.databaseHealth
            var lines = [
                status.running
                    ? "service: running (pid \(status.pid.map(String.init) ?? "?"), up \(Self.duration(status.uptimeSeconds ?? 0)))"
                        + (status.schedulingPaused ? ", scheduling paused" : "")
                    : "service: not running",
                "database: \(status.database) — " + ((health?.reachable ?? false) ? "reachable" : "unreachable: \(health?.lastError ?? "")"),
                "time zone: \(status.timezone)", "",
                "TENANT    UPDATER                     SCHEDULE             NEXT FIRE                  LAST RUN                   RESULT"
                    + (status.replicas != nil ? "     RAN ON" : ""),
            ]
            let zone = TimeZone(identifier: status.timezone) ?? TimeZone(identifier: "UTC")!
            for entry in status.schedules {
                lines.append("\(String(entry.tenant.lowercaseString.prefix(8)))  \(pad(entry.updater, 27)) \(pad(entry.schedule, 20)) "
                    + "\(pad(entry.nextFire.map { ISO8601.format($0, in: zone) } ?? "-", 26)) "
                    + "\(pad(entry.lastRun.map { ISO8601.format($0, in: zone) } ?? "never", 26)) \(pad(entry.lastOutcome?.rawValue ?? "-", 10))"
                    + (status.replicas != nil ? (entry.lastReplica.map { " " + String($0.lowercaseString.prefix(8)) } ?? " -") : ""))
            }
            lines += ["", "UPDATER                     TOTAL  OK     FAILED  TIMED OUT  SKIPPED  AVG      LAST ERROR"]
            for m in status.metrics {
                lines.append("\(pad(m.updater, 27)) \(pad("\(m.totalExecutions)", 6)) \(pad("\(m.successfulExecutions)", 6)) "
                    + "\(pad("\(m.failedExecutions)", 7)) \(pad("\(m.timedOutExecutions)", 10)) \(pad("\(m.skippedExecutions)", 8)) "
                    + "\(pad(m.averageDurationSeconds.map { ExecutionReport.milliseconds($0) } ?? "-", 8)) \(m.lastError ?? "")")
            }
            if status.metrics.isEmpty { lines.append("(no executions yet)") }
            if let webhooks = status.webhooks, !webhooks.isEmpty { lines += [""] + Self.webhookLines(webhooks) }
            if let replicas = status.replicas { lines += [""] + Self.replicaLines(replicas, this: status.running ? status.replica : nil) }
            if configOptions.target == nil, config.targets.count > 0 {
                lines += ["", "other targets: " + config.targets.map { "\($0.name) (\($0.scenario))" }.joined(separator: ", ")
                    + " — updater status --target NAME"]
            }
            if !slots.isEmpty { lines += [""] + slots }
            print(lines.joined(separator: "\n"))
        }

        /// A line per logical replication slot of the target's PostgreSQL database, a warning for
        /// one that holds more than ``WALSlot/lagWarningBytes`` of WAL (a forgotten capture or
        /// `verify --wal` slot fills the server's disk); none when they cannot be read.
        static func slotLines(_ config: UpdaterConfig) async -> [String] {
            guard config.databaseLocation?.dialect == .postgres,
                  let database = try? await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases) else { return [] }
            let lags = (try? await WALSlot.lags(in: database)) ?? []
            await database.close()
            return lags.map { lag in
                let mebibytes = String(format: "%.1f", Double(lag.bytes) / 1_048_576)
                let state = "replication slot \(lag.slot): \(mebibytes) MiB of WAL behind" + (lag.active ? ", being read" : ", not being read")
                return lag.isLagging() ? "warning: \(state); drop it (updater slot drop \(lag.slot)) unless a capture or verify --wal still needs it"
                                       : state
            }
        }

        /// The status from the history store and a connection attempt, when no service (with an API)
        /// runs (also the dashboard's).
        static func localStatus(_ config: UpdaterConfig) async throws -> ServiceStatus {
            let holder = InstanceLock.runningHolder(directory: config.dataDirectory)
            // Read only: status creates nothing, and works on a folder it cannot write.
            let history = try await ExecutionHistory.existing(directory: URL(fileURLWithPath: config.dataDirectory))
            let now = Date()
            var health = DatabaseHealth.State(reachable: true, lastError: nil, since: now)
            do {
                let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
                await database.close()
            } catch {
                health = .init(reachable: false, lastError: (error as? DatabaseError)?.message ?? "\(error)", since: now)
            }
            let recent = try await history?.recent(limit: 500).filter { !$0.dryRun } ?? []
            var schedules: [CronScheduler.EntryStatus] = []
            for tenant in config.tenants {
                for updater in config.scenarioValue.updaters.all where config.isEnabled(updater, tenant: tenant) {
                    let expression = config.schedule(for: updater, tenant: tenant)
                    let schedule = try config.cronSchedule(expression)
                    let last = recent.first { $0.updater == updater.name && $0.tenant == tenant.id }
                    schedules.append(.init(updater: updater.name, tenant: tenant.id, schedule: expression,
                                           scheduleDescription: schedule.explain(),
                                           nextFire: config.enableScheduling ? schedule.next(after: now) : nil, running: false,
                                           lastRun: last?.scheduledAt, lastOutcome: last?.outcome))
                }
            }
            let metrics = try await history?.metrics() ?? []
            let replica = try? await history?.replicaID()
            await history?.close()
            let cluster = await Self.clusterView(config, health: health)
            if let lastFires = cluster.lastFires {
                schedules = schedules.map { entry in
                    var entry = entry
                    if let fire = lastFires[ExecutionKey(updater: entry.updater, tenant: entry.tenant)],
                       entry.lastRun.map({ $0 < fire.scheduledAt }) ?? true {
                        entry.lastRun = fire.scheduledAt
                        entry.lastOutcome = fire.outcome
                        entry.lastReplica = fire.replica
                    }
                    return entry
                }
            }
            return ServiceStatus(
                running: holder != nil, pid: holder.map { Int($0.pid) }, startedAt: holder?.startedAt,
                uptimeSeconds: holder.map { now.timeIntervalSince($0.startedAt) }, schedulingEnabled: config.enableScheduling,
                schedulingPaused: false, dryRun: config.dryRun,
                database: config.databaseLocation?.description ?? "(invalid)", databaseHealth: health,
                timezone: config.timezone, schedules: schedules, metrics: metrics, replica: replica, replicas: cluster.replicas)
        }

        /// In cluster mode, what the target database says of the cluster when no service of
        /// this data folder answers: its replicas (with where their APIs listen) and each
        /// schedule's last committed fire, whichever replica ran it. Nils otherwise.
        static func clusterView(_ config: UpdaterConfig, health: DatabaseHealth.State)
            async -> (replicas: [ReplicaRegistry.Replica]?, lastFires: [ExecutionKey: ExecutionRecord]?)
        {
            guard config.cluster.enabled, health.reachable,
                  let database = try? await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
            else { return (nil, nil) }
            defer { Task { await database.close() } }
            // Read only: a cluster no replica joined yet has no registry, and gets none from here.
            let registry = ReplicaRegistry(cluster: config.cluster.name, heartbeatSeconds: config.cluster.heartbeatSeconds, database: database)
            let replicas = try? await registry.replicas()
            let keys = config.enabledKeys(in: config.scenarioValue.updaters)
            return (replicas, try? await FireLog.lastFireRecords(of: keys, in: database, target: config.target))
        }

        private func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

        /// The cluster section: one line per replica, alive or dead, with its fires and API.
        /// - Parameter this: the replica answering, marked as such.
        static func replicaLines(_ replicas: [ReplicaRegistry.Replica], this: UUID?) -> [String] {
            if replicas.isEmpty { return ["cluster replicas: none has joined"] }
            return ["cluster replicas:"] + replicas.map {
                "  \(String($0.id.lowercaseString.prefix(8)))  \($0.alive ? "alive" : "dead ")  \($0.host) pid \($0.pid)  "
                    + "started \(DatabaseValue.formatTimestamp($0.startedAt))  "
                    + "last heartbeat \(DatabaseValue.formatTimestamp($0.lastHeartbeat))  fires \($0.firesClaimed)"
                    + ($0.api.map { "  api \($0)" } ?? "") + ($0.id == this ? "  (this one)" : "")
            }
        }

        /// The webhooks section: one line per endpoint (its secret is never in the status).
        static func webhookLines(_ webhooks: [WebhookStatus]) -> [String] {
            var lines = ["WEBHOOK                                   STATE     DELIVERED  FAILED  RETRIED  DROPPED  LAG"]
            for hook in webhooks {
                let state = hook.state == .active ? "active" : "disabled: \(hook.reason ?? "")"
                let lag = "\(hook.lagSequences) seq, \(String(format: "%.1f", hook.lagSeconds)) s"
                lines.append("\(hook.url.padding(toLength: max(41, hook.url.count), withPad: " ", startingAt: 0)) "
                    + "\(state.padding(toLength: max(9, state.count), withPad: " ", startingAt: 0)) "
                    + [("\(hook.delivered)", 10), ("\(hook.failed)", 7), ("\(hook.retried)", 8), ("\(hook.dropped)", 8)]
                        .map { $0.0.padding(toLength: max($0.1, $0.0.count), withPad: " ", startingAt: 0) }.joined(separator: " ")
                    + " \(lag)" + (hook.lastError.map { "  last error: \($0)" } ?? ""))
            }
            return lines
        }

        static func duration(_ seconds: Double) -> String {
            let s = Int(seconds)
            return s >= 3600 ? "\(s / 3600)h \(s % 3600 / 60)m" : (s >= 60 ? "\(s / 60)m \(s % 60)s" : "\(s)s")
        }
    }
}
