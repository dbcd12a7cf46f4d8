@testable import DatabaseUpdater
import Foundation
import Synchronization
import Testing
import UpdaterTestSupport

/// Capture of any writer's changes from a logical replication slot of the test cluster
/// (wal_level logical, wal2json installed).
struct WALCaptureTests {
    /// A fresh database with a table in `public`, one with a composite key in another schema,
    /// and a stand-in for the updater's bookkeeping; its slot, dropped by ``close()``.
    private struct Fixture {
        let database: any Database
        let slot = "t_capture_\(UUID().uuidString.prefix(8).lowercased())"

        /// Runs `body` with a fresh fixture, closed (its slot dropped) also when `body` throws:
        /// the test cluster has room for 20 slots.
        static func with(_ body: (Fixture) async throws -> Void) async throws {
            let fixture = try await make()
            do {
                try await body(fixture)
            } catch {
                await fixture.close()
                throw error
            }
            await fixture.close()
        }

        private static func make() async throws -> Fixture {
            let fixture = Fixture(database: try await TestDatabases.fresh(.postgres, poolSize: 1))
            try await fixture.database.withConnection { conn in
                try conn.executeScript("""
                    CREATE TABLE orders (id integer PRIMARY KEY, tenant_id text, note text);
                    CREATE SCHEMA sales; CREATE TABLE sales.lines (order_id integer, n integer, PRIMARY KEY (order_id, n));
                    CREATE SCHEMA IF NOT EXISTS updater; CREATE TABLE updater.changes (seq bigint PRIMARY KEY);
                    """)
            }
            try await WALSlot.create(fixture.slot, in: fixture.database)
            return fixture
        }

        func write(_ sql: String) async throws {
            try await database.withConnection { conn in try conn.executeScript(sql) }
        }

        /// The next batch, waiting for the WAL to be flushed (the test cluster commits asynchronously).
        func next(_ capture: WALCapture) async throws -> WALCapture.Batch? {
            for _ in 0..<100 {
                if let batch = try await capture.next() { return batch }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        func close() async {
            _ = try? await WALSlot.drop(slot, in: database)
            await database.close()
        }
    }

    @Test func changesOfAnyWriterBecomeEventsWithTheLogsNamesAndKeys() async throws {
        try await Fixture.with { fixture in
            let capture = try WALCapture(database: fixture.database, options: .init(slot: fixture.slot))
            let before = Date().timeIntervalSince1970 - 1
            // One transaction each (a script of several statements would be one).
            for sql in ["INSERT INTO orders VALUES (1, 'tenant-a', 'new')", "UPDATE orders SET note = 'paid' WHERE id = 1",
                        "INSERT INTO sales.lines VALUES (1, 2)", "INSERT INTO updater.changes VALUES (1)", "DELETE FROM orders WHERE id = 1"] {
                try await fixture.write(sql)
            }
            var events: [ChangeEvent] = []
            while events.count < 4, let batch = try await fixture.next(capture) {
                events += batch.events
                try await capture.acknowledge(batch)
            }
            #expect(events.map(\.operation) == [.insert, .update, .insert, .delete])
            #expect(events.map(\.table) == ["orders", "orders", "sales.lines", "orders"], "bookkeeping skipped")
            #expect(events.map(\.key) == ["1", "1", #"["1","2"]"#, "1"])
            #expect(events.map(\.tenant) == ["tenant-a", "tenant-a", "", ""], "a delete carries only the key")
            #expect(events.allSatisfy { $0.source == "capture" && $0.updater == "capture" && $0.seq == nil })
            #expect(events.allSatisfy { $0.timestamp >= before && $0.timestamp <= Date().timeIntervalSince1970 + 1 })
            // Distinct transactions, in commit order.
            let xids = events.compactMap { $0.transaction.flatMap { Int($0) } }
            #expect(xids.count == 4 && xids == xids.sorted() && Set(xids).count == 4)
            #expect(try await capture.next() == nil, "acknowledged: nothing left")
        }
    }

    /// Until acknowledged, the same transactions come again (a capture stopped between delivery
    /// and acknowledgement sends them again: at least once).
    @Test func unacknowledgedChangesComeAgain() async throws {
        try await Fixture.with { fixture in
            let capture = try WALCapture(database: fixture.database, options: .init(slot: fixture.slot))
            try await fixture.write("INSERT INTO orders VALUES (7, NULL, 'x')")
            let first = try #require(try await fixture.next(capture))
            let again = try #require(try await capture.next())
            #expect(first.events == again.events && first.end == again.end && first.events.count == 1)
            let lags = try await WALSlot.lags(in: fixture.database)
            #expect(lags.first { $0.slot == fixture.slot }.map { $0.bytes > 0 && $0.isLagging(threshold: 0) && !$0.active } == true, "\(lags)")
            try await capture.acknowledge(again)
            #expect(try await capture.next() == nil)
        }
    }

    @Test func tablesCanBeChosenAndBookkeepingIncluded() async throws {
        try await Fixture.with { fixture in
            try await fixture.write("INSERT INTO orders VALUES (1, NULL, NULL); INSERT INTO sales.lines VALUES (1, 1); INSERT INTO updater.changes VALUES (5)")
            var tables: [String] = []
            let chosen = try WALCapture(database: fixture.database, options: .init(slot: fixture.slot, tables: ["public.orders", "updater.changes"],
                                                                                   includeBookkeeping: true))
            while tables.count < 2, let batch = try await fixture.next(chosen) {
                tables += batch.events.map(\.table)
                try await chosen.acknowledge(batch)
            }
            #expect(tables == ["orders", "updater.changes"])
        }
    }

    /// The loop hands events over and acknowledges them; a delivery that gives up leaves them in the slot.
    @Test func runDeliversThenAcknowledgesAndStops() async throws {
        try await Fixture.with { fixture in
            let capture = try WALCapture(database: fixture.database, options: .init(slot: fixture.slot, pollInterval: .milliseconds(20)))
            try await fixture.write("INSERT INTO orders VALUES (1, NULL, NULL)")
            let delivered = Delivered()
            try await capture.run(stopped: { !delivered.events.withLock { $0.isEmpty } }) { events in
                delivered.events.withLock { $0 += events }
                return true
            }
            #expect(delivered.events.withLock { $0.map(\.key) } == ["1"])
            #expect(try await capture.next() == nil, "acknowledged after delivery")
            try await fixture.write("INSERT INTO orders VALUES (2, NULL, NULL)")
            try await capture.run(stopped: { false }) { _ in false }
            #expect(try await capture.next()?.events.map(\.key) == ["2"], "not delivered: still in the slot")
        }
    }

    private final class Delivered: Sendable {
        let events = Mutex<[ChangeEvent]>([])
    }

    @Test func sqliteIsRefused() async throws {
        let database = try await TestDatabases.fresh(.sqlite)
        #expect(throws: DatabaseError.self) { try WALCapture(database: database, options: .init(slot: "x")) }
        await database.close()
    }
}
