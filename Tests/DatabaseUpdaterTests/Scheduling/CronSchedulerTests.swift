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
        let clock = SimulatedClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        let manager = try await DatabaseUpdaterManager.start(
            configuration: config("*/10 * * * * *", policy: policy, data: data, database: try await TestDatabases.freshLocation(.sqlite)),
            clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        await clock.advance(to: start.addingTimeInterval(5), settling: manager)  // 00:00:10
        let first = await next(1, from: &records)
        #expect(first.map(\.scheduledAt) == [start.addingTimeInterval(5)])
        #expect(first.first?.trigger == .scheduled && first.first?.outcome == .succeeded)
        await clock.advance(to: start.addingTimeInterval(25), settling: manager)  // 00:00:30: 00:20 was missed
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
        let clock = SimulatedClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        var configuration = config("*/10 * * * * *", policy: .skip, data: data, database: try await TestDatabases.freshLocation(.sqlite))
        configuration.executionConfig.enabledUpdaters["serviceTickets"] = false
        configuration.scheduleConfig = ["gated": "* * * * * *"]
        let manager = try await DatabaseUpdaterManager.start(configuration: configuration, registry: registry, clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        await clock.advance(to: start, settling: manager)
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
}

/// The scheduler and what else runs or ran: manual executions, an outage longer than the misfire
/// limit, a history that lost its last records.
struct SchedulerRecoveryTests {
    /// 2026-01-05T00:00:05Z, a Monday.
    private let start = Date(timeIntervalSince1970: 1_767_571_205)

    private func config(data: URL, database: String, limit: Int = 10, policy: UpdaterConfig.MisfirePolicy = .runOnce) -> UpdaterConfig {
        UpdaterConfig(
            database: database, scheduleConfig: ["serviceTickets": "* * * * * *"],
            executionConfig: .init(enabledUpdaters: ["businessActivities": false, "newLeads": false]),
            misfirePolicy: policy, misfireLimit: limit, dataDirectory: data.path, seed: 1)
    }

    private func started(_ configuration: UpdaterConfig, registry: UpdaterRegistry = .builtIn, clock: SimulatedClock) async throws
        -> DatabaseUpdaterManager
    {
        let manager = try await DatabaseUpdaterManager.start(configuration: configuration, registry: registry, clock: clock)
        await clock.advance(to: clock.now(), settling: manager)  // the database is ready and nothing is due
        return manager
    }

    private func next(_ count: Int, from iterator: inout AsyncStream<ExecutionRecord>.Iterator) async -> [ExecutionRecord] {
        var records: [ExecutionRecord] = []
        while records.count < count, let record = await iterator.next() { records.append(record) }
        return records
    }

    /// One registry of what runs: a scheduled fire meeting a manual execution of the same updater
    /// and tenant is skipped like any overlap.
    @Test func aScheduledFireDuringAManualExecutionIsSkipped() async throws {
        let gate = Gate()
        var registry = UpdaterRegistry.builtIn
        try registry.register(GatedUpdater(gate: gate))
        let clock = SimulatedClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        var configuration = config(data: data, database: try await TestDatabases.freshLocation(.sqlite))
        configuration.executionConfig.enabledUpdaters["serviceTickets"] = false
        configuration.scheduleConfig = ["gated": "* * * * * *"]
        let manager = try await started(configuration, registry: registry, clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        let manual = Task { try await manager.execute("gated") }
        while !gate.entered { try await Task.sleep(for: .milliseconds(5)) }
        clock.advance(to: start.addingTimeInterval(1))
        let skipped = await next(1, from: &records)
        #expect(skipped.first?.outcome == .skipped && skipped.first?.trigger == .scheduled, "\(skipped)")
        #expect(skipped.first?.error?.contains("still running") == true)
        // And the other way round: while the manual run holds it, a second exclusive one is refused.
        await #expect(throws: UpdaterError.self) { try await manager.execute("gated", exclusive: true) }
        gate.open()
        #expect(try await manual.value.outcome == .succeeded)
        try await manager.stop()
    }

    /// Every missed fire is recorded: the latest `misfireLimit` one by one, the rest as one range.
    @Test func anOutageLongerThanTheLimitRecordsEveryMissedFire() async throws {
        let clock = SimulatedClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        let manager = try await started(config(data: data, database: try await TestDatabases.freshLocation(.sqlite), limit: 3, policy: .skip),
                                        clock: clock)
        var records = await manager.records.subscribe().makeAsyncIterator()
        clock.advance(to: start.addingTimeInterval(100))  // fires at +1 … +100: the last on time, 99 missed
        let got = await next(5, from: &records)
        let range = try #require(got.first { $0.missedRange != nil })
        #expect(range.missedRange == .init(first: start.addingTimeInterval(1), last: start.addingTimeInterval(96), count: 96))
        #expect(range.scheduledAt == start.addingTimeInterval(96) && range.outcome == .skipped)
        #expect(got.filter { $0.outcome == .skipped && $0.missedRange == nil }.map(\.scheduledAt)
                == [97, 98, 99].map { start.addingTimeInterval($0) })
        #expect(got.contains { $0.outcome == .succeeded && $0.scheduledAt == start.addingTimeInterval(100) })
        let metrics = try await manager.metrics().first { $0.updater == "service_tickets" }
        #expect(metrics?.skippedExecutions == 99)
        let stored = try await manager.history.recent(limit: 10).first { $0.id == range.id }
        #expect(stored?.missedRange == range.missedRange)
        try await manager.stop()
    }

    /// The history lost the record of a fire that committed (a crash inside its group commit):
    /// on start the record is restored from the fire log and the fire is not run again.
    @Test(arguments: Engine.allCases)
    func aFireWhoseRecordWasLostIsNotRunAgain(engine: Engine) async throws {
        let clock = SimulatedClock(start)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("sched-\(UUID().uuidString)")
        let configuration = config(data: data, database: try await TestDatabases.freshLocation(engine))
        let first = try await started(configuration, clock: clock)
        var records = await first.records.subscribe().makeAsyncIterator()
        for second in 1...3 {
            await clock.advance(to: start.addingTimeInterval(Double(second)), settling: first)
            #expect(await next(1, from: &records).first?.outcome == .succeeded)
        }
        try await first.stop()
        let lost = try #require(try await ExecutionHistory(directory: data).recent(limit: 1).first)
        #expect(lost.scheduledAt == start.addingTimeInterval(3))
        let state = try SQLiteDatabase(path: data.appendingPathComponent("state.sqlite").path, poolSize: 1)
        _ = try await state.withConnection { conn in try conn.execute("DELETE FROM executions WHERE id = $1", .uuid(lost.id)) }
        await state.close()

        clock.advance(to: start.addingTimeInterval(10))
        let broadcaster = Broadcaster<ExecutionRecord>()
        var after = broadcaster.subscribe().makeAsyncIterator()  // before start: the catch-up happens at once
        let second = try await DatabaseUpdaterManager.start(configuration: configuration, clock: clock, records: broadcaster)
        // 3 committed; 4 … 8 missed and recorded, 9 caught up (runOnce), 10 on time.
        let resumed = await next(7, from: &after).sorted { $0.scheduledAt < $1.scheduledAt }
        #expect(resumed.map(\.scheduledAt) == (4...10).map { start.addingTimeInterval(Double($0)) }, "\(resumed.map(\.scheduledAt))")
        #expect(resumed.map(\.outcome) == Array(repeating: .skipped, count: 5) + [.succeeded, .succeeded], "\(resumed.map(\.error))")
        #expect(resumed.suffix(2).map(\.trigger) == [.catchUp, .scheduled])
        #expect(!resumed.contains { ($0.error ?? "").hasPrefix("already took effect") }, "\(resumed)")
        let history = try await second.history.recent(limit: 100)
        #expect(history.contains { $0.id == lost.id && $0.outcome == .succeeded })
        #expect(history.filter { $0.scheduledAt == start.addingTimeInterval(3) }.count == 1)
        #expect(!history.contains { ($0.error ?? "").hasPrefix("already took effect") })
        try await second.stop()
    }

    /// While the database is down it is probed at least every max(5 s, shortest period), at
    /// most every 30 s.
    @Test func theDatabaseIsProbedWithinOnePeriodOrFiveSeconds() throws {
        let now = start
        var configuration = UpdaterConfig(scheduleConfig: ["serviceTickets": "* * * * * *"])
        #expect(DatabaseUpdaterManager.probeIntervalLimit(configuration, registry: .builtIn, now: now) == 5)
        configuration.scheduleConfig = ["serviceTickets": "*/12 * * * * *", "businessActivities": "0 * * * * *", "newLeads": "0 * * * * *"]
        #expect(DatabaseUpdaterManager.probeIntervalLimit(configuration, registry: .builtIn, now: now) == 12)
        configuration.scheduleConfig = [:]  // hours apart: 30 s at most
        #expect(DatabaseUpdaterManager.probeIntervalLimit(configuration, registry: .builtIn, now: now) == 30)
    }
}
