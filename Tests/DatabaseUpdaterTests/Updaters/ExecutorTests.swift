import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// How safely executions run: transactions, failures, timeouts, the cap, dry runs, determinism.
struct ExecutorTests {
    private static let businessTables = ["business_records", "business_record_activities", "service_tickets"]

    private func rowCounts(_ fixture: UpdaterFixture) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in Self.businessTables + ["ticket_counters", "tenants", "customers"] { counts[table] = try await fixture.count(table) }
        return counts
    }

    @Test(arguments: Engine.allCases)
    func aFailureAfterTheFirstRowLeavesNoRowAndNoEvent(engine: Engine) async throws {
        var registry = UpdaterRegistry.builtIn
        try registry.register(FailingUpdater())
        let fixture = try await UpdaterFixture.make(engine, registry: registry)
        let stream = await fixture.manager.events.subscribe()
        let record = try await fixture.manager.execute("failing", fireTime: fireTimes(1)[0])
        #expect(record.outcome == .failed)
        #expect(record.error == "injected failure after the first row")
        #expect(record.rows.isEmpty)
        #expect(try await fixture.count("business_records") == 0)
        #expect(try await fixture.ledger().isEmpty)
        // A later successful execution's events are the first the subscriber sees.
        let ok = try await fixture.manager.execute("business_records", fireTime: fireTimes(2)[1])
        var iterator = stream.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first?.execution == ok.id.uuidString.lowercased())
        let history = try await fixture.manager.history.recent()
        #expect(history.map(\.outcome).sorted { $0.rawValue < $1.rawValue } == [.failed, .succeeded])
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func aBlockedExecutionTimesOutRollsBackAndIsRecorded(engine: Engine) async throws {
        let location = try await TestDatabases.freshLocation(engine)
        let fixture = try await UpdaterFixture.make(engine, timeoutSeconds: 1, location: location)
        // Another connection holds the lock the execution needs for 6 s.
        let blocker = try await DatabaseFactory.open(location, poolSize: 1)
        let (held, holds) = AsyncStream.makeStream(of: Void.self)
        let holding = Task {
            try await blocker.withConnection { conn in
                try conn.transaction(rollback: true) {
                    if conn.dialect == .postgres {
                        _ = try conn.query("SELECT next_number FROM ticket_counters FOR UPDATE")
                    } else {
                        try conn.execute("UPDATE ticket_counters SET next_number = next_number")
                    }
                    holds.yield()
                    Thread.sleep(forTimeInterval: 6)
                }
            }
        }
        // Only once the lock is held (a fixed pause lost the race on a loaded machine).
        for await _ in held { break }
        let record = try await fixture.manager.execute("service_tickets", fireTime: fireTimes(1)[0])
        #expect(record.outcome == .timedOut, "\(record.outcome) \(record.error ?? "")")
        #expect(record.error?.contains("timed out after") == true)
        // Cancelled at the 1-s deadline, not when the lock came free at 6 s (functional bound,
        // with room for a loaded machine).
        #expect(record.durationSeconds < 4, "took \(record.durationSeconds) s")
        try await holding.value
        #expect(try await fixture.count("service_tickets") == 0)
        #expect(try await fixture.query("SELECT next_number FROM ticket_counters")[0]["next_number"].intValue == 1000)
        #expect(try await fixture.ledger().isEmpty)
        let metrics = try await fixture.manager.metrics()
        #expect(metrics.first { $0.updater == "service_tickets" }?.timedOutExecutions == 1)
        // The database is usable again once the lock is gone.
        #expect(try await fixture.manager.execute("service_tickets", fireTime: fireTimes(2)[1]).outcome == .succeeded)
        await blocker.close()
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func theConcurrencyCapIsNeverExceeded(engine: Engine) async throws {
        let probe = ConcurrencyProbe()
        var registry = UpdaterRegistry.builtIn
        try registry.register(SlowUpdater(probe: probe))
        let fixture = try await UpdaterFixture.make(engine, registry: registry, maxConcurrent: 2)
        let manager = fixture.manager
        let records = try await withThrowingTaskGroup(of: ExecutionRecord.self) { group in
            for at in fireTimes(6) { group.addTask { try await manager.execute("slow", fireTime: at) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(records.allSatisfy { $0.outcome == .succeeded })
        #expect(probe.peak <= 2)
        // PostgreSQL runs both slots at once (so the bound above is really tested); SQLite has a
        // single writer, so its write transactions queue even within the cap.
        if engine == .postgres { #expect(probe.peak == 2) }
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func dryRunReportsButChangesNothing(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        for at in fireTimes(3) {  // something to update
            _ = try await fixture.manager.execute("service_tickets", fireTime: at)
            _ = try await fixture.manager.execute("business_records", fireTime: at)
        }
        let before = try await rowCounts(fixture)
        let counter = try await fixture.query("SELECT next_number FROM ticket_counters")[0]["next_number"].intValue
        let eventsBefore = try await fixture.ledger().count
        let snapshot = try await fixture.query("SELECT id, status, updated_at FROM service_tickets ORDER BY id")
        for name in ["service_tickets", "business_records", "business_record_activities"] {
            let record = try await fixture.manager.execute(name, dryRun: true, fireTime: fireTimes(5)[4])
            #expect(record.outcome == .succeeded)
            #expect(record.dryRun)
            #expect(record.totalRows > 0)
            #expect(record.sample?[record.rows[0].table]?.isEmpty == false)
        }
        #expect(try await rowCounts(fixture) == before)
        #expect(try await fixture.query("SELECT next_number FROM ticket_counters")[0]["next_number"].intValue == counter)
        #expect(try await fixture.query("SELECT id, status, updated_at FROM service_tickets ORDER BY id") == snapshot)
        #expect(try await fixture.ledger().count == eventsBefore)
        let history = try await fixture.manager.history.recent(limit: 3)
        #expect(history.allSatisfy { $0.dryRun })
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func theSameSeedAndFireTimeGiveIdenticalRows(engine: Engine) async throws {
        var dumps: [[String: [DatabaseRow]]] = []
        for _ in 0..<2 {
            let fixture = try await UpdaterFixture.make(engine, seed: 2026)
            for at in fireTimes(4) {
                for name in ["business_records", "business_record_activities", "service_tickets"] {
                    #expect(try await fixture.manager.execute(name, fireTime: at).outcome == .succeeded)
                }
            }
            var dump: [String: [DatabaseRow]] = [:]
            for table in Self.businessTables { dump[table] = try await fixture.query("SELECT * FROM \(table) ORDER BY id") }
            dumps.append(dump)
            await fixture.close()
        }
        #expect(dumps[0]["service_tickets"]?.isEmpty == false)
        for table in Self.businessTables { #expect(dumps[0][table] == dumps[1][table], "\(table) differs") }
    }

    @Test(arguments: Engine.allCases)
    func tenantsOnlyTouchTheirOwnRows(engine: Engine) async throws {
        let second = UpdaterFixture.secondTenant
        let fixture = try await UpdaterFixture.make(engine, tenants: [.default, second])
        var executionTenant: [String: String] = [:]
        for at in fireTimes(6) {
            for tenant in [Tenant.default, second] {
                for name in ["business_records", "business_record_activities", "service_tickets"] {
                    let record = try await fixture.manager.execute(name, tenant: tenant.id, fireTime: at)
                    #expect(record.outcome == .succeeded)
                    executionTenant[record.id.uuidString.lowercased()] = tenant.description
                }
            }
        }
        // Every row an execution touched (and still exists) belongs to that execution's tenant.
        for event in try await fixture.ledger() {
            #expect(event.tenant == executionTenant[event.execution])
            let rows = try await fixture.query("SELECT tenant_id FROM \(event.table) WHERE id = $1", .uuid(UUID(uuidString: event.key)!))
            if let row = rows.first { #expect(row["tenant_id"].uuidValue?.uuidString.lowercased() == event.tenant) }
        }
        let crossTenant = try await fixture.query("""
            SELECT COUNT(*) AS n FROM business_record_activities a JOIN business_records b ON b.id = a.business_record_id
            WHERE a.tenant_id <> b.tenant_id
            """)
        #expect(crossTenant[0]["n"].intValue == 0)
        let tickets = try await fixture.query("SELECT tenant_id, customer_id, MIN(sequence_number) AS lo, MAX(sequence_number) AS hi, COUNT(*) AS n FROM service_tickets GROUP BY tenant_id, customer_id")
        #expect(tickets.count == 2)
        for row in tickets {
            #expect(row["lo"].intValue == 1000)
            #expect(row["hi"].intValue == 999 + row["n"].intValue!)  // each tenant numbers its own tickets
            #expect(row["customer_id"].stringValue == (row["tenant_id"].uuidValue == second.id ? "cust-2" : "cust-1"))
        }
        await fixture.close()
    }

    @Test func concurrentTicketExecutionsOnPostgresNumberWithoutDuplicatesOrGaps() async throws {
        let fixture = try await UpdaterFixture.make(.postgres, maxConcurrent: 2)
        let manager = fixture.manager
        let records = try await withThrowingTaskGroup(of: ExecutionRecord.self) { group in
            for at in fireTimes(12, every: 0.01) { group.addTask { try await manager.execute("service_tickets", fireTime: at) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(records.allSatisfy { $0.outcome == .succeeded })
        let inserted = records.reduce(0) { $0 + ($1.rows.first { $0.operation == .insert }?.count ?? 0) }
        let numbers = try await fixture.query("SELECT sequence_number FROM service_tickets ORDER BY sequence_number").compactMap { $0["sequence_number"].intValue }
        #expect(numbers == Array(1000..<(1000 + Int64(inserted))))
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func historyMetricsAndLedgerAgreeWithTheDatabase(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        for at in fireTimes(5) {
            for name in ["business_records", "business_record_activities", "service_tickets"] {
                _ = try await fixture.manager.execute(name, fireTime: at)
            }
        }
        _ = try await fixture.manager.execute("service_tickets", dryRun: true, fireTime: fireTimes(7)[6])
        let history = try await fixture.manager.history.recent(limit: 100).filter { !$0.dryRun }
        let ledger = try await fixture.ledger()
        let metrics = try await fixture.manager.metrics()
        #expect(history.count == 15)
        #expect(metrics.map(\.totalExecutions).reduce(0, +) == 15)
        #expect(metrics.allSatisfy { $0.successfulExecutions == 5 && $0.failedExecutions == 0 && $0.lastExecutionTime != nil })
        for table in Self.businessTables {
            let insertedByHistory = history.flatMap(\.rows).filter { $0.table == table && $0.operation == .insert }.reduce(0) { $0 + $1.count }
            let insertEvents = ledger.filter { $0.table == table && $0.operation == .insert }.count
            #expect(insertedByHistory == insertEvents)
            #expect(try await fixture.count(table) == insertEvents)  // no deletes without retention
        }
        #expect(Set(ledger.map(\.execution)).isSubset(of: Set(history.map { $0.id.uuidString.lowercased() })))
        await fixture.close()
    }
}
