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
        let configs = try folders.map { try ServiceFixture.writeConfig(ReplicaFixture.config(location: location), in: $0) }
        let first = try ServiceProcess(["start", "--config", configs[0], "--port", "0"], in: folders[0])
        #expect(await ReplicaFixture.waitForStderr([first], containing: "database reachable", timeout: .seconds(60))[0] != nil, "\(first.stderr)")
        try await Task.sleep(for: .seconds(3))
        let second = try ServiceProcess(["start", "--config", configs[1], "--port", "0"], in: folders[1])
        #expect(await ReplicaFixture.waitForStderr([second], containing: "database reachable", timeout: .seconds(60))[0] != nil, "\(second.stderr)")
        try await Task.sleep(for: .seconds(2))
        for service in [first, second] { service.signal(SIGTERM) }
        for service in [first, second] { #expect(await service.waitForExit() == 0, "\(service.stderr)") }
        let histories = try await folders.asyncMap { try await ServiceFixture.history(in: $0) }
        let ranByFirst = Set(histories[0].filter { $0.outcome == .succeeded }.map(\.id))
        let claimed = histories[1].filter { $0.outcome == .succeeded && ranByFirst.contains($0.id) }
        #expect(claimed.isEmpty, "replica B claims \(claimed.count) of replica A's executions as its own successes; B logged: \(second.stderr.split(separator: "\n").filter { $0.contains("restored") })")
        // Each replica's records name it, and only it.
        let ids = histories.map { Set($0.filter { !$0.dryRun && $0.outcome == .succeeded }.compactMap(\.replica)) }
        #expect(ids[0].count == 1 && ids[1].count <= 1 && ids[0] != ids[1], "replica ids in the two histories: \(ids)")
    }

    /// One run: three replicas for ~20 s (one of them SIGKILLed after `killOneAfter`), SIGTERM,
    /// then the database, the histories and `updater verify`.
    private func runReplicas(killOneAfter: Duration?, seed: UInt64? = nil) async throws {
        let began = ContinuousClock.now
        let location = try await ServiceFixture.freshPostgres()
        let folders = try (0..<Self.replicas).map { _ in try CommandRunner.temporaryFolder() }
        defer { for folder in folders { try? FileManager.default.removeItem(at: folder) } }
        let yaml = ReplicaFixture.config(location: location, seed: seed)
        // The same configuration in each replica's folder; each its own data folder (and lock).
        let configs = try folders.map { try ServiceFixture.writeConfig(yaml, in: $0) }
        let services = try zip(configs, folders).map { config, folder in
            try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        }
        func dump() -> String {
            services.enumerated().map { "replica \($0.offset): \($0.element.stdout)\($0.element.stderr)" }.joined(separator: "\n---\n")
        }

        // Ready once each logs the database reachable (migrated, resumed after what committed).
        let reachable = await ReplicaFixture.waitForStderr(services, containing: "database reachable", timeout: .seconds(60))
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

        let evidence = try await ReplicaEvidence.collect(location: location, folders: folders)
        checkEvidence(evidence, window: window, killedAt: killedAt, killed: killOneAfter == nil ? nil : 0)

        // The ground truth: the change log and the database agree.
        let verified = try await CommandRunner.run(["verify", "--config", configs[1]], in: folders[1])
        #expect(verified.status == 0 && verified.stdout.contains("the log and the database agree"), "\(verified.stdout)\(verified.stderr)")

        print("ReplicaExactlyOnceTests\(killOneAfter == nil ? "" : " (one killed)")\(seed == nil ? "" : " (seed \(seed!))"): window \(window.count) s, "
              + "\(evidence.outcomes); took \(ContinuousClock.now - began)")
    }

    /// The fire log, the change log and the histories against each other, and each replica's
    /// history: every fire of the window either won (succeeded) or lost as skipped, "already took
    /// effect"; nothing failed; and the replicas really competed.
    private func checkEvidence(_ evidence: ReplicaEvidence, window: ClosedRange<Int64>, killedAt: Date?, killed: Int?) {
        // At most once, over the whole run; at least once, every slot of the window.
        evidence.expectAtMostOnce()
        let missing = evidence.uncommitted(in: window)
        #expect(missing.isEmpty, "\(missing.count) fires of the window \(window) never took effect, e.g. \(missing.prefix(5))")
        if let killedAt {
            let afterKill = Int64(killedAt.timeIntervalSince1970.rounded(.up)) + 1
            let taken = missing.filter { $0.at >= afterKill }
            #expect(taken.isEmpty && window.upperBound - afterKill >= 5,
                    "after the kill at \(afterKill): \(taken.count) missing, window ends \(window.upperBound)")
        }
        // Each committed fire is one replica's success (the killed replica may have committed a
        // fire or two it never got to record); no replica claims a fire another committed.
        evidence.expectHistoriesMatchFireLog(window: window, unrecordedAllowed: killed == nil ? 0 : 9)
        evidence.expectChangeLogMatchesFireLog()
        evidence.expectNoFailures()

        var lost = 0
        for (index, records) in evidence.histories.enumerated() {
            let inWindow = records.filter { window.contains(Int64($0.scheduledAt.timeIntervalSince1970)) && $0.trigger != .manual }
            let losers = inWindow.filter { $0.outcome == .skipped }
            let otherSkips = losers.filter { !($0.error ?? "").hasPrefix("already took effect") }
            #expect(otherSkips.isEmpty, "replica \(index): skipped for another reason: \(otherSkips.prefix(3).map { "\($0.scheduledAt): \($0.error ?? "")" })")
            lost += losers.count - otherSkips.count
            if index != killed {
                // A survivor ran every fire of the window (won or lost it), once.
                let seen = Dictionary(grouping: inWindow, by: { "\($0.tenant) \($0.updater) \(Int64($0.scheduledAt.timeIntervalSince1970))" })
                #expect(seen.count == window.count * ReplicaFixture.tenants.count * ReplicaFixture.updaters.count,
                        "replica \(index) ran \(seen.count) of the window's \(window.count * 9) fires")
                let repeated = seen.filter { $0.value.count > 1 }
                #expect(repeated.isEmpty, "replica \(index) ran a fire more than once: \(repeated.keys.prefix(3))")
            }
        }
        // Three replicas running every fire: about two in three attempts lose.
        #expect(lost >= window.count * 9, "only \(lost) lost fires: the replicas did not compete")
    }
}
