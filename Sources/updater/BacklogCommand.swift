import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater backlog`: fires missed since the last recorded one, per tenant × updater.
    struct Backlog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List fires missed since each schedule last ran, and what the misfire policy will do with them."
        )

        @Flag(help: "Print the backlog as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        struct Item: Encodable {
            let tenant: UUID
            let updater: String
            let schedule: String
            let lastFire: Date?
            let missed: Int
            let firstMissed: Date?
            let lastMissed: Date?
            let onStart: String
        }

        func run() async throws {
            let config = try configOptions.load().config
            let history = try await ExecutionHistory(directory: URL(fileURLWithPath: config.dataDirectory))
            let now = Date()
            var items: [Item] = []
            for tenant in config.tenants {
                for updater in UpdaterRegistry.builtIn.all where config.isEnabled(updater, tenant: tenant) {
                    let expression = config.schedule(for: updater, tenant: tenant)
                    let schedule = try CronSchedule(expression, timeZone: config.timeZone)
                    let last = try await history.lastScheduledFire(updater: updater.name, tenant: tenant.id)
                    var due: [Date] = [], passedOver = 0
                    if let last { (due, passedOver) = MisfirePlanner.dueFires(of: schedule, after: last, now: now, limit: config.misfireLimit) }
                    let plan = MisfirePlanner.plan(due: due, now: now, policy: config.misfirePolicy, limit: config.misfireLimit,
                                                   totalMissedBefore: passedOver)
                    let action = plan.catchUp.isEmpty && plan.onTime == nil
                        ? (due.isEmpty ? "nothing to catch up" : "record \(due.count + passedOver) missed, run none")
                        : "run \(plan.catchUp.count) catch-up, record \(plan.missed.count + plan.unrecorded) missed"
                    items.append(Item(tenant: tenant.id, updater: updater.name, schedule: expression, lastFire: last,
                                      missed: due.count + passedOver, firstMissed: due.first, lastMissed: due.last, onStart: action))
                }
            }
            await history.close()
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(items), as: UTF8.self))
                return
            }
            print("misfire policy: \(config.misfirePolicy.rawValue) (limit \(config.misfireLimit))")
            for item in items {
                let last = item.lastFire.map { ISO8601.format($0, in: config.timeZone) } ?? "never ran (nothing to catch up)"
                var line = "\(String(item.tenant.lowercaseString.prefix(8)))  \(item.updater.padding(toLength: 27, withPad: " ", startingAt: 0)) "
                    + "last fire \(last); missed \(item.missed)"
                if let first = item.firstMissed, let lastMissed = item.lastMissed {
                    line += " (\(ISO8601.format(first, in: config.timeZone)) … \(ISO8601.format(lastMissed, in: config.timeZone)))"
                }
                print(line + "; on start: \(item.onStart)")
            }
        }
    }
}
