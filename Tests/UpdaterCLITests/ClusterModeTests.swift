import DatabaseUpdater
import Foundation
import Testing

/// Cluster mode (issue 19), for real: `updater start` replicas with `cluster.enabled` and a
/// one-second heartbeat on one fresh PostgreSQL database, three tenants × three updaters each
/// firing every second, under `runOnce`. Each test reads what the run left behind
/// (``ReplicaEvidence``: the fire log, the change log, every replica's history and log) and holds the
/// accounts against each other: every fire takes effect at most once whatever happens to a
/// replica, and every fire of the checked window either takes effect or is recorded as not run
/// (missed under the misfire policy). Who ran a fire comes from each replica's own execution
/// log, since the histories' restore copies other replicas' fires. About 2 minutes 15 s in all.
@Suite(.serialized)
struct ClusterModeTests {
    /// The issue's acceptance run: three replicas for 60 s. Every slot of the window is executed
    /// exactly once by each account — the fire log holds it once, the union of the histories has
    /// that one execution as its only success (losers skipped, never failed), the change log has
    /// that execution's entries and no other's — and `updater verify` passes. The replicas split
    /// the work: every fire of the window was run by the tenant's owner among the live replicas
    /// (rendezvous hashing, computed here as the replicas compute it), and hardly any fire was
    /// run twice to lose (where without cluster mode two in three runs lose).
    @Test func threeReplicasSplitTheTenantsAndRunEveryFireOnce() async throws {
        let began = ContinuousClock.now
        let replicas = ClusterReplicas(location: try await ServiceFixture.freshPostgres())
        for _ in 0..<3 { try replicas.start() }
        guard let settled = await replicas.waitUntilEachSees(3) else { return }
        let membership = try await replicas.membership()
        let mark = replicas.stderrMark()
        try await Task.sleep(for: .seconds(60))
        let stoppedAt = Date()
        // Ownership held all along: no replica saw the live replicas change (one taken for dead).
        let changed = replicas.indices.filter { Substring(replicas.services[$0].stderr.utf8.dropFirst(mark[$0])).contains(" cluster replicas ") }
        #expect(changed.count == 0, "replicas \(changed) saw the live replicas change during the run (a heartbeat stalled for three beats?): \(replicas.dump())")
        await replicas.stop()
        guard let window = Self.window(from: settled, to: stoppedAt) else { return }
        let evidence = try await ReplicaEvidence.collect(location: replicas.location, folders: replicas.folders)

        // Exactly once, by each account.
        evidence.expectAtMostOnce()
        let uncommitted = evidence.uncommitted(in: window)
        #expect(uncommitted.count == 0, "\(uncommitted.count) fires of the window \(window) never took effect, e.g. \(uncommitted.prefix(5))")
        evidence.expectHistoriesMatchFireLog(window: window)
        evidence.expectChangeLogMatchesFireLog()
        evidence.expectNoFailures()
        for index in replicas.indices {
            let missed = evidence.missed(by: index).filter { window.contains($0.at) }
            #expect(missed.count == 0, "replica \(index) recorded \(missed.count) fires of the window as missed, e.g. \(missed.prefix(3))")
            let skipped = evidence.otherSkips(of: index).filter { window.contains(FireSlot($0).at) }
            #expect(skipped.count == 0, "replica \(index) skipped fires of the window: \(skipped.prefix(3).map { "\($0.scheduledAt): \($0.error ?? "")" })")
        }

        // The work follows ownership, and is done once.
        let inWindow = evidence.fires.filter { window.contains($0.slot.at) }
        let misplaced = inWindow.filter { evidence.runner(of: $0.execution) != membership.owner(of: $0.slot.tenant) }
        let examples = misplaced.prefix(3).map { "\($0.slot) by \(evidence.runner(of: $0.execution).map(String.init) ?? "?")" }
        #expect(misplaced.count == 0, "\(misplaced.count) fires of the window not run by their tenant's owner (\(membership.description)), e.g. \(examples)")
        let perReplica = replicas.indices.map { index in inWindow.filter { evidence.runner(of: $0.execution) == index }.count }
        let losers = replicas.indices.map { evidence.losers(of: $0).count }
        #expect(losers.reduce(0, +) * 10 < inWindow.count, "\(losers) fires lost to another replica, for \(inWindow.count): the replicas did not split the work")
        // Bounded loads: three tenants over three replicas, one each.
        #expect(perReplica.allSatisfy { $0 > 0 }, "fires of the window per replica: \(perReplica) (\(membership.description))")

        try await replicas.expectVerified()
        print("ClusterModeTests (3 replicas): window \(window.count) s, fires of the window per replica \(perReplica) (\(membership.description)), "
              + "losers per replica \(losers); \(evidence.outcomes); took \(ContinuousClock.now - began)")
    }

    /// A replica owning tenants is SIGKILLed mid-run. Nothing takes effect twice; the survivors
    /// see it dead after three silent heartbeats and take its tenants, each resuming after the
    /// fire log's last committed fire under `runOnce` (`CronScheduler.setOwnership`, then
    /// `MisfirePlanner.plan`): the fires due by then except the latest are missed; the latest
    /// missed one runs as a catch-up, the latest due one on time; the others are recorded as
    /// skipped "missed fire: …" in the survivor's history, never run. So every slot of the
    /// window took effect once or was recorded as not run, never both; the missed ones are the
    /// dead replica's tenants' fires right after its last commit, up to the one catch-up.
    @Test func aKilledReplicasTenantsAreTakenOverUnderTheMisfirePolicy() async throws {
        let began = ContinuousClock.now
        let replicas = ClusterReplicas(location: try await ServiceFixture.freshPostgres())
        for _ in 0..<3 { try replicas.start() }
        guard let settled = await replicas.waitUntilEachSees(3) else { return }
        let membership = try await replicas.membership()
        // The replica owning the most tenants dies (three tenants on three replicas: at least one).
        guard let victim = membership.busiest else {
            Issue.record("no replica owns a tenant: \(membership.description)")
            return
        }
        let survivors = replicas.indices.filter { $0 != victim }
        let victimTenants = Set(membership.tenants(of: victim))
        try await Task.sleep(for: .seconds(8))
        let mark = replicas.stderrMark()
        let killedAt = Date()
        await replicas.kill(victim)
        guard let takenOver = await replicas.waitUntilEachSees(2, replicas: survivors, since: mark) else { return }
        try await Task.sleep(for: .seconds(10))
        let stoppedAt = Date()
        await replicas.stop(survivors)
        guard let window = Self.window(from: settled, to: stoppedAt) else { return }
        let evidence = try await ReplicaEvidence.collect(location: replicas.location, folders: replicas.folders)

        evidence.expectAtMostOnce()
        // A fire or two the victim committed but never got to record.
        evidence.expectHistoriesMatchFireLog(window: window, unrecordedAllowed: 9)
        evidence.expectChangeLogMatchesFireLog()
        evidence.expectNoFailures()

        // Every slot of the window took effect or was recorded as missed, by one replica, not both.
        let accounts = Self.expectEverySlotAccounted(evidence, window: window)
        let committed = accounts.committed, missedBy = accounts.missed
        let both = missedBy.keys.filter { committed[$0] != nil }.sorted()
        #expect(both.count == 0, "\(both.count) slots recorded as missed that took effect, e.g. \(both.prefix(3))")
        let twice = missedBy.filter { $0.value.count > 1 }
        #expect(twice.count == 0, "\(twice.count) slots recorded as missed by both survivors, e.g. \(twice.keys.sorted().prefix(3))")
        let strays = missedBy.keys.filter { !victimTenants.contains($0.tenant) }.sorted()
        #expect(strays.count == 0, "\(strays.count) missed fires of tenants the victim did not own, e.g. \(strays.prefix(3))")

        // Per updater of each of the victim's tenants: after the victim's last committed fire,
        // the missed ones, then the latest missed one as a catch-up, then the survivors on time.
        var report: [String] = []
        for tenant in victimTenants.sorted(by: { $0.uuidString < $1.uuidString }) {
            for updater in ReplicaFixture.updaters {
                let fires = evidence.fires.filter { $0.slot.tenant == tenant && $0.slot.updater == updater }
                // The victim's: logged by it, or by no one (committed, then killed before it logged).
                let byVictim = fires.filter { evidence.runner(of: $0.execution).map { !survivors.contains($0) } ?? true }
                guard let last = byVictim.map(\.slot.at).max() else {
                    Issue.record("the victim committed no fire of \(updater) for \(tenant)")
                    continue
                }
                let after = fires.filter { $0.slot.at > last }
                let strangers = after.filter { evidence.runner(of: $0.execution).map { !survivors.contains($0) } ?? true }
                #expect(strangers.count == 0, "\(updater) of \(tenant): fires after the victim's last (\(last)) not run by a survivor: \(strangers.map(\.slot))")
                let catchUps = after.filter { $0.trigger == ExecutionRecord.Trigger.catchUp.rawValue }.map(\.slot.at)
                let missedOfKey = missedBy.keys.filter { $0.tenant == tenant && $0.updater == updater }.map(\.at).sorted()
                let missed = missedOfKey.filter { $0 > last }
                #expect(missed == missedOfKey, "\(updater) of \(tenant): missed fires before the victim's last \(last): \(missedOfKey)")
                #expect(catchUps.count == 1, "\(updater) of \(tenant): \(catchUps.count) catch-ups after the victim's last fire \(last), runOnce runs one")
                if let catchUp = catchUps.first {
                    #expect(missed == Array(last + 1 ..< catchUp),
                            "\(updater) of \(tenant): missed \(missed), expected every slot from the victim's last \(last) to the catch-up \(catchUp)")
                }
                report.append("\(missed.count)")
            }
        }

        try await replicas.expectVerified(by: survivors[0])
        print("ClusterModeTests (one killed): window \(window.count) s, victim owned \(victimTenants.count) tenants, "
              + "taken over \(String(format: "%.1f", takenOver.timeIntervalSince(killedAt))) s after the kill, missed fires per updater \(report) "
              + "(\(missedBy.count) in all), \(accounts.overlapped.count) skipped as overlapping; \(evidence.outcomes); took \(ContinuousClock.now - began)")
    }

    /// A replica whose clock is 30 s ahead (`UPDATER_CLOCK_OFFSET_SECONDS=30`) joins two others,
    /// runs, and is SIGKILLed. Fires are named by their cron slot, so it fires its tenants' slots
    /// 30 s early — and nothing takes effect twice: not when it takes its tenants (the fire log's
    /// last committed fire is the previous owner's, in the present: it records the half minute
    /// between as missed and runs from there), not when it dies (the survivors resume after its
    /// last committed fire, in the future: they record nothing missed and wait for it). The
    /// window is the run's, in real time: the skewed replica's tenants' slots in it took effect
    /// before their time or were recorded as missed when it took them.
    @Test func aReplicaThirtySecondsAheadTakesNoFireTwice() async throws {
        let began = ContinuousClock.now
        let replicas = ClusterReplicas(location: try await ServiceFixture.freshPostgres())
        for _ in 0..<2 { try replicas.start() }
        guard let settled = await replicas.waitUntilEachSees(2) else { return }
        // The skewed replica must own a tenant to prove anything. With bounded loads the third
        // replica owns one of the three at once; should one ever own none, it is stopped,
        // forgotten and replaced.
        var skewed: Int?
        var membership = try await replicas.membership()
        for _ in 0..<8 {
            let mark = replicas.stderrMark()
            let index = try replicas.start(environment: [SystemClock.offsetVariable: "30"])
            guard await replicas.waitUntilEachSees(3, replicas: [0, 1, index], since: mark) != nil else { return }
            membership = try await replicas.membership()
            if !membership.tenants(of: index).isEmpty {
                skewed = index
                break
            }
            let before = replicas.stderrMark()
            await replicas.stop([index])
            try await replicas.forget(index, in: membership)
            guard await replicas.waitUntilEachSees(2, replicas: [0, 1], since: before) != nil else { return }
        }
        guard let skewed else {
            Issue.record("eight replicas in a row owned no tenant: \(membership.description)")
            return
        }
        let skewedTenants = Set(membership.tenants(of: skewed))
        try await Task.sleep(for: .seconds(12))
        let mark = replicas.stderrMark()
        let killedAt = Date()
        await replicas.kill(skewed)
        guard await replicas.waitUntilEachSees(2, replicas: [0, 1], since: mark) != nil else { return }
        try await Task.sleep(for: .seconds(5))
        let stoppedAt = Date()
        await replicas.stop([0, 1])
        guard let window = Self.window(from: settled, to: stoppedAt) else { return }
        let evidence = try await ReplicaEvidence.collect(location: replicas.location, folders: replicas.folders)

        evidence.expectAtMostOnce()
        evidence.expectHistoriesMatchFireLog(window: window, unrecordedAllowed: 9)
        evidence.expectChangeLogMatchesFireLog()
        evidence.expectNoFailures()

        let accounts = Self.expectEverySlotAccounted(evidence, window: window)
        let committed = accounts.committed, missedBy = accounts.missed
        let strays = missedBy.filter { $0.value != [skewed] || !skewedTenants.contains($0.key.tenant) }
        let examples = strays.sorted { $0.key < $1.key }.prefix(3).map { "\($0.key) by \($0.value)" }
        #expect(strays.count == 0, "missed fires other than the skewed replica's, of its tenants, when it took them: \(examples)")

        // It ran its own tenants' fires only, and ahead of time: slots well after it was killed.
        let bySkewed = evidence.fires.filter { evidence.runner(of: $0.execution) == skewed }
        #expect(!bySkewed.isEmpty, "the skewed replica committed no fire")
        // It was told: its heartbeat compares its clock with the database's.
        #expect(replicas.services[skewed].stderr.contains("clock is off the database's"), "no skew warning: \(replicas.services[skewed].stderr)")
        #expect(!replicas.services[0].stderr.contains("clock is off the database's"), "a replica on time warned of skew")
        let foreign = bySkewed.filter { !skewedTenants.contains($0.slot.tenant) }
        #expect(foreign.count == 0, "the skewed replica ran fires of tenants it did not own: \(foreign.prefix(3).map(\.slot))")
        let latest = bySkewed.map(\.slot.at).max() ?? 0
        #expect(latest > Int64(killedAt.timeIntervalSince1970) + 10, "its latest fire \(latest) is not ahead of its kill at \(killedAt)")
        let both = missedBy.keys.filter { committed[$0] != nil }

        try await replicas.expectVerified()
        print("ClusterModeTests (one 30 s ahead): window \(window.count) s, skewed replica owned \(skewedTenants.count) tenants "
              + "(on try \(skewed - 1)), committed \(bySkewed.count) fires up to \(latest - Int64(killedAt.timeIntervalSince1970)) s after its kill, "
              + "recorded \(missedBy.count) missed (\(both.count) of them took effect), \(accounts.overlapped.count) skipped as overlapping; "
              + "\(evidence.outcomes); took \(ContinuousClock.now - began)")
    }

    /// A replica's database connection is cut for real — its own TCP proxy closes every
    /// connection and refuses new ones — for at least five heartbeats, then restored. While cut,
    /// the others take its tenants (each of its tenants' updaters has fires after the cut, run
    /// by them); once restored, it rejoins, takes its tenants back and commits fires again; and
    /// no slot takes effect twice. Every slot of the window took effect or was recorded as not
    /// run (missed by a takeover, either way); only the cut replica failed executions, those the
    /// cut interrupted.
    @Test func aReplicaCutOffFromTheDatabaseRejoinsWithoutDuplicates() async throws {
        let began = ContinuousClock.now
        let location = try await ServiceFixture.freshPostgres()
        var proxies: [TCPProxy] = []
        for _ in 0..<3 { proxies.append(try await TCPProxy(upstream: location)) }
        let replicas = ClusterReplicas(location: location)
        for proxy in proxies { try replicas.start(database: proxy.location) }
        guard let settled = await replicas.waitUntilEachSees(3) else { return }
        let membership = try await replicas.membership()
        guard let cut = membership.busiest else {
            Issue.record("no replica owns a tenant: \(membership.description)")
            return
        }
        let others = replicas.indices.filter { $0 != cut }
        let cutTenants = membership.tenants(of: cut)
        try await Task.sleep(for: .seconds(5))

        let mark = replicas.stderrMark()
        let cutAt = Date()
        try await proxies[cut].cut()
        // The others find it dead after three silent beats and take its tenants: each of its
        // tenants' updaters gets fires after the cut (it cannot commit any: no connection).
        guard await replicas.waitUntilEachSees(2, replicas: others, since: mark) != nil else { return }
        let takenOver = try await Self.waitForFires(after: cutAt, of: cutTenants, location: location)
        #expect(takenOver, "the others did not take the cut replica's tenants: \(replicas.dump())")
        let elapsed = Date().timeIntervalSince(cutAt)
        if elapsed < 5 { try await Task.sleep(for: .seconds(5 - elapsed)) }
        let rejoinMark = replicas.stderrMark()
        let restoredAt = Date()
        try await proxies[cut].restore()
        guard await replicas.waitUntilEachSees(3, since: rejoinMark) != nil else { return }
        try await Task.sleep(for: .seconds(10))
        let stoppedAt = Date()
        await replicas.stop()
        guard let window = Self.window(from: settled, to: stoppedAt) else { return }
        let evidence = try await ReplicaEvidence.collect(location: location, folders: replicas.folders)

        evidence.expectAtMostOnce()
        // Reconnected, it restored its history from the fire log: its own fires only.
        evidence.expectHistoriesMatchFireLog(window: window)
        evidence.expectChangeLogMatchesFireLog()
        evidence.expectNoFailures(except: [cut])
        let failed = evidence.histories[cut].filter { $0.outcome == .failed || $0.outcome == .timedOut }
        let late = failed.filter { $0.scheduledAt > restoredAt }
        #expect(late.count == 0, "the cut replica failed fires scheduled after the restore: \(late.prefix(3).map { "\(FireSlot($0)): \($0.error ?? "")" })")
        #expect(replicas.services[cut].stderr.contains("cluster heartbeat failed"), "the cut replica's heartbeat never failed: \(replicas.services[cut].stderr)")

        let accounts = Self.expectEverySlotAccounted(evidence, window: window)
        let committed = accounts.committed, missedBy = accounts.missed
        let strays = missedBy.keys.filter { !cutTenants.contains($0.tenant) }.sorted()
        #expect(strays.count == 0, "\(strays.count) missed fires of tenants the cut replica did not own, e.g. \(strays.prefix(3))")

        // During the cut the others ran its tenants' fires; after the restore it ran fires again.
        let cutSecond = Int64(cutAt.timeIntervalSince1970), restoredSecond = Int64(restoredAt.timeIntervalSince1970)
        for tenant in cutTenants {
            for updater in ReplicaFixture.updaters {
                let during = evidence.fires.filter {
                    $0.slot.tenant == tenant && $0.slot.updater == updater && $0.slot.at > cutSecond && $0.slot.at < restoredSecond
                }
                #expect(during.contains { evidence.runner(of: $0.execution).map(others.contains) ?? false },
                        "\(updater) of \(tenant): no fire between the cut and the restore run by the others")
            }
        }
        let rejoined = evidence.fires.filter { evidence.runner(of: $0.execution) == cut && $0.slot.at > restoredSecond }
        #expect(!rejoined.isEmpty, "the cut replica committed no fire after the restore: \(replicas.services[cut].stderr)")
        let foreign = rejoined.filter { !cutTenants.contains($0.slot.tenant) }
        #expect(foreign.count == 0, "after the restore the cut replica ran fires of tenants it did not own: \(foreign.prefix(3).map(\.slot))")
        let both = missedBy.keys.filter { committed[$0] != nil }
        let losers = replicas.indices.map { evidence.losers(of: $0).count }

        try await replicas.expectVerified(by: others[0])
        print("ClusterModeTests (one cut off): window \(window.count) s, cut replica owned \(cutTenants.count) tenants, cut for "
              + "\(String(format: "%.1f", restoredAt.timeIntervalSince(cutAt))) s, \(failed.count) of its executions failed, "
              + "\(rejoined.count) fires by it after the restore; missed \(missedBy.count) (\(both.count) of them took effect), "
              + "\(accounts.overlapped.count) skipped as overlapping, losers per replica \(losers); \(evidence.outcomes); took \(ContinuousClock.now - began)")
    }

    // MARK: - Helpers

    /// Waits until the fire log holds a fire after `instant` for each updater of each of
    /// `tenants`; false if it does not within `timeout`.
    static func waitForFires(after instant: Date, of tenants: [UUID], location: String, timeout: Duration = .seconds(30)) async throws -> Bool {
        let wanted = Set(tenants.flatMap { tenant in ReplicaFixture.updaters.map { "\(tenant.lowercaseString) \($0)" } })
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let deadline = ContinuousClock.now + timeout
        var found = false
        while !found && ContinuousClock.now < deadline {
            let rows = try? await database.withConnection { conn in
                try conn.query("SELECT DISTINCT tenant_id, updater FROM updater.fires WHERE scheduled_at > $1", .timestamp(instant))
            }
            let present = Set((rows ?? []).compactMap { row in
                row["tenant_id"].uuidValue.flatMap { tenant in row["updater"].stringValue.map { "\(tenant.lowercaseString) \($0)" } }
            })
            found = wanted.isSubset(of: present)
            if !found { try? await Task.sleep(for: .milliseconds(200)) }
        }
        await database.close()
        return found
    }


    /// The slots the fires of `settled` ... `stopped` were due at with every replica settled: a
    /// second off each edge (nil, with an issue, when the run was too short to say anything).
    static func window(from settled: Date, to stopped: Date, sourceLocation: SourceLocation = #_sourceLocation) -> ClosedRange<Int64>? {
        let first = Int64(settled.timeIntervalSince1970.rounded(.up)) + 1
        let last = Int64(stopped.timeIntervalSince1970.rounded(.down)) - 1
        guard last - first >= 10 else {
            Issue.record("window too short: \(first)...\(last)", sourceLocation: sourceLocation)
            return nil
        }
        return first...last
    }

    /// How the slots of a window were accounted for.
    struct Accounts {
        /// The fire log's fires by slot.
        var committed: [FireSlot: [ReplicaEvidence.Fire]]
        /// Slots of the window recorded as missed under the misfire policy, and by which replicas.
        var missed: [FireSlot: [Int]]
        /// Slots of the window recorded as skipped because an execution of their updater and
        /// tenant was still running, and by which replicas.
        var overlapped: [FireSlot: [Int]]
    }

    /// Every slot of `window` took effect, or a replica recorded that it did not run it: missed
    /// under the misfire policy, or skipped as overlapping a running execution. The latter only
    /// right after a takeover: a replica taking a tenant runs `runOnce`'s catch-up and the
    /// on-time fire of each updater one after the other; when that happens late in a second, the
    /// next second's fire finds the updater busy and is skipped as any overlapping fire is
    /// ("an execution … was still running"; README, "Running several replicas").
    static func expectEverySlotAccounted(_ evidence: ReplicaEvidence, window: ClosedRange<Int64>,
                                         sourceLocation: SourceLocation = #_sourceLocation) -> Accounts {
        var accounts = Accounts(committed: evidence.firesBySlot, missed: [:], overlapped: [:])
        for index in evidence.histories.indices {
            for slot in evidence.missed(by: index) where window.contains(slot.at) { accounts.missed[slot, default: []].append(index) }
            for record in evidence.overlapSkipped(of: index) {
                let slot = FireSlot(tenant: record.tenant, updater: record.updater, at: Int64(record.scheduledAt.timeIntervalSince1970))
                if window.contains(slot.at) { accounts.overlapped[slot, default: []].append(index) }
            }
        }
        let unaccounted = ReplicaFixture.slots(in: window).filter {
            accounts.committed[$0] == nil && accounts.missed[$0] == nil && accounts.overlapped[$0] == nil
        }
        #expect(unaccounted.count == 0, "\(unaccounted.count) slots of the window neither took effect nor were recorded as not run, e.g. \(unaccounted.prefix(3).map { evidence.around($0) })",
                sourceLocation: sourceLocation)
        // Overlaps only right after a catch-up of the same updater and tenant by the same replica (a takeover).
        let unexplained = accounts.overlapped.filter { slot, replicas in
            !replicas.allSatisfy { index in
                evidence.fires.contains {
                    $0.slot.tenant == slot.tenant && $0.slot.updater == slot.updater && $0.trigger == ExecutionRecord.Trigger.catchUp.rawValue
                        && (slot.at - 3 ..< slot.at).contains($0.slot.at) && evidence.runner(of: $0.execution) == index
                }
            }
        }
        #expect(unexplained.count == 0, "fires skipped as overlapping, not right after a takeover: \(unexplained.keys.sorted().prefix(3).map { evidence.around($0) })",
                sourceLocation: sourceLocation)
        // At most one such skip per updater and tenant and takeover.
        let perKey = Dictionary(grouping: accounts.overlapped.keys) { "\($0.tenant) \($0.updater)" }
        #expect(perKey.values.allSatisfy { $0.count <= 2 }, "more than one fire per updater skipped as overlapping after a takeover: \(perKey.mapValues(\.count))",
                sourceLocation: sourceLocation)
        return accounts
    }
}
