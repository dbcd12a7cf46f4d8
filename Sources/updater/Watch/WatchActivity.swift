import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation

/// What runs now and what fires next, for `updater watch`: from the running service's API when
/// one serves this data folder (its scheduler knows what runs and when each entry fires next,
/// paused or not), else from the configured schedules (nothing is known to run then).
struct WatchActivity: Encodable {
    /// One schedule entry: an updater for a tenant, and when it fires.
    struct Entry: Encodable {
        var updater: String
        /// The tenant id, in lower case.
        var tenant: String
        var time: Date?
    }

    /// How many upcoming fires are listed.
    static let dueCount = 5

    /// The service, in a few words: `not running`, `running (pid 4242)`, …
    var service: String
    /// The executions running now; nil when that cannot be known (no service with an API).
    var running: [Entry]?
    /// The next fires, soonest first (entry order among equal times).
    var dueNext: [Entry]

    /// The activity at `now`. Never fails: a service that does not answer is reported in ``service``
    /// and the schedules come from the configuration.
    static func read(_ config: UpdaterConfig, now: Date) async -> WatchActivity {
        let holder = InstanceLock.runningHolder(directory: config.dataDirectory)
        var service = holder.map { "running (pid \($0.pid)) without an API: running executions unknown" } ?? "not running"
        do {
            if let client = try ServiceClient.forService(of: config) {
                let status = try await client.send("GET", "\(APIPaths.base)/status", as: ServiceStatus.self)
                let entries = status.schedules.map { Entry(updater: $0.updater, tenant: $0.tenant.lowercaseString, time: $0.nextFire) }
                return WatchActivity(
                    service: "running (pid \(status.pid.map(String.init) ?? "?"))" + (status.schedulingPaused ? ", scheduling paused" : ""),
                    running: zip(status.schedules, entries).filter { $0.0.running }.map { Entry(updater: $0.1.updater, tenant: $0.1.tenant) },
                    dueNext: soonest(entries))
            }
        } catch is BadInput {
            service = "running (pid \(holder.map { String($0.pid) } ?? "?")) on another database: running executions unknown"
        } catch {
            service = "running (pid \(holder.map { String($0.pid) } ?? "?")), its API did not answer: running executions unknown"
        }
        return WatchActivity(service: service, running: nil, dueNext: config.enableScheduling ? soonest(configured(config, after: now)) : [])
    }

    /// Every enabled entry of the configuration with its next fire after `now`, in entry order
    /// (tenants as configured, updaters in registry order).
    private static func configured(_ config: UpdaterConfig, after now: Date) -> [Entry] {
        config.tenants.flatMap { tenant in
            config.scenarioValue.updaters.all.filter { config.isEnabled($0, tenant: tenant) }.map { updater in
                Entry(updater: updater.name, tenant: tenant.id.lowercaseString,
                      time: (try? config.cronSchedule(config.schedule(for: updater, tenant: tenant)))?.next(after: now))
            }
        }
    }

    /// The first ``dueCount`` entries with a next fire, soonest first; a stable sort keeps entry order among equal times.
    private static func soonest(_ entries: [Entry]) -> [Entry] {
        let timed = entries.enumerated().compactMap { index, entry in entry.time.map { (index, $0, entry) } }
        return timed.sorted { ($0.1, $0.0) < ($1.1, $1.0) }.prefix(dueCount).map(\.2)
    }
}
