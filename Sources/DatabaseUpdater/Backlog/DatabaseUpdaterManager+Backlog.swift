import Foundation
import Logging

/// The backlog's operations, on this manager's target: what is pending, and the operator's
/// retry, clear and mark-done. Each runs through the manager's ``Executor`` — the one path every
/// row and every record is written — so a retry is an execution like any other (concurrency cap,
/// timeout, one transaction, fire log, change log, history, metrics), and clear and mark-done
/// write their `skipped` records the way the misfire planner writes missed fires.
extension DatabaseUpdaterManager {
    private static let backlogLog = Logger(label: "updater.backlog")

    /// The pending work of every enabled schedule `filter` selects (``BacklogReader``).
    /// - Throws: ``UpdaterError`` for an unknown updater or tenant; ``DatabaseError`` when the
    ///   target database cannot be read.
    public func backlog(_ filter: BacklogFilter = BacklogFilter()) async throws -> [BacklogSchedule] {
        let filter = try filter.resolved(in: configuration, registry: registry)
        let committed = try await FireLog.lastFires(of: configuration.enabledKeys(in: registry), in: database, target: configuration.target)
        return try await BacklogReader.schedules(config: configuration, registry: registry, history: history, committed: committed,
                                                 now: clock.now(), filter: filter)
    }

    /// The backlog in numbers.
    public func backlogStatus(_ filter: BacklogFilter = BacklogFilter()) async throws -> BacklogStatus {
        BacklogStatus(try await backlog(filter))
    }

    /// Runs the pending items `filter` selects now, oldest fire first per schedule, each as a
    /// catch-up execution of its fire. A range of passed-over missed fires is not run: it is
    /// recorded as skipped, as the misfire planner records fires beyond `misfireLimit`.
    /// - Parameter dryRun: run each in a transaction that is rolled back: nothing is written to the
    ///   target database and nothing is resolved (the dry runs are in the history as dry runs).
    public func retryBacklog(_ filter: BacklogFilter = BacklogFilter(), dryRun: Bool = false) async throws -> BacklogReport {
        let items = try await backlog(filter).flatMap(\.items)
        var entries: [BacklogReport.Entry] = []
        for item in items {
            let resolution = BacklogResolution(action: .retry, item: item.id)
            let updater = try registry.updater(named: item.updater)
            let tenant = configuration.tenants.first { $0.id == item.tenant } ?? .default
            if let range = item.missedRange {
                let reason = "\(range.count)\(range.countIsExact ? "" : " or more") missed fires passed over by a backlog retry: "
                    + "more than misfireLimit (\(configuration.misfireLimit)) + 1; the most recent ran"
                let request = fireRequest(updater, tenant, at: range.last, trigger: .scheduled, dryRun: dryRun, backlog: resolution)
                let record = dryRun ? Self.unrecorded(request, reason: reason, range: range, at: clock.now())
                    : await executor.recordSkipped(request, reason: reason, missedRange: range)
                entries.append(.init(item: item, record: record))
                continue
            }
            let key = ExecutionKey(updater: updater.name, tenant: tenant.id)
            if !dryRun { running.join(key) }
            let record = await executor.execute(fireRequest(updater, tenant, at: item.scheduledAt, trigger: .catchUp, dryRun: dryRun,
                                                            backlog: resolution))
            if !dryRun { running.release(key) }
            records.publish([record])
            entries.append(.init(item: item, record: record))
        }
        if !dryRun { await moveSchedulerPast(entries) }
        let failed = entries.filter(\.failed).count
        Self.backlogLog.log(level: failed > 0 ? .warning : .info, "backlog retry", metadata: Self.metadata(filter, [
            "items": "\(entries.count)", "failed": "\(failed)", "dryRun": "\(dryRun)",
        ]))
        return BacklogReport(action: .retry, dryRun: dryRun, entries: entries)
    }

    /// Records the pending items `filter` selects as skipped, not run, with the operator's reason.
    /// - Throws: ``BacklogError`` for a reason that is not one short line; as ``backlog(_:)``.
    public func clearBacklog(_ filter: BacklogFilter = BacklogFilter(), reason: String? = nil) async throws -> BacklogReport {
        let reason = try BacklogError.checkedReason(reason)
        let items = try await backlog(filter).flatMap(\.items)
        var entries: [BacklogReport.Entry] = []
        for item in items {
            entries.append(.init(item: item, record: try await recordResolved(item, action: .clear, reason: reason)))
        }
        await moveSchedulerPast(entries)
        Self.backlogLog.info("backlog clear", metadata: Self.metadata(filter, ["items": "\(entries.count)", "reason": "\(reason ?? "")"]))
        return BacklogReport(action: .clear, dryRun: false, entries: entries)
    }

    /// Records one pending item as done (skipped, not run), with the operator's reason.
    /// - Throws: ``BacklogError`` for an id no pending item has, or a missed fire no one handled
    ///   yet whose schedule has earlier ones pending (mark those first, or clear them together);
    ///   as ``backlog(_:)``.
    public func markBacklogDone(_ id: String, reason: String? = nil) async throws -> BacklogReport {
        let reason = try BacklogError.checkedReason(reason)
        let items = try await backlog().flatMap(\.items)
        guard let item = items.first(where: { $0.id == id.lowercased() }) else {
            throw BacklogError(.unknownItem, "no pending backlog item '\(String(id.prefix(40)))' (`updater backlog list` shows the ids)")
        }
        if !item.recorded, let earlier = items.first(where: {
            !$0.recorded && $0.updater == item.updater && $0.tenant == item.tenant && $0.scheduledAt < item.scheduledAt
        }) {
            throw BacklogError(.notOldest, "backlog item \(item.id) has earlier missed fires of its schedule pending: mark \(earlier.id) "
                + "done first, or clear them together with `updater backlog clear --updater \(item.updater) --tenant \(item.tenant.lowercaseString)`")
        }
        let record = try await recordResolved(item, action: .markDone, reason: reason)
        await moveSchedulerPast([.init(item: item, record: record)])
        Self.backlogLog.info("backlog mark-done", metadata: ["item": "\(item.id)", "updater": "\(item.updater)",
                                                            "tenant": "\(item.tenant.lowercaseString)", "reason": "\(reason ?? "")"])
        return BacklogReport(action: .markDone, dryRun: false, entries: [.init(item: item, record: record)])
    }

    // MARK: - Internals

    /// Writes the `skipped` record that resolves `item`: at its fire (a range's last), trigger
    /// `scheduled`, so that it counts as the schedule's last fire like any missed fire's record.
    private func recordResolved(_ item: BacklogItem, action: BacklogResolution.Action, reason: String?) async throws -> ExecutionRecord {
        let updater = try registry.updater(named: item.updater)
        let tenant = configuration.tenants.first { $0.id == item.tenant } ?? .default
        let words = action == .clear ? "cleared from the backlog" : "marked done from the backlog"
        let request = fireRequest(updater, tenant, at: item.missedRange?.last ?? item.scheduledAt, trigger: .scheduled, dryRun: false,
                                  backlog: BacklogResolution(action: action, item: item.id, reason: reason))
        let record = await executor.recordSkipped(request, reason: "\(words): \(reason ?? "no reason given")", missedRange: item.missedRange)
        records.publish([record])
        return record
    }

    private func fireRequest(_ updater: any BaseUpdater, _ tenant: Tenant, at fire: Date, trigger: ExecutionRecord.Trigger, dryRun: Bool,
                             backlog: BacklogResolution) -> Executor.Request {
        Executor.Request(updater: updater, tenant: tenant, scheduledAt: fire, dryRun: dryRun,
                         seed: configuration.seed ?? UInt64.random(in: 0...UInt64.max), trigger: trigger, backlog: backlog)
    }

    /// A running scheduler that has not reached the handled fires yet (paused, or between a
    /// fire's due time and its pass) moves past them, so it does not run a fire the operator
    /// cleared, or record one a retry ran.
    private func moveSchedulerPast(_ entries: [BacklogReport.Entry]) async {
        var lastFires: [ExecutionKey: Date] = [:]
        for entry in entries {
            let key = ExecutionKey(updater: entry.record.updater, tenant: entry.record.tenant)
            lastFires[key] = max(lastFires[key] ?? entry.record.scheduledAt, entry.record.scheduledAt)
        }
        if !lastFires.isEmpty { await scheduler?.resume(afterCommitted: lastFires) }
    }

    /// The record a dry run's passed-over range would get, written nowhere.
    private static func unrecorded(_ request: Executor.Request, reason: String, range: ExecutionRecord.MissedRange, at now: Date)
        -> ExecutionRecord
    {
        ExecutionRecord(id: Identifiers.next(), updater: request.updater.name, tenant: request.tenant.id, scheduledAt: request.scheduledAt,
                        startedAt: now, finishedAt: now, outcome: .skipped, trigger: request.trigger, dryRun: true, seed: request.seed,
                        rows: [], error: reason, sample: nil, missedRange: range, backlog: request.backlog)
    }

    private static func metadata(_ filter: BacklogFilter, _ metadata: Logger.Metadata) -> Logger.Metadata {
        var metadata = metadata
        if let updater = filter.updater { metadata["updater"] = "\(updater)" }
        if let tenant = filter.tenant { metadata["tenant"] = "\(tenant.lowercaseString)" }
        return metadata
    }
}
