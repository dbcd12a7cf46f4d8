import DatabaseUpdater
import Foundation
import Testing

/// One fire: a tenant × updater's cron slot, in whole seconds since 1970.
struct FireSlot: Hashable, Comparable, CustomStringConvertible {
    var tenant: UUID
    var updater: String
    var at: Int64

    static func < (lhs: FireSlot, rhs: FireSlot) -> Bool {
        (lhs.at, lhs.tenant.uuidString, lhs.updater) < (rhs.at, rhs.tenant.uuidString, rhs.updater)
    }

    /// The fire `record` is (or was to be) an execution of.
    init(_ record: ExecutionRecord) {
        self.init(tenant: record.tenant, updater: record.updater, at: Int64(record.scheduledAt.timeIntervalSince1970))
    }

    init(tenant: UUID, updater: String, at: Int64) {
        self.tenant = tenant
        self.updater = updater
        self.at = at
    }

    var description: String { "\(updater) of …\(tenant.lowercaseString.suffix(4)) at \(at)" }
}

/// What replicas sharing one PostgreSQL database left behind, read once they stopped: the fire
/// log (which fires took effect), the change log (what each execution wrote) and each replica's
/// execution history. Three accounts of the same executions, kept independently; the checks
/// (`expect…`) hold them against each other, so a fire that took effect twice, or not at all,
/// shows in at least two of them.
struct ReplicaEvidence {
    /// A fire the fire log holds (scheduled or catch-up).
    struct Fire {
        var slot: FireSlot
        var execution: UUID
        var trigger: String
        /// Rows it wrote, from its row counts (-1 when they cannot be read).
        var rows: Int
    }

    /// The fire log's scheduled and catch-up fires.
    let fires: [Fire]
    /// Fire log rows that could not be read.
    let unreadableFires: Int
    /// Slots the fire log holds more than once, counted by SQL (the key should make it impossible).
    let doubles: [String]
    /// The change log's entries per execution.
    let changeEntries: [UUID: Int]
    /// The executions with change log entries per slot (the entries' tenant, updater and data time).
    let changeExecutions: [FireSlot: Set<UUID>]
    /// Change log entries whose execution the fire log does not hold (by an SQL join).
    let changesWithoutFire: Int
    /// Each replica's execution history, in the replicas' order.
    let histories: [[ExecutionRecord]]
    /// The replica whose own execution log (`logs/*.log`, a JSON line per execution it ran)
    /// says it ran each execution that succeeded: who ran a fire, which the histories cannot
    /// tell while the restore copies other replicas' fires into them.
    let ranBy: [UUID: Int]

    /// Reads the fire log and the change log of the database at `location`, and the history in
    /// each of `folders` (the replicas' working folders, each with its `data`).
    static func collect(location: String, folders: [URL]) async throws -> ReplicaEvidence {
        let histories = try await folders.asyncMap { try await ServiceFixture.history(in: $0) }
        var ranBy: [UUID: Int] = [:]
        for (index, folder) in folders.enumerated() {
            for id in try succeededExecutions(loggedIn: folder.appendingPathComponent("logs")) { ranBy[id] = index }
        }
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        do {
            let evidence = try await database.withConnection { conn in
                // By trigger, not by `manual_execution`: a fire recorded with a non-empty one would dodge the key.
                let doubles = try conn.query("""
                    SELECT tenant_id, updater, scheduled_at, COUNT(*) AS n FROM updater.fires WHERE trigger IN ('scheduled', 'catch_up')
                    GROUP BY tenant_id, updater, scheduled_at HAVING COUNT(*) > 1
                    """)
                let rows = try conn.query("""
                    SELECT tenant_id, updater, CAST(EXTRACT(EPOCH FROM scheduled_at) AS BIGINT) AS at, execution_id, trigger, row_counts
                    FROM updater.fires WHERE trigger IN ('scheduled', 'catch_up')
                    """)
                let changes = try conn.query("""
                    SELECT execution_id, tenant_id, updater, CAST(FLOOR(data_time) AS BIGINT) AS at, COUNT(*) AS n
                    FROM updater.changes GROUP BY execution_id, tenant_id, updater, FLOOR(data_time)
                    """)
                let withoutFire = try conn.query("""
                    SELECT COUNT(*) AS n FROM updater.changes c
                    WHERE NOT EXISTS (SELECT 1 FROM updater.fires f WHERE f.execution_id = c.execution_id)
                    """).first?["n"].intValue
                return (doubles: doubles.map { "\($0)" }, rows: rows, changes: changes, withoutFire: Int(withoutFire ?? -1))
            }
            await database.close()
            let fires = evidence.rows.compactMap { row -> Fire? in
                guard let tenant = row["tenant_id"].uuidValue, let updater = row["updater"].stringValue, let at = row["at"].intValue,
                      let id = row["execution_id"].uuidValue, let trigger = row["trigger"].stringValue else { return nil }
                let counts = try? JSONDecoder().decode([ExecutionRecord.RowCount].self, from: Data((row["row_counts"].stringValue ?? "[]").utf8))
                return Fire(slot: FireSlot(tenant: tenant, updater: updater, at: at), execution: id, trigger: trigger,
                            rows: counts?.reduce(0) { $0 + $1.count } ?? -1)
            }
            var entries: [UUID: Int] = [:], executions: [FireSlot: Set<UUID>] = [:]
            for row in evidence.changes {
                guard let id = row["execution_id"].uuidValue else { continue }
                entries[id, default: 0] += Int(row["n"].intValue ?? 0)
                if let tenant = row["tenant_id"].uuidValue, let updater = row["updater"].stringValue, let at = row["at"].intValue {
                    executions[FireSlot(tenant: tenant, updater: updater, at: at), default: []].insert(id)
                }
            }
            return ReplicaEvidence(fires: fires, unreadableFires: evidence.rows.count - fires.count, doubles: evidence.doubles,
                                   changeEntries: entries, changeExecutions: executions, changesWithoutFire: evidence.withoutFire,
                                   histories: histories, ranBy: ranBy)
        } catch {
            await database.close()
            throw error
        }
    }

    /// The executions that the JSON log files in `folder` say succeeded.
    private static func succeededExecutions(loggedIn folder: URL) throws -> [UUID] {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return try files.filter { $0.pathExtension == "log" }.flatMap { file in
            try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap { line -> UUID? in
                guard line.contains("\"message\":\"execution\""),
                      let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let metadata = entry["metadata"] as? [String: Any], metadata["outcome"] as? String == "succeeded",
                      metadata["dryRun"] == nil, let id = (metadata["execution"] as? String).flatMap(UUID.init(uuidString:)) else { return nil }
                return id
            }
        }
    }

    // MARK: - Derived

    /// The fire log's fires by slot.
    var firesBySlot: [FireSlot: [Fire]] { Dictionary(grouping: fires, by: \.slot) }

    /// The histories that record each execution as succeeded (real ones, not dry runs).
    var successes: [UUID: [Int]] {
        var claimed: [UUID: [Int]] = [:]
        for (index, records) in histories.enumerated() {
            for record in records where record.outcome == .succeeded && !record.dryRun && record.trigger != .manual {
                claimed[record.id, default: []].append(index)
            }
        }
        return claimed
    }

    /// The replica that ran `execution`, by its own execution log (nil when none logged it: a
    /// killed replica may not have).
    func runner(of execution: UUID) -> Int? { ranBy[execution] }

    /// The slots replica `index` recorded as missed under the misfire policy (not run): one record
    /// each, or one record for a range of a second-by-second schedule.
    func missed(by index: Int) -> [FireSlot] {
        histories[index].filter { $0.outcome == .skipped && $0.trigger != .manual }.flatMap { record -> [FireSlot] in
            let slot = FireSlot(record)
            if let range = record.missedRange {
                let first = Int64(range.first.timeIntervalSince1970)
                return (first...slot.at).map { FireSlot(tenant: record.tenant, updater: record.updater, at: $0) }
            }
            return (record.error ?? "").hasPrefix(MisfirePlanner.missedFireReasonPrefix) ? [slot] : []
        }
    }

    /// Whether a skipped record lost its fire to another replica: at its commit ("already took
    /// effect") or, in cluster mode, before generating anything ("already claimed").
    static func lostToAnother(_ record: ExecutionRecord) -> Bool {
        record.outcome == .skipped && ["already took effect", "already claimed"].contains { (record.error ?? "").hasPrefix($0) }
    }

    /// The records of replica `index` that lost their fire to another replica (``lostToAnother(_:)``).
    func losers(of index: Int) -> [ExecutionRecord] {
        histories[index].filter(Self.lostToAnother)
    }

    /// The records of replica `index` of fires skipped because an execution of their updater and
    /// tenant was still running (`CronScheduler.submit`).
    func overlapSkipped(of index: Int) -> [ExecutionRecord] {
        histories[index].filter { $0.outcome == .skipped && ($0.error ?? "").hasPrefix("skipped: an execution of") }
    }

    /// Skipped records of replica `index` that are neither a lost fire nor a missed one (an
    /// execution still running when its next fire came, say).
    func otherSkips(of index: Int) -> [ExecutionRecord] {
        histories[index].filter {
            $0.outcome == .skipped && $0.missedRange == nil && !Self.lostToAnother($0)
                && !($0.error ?? "").hasPrefix(MisfirePlanner.missedFireReasonPrefix)
        }
    }

    /// For a failure's message: what each account holds of `slot`'s updater and tenant around it.
    func around(_ slot: FireSlot, seconds: Int64 = 3) -> String {
        let near = (slot.at - seconds)...(slot.at + seconds)
        let fired = fires.filter { $0.slot.tenant == slot.tenant && $0.slot.updater == slot.updater && near.contains($0.slot.at) }
            .sorted { $0.slot.at < $1.slot.at }
            .map { "\($0.slot.at) \($0.trigger) by \(runner(of: $0.execution).map(String.init) ?? "?")" }
        let recorded = histories.enumerated().flatMap { index, records in
            records.filter { $0.tenant == slot.tenant && $0.updater == slot.updater && near.contains(FireSlot($0).at) }.map {
                "replica \(index): \(FireSlot($0).at) \($0.trigger.rawValue) \($0.outcome.rawValue) started \($0.startedAt.timeIntervalSince1970)"
                    + ($0.error.map { " (\($0))" } ?? "")
            }
        }.sorted()
        return "\(slot): fire log \(fired), histories \(recorded)"
    }

    // MARK: - Checks

    /// At most once: no slot is in the fire log twice (by SQL and by reading it), and every row of it reads.
    func expectAtMostOnce(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(doubles.count == 0, "fires recorded more than once: \(doubles.prefix(5))", sourceLocation: sourceLocation)
        #expect(unreadableFires == 0, "\(unreadableFires) unreadable fire log rows", sourceLocation: sourceLocation)
        let twice = firesBySlot.filter { $0.value.count > 1 }
        #expect(twice.count == 0, "\(twice.count) slots in the fire log more than once, e.g. \(twice.keys.sorted().prefix(3))",
                sourceLocation: sourceLocation)
    }

    /// The slots of `window` (of `tenants`) that the fire log lacks.
    func uncommitted(in window: ClosedRange<Int64>, tenants: [UUID] = ReplicaFixture.tenants) -> [FireSlot] {
        let present = Set(fires.map(\.slot))
        return ReplicaFixture.slots(in: window, tenants: tenants).filter { !present.contains($0) }
    }

    /// The change log against the fire log: each entry belongs to a committed fire (none of a
    /// loser's rolled-back execution), each committed fire has as many entries as it wrote rows,
    /// and the entries of a slot are those of the one execution the fire log holds for it.
    func expectChangeLogMatchesFireLog(sourceLocation: SourceLocation = #_sourceLocation) {
        let committed = Dictionary(fires.map { ($0.execution, $0.rows) }, uniquingKeysWith: { first, _ in first })
        let orphans = Set(changeEntries.keys).subtracting(committed.keys)
        #expect(orphans.count == 0, "change log entries of \(orphans.count) executions that are not a committed fire: \(orphans.prefix(3))",
                sourceLocation: sourceLocation)
        let uneven = committed.filter { changeEntries[$0.key, default: 0] != $0.value }
        #expect(uneven.count == 0, "\(uneven.count) committed fires whose log entries differ from their row counts: \(uneven.prefix(3))",
                sourceLocation: sourceLocation)
        #expect(changesWithoutFire == 0, "change log rows without a fire (SQL join): \(changesWithoutFire)", sourceLocation: sourceLocation)
        let bySlot = firesBySlot
        let disagreeing = changeExecutions.filter { slot, executions in
            ReplicaFixture.updaters.contains(slot.updater) && !executions.isSubset(of: Set((bySlot[slot] ?? []).map(\.execution)))
        }
        #expect(disagreeing.count == 0,
                "\(disagreeing.count) slots whose change log entries are another execution's than the fire log's, e.g. \(disagreeing.keys.sorted().prefix(3))",
                sourceLocation: sourceLocation)
    }

    /// The histories and the replicas' execution logs against the fire log: every success they
    /// record is a committed fire; every committed fire is some replica's success, in its history
    /// and its log (up to `unrecordedAllowed` of a killed replica, committed but never recorded);
    /// each slot of `window` has one success at most in the union of the histories, the fire log's;
    /// no execution is a success in two histories (a replica's restore, at start-up and whenever
    /// the database comes back, takes only its own fires from the fire log), and each history's
    /// records name one replica, its own.
    func expectHistoriesMatchFireLog(window: ClosedRange<Int64>, unrecordedAllowed: Int = 0,
                                     sourceLocation: SourceLocation = #_sourceLocation) {
        let committed = Set(fires.map(\.execution))
        let claimedBy = successes
        let unknown = Set(claimedBy.keys).subtracting(committed)
        #expect(unknown.count == 0, "\(unknown.count) successes in the histories that the fire log does not hold: \(unknown.prefix(3))",
                sourceLocation: sourceLocation)
        let unrecorded = committed.subtracting(claimedBy.keys)
        #expect(unrecorded.count <= unrecordedAllowed, "\(unrecorded.count) committed fires no replica recorded: \(unrecorded.prefix(3))",
                sourceLocation: sourceLocation)
        // Each replica's own log of what it ran: the fire log holds it, and so does its history.
        let loggedOnly = Set(ranBy.keys).subtracting(committed)
        #expect(loggedOnly.count == 0,
                "\(loggedOnly.count) executions logged as succeeded that the fire log does not hold: \(loggedOnly.prefix(3))",
                sourceLocation: sourceLocation)
        let notInHistory = ranBy.filter { id, index in !(claimedBy[id]?.contains(index) ?? false) }
        #expect(notInHistory.count == 0,
                "\(notInHistory.count) executions a replica logged as succeeded but its history does not: \(notInHistory.prefix(3))",
                sourceLocation: sourceLocation)
        let unlogged = committed.subtracting(ranBy.keys)
        #expect(unlogged.count <= unrecordedAllowed, "\(unlogged.count) committed fires no replica logged: \(unlogged.prefix(3))",
                sourceLocation: sourceLocation)

        // The union of the histories, by slot: one distinct succeeded execution at most, the fire log's.
        var succeededBySlot: [FireSlot: Set<UUID>] = [:]
        for records in histories {
            for record in records where record.outcome == .succeeded && !record.dryRun && record.trigger != .manual {
                succeededBySlot[FireSlot(record), default: []].insert(record.id)
            }
        }
        let bySlot = firesBySlot
        let disagreeing = succeededBySlot.filter { slot, ids in
            window.contains(slot.at) && (ids.count > 1 || ids != Set((bySlot[slot] ?? []).map(\.execution)))
        }
        let examples = disagreeing.sorted { $0.key < $1.key }.prefix(3).map { around($0.key, seconds: 0) }
        #expect(disagreeing.count == 0,
                "\(disagreeing.count) slots of the window whose successes in the histories are not the fire log's one, e.g. \(examples)",
                sourceLocation: sourceLocation)

        // The same execution in several histories (the restore defect).
        let twice = claimedBy.filter { $0.value.count > 1 }
        func scheduled(_ id: UUID) -> Int64? {
            claimedBy[id].flatMap { histories[$0[0]].first { $0.id == id } }.map { FireSlot($0).at }
        }
        func describe(_ claims: [UUID: [Int]]) -> [String] {
            claims.prefix(3).map { id, replicas in
                replicas.map { index in
                    histories[index].first { $0.id == id }.map {
                        "replica \(index): \($0.updater) at \(FireSlot($0).at) \($0.trigger.rawValue) started \($0.startedAt.timeIntervalSince1970)"
                    } ?? ""
                }.joined(separator: " / ")
            }
        }
        #expect(twice.count == 0, "\(twice.count) executions recorded as succeeded by several replicas: \(describe(twice))",
                sourceLocation: sourceLocation)
        let ids = histories.map { Set($0.filter { !$0.dryRun && $0.outcome == .succeeded }.compactMap(\.replica)) }
        #expect(ids.allSatisfy { $0.count <= 1 } && Set(ids.flatMap { $0 }).count == ids.filter { !$0.isEmpty }.count,
                "each history should name one replica, its own, and no two the same: \(ids)", sourceLocation: sourceLocation)
    }

    /// No execution failed or timed out, in any history but those of `excepted`.
    func expectNoFailures(except excepted: Set<Int> = [], sourceLocation: SourceLocation = #_sourceLocation) {
        for (index, records) in histories.enumerated() where !excepted.contains(index) {
            let failed = records.filter { $0.outcome == .failed || $0.outcome == .timedOut }
            let examples = failed.prefix(3).map { "\(FireSlot($0)): \($0.error ?? "")" }
            #expect(failed.count == 0, "replica \(index): \(failed.count) failed executions, e.g. \(examples)", sourceLocation: sourceLocation)
        }
    }

    /// Each replica's records by outcome, for the test's report line.
    var outcomes: String {
        histories.enumerated().map { index, records in
            "replica \(index): " + Dictionary(grouping: records, by: { $0.outcome.rawValue }).mapValues(\.count)
                .sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }.joined(separator: "; ")
    }
}
