import Foundation
import Synchronization
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The scheduler on a manual clock: exact fire times, catch-up after a late wake, skipping a
/// fire while the previous one runs.
struct CronSchedulerTests {
    /// 2026-01-05T00:00:05Z, a Monday.
    private let start = Date(timeIntervalSince1970: 1_767_571_205)

    private func config(_ schedule: String, policy: UpdaterConfig.MisfirePolicy, data: URL, database: String) -> UpdaterConfig {
        UpdaterConfig(
            database: database,
            scheduleConfig: ["serviceTickets": schedule],
            executionConfig: .init(enabledUpdaters: ["businessActivities": false, "newLeads": false]),
            misfirePolicy: policy, dataDirectory: data.path, seed: 1)
    }

    /// Collects records from the manager's stream.
    private func next(_ count: Int, from iterator: inout AsyncStream<ExecutionRecord>.Iterator) async -> [ExecutionRecord] {
        var records: [ExecutionRecord] = []
        while records.count < count, let record = await iterator.next() { records.append(record) }
        return records
    }

    @Test(arguments: [UpdaterConfig.MisfirePolicy.runOnce, .skip])
    func firesAtExactCronTimesAndCatchesUpAfterALateWake(policy: UpdaterConfig.MisfirePolicy) async throws {
        let clock = ManualClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        let manager = try await DatabaseUpdaterManager.start(
            configuration: config("*/10 * * * * *", policy: policy, data: data, database: try await TestDatabases.freshLocation(.sqlite)),
            clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        try await waitUntilScheduled(manager)
        clock.advance(to: start.addingTimeInterval(5))  // 00:00:10
        let first = await next(1, from: &records)
        #expect(first.map(\.scheduledAt) == [start.addingTimeInterval(5)])
        #expect(first.first?.trigger == .scheduled && first.first?.outcome == .succeeded)
        try await waitUntilIdle(manager)
        clock.advance(to: start.addingTimeInterval(25))  // 00:00:30: 00:20 was missed
        let late = await next(2, from: &records).sorted { $0.scheduledAt < $1.scheduledAt }
        #expect(late.map(\.scheduledAt) == [start.addingTimeInterval(15), start.addingTimeInterval(25)])
        if policy == .runOnce {
            #expect(late.map(\.trigger) == [.catchUp, .scheduled])
            #expect(late.allSatisfy { $0.outcome == .succeeded })
        } else {
            #expect(late.map(\.outcome) == [.skipped, .succeeded])
            #expect(late[0].error?.hasPrefix("missed fire") == true)
        }
        try await manager.stop()
    }

    @Test func aFireWhileThePreviousRunsIsSkipped() async throws {
        let gate = Gate()
        var registry = UpdaterRegistry.builtIn
        try registry.register(GatedUpdater(gate: gate))
        let clock = ManualClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        var configuration = config("*/10 * * * * *", policy: .skip, data: data, database: try await TestDatabases.freshLocation(.sqlite))
        configuration.executionConfig.enabledUpdaters["serviceTickets"] = false
        configuration.scheduleConfig = ["gated": "* * * * * *"]
        let manager = try await DatabaseUpdaterManager.start(configuration: configuration, registry: registry, clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        try await waitUntilScheduled(manager)
        clock.advance(to: start.addingTimeInterval(1))  // first fire starts and blocks on the gate
        while !gate.entered { try await Task.sleep(for: .milliseconds(5)) }
        clock.advance(to: start.addingTimeInterval(2))  // second fire: previous still running
        let skipped = await next(1, from: &records)
        #expect(skipped.first?.outcome == .skipped)
        #expect(skipped.first?.scheduledAt == start.addingTimeInterval(2))
        #expect(skipped.first?.error?.contains("still running") == true)
        gate.open()
        let finished = await next(1, from: &records)
        #expect(finished.first?.outcome == .succeeded && finished.first?.scheduledAt == start.addingTimeInterval(1))
        try await manager.stop()
    }

    private func waitUntilScheduled(_ manager: DatabaseUpdaterManager) async throws {
        for _ in 0..<500 where await !manager.health.state.reachable { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))  // the loop reaches its sleep
    }

    private func waitUntilIdle(_ manager: DatabaseUpdaterManager) async throws {
        for _ in 0..<500 where await manager.schedules().contains(where: \.running) { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(50))
    }
}
