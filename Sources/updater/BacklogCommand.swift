import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater backlog`: fires missed since the last recorded one, per tenant × updater.
    struct Backlog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List fires missed since each schedule last ran, and what the misfire policy will do with them on start."
        )

        @Flag(help: "Print the backlog as JSON.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        struct Item: Encodable {
            let tenant: UUID
            let updater: String
            let schedule: String
            let lastFire: Date?
            /// Due fires since the last one, on time or not.
            let due: Int
            let firstDue: Date?
            let lastDue: Date?
            /// Of `due`: runs at its time, runs as a catch-up, recorded as missed; they add up to `due`.
            let onTime: Int
            let catchUp: Int
            let recordedMissed: Int
            let onStart: String
        }

        func run() async throws {
            let config = try configOptions.load().config
            let history = try await ExecutionHistory.existing(directory: URL(fileURLWithPath: config.dataDirectory))
            // What committed, from the target database itself: the history may lack a crash's last records.
            var committed: [ExecutionKey: Date] = [:]
            var note: String?
            do {
                let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
                let keys = config.enabledKeys(in: config.scenarioValue.updaters)
                do { committed = try await FireLog.lastFires(of: keys, in: database, target: config.target) } catch { note = "the target database has no fire log yet" }
                await database.close()
            } catch {
                note = "the target database was not read (\((error as? DatabaseError)?.message ?? "\(error)")); fires may have committed since the last recorded one"
            }
            let now = Date()
            var items: [Item] = []
            for tenant in config.tenants {
                for updater in config.scenarioValue.updaters.all where config.isEnabled(updater, tenant: tenant) {
                    let expression = config.schedule(for: updater, tenant: tenant)
                    let schedule = try config.cronSchedule(expression)
                    let recorded = try await history?.lastScheduledFire(updater: updater.name, tenant: tenant.id)
                    let last = [recorded, committed[ExecutionKey(updater: updater.name, tenant: tenant.id)]].compactMap { $0 }.max()
                    var due: [Date] = []
                    var passedOver: ExecutionRecord.MissedRange?
                    if let last { (due, passedOver) = MisfirePlanner.dueFires(of: schedule, after: last, now: now, limit: config.misfireLimit) }
                    let plan = MisfirePlanner.plan(due: due, now: now, policy: config.misfirePolicy, limit: config.misfireLimit,
                                                   passedOver: passedOver)
                    let total = due.count + (passedOver?.count ?? 0)
                    items.append(Item(
                        tenant: tenant.id, updater: updater.name, schedule: expression, lastFire: last, due: total,
                        firstDue: passedOver?.first ?? due.first, lastDue: due.last, onTime: plan.onTime == nil ? 0 : 1,
                        catchUp: plan.catchUp.count, recordedMissed: plan.notRun,
                        onStart: last == nil ? "never ran: starts at its next fire" : Self.words(plan, total: total)))
                }
            }
            await history?.close()
            if json {
                print(String(decoding: try JSONCoding.encoder(pretty: true).encode(items), as: UTF8.self))
                return
            }
            print("misfire policy: \(config.misfirePolicy.rawValue) (limit \(config.misfireLimit))")
            if let note { print("note: \(note)") }
            for item in items {
                let last = item.lastFire.map { ISO8601.format($0, in: config.timeZone) } ?? "never"
                var line = "\(String(item.tenant.lowercaseString.prefix(8)))  \(item.updater.padding(toLength: 27, withPad: " ", startingAt: 0)) "
                    + "last fire \(last)"
                if let first = item.firstDue, let lastDue = item.lastDue {
                    line += "; \(item.due) due (\(ISO8601.format(first, in: config.timeZone)) … \(ISO8601.format(lastDue, in: config.timeZone)))"
                }
                print(line + "; on start: \(item.onStart)")
            }
        }

        /// What starting now does with `total` due fires, in words whose numbers add up.
        static func words(_ plan: MisfirePlanner.Plan, total: Int) -> String {
            guard total > 0 else { return "nothing missed" }
            var parts: [String] = []
            if plan.onTime != nil { parts.append("the latest is on time and runs as scheduled") }
            if !plan.catchUp.isEmpty { parts.append("\(plan.catchUp.count) run\(plan.catchUp.count == 1 ? "s" : "") as catch-up") }
            if plan.notRun > 0 {
                let exact = plan.missedRange?.countIsExact ?? true
                parts.append("\(plan.notRun)\(exact ? "" : " or more") \(plan.notRun == 1 ? "is" : "are") recorded as missed, not run")
            }
            return "of \(total) due, " + parts.joined(separator: ", ")
        }
    }
}
