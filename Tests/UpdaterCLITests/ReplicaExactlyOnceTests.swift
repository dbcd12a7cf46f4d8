import DatabaseUpdater
import Foundation
import Testing

/// Several independent `updater start` replicas (each with its own data folder) against one
/// PostgreSQL database, every schedule firing each second: the fire log's key `fires_once`
/// alone makes every fire take effect exactly once. The replicas all run every fire; the losers
/// must be recorded as `skipped` ("already took effect"), never `failed`, and none of their
/// rows may reach the database or the change log. This is the guarantee cluster mode builds on
/// (cluster mode will only stop the wasted work).
@Suite(.serialized)
struct ReplicaExactlyOnceTests {
    static let tenants = (1...3).map { UUID(uuidString: String(format: "5c1a0f3e-0000-4000-8000-%012d", $0))! }
    static let updaters = ["business_record_activities", "service_tickets", "business_records"]
    static let replicas = 3

    @Test func threeReplicasTakeEveryFireExactlyOnce() async throws {
        try await runReplicas(killOneAfter: nil)
    }

    /// With a fixed seed the replicas write the same ids for a fire: a loser now usually fails on
    /// a business table's key before it reaches the fire log's, and must still be recognised as
    /// the same fire having taken effect (`FireLog.contains`), not recorded as failed.
    @Test func identicalReplicasCollidingOnTheirRowsStillSkipTheLosers() async throws {
        try await runReplicas(killOneAfter: nil, seed: 20261201)
    }

    @Test func aReplicaKilledMidRunLeavesTheSurvivorsTakingEveryFireOnce() async throws {
        try await runReplicas(killOneAfter: .seconds(7))
    }

    /// Replica B, started a few seconds after replica A, restores from the fire log only what it
    /// committed itself: none of A's committed fires become successes in B's history (a defect
    /// this reproduced deterministically before the fire log named its replicas).
    @Test func aLateReplicaDoesNotClaimTheFiresOfAnother() async throws {
        let location = try await ServiceFixture.freshPostgres()
        let folders = try (0..<2).map { _ in try CommandRunner.temporaryFolder() }
        defer { for folder in folders { try? FileManager.default.removeItem(at: folder) } }
        let configs = try folders.map { try ServiceFixture.writeConfig(Self.config(location: location, seed: nil), in: $0) }
        let first = try ServiceProcess(["start", "--config", configs[0], "--port", "0"], in: folders[0])
        #expect(await waitForStderr([first], containing: "database reachable", timeout: .seconds(60))[0] != nil, "\(first.stderr)")
        try await Task.sleep(for: .seconds(3))
        let second = try ServiceProcess(["start", "--config", configs[1], "--port", "0"], in: folders[1])
        #expect(await waitForStderr([second], containing: "database reachable", timeout: .seconds(60))[0] != nil, "\(second.stderr)")
        try await Task.sleep(for: .seconds(2))
        for service in [first, second] { service.signal(SIGTERM) }
        for service in [first, second] { #expect(await service.waitForExit() == 0, "\(service.stderr)") }
        let histories = try await folders.asyncMap { try await ServiceFixture.history(in: $0) }
        let ranByFirst = Set(histories[0].filter { $0.outcome == .succeeded }.map(\.id))
        let claimed = histories[1].filter { $0.outcome == .succeeded && ranByFirst.contains($0.id) }
        #expect(claimed.isEmpty, "replica B claims \(claimed.count) of replica A's executions as its own successes; B logged: \(second.stderr.split(separator: "\n").filter { $0.contains("restored") })")
        // Each replica's records name it, and only it.
        for (index, history) in histories.enumerated() {
            #expect(Set(history.filter { !$0.dryRun && $0.outcome == .succeeded }.map(\.replica)).count == 1,
                    "replica \(index) records executions under several replica ids")
        }
        #expect(Set(histories.compactMap { $0.first(where: { $0.outcome == .succeeded })?.replica }).count == 2,
                "the two replicas should have distinct ids")
    }

    static func config(location: String, seed: UInt64?) -> String {
        """
        database: "\(location)"
        \(seed.map { "seed: \($0)" } ?? "")
        scheduleConfig:
          businessActivities: "*/1 * * * * *"
          serviceTickets: "*/1 * * * * *"
          newLeads: "*/1 * * * * *"
        executionConfig:
          maxConcurrentExecutions: 9
        misfirePolicy: runOnce
        shutdownGracePeriodSeconds: 10
        tenants:
        \(Self.tenants.map { "  - id: \($0.lowercaseString)\n    customerId: cust-1" }.joined(separator: "\n"))
        """
    }

    /// One run: three replicas for ~20 s (one of them SIGKILLed after `killOneAfter`), SIGTERM,
    /// then the database, the histories and `updater verify`.
    private func runReplicas(killOneAfter: Duration?, seed: UInt64? = nil) async throws {
        let began = ContinuousClock.now
        let location = try await ServiceFixture.freshPostgres()
        let folders = try (0..<Self.replicas).map { _ in try CommandRunner.temporaryFolder() }
        defer { for folder in folders { try? FileManager.default.removeItem(at: folder) } }
        let yaml = Self.config(location: location, seed: seed)
        // The same configuration in each replica's folder; each its own data folder (and lock).
        let configs = try folders.map { try ServiceFixture.writeConfig(yaml, in: $0) }
        let services = try zip(configs, folders).map { config, folder in
            try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        }
        func dump() -> String {
            services.enumerated().map { "replica \($0.offset): \($0.element.stdout)\($0.element.stderr)" }.joined(separator: "\n---\n")
        }

        // Ready once each logs the database reachable (migrated, resumed after what committed).
        let reachable = await waitForStderr(services, containing: "database reachable", timeout: .seconds(60))
        guard let ready = reachable.compactMap({ $0 }).max(), reachable.allSatisfy({ $0 != nil }) else {
            services.forEach { $0.signal(SIGKILL) }
            Issue.record("not every replica became reachable: \(dump())")
            return
        }

        var killedAt: Date?
        let run: Duration = .seconds(20)
        if let killOneAfter {
            try await Task.sleep(for: killOneAfter)
            killedAt = Date()
            services[0].signal(SIGKILL)
            _ = await services[0].waitForExit(timeout: .seconds(10))
            try await Task.sleep(for: run - killOneAfter)
        } else {
            try await Task.sleep(for: run)
        }
        let stoppedAt = Date()
        let survivors = killOneAfter == nil ? Array(services.indices) : Array(services.indices.dropFirst())
        for index in survivors {
            #expect(services[index].isRunning, "replica \(index) exited early: \(services[index].stderr)")
            services[index].signal(SIGTERM)
        }
        for index in survivors {
            let status = await services[index].waitForExit(timeout: .seconds(30))
            #expect(status == 0, "replica \(index) exit \(String(describing: status)): \(services[index].stderr)")
        }

        // The slots every replica (every survivor, after the kill) was there for, a second off each edge.
        let first = Int64(ready.timeIntervalSince1970.rounded(.up)) + 1
        let last = Int64(stoppedAt.timeIntervalSince1970.rounded(.down)) - 1
        #expect(last - first >= 10, "window too short: \(first)...\(last)")
        let window = first...last

        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let histories: [[ExecutionRecord]]
        do {
            histories = try await folders.asyncMap { try await ServiceFixture.history(in: $0) }
            try await checkDatabase(database, window: window, killedAt: killedAt, histories: histories,
                                    killed: killOneAfter == nil ? nil : 0)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        checkHistories(histories, window: window, killed: killOneAfter == nil ? nil : 0)

        // The ground truth: the change log and the database agree.
        let verified = try await CommandRunner.run(["verify", "--config", configs[1]], in: folders[1])
        #expect(verified.status == 0 && verified.stdout.contains("the log and the database agree"), "\(verified.stdout)\(verified.stderr)")

        let outcomes = histories.enumerated().map { index, records in
            "replica \(index): " + Dictionary(grouping: records, by: { $0.outcome.rawValue }).mapValues(\.count)
                .sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        print("ReplicaExactlyOnceTests\(killOneAfter == nil ? "" : " (one killed)")\(seed == nil ? "" : " (seed \(seed!))"): window \(window.count) s, "
              + "\(outcomes.joined(separator: "; ")); took \(ContinuousClock.now - began)")
    }

    /// The fire log, the change log and the histories against each other.
    private func checkDatabase(_ database: any Database, window: ClosedRange<Int64>, killedAt: Date?,
                               histories: [[ExecutionRecord]], killed: Int?) async throws {
        // At most once, over the whole run, seen through SQL (the key should make this impossible).
        // By trigger, not by `manual_execution`: a fire recorded with a non-empty one would dodge the key.
        let doubles = try await database.withConnection { conn in
            try conn.query("""
                SELECT tenant_id, updater, scheduled_at, COUNT(*) AS n FROM updater.fires WHERE trigger IN ('scheduled', 'catch_up')
                GROUP BY tenant_id, updater, scheduled_at HAVING COUNT(*) > 1
                """)
        }
        #expect(doubles.isEmpty, "fires recorded more than once: \(doubles.prefix(5))")

        // At least once: every slot of the window, for every tenant × updater.
        let fires = try await database.withConnection { conn in
            try conn.query("""
                SELECT tenant_id, updater, CAST(EXTRACT(EPOCH FROM scheduled_at) AS BIGINT) AS at, execution_id, row_counts
                FROM updater.fires WHERE trigger IN ('scheduled', 'catch_up')
                """)
        }
        struct Slot: Hashable { var tenant: UUID; var updater: String; var at: Int64 }
        let slots = fires.compactMap { row -> Slot? in
            guard let tenant = row["tenant_id"].uuidValue, let updater = row["updater"].stringValue, let at = row["at"].intValue else { return nil }
            return Slot(tenant: tenant, updater: updater, at: at)
        }
        #expect(slots.count == fires.count, "unreadable fire log rows")
        let present = Set(slots)
        let missing = window.flatMap { at in
            Self.tenants.flatMap { tenant in Self.updaters.map { Slot(tenant: tenant, updater: $0, at: at) } }
        }.filter { !present.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) fires of the window \(window) never took effect, e.g. \(missing.prefix(5))")
        if let killedAt {
            let afterKill = Int64(killedAt.timeIntervalSince1970.rounded(.up)) + 1
            let taken = missing.filter { $0.at >= afterKill }
            #expect(taken.isEmpty && window.upperBound - afterKill >= 5,
                    "after the kill at \(afterKill): \(taken.count) missing, window ends \(window.upperBound)")
        }

        // Each committed fire is one replica's success; no replica claims a fire another committed.
        let committed = Dictionary(uniqueKeysWithValues: fires.compactMap { row -> (UUID, Int)? in
            guard let id = row["execution_id"].uuidValue else { return nil }
            let counts = (try? JSONDecoder().decode([ExecutionRecord.RowCount].self, from: Data((row["row_counts"].stringValue ?? "[]").utf8)))
            return (id, counts?.reduce(0) { $0 + $1.count } ?? -1)
        })
        var claimedBy: [UUID: [Int]] = [:]
        for (index, records) in histories.enumerated() {
            for record in records where record.outcome == .succeeded && !record.dryRun { claimedBy[record.id, default: []].append(index) }
        }
        let twice = claimedBy.filter { $0.value.count > 1 }
        func describe(_ claims: [UUID: [Int]]) -> [String] {
            claims.prefix(3).map { id, replicas in
                replicas.map { index in
                    histories[index].first { $0.id == id }.map {
                        "replica \(index): \($0.updater) at \(Int64($0.scheduledAt.timeIntervalSince1970)) \($0.trigger.rawValue) started \($0.startedAt.timeIntervalSince1970)"
                    } ?? ""
                }.joined(separator: " / ")
            }
        }
        // Start-up restore takes only a replica's own fires from the fire log (its `replica`
        // column), so no fire is claimed by two histories, inside the window or before it.
        #expect(twice.isEmpty, "\(twice.count) executions recorded as succeeded by several replicas: \(describe(twice))")
        let unknown = Set(claimedBy.keys).subtracting(committed.keys)
        #expect(unknown.isEmpty, "\(unknown.count) successes in the histories that the fire log does not hold: \(unknown.prefix(3))")
        let unclaimed = Set(committed.keys).subtracting(claimedBy.keys)
        if killed == nil {
            #expect(unclaimed.isEmpty, "\(unclaimed.count) committed fires no replica recorded: \(unclaimed.prefix(3))")
        } else {
            // The killed replica may have committed a fire or two it never got to record.
            #expect(unclaimed.count <= 9, "\(unclaimed.count) committed fires no replica recorded")
        }

        // The change log: each entry belongs to a committed fire (none of a loser's rolled-back
        // execution), and each committed fire has exactly as many entries as it wrote rows.
        let changes = try await database.withConnection { conn in
            try conn.query("SELECT execution_id, COUNT(*) AS n FROM updater.changes GROUP BY execution_id")
        }
        var entries: [UUID: Int] = [:]
        for row in changes { if let id = row["execution_id"].uuidValue { entries[id] = Int(row["n"].intValue ?? 0) } }
        let orphans = Set(entries.keys).subtracting(committed.keys)
        #expect(orphans.isEmpty, "change log entries of \(orphans.count) executions that are not a committed fire: \(orphans.prefix(3))")
        let uneven = committed.filter { entries[$0.key, default: 0] != $0.value }
        #expect(uneven.isEmpty, "\(uneven.count) committed fires whose log entries differ from their row counts: \(uneven.prefix(3))")
        let orphanJoin = try await database.withConnection { conn in
            try conn.query("""
                SELECT COUNT(*) AS n FROM updater.changes c
                WHERE NOT EXISTS (SELECT 1 FROM updater.fires f WHERE f.execution_id = c.execution_id)
                """).first?["n"].intValue
        }
        #expect(orphanJoin == 0, "change log rows without a fire (SQL join): \(String(describing: orphanJoin))")
    }

    /// Each replica's history: every fire of the window either won (succeeded) or lost as
    /// skipped, "already took effect"; nothing failed; and the replicas really competed.
    private func checkHistories(_ histories: [[ExecutionRecord]], window: ClosedRange<Int64>, killed: Int?) {
        var lost = 0
        for (index, records) in histories.enumerated() {
            let failed = records.filter { $0.outcome == .failed || $0.outcome == .timedOut }
            #expect(failed.isEmpty, "replica \(index): \(failed.count) failed executions, e.g. \(failed.prefix(3).map { "\($0.updater) \($0.tenant) \($0.scheduledAt): \($0.error ?? "")" })")
            let inWindow = records.filter { window.contains(Int64($0.scheduledAt.timeIntervalSince1970)) && $0.trigger != .manual }
            let losers = inWindow.filter { $0.outcome == .skipped }
            let otherSkips = losers.filter { !($0.error ?? "").hasPrefix("already took effect") }
            #expect(otherSkips.isEmpty, "replica \(index): skipped for another reason: \(otherSkips.prefix(3).map { "\($0.scheduledAt): \($0.error ?? "")" })")
            lost += losers.count - otherSkips.count
            if index != killed {
                // A survivor ran every fire of the window (won or lost it), once.
                let seen = Dictionary(grouping: inWindow, by: { "\($0.tenant) \($0.updater) \(Int64($0.scheduledAt.timeIntervalSince1970))" })
                #expect(seen.count == window.count * Self.tenants.count * Self.updaters.count,
                        "replica \(index) ran \(seen.count) of the window's \(window.count * 9) fires")
                let repeated = seen.filter { $0.value.count > 1 }
                #expect(repeated.isEmpty, "replica \(index) ran a fire more than once: \(repeated.keys.prefix(3))")
            }
        }
        // Three replicas running every fire: about two in three attempts lose.
        #expect(lost >= window.count * 9, "only \(lost) lost fires: the replicas did not compete")
    }

    /// For each process, when its stderr first contained `text` (nil if it did not in time or exited).
    private func waitForStderr(_ processes: [ServiceProcess], containing text: String, timeout: Duration) async -> [Date?] {
        var seen = [Date?](repeating: nil, count: processes.count)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && seen.contains(where: { $0 == nil }) {
            for (index, process) in processes.enumerated() where seen[index] == nil && process.stderr.contains(text) {
                seen[index] = Date()
            }
            if processes.indices.contains(where: { seen[$0] == nil && !processes[$0].isRunning }) { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return seen
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
