import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The backlog: what is pending, and retry, clear and mark-done through the manager's executor.
struct BacklogTests {
    @Test(arguments: Engine.allCases)
    func listsFailedAndMissedFiresWithStableIDs(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            // A fire the misfire policy recorded as missed is pending; an overlap skip is not.
            let recordedMissed = ISO8601.parse("2026-02-27T00:00:00Z")!
            await fixture.manager.history.record(BacklogFixture.record(at: recordedMissed, outcome: .skipped,
                                                                 error: "\(MisfirePlanner.missedFireReasonPrefix) the scheduler could not run it"))
            await fixture.manager.history.record(BacklogFixture.record(at: ISO8601.parse("2026-02-28T00:00:00Z")!, outcome: .skipped,
                                                                 error: "skipped: an execution of service_tickets for this tenant was still running"))
            let items = try await fixture.items()
            #expect(items.map(\.scheduledAt) == [recordedMissed, BacklogFixture.failedFire] + BacklogFixture.missedFires)
            #expect(items.map(\.reason) == [.missed, .failed, .missed, .missed, .missed])
            #expect(items.map(\.recorded) == [true, true, false, false, false])
            #expect(items[1].error == "database connection error: server closed the connection")
            #expect(items[2].id == BacklogItem.id(tenant: Tenant.default.id, updater: "service_tickets", fire: BacklogFixture.missedFires[0]))
            #expect(Set(items.map(\.id)).count == 5 && items.allSatisfy { $0.id.count == 12 })
            let status = try await fixture.manager.backlogStatus()
            #expect(status.total == .init(items: 5, fires: 5))
            #expect(status.byReason["failed"]?.items == 1 && status.byReason["missed"]?.items == 4)
            #expect(status.byUpdater["service_tickets"]?.items == 5)
            #expect(status.oldest?.scheduledAt == recordedMissed)
            #expect(try await fixture.manager.backlog(BacklogFilter(updater: "business_records")).isEmpty)
        }
    }

    @Test(arguments: Engine.allCases)
    func retryRunsEveryItemThroughTheExecutorAndResolvesIt(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            let pending = try await fixture.items()
            let report = try await fixture.manager.retryBacklog()
            #expect(report.action == .retry && !report.dryRun)
            #expect(report.entries.map(\.item) == pending)
            #expect(report.entries.allSatisfy { $0.record.outcome == .succeeded && $0.record.trigger == .catchUp })
            #expect(report.entries.map(\.record.scheduledAt) == [BacklogFixture.failedFire] + BacklogFixture.missedFires)
            // Written as every execution is: the rows, the fire log, the change log, the history.
            let inserted = report.entries.flatMap(\.record.rows).filter { $0.table == "service_tickets" && $0.operation == .insert }
            #expect(try await fixture.tickets() == inserted.reduce(0) { $0 + $1.count })
            #expect(try await fixture.tickets() > 0)
            #expect(try await fixture.committedFires() == 4)
            let changes = ChangeLog.table(await fixture.manager.database.dialect)
            let logged = try await fixture.count("SELECT COUNT(*) AS n FROM \(changes) WHERE updater = 'service_tickets'")
            #expect(logged == report.entries.reduce(0) { $0 + $1.record.totalRows })
            let records = try await fixture.backlogRecords()
            // (Records of one simulated instant: compared as sets.)
            #expect(Set(records.compactMap(\.backlog?.item)) == Set(pending.map(\.id)))
            #expect(records.allSatisfy { $0.backlog?.action == .retry })
            #expect(try await fixture.items().isEmpty)
            #expect(try await fixture.manager.history.lastScheduledFire(updater: "service_tickets", tenant: Tenant.default.id)
                == BacklogFixture.missedFires.last)
        }
    }

    @Test(arguments: Engine.allCases)
    func retryDryRunWritesNothingAndResolvesNothing(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            let pending = try await fixture.items()
            let report = try await fixture.manager.retryBacklog(dryRun: true)
            #expect(report.dryRun)
            #expect(report.entries.count == 4 && report.entries.allSatisfy { $0.record.dryRun && $0.record.outcome == .succeeded })
            #expect(report.entries.contains { $0.record.totalRows > 0 })
            #expect(try await fixture.tickets() == 0)
            #expect(try await fixture.committedFires() == 0)
            #expect(try await fixture.backlogRecords().isEmpty)
            #expect(try await fixture.items() == pending)
        }
    }

    @Test(arguments: Engine.allCases)
    func clearRecordsEveryItemAsSkippedWithTheReason(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            let report = try await fixture.manager.clearBacklog(BacklogFilter(updater: "serviceTickets"), reason: "  maintenance window ")
            #expect(report.entries.count == 4)
            for entry in report.entries {
                #expect(entry.record.outcome == .skipped && entry.record.trigger == .scheduled)
                #expect(entry.record.error == "cleared from the backlog: maintenance window")
                #expect(entry.record.backlog == BacklogResolution(action: .clear, item: entry.item.id, reason: "maintenance window"))
            }
            #expect(try await fixture.tickets() == 0)
            #expect(try await fixture.committedFires() == 0)
            #expect(try await fixture.backlogRecords().count == 4)
            #expect(try await fixture.items().isEmpty)
            // The cleared fires count as the schedule's last: a service started now resumes after them.
            #expect(try await fixture.manager.history.lastScheduledFire(updater: "service_tickets", tenant: Tenant.default.id)
                == BacklogFixture.missedFires.last)
        }
    }

    @Test(arguments: Engine.allCases)
    func markDoneResolvesOneItemAndUnhandledMissedFiresGoOldestFirst(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            let items = try await fixture.items()
            let refusal = await #expect(throws: BacklogError.self) { _ = try await fixture.manager.markBacklogDone(items[2].id) }
            #expect(refusal?.kind == .notOldest)
            let done = try await fixture.manager.markBacklogDone(items[1].id.uppercased(), reason: "ran it by hand")
            #expect(done.entries.map(\.item) == [items[1]])
            #expect(done.entries[0].record.error == "marked done from the backlog: ran it by hand")
            let failed = try await fixture.manager.markBacklogDone(items[0].id)
            #expect(failed.entries[0].record.backlog?.action == .markDone)
            #expect(try await fixture.items().map(\.id) == [items[2].id, items[3].id])
            #expect(try await fixture.tickets() == 0)
            #expect(Set(try await fixture.backlogRecords().compactMap(\.backlog?.item)) == [items[1].id, items[0].id])
        }
    }

    @Test(arguments: Engine.allCases)
    func badInputIsRefusedAndWritesNothing(engine: Engine) async throws {
        try await BacklogFixture.with(engine) { fixture in
            let before = try await fixture.manager.history.recent(limit: 100).count
            await #expect(throws: UpdaterError.self) { _ = try await fixture.manager.retryBacklog(BacklogFilter(updater: "invoices")) }
            await #expect(throws: UpdaterError.self) {
                _ = try await fixture.manager.clearBacklog(BacklogFilter(tenant: UUID(uuidString: "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d")!))
            }
            await #expect(throws: BacklogError.self) { _ = try await fixture.manager.markBacklogDone("0123456789ab") }
            await #expect(throws: BacklogError.self) { _ = try await fixture.manager.clearBacklog(reason: "two\nlines") }
            await #expect(throws: BacklogError.self) { _ = try await fixture.manager.clearBacklog(reason: "   ") }
            #expect(try await fixture.manager.history.recent(limit: 100).count == before)
            #expect(try await fixture.items().count == 4)
        }
    }

    @Test(arguments: Engine.allCases)
    func firesBeyondTheMisfireLimitAreOneItemThatRetryRecordsWithoutRunning(engine: Engine) async throws {
        try await BacklogFixture.with(engine, misfireLimit: 1) { fixture in
            let items = try await fixture.items()
            // misfireLimit + 1 = 2 most recent fires one by one; the one before them as a range.
            #expect(items.map(\.scheduledAt) == [BacklogFixture.failedFire] + BacklogFixture.missedFires)
            #expect(items[1].missedRange?.count == 1 && items[1].fires == 1)
            let report = try await fixture.manager.retryBacklog()
            #expect(report.entries[1].record.outcome == .skipped && report.entries[1].record.missedRange != nil)
            #expect(try await fixture.committedFires() == 3)
            #expect(try await fixture.items().isEmpty)
        }
    }
}
