import Cron
import Foundation

/// Works out the backlog — the pending work of every enabled schedule — from the configuration,
/// the execution history and the target database's fire log. Reads only.
///
/// An item is pending when:
/// - **missed, not recorded**: a fire of the schedule after its last recorded or committed fire
///   that is due by more than ``MisfirePlanner/onTimeTolerance`` (a running scheduler handles the
///   ones just due). Beyond the most recent `misfireLimit + 1`, the earlier ones are one item of
///   their range, as the misfire planner would record them.
/// - **missed, recorded**: the misfire policy recorded the fire as missed (one by one, not as a
///   range), and nothing was recorded for that fire since.
/// - **failed**: the fire's latest execution failed or timed out.
///
/// Any later record of the same fire resolves it: a retry's execution, or the `skipped` record
/// `clear` and `mark-done` write (with the operator's reason), which also counts as the
/// schedule's last fire, as every fire record does.
public enum BacklogReader {
    /// The backlog of each enabled schedule `filter` selects, in configuration order (tenants as
    /// configured, updaters in registry order).
    /// - Parameters:
    ///   - history: nil when there is none yet (then only the fire log says what ran).
    ///   - committed: the last committed fire per schedule, from ``FireLog/lastFires(of:in:target:)``.
    public static func schedules(
        config: UpdaterConfig, registry: UpdaterRegistry, history: ExecutionHistory?, committed: [ExecutionKey: Date], now: Date,
        filter: BacklogFilter = BacklogFilter()
    ) async throws -> [BacklogSchedule] {
        let unresolved = try await history?.unresolvedFires() ?? []
        var result: [BacklogSchedule] = []
        for tenant in config.tenants {
            for updater in registry.all where config.isEnabled(updater, tenant: tenant) && filter.includes(updater: updater.name, tenant: tenant.id) {
                let expression = config.schedule(for: updater, tenant: tenant)
                let schedule = try config.cronSchedule(expression)
                let key = ExecutionKey(updater: updater.name, tenant: tenant.id)
                let recorded = try await history?.lastScheduledFire(updater: updater.name, tenant: tenant.id)
                let last = [recorded, committed[key]].compactMap { $0 }.max()
                var due: [Date] = []
                var passedOver: ExecutionRecord.MissedRange?
                if let last { (due, passedOver) = MisfirePlanner.dueFires(of: schedule, after: last, now: now, limit: config.misfireLimit) }
                let plan = MisfirePlanner.plan(due: due, now: now, policy: config.misfirePolicy, limit: config.misfireLimit, passedOver: passedOver)
                let total = due.count + (passedOver?.count ?? 0)
                var items = unresolved.filter { $0.updater == updater.name && $0.tenant == tenant.id }.map { record in
                    BacklogItem(reason: record.outcome == .skipped ? .missed : .failed, tenant: tenant.id, updater: updater.name,
                                scheduledAt: record.scheduledAt, recorded: true, execution: record.id, error: record.error)
                }
                if let passedOver {
                    items.append(BacklogItem(reason: .missed, tenant: tenant.id, updater: updater.name, scheduledAt: passedOver.first,
                                             missedRange: passedOver, recorded: false))
                }
                let settled = now.addingTimeInterval(-MisfirePlanner.onTimeTolerance)
                for fire in due where fire < settled {
                    items.append(BacklogItem(reason: .missed, tenant: tenant.id, updater: updater.name, scheduledAt: fire, recorded: false))
                }
                items.sort { $0.scheduledAt < $1.scheduledAt }
                result.append(BacklogSchedule(
                    tenant: tenant.id, updater: updater.name, schedule: expression, lastFire: last, due: total,
                    firstDue: passedOver?.first ?? due.first, lastDue: due.last, onTime: plan.onTime == nil ? 0 : 1,
                    catchUp: plan.catchUp.count, recordedMissed: plan.notRun,
                    onStart: last == nil ? "never ran: starts at its next fire" : BacklogSchedule.words(plan, total: total),
                    items: items))
            }
        }
        return result
    }
}
