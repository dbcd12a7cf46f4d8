import DatabaseUpdater
import Foundation
import Testing

/// The service at a fire every second for several tenants, killed with SIGKILL at random
/// moments and restarted each time: every fire takes effect at most once, the history agrees
/// with the database, ticket numbers stay gapless, and the change log (and its export) equals
/// what committed: `updater verify` finds nothing.
///
/// `CRASH_KILLS=N` sets the number of kills per engine (default 20); `CRASH_SEED=S` replays the
/// same kill moments.
struct CrashTests {
    static let kills = ProcessInfo.processInfo.environment["CRASH_KILLS"].flatMap(Int.init) ?? 20
    static let tenants = (1...4).map { UUID(uuidString: String(format: "6b7d1c2e-0000-4000-8000-%012d", $0))! }

    @Test(arguments: ["sqlite", "postgres"])
    func killedAtRandomEveryFireTakesEffectAtMostOnce(engine: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = engine == "sqlite" ? "sqlite:\(folder.path)/target.sqlite" : try await ServiceFixture.freshPostgres()
        // A fixed seed: a fire run twice would write the same ids again and fail on them, so a
        // double shows as a failed execution as well as a second row.
        let config = try ServiceFixture.writeConfig("""
            database: "\(location)"
            seed: 20261130
            scheduleConfig:
              businessActivities: "* * * * * *"
              serviceTickets: "* * * * * *"
              newLeads: "* * * * * *"
            executionConfig:
              maxConcurrentExecutions: 4
            misfirePolicy: runOnce
            shutdownGracePeriodSeconds: 5
            tenants:
            \(Self.tenants.map { "  - id: \($0.lowercaseString)\n    customerId: cust-1" }.joined(separator: "\n"))
            """, in: folder)
        let seed = ProcessInfo.processInfo.environment["CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var random = SeededRandom(seed: seed)
        let replay = "replay with CRASH_SEED=\(seed)"
        for kill in 0..<Self.kills {
            let service = try ServiceProcess(["start", "--config", config, "--no-api"], in: folder)
            // Anywhere from start-up (migrating, restoring) to the middle of executions.
            try await Task.sleep(for: .milliseconds(Int64(random.next() % 2_500) + 100))
            let running = service.isRunning
            service.signal(SIGKILL)
            _ = await service.waitForExit(timeout: .seconds(10))
            #expect(running, "kill \(kill): the service had already exited: \(service.stderr) (\(replay))")
        }
        let last = try ServiceProcess(["start", "--config", config, "--no-api"], in: folder)
        #expect(await last.waitForLines(12, timeout: .seconds(60), where: { $0.contains("succeeded") }), "\(last.stderr) (\(replay))")
        last.signal(SIGTERM)
        #expect(await last.waitForExit() == 0, "\(last.stderr) (\(replay))")

        // The change log and the database agree after every kill, by updater verify's reckoning.
        let verified = try await CommandRunner.run(["verify", "--config", config], in: folder)
        #expect(verified.status == 0 && verified.stdout.contains("the log and the database agree"), "\(verified.stdout)\(verified.stderr) (\(replay))")

        let database = try await DatabaseFactory.open(location, poolSize: 1)
        do {
            try await verify(database, history: try await ServiceFixture.history(in: folder), replay: replay)
            try await verifyLog(database, export: folder.appendingPathComponent("data/changes.jsonl"), replay: replay)
        } catch {
            await database.close()
            throw error
        }
        await database.close()
    }

    private func verify(_ database: any Database, history: [ExecutionRecord], replay: String) async throws {
        let fires = FireLog.table(database.dialect)

        // At most once, seen in the data itself: a run inserts at most two tickets and two leads
        // (one of its own, one for an activity when the tenant has none), all stamped with its
        // fire time; a fire run twice would mostly show more.
        for (table, most) in [("service_tickets", 2), ("business_records", 2)] {
            let crowded = try await database.withConnection { conn in
                try conn.query("SELECT tenant_id, created_at, COUNT(*) AS n FROM \(table) GROUP BY tenant_id, created_at HAVING COUNT(*) > $1",
                               .integer(Int64(most)))
            }
            #expect(crowded.isEmpty, "\(table): fire times with too many rows: \(crowded.prefix(3)) (\(replay))")
        }
        // And by the fixed seed: a fire run again writes the same ids, which fails; resuming
        // after what committed means the fire log's unique key never even has to refuse one.
        let failures = history.filter { $0.outcome == .failed || $0.outcome == .timedOut }
        #expect(failures.isEmpty, "\(failures.compactMap(\.error).prefix(3)) (\(replay))")
        let refused = history.filter { ($0.error ?? "").hasPrefix("already took effect") }
        #expect(refused.isEmpty, "\(refused.count) fires were dispatched again after committing (\(replay))")

        // The history agrees with the database: the same committed executions, and as many rows.
        let committed = try await database.withConnection { conn in
            try conn.query("SELECT execution_id FROM \(fires)").compactMap { $0["execution_id"].uuidValue }
        }
        let succeeded = history.filter { $0.outcome == .succeeded && !$0.dryRun }
        #expect(!committed.isEmpty, "nothing committed in \(Self.kills) runs (\(replay))")
        #expect(Set(succeeded.map(\.id)) == Set(committed), "history \(succeeded.count) vs fire log \(committed.count) (\(replay))")
        for table in ["business_records", "business_record_activities", "service_tickets"] {
            let inserted = succeeded.flatMap(\.rows).filter { $0.table == table && $0.operation == .insert }.reduce(0) { $0 + $1.count }
            let rows = try await count(database, "SELECT COUNT(*) AS n FROM \(table)")
            #expect(inserted == rows, "\(table): the history says \(inserted) inserted, the table has \(rows) (\(replay))")
        }

        // Ticket numbers: gapless from ST-1000 per tenant, and the counter right after the last.
        for tenant in Self.tenants {
            let numbers = try await database.withConnection { conn in
                try conn.query("SELECT sequence_number FROM service_tickets WHERE tenant_id = $1 ORDER BY sequence_number", .uuid(tenant))
                    .compactMap { $0["sequence_number"].intValue }
            }
            #expect(numbers == Array(1000..<(1000 + Int64(numbers.count))), "tenant \(tenant): \(numbers.prefix(20)) (\(replay))")
            let next = try await database.withConnection { conn in
                try conn.query("SELECT next_number FROM ticket_counters WHERE tenant_id = $1", .uuid(tenant)).first?["next_number"].intValue
            }
            #expect(next == 1000 + Int64(numbers.count), "tenant \(tenant) (\(replay))")
        }
    }

    /// The change log: gapless across every restart, an entry for each row of each committed
    /// execution and none of any other, and the export equal to it.
    private func verifyLog(_ database: any Database, export: URL, replay: String) async throws {
        let entries = try await ChangeLog.read(after: 0, limit: 1_000_000, in: database)
        #expect(entries.compactMap(\.seq) == (0..<entries.count).map { Int64($0) + 1 }, "gaps in the log (\(replay))")
        let committed = try await database.withConnection { conn in
            try conn.query("SELECT execution_id, row_counts FROM \(FireLog.table(conn.dialect))").map { row in
                (row["execution_id"].uuidValue?.lowercaseString ?? "", row["row_counts"].stringValue ?? "[]")
            }
        }
        let rowsByExecution = Dictionary(grouping: entries, by: \.execution).mapValues(\.count)
        for (execution, counts) in committed {
            let rows = (try? JSONDecoder().decode([ExecutionRecord.RowCount].self, from: Data(counts.utf8)))?.reduce(0) { $0 + $1.count } ?? -1
            #expect(rowsByExecution[execution, default: 0] == rows, "execution \(execution): \(rows) rows, \(rowsByExecution[execution, default: 0]) log entries (\(replay))")
        }
        #expect(Set(rowsByExecution.keys).isSubset(of: Set(committed.map(\.0))), "log entries of executions that did not commit (\(replay))")
        let exported = try String(contentsOf: export, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(ChangeEvent.self, from: Data($0.utf8)) }
        #expect(exported == entries, "changes.jsonl: \(exported.count) entries, the log \(entries.count) (\(replay))")
    }

    private func count(_ database: any Database, _ sql: String) async throws -> Int {
        Int(try await database.withConnection { conn in try conn.query(sql).first?["n"].intValue } ?? -1)
    }
}
