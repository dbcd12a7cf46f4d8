import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// `ChangeWindow`, what `updater watch` shows: counts, rates, latest keys and staleness on a
/// fixed clock, and its incremental reading of a real change log.
struct ChangeWindowTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A log entry `secondsAgo` before `now`.
    private func entry(_ seq: Int64, _ table: String, _ operation: RowChange.Operation, key: String? = nil, secondsAgo: Double) -> ChangeEvent {
        var event = ChangeEvent(change: RowChange(table: table, operation: operation, key: key ?? "k\(seq)"), tenant: Tenant.default.id,
                                updater: "test", execution: UUID(), committedAt: now.addingTimeInterval(-secondsAgo))
        event.seq = seq
        return event
    }

    @Test func countsAndRatesPerTableAndOperationInTheHalfOpenWindow() {
        var window = ChangeWindow(length: 10)
        window.add([
            entry(1, "tickets", .insert, secondsAgo: 25),   // long gone
            entry(2, "tickets", .insert, secondsAgo: 10),   // exactly the window's length: has left
            entry(3, "tickets", .insert, secondsAgo: 9.999),
            entry(4, "tickets", .update, secondsAgo: 5),
            entry(5, "leads", .insert, secondsAgo: 1),
            entry(6, "tickets", .delete, secondsAgo: 0),
            entry(7, "tickets", .insert, secondsAgo: -2),   // the writer's clock ahead: counts, age 0
        ], now: now)
        let summary = window.summary(at: now, staleAfter: 30)
        #expect(summary.lastSequence == 7)
        #expect(summary.totals == ChangeWindow.Counts(insert: 3, update: 1, delete: 1))
        #expect(summary.ratePerSecond == 0.5 && summary.coveredSeconds == 10)
        #expect(summary.tables.map(\.table) == ["leads", "tickets"])
        #expect(summary.tables[1].counts == ChangeWindow.Counts(insert: 2, update: 1, delete: 1))
        #expect(summary.tables[1].ratePerSecond == 0.4 && summary.tables[0].ratePerSecond == 0.1)
        #expect(summary.tables[1].ageSeconds == 0 && summary.ageSeconds == 0)
        #expect(summary.tables[0].ageSeconds == 1)

        // Five seconds later, with nothing new: the older entries have left.
        let later = window.summary(at: now.addingTimeInterval(5), staleAfter: 30)
        #expect(later.totals == ChangeWindow.Counts(insert: 2, update: 0, delete: 1))
    }

    @Test func latestKeysAreTheNewestFewPerTableInTheWindow() {
        var window = ChangeWindow(length: 60, latestKeys: 2)
        window.add([
            entry(1, "tickets", .insert, key: "a", secondsAgo: 90),
            entry(2, "tickets", .insert, key: "b", secondsAgo: 30),
            entry(3, "leads", .insert, key: "x", secondsAgo: 20),
            entry(4, "tickets", .update, key: "c", secondsAgo: 10),
            entry(5, "tickets", .delete, key: "d", secondsAgo: 5),
        ], now: now)
        let tables = window.summary(at: now, staleAfter: 300).tables
        #expect(tables.first { $0.table == "tickets" }?.latestKeys.map(\.key) == ["d", "c"])
        #expect(tables.first { $0.table == "tickets" }?.latestKeys.map(\.operation) == [.delete, .update])
        #expect(tables.first { $0.table == "leads" }?.latestKeys.map(\.seq) == [3])
        #expect(tables.first { $0.table == "leads" }?.latestKeys.first?.committedAt == now.addingTimeInterval(-20))
    }

    @Test func stalenessCountsWritesBeforeTheWindowAndTablesNeverWritten() {
        var window = ChangeWindow(length: 30)
        window.noteLastWrite(table: "orders", at: now.addingTimeInterval(-3_600))   // from the log before the window
        window.noteLastWrite(table: "tickets", at: now.addingTimeInterval(-3_600))
        window.add([entry(10, "tickets", .insert, secondsAgo: 20), entry(11, "leads", .insert, secondsAgo: 100)], now: now)
        let tables = window.summary(at: now, tables: ["tickets", "leads", "payments"], staleAfter: 90).tables
        #expect(tables.map(\.table) == ["leads", "orders", "payments", "tickets"])
        let byName = Dictionary(uniqueKeysWithValues: tables.map { ($0.table, $0) })
        #expect(byName["tickets"]?.stale == false && byName["tickets"]?.ageSeconds == 20, "a later write wins over the noted one")
        #expect(byName["leads"]?.stale == true && byName["leads"]?.ageSeconds == 100 && byName["leads"]?.counts.total == 0)
        #expect(byName["orders"]?.stale == true && byName["orders"]?.lastWrite == now.addingTimeInterval(-3_600))
        #expect(byName["payments"]?.stale == true && byName["payments"]?.lastWrite == nil && byName["payments"]?.ageSeconds == nil)
        #expect(window.summary(at: now, staleAfter: 19).tables.first { $0.table == "tickets" }?.stale == true)
    }

    @Test func addingIsIncrementalAndBoundedByTheCapacity() {
        var window = ChangeWindow(length: 60, capacity: 3)
        window.add([entry(1, "t", .insert, secondsAgo: 40), entry(2, "t", .insert, secondsAgo: 30)], now: now)
        // Entries at or below the last sequence number are not counted twice.
        window.add([entry(2, "t", .insert, secondsAgo: 30), entry(3, "t", .insert, secondsAgo: 20), entry(4, "t", .insert, secondsAgo: 10)], now: now)
        let summary = window.summary(at: now, staleAfter: 60)
        #expect(summary.lastSequence == 4)
        // Four entries in the window, room for three: the counts cover the span after the dropped one, and say so.
        #expect(summary.totals.insert == 3)
        #expect(summary.coveredSeconds == 40 && summary.ratePerSecond == 3.0 / 40)
    }

    // MARK: - Reading a real log

    /// Writes one transaction of `changes` to the log of `database`, committed at `secondsAgo` before `now`.
    private func write(_ changes: [(String, RowChange.Operation, String)], secondsAgo: Double, to database: any Database) async throws {
        let batch = ChangeLog.Batch(target: "default", execution: UUID(), tenant: Tenant.default.id, updater: "test",
                                    committedAt: now.addingTimeInterval(-secondsAgo), dataTime: now,
                                    changes: changes.map { RowChange(table: $0.0, operation: $0.1, key: $0.2, after: "h") })
        _ = try await database.transaction { conn in try ChangeLog.write(batch, on: conn) }
    }

    @Test(arguments: Engine.allCases)
    func refreshReadsTheWindowFirstThenOnlyNewEntries(engine: Engine) async throws {
        let database = try await TestDatabases.migrated(engine)
        defer { Task { await database.close() } }
        // More than a page of old entries: the first refresh reads backwards only until the window begins.
        try await write((0..<1_500).map { ("orders", .insert, "o\($0)") }, secondsAgo: 600, to: database)
        try await write([("tickets", .insert, "t1"), ("tickets", .update, "t0")], secondsAgo: 20, to: database)
        var window = ChangeWindow(length: 30)
        try await window.refresh(from: database, now: now)
        var summary = window.summary(at: now, staleAfter: 90)
        #expect(summary.lastSequence == 1_502)
        #expect(summary.totals == ChangeWindow.Counts(insert: 1, update: 1))
        #expect(summary.tables.first { $0.table == "orders" }?.lastWrite == now.addingTimeInterval(-600), "freshness from the whole log")

        // Entries are read once: an entry already read, changed in the table, stays as it was read.
        _ = try await database.withConnection { conn in
            try conn.execute("UPDATE \(ChangeLog.table(conn.dialect)) SET operation = 'delete' WHERE seq = 1501")
        }
        try await write([("tickets", .delete, "t1")], secondsAgo: 1, to: database)
        try await window.refresh(from: database, now: now)
        summary = window.summary(at: now, staleAfter: 90)
        #expect(summary.lastSequence == 1_503)
        #expect(summary.totals == ChangeWindow.Counts(insert: 1, update: 1, delete: 1))
        #expect(summary.tables.first { $0.table == "tickets" }?.latestKeys.map(\.seq) == [1_503, 1_502, 1_501])
    }

    @Test(arguments: Engine.allCases)
    func aReplacedLogStartsTheWindowOverAndAMissingLogIsAClearError(engine: Engine) async throws {
        let database = try await TestDatabases.migrated(engine)
        defer { Task { await database.close() } }
        try await write([("tickets", .insert, "a"), ("tickets", .insert, "b")], secondsAgo: 5, to: database)
        var window = ChangeWindow(length: 30)
        try await window.refresh(from: database, now: now)
        // The log emptied and written again from 1 (a database created again): the window starts over.
        _ = try await database.withConnection { conn in
            try conn.execute("DELETE FROM \(ChangeLog.table(conn.dialect))")
            if conn.dialect == .postgres { try conn.execute("UPDATE updater.change_counter SET next_seq = 1") }
        }
        try await write([("leads", .insert, "c")], secondsAgo: 1, to: database)
        try await window.refresh(from: database, now: now)
        let summary = window.summary(at: now, staleAfter: 90)
        #expect(summary.lastSequence == 1 && summary.totals.insert == 1 && summary.tables.map(\.table) == ["leads"])

        let empty = try await TestDatabases.fresh(engine)
        defer { Task { await empty.close() } }
        var another = ChangeWindow(length: 30)
        await #expect(throws: DatabaseError.self) { try await another.refresh(from: empty, now: now) }
        do {
            try await another.refresh(from: empty, now: now)
        } catch let error as DatabaseError {
            #expect(error.message.hasPrefix("no change log table"), "\(error.message)")
        }
    }
}
