import Cron
import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// `Simulation` against real databases: the same inputs give the same rows whatever the
/// concurrency cap, exactly the fires the schedules imply run (each stamped with its fire time),
/// and step mode pauses with each period committed.
struct SimulationTests {
    /// 2026-03-02T00:00:00Z, a Monday.
    static let start = Date(timeIntervalSince1970: 1_772_409_600)

    private func configuration(_ engine: Engine, cap: Int = 2) async throws -> UpdaterConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString)")
        var config = UpdaterConfig(database: try await TestDatabases.freshLocation(engine), dataDirectory: folder.appendingPathComponent("data").path,
                                   logDirectory: folder.appendingPathComponent("logs").path)
        config.executionConfig.maxConcurrentExecutions = cap
        // Denser than the defaults, so three days write enough rows to tell runs apart.
        config.scheduleConfig = ["serviceTickets": "0 0 */2 * * *", "businessActivities": "0 30 8-18 * * 1-5", "newLeads": "0 15 9,14 * * *"]
        return config
    }

    private func simulate(_ config: UpdaterConfig, days: Double = 3, tenants: Int = 3, seed: UInt64 = 42) async throws -> SimulationState {
        let options = SimulationOptions(start: Self.start, end: Self.start.addingTimeInterval(days * 86_400), seed: seed)
        let simulation = try await Simulation.open(configuration: config, options: options, tenants: tenants)
        return try await simulation.run()
    }

    /// Every table, its rows in storage order on SQLite (what `.dump` writes) and in key order on
    /// PostgreSQL, as text.
    private func dump(_ location: String) async throws -> [String] {
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        defer { Task { await database.close() } }
        let dialect = database.dialect
        return try await database.withConnection { conn in
            let tables: [String]
            if dialect == .sqlite {
                tables = try conn.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").compactMap { $0["name"].stringValue }
            } else {
                tables = try conn.query("""
                    SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
                    WHERE table_schema IN ('public', 'updater') ORDER BY 1
                    """).compactMap { $0["name"].stringValue }
            }
            var lines: [String] = []
            for table in tables {
                // SQLite: storage order, as `.dump`; PostgreSQL: no storage order to speak of, so by the whole row.
                // The change log's order, transaction ids and commit times depend on how executions
                // interleave; what it says of each execution does not.
                let rows = table == ChangeLog.table(dialect)
                    ? try conn.query("""
                        SELECT execution_id, tenant_id, updater, operation, table_name, row_key, before_hash, after_hash, data_time
                        FROM \(table) ORDER BY execution_id, seq
                        """)
                    : try conn.query("SELECT * FROM \(table) AS r\(dialect == .sqlite ? "" : " ORDER BY r::text")")
                lines.append("-- \(table): \(rows.count)")
                lines += rows.map { row in row.values.map { $0.stringValue ?? "NULL" }.joined(separator: "|") }
            }
            return lines
        }
    }

    @Test(arguments: Engine.allCases)
    func theSameInputsGiveTheSameRowsWhateverTheCap(engine: Engine) async throws {
        let first = try await configuration(engine, cap: 1)
        let again = try await configuration(engine, cap: 1)
        let parallel = try await configuration(engine, cap: 2)
        let totals = try await simulate(first).totals
        #expect(totals.executions > 100 && totals.unsuccessful == 0, "\(totals)")
        _ = try await simulate(again)
        _ = try await simulate(parallel)
        let reference = try await dump(first.database)
        let inserted = totals.rows.values.reduce(0) { $0 + ($1[RowChange.Operation.insert.rawValue] ?? 0) }
        #expect(inserted > 0 && reference.count > inserted, "the dump holds every row inserted")
        #expect(try await dump(again.database) == reference)
        let other = try await dump(parallel.database)
        #expect(other == reference, "cap 2 differs: \(zip(other, reference).first { $0 != $1 }.map { "\($0)" } ?? "count \(other.count)")")
        // A different seed gives different rows.
        let reseeded = try await configuration(engine, cap: 1)
        _ = try await simulate(reseeded, seed: 43)
        #expect(try await dump(reseeded.database) != reference)
    }

    @Test(arguments: Engine.allCases)
    func exactlyTheFiresTheSchedulesImplyRunStampedWithTheirTime(engine: Engine) async throws {
        let config = try await configuration(engine)
        let end = Self.start.addingTimeInterval(3 * 86_400)
        let state = try await simulate(config, tenants: 2)
        // Counted independently, from the expressions alone.
        var expected: Set<String> = []
        var fireTimes: [String: Set<Date>] = [:]
        let tenants = SimulationOptions.tenants(config.tenants, count: 2, seed: 42)
        for tenant in tenants {
            for updater in UpdaterRegistry.builtIn.all where config.isEnabled(updater, tenant: tenant) {
                let schedule = try CronSchedule(config.schedule(for: updater, tenant: tenant), timeZone: config.timeZone)
                for fire in schedule.fireTimes(after: Self.start.addingTimeInterval(-1)).prefix(while: { $0 < end }) {
                    expected.insert("\(updater.name) \(tenant.id) \(fire.timeIntervalSince1970)")
                    fireTimes[updater.name, default: []].insert(fire)
                }
            }
        }
        let history = try await ExecutionHistory(directory: URL(fileURLWithPath: config.dataDirectory))
        let records = try await history.recent(limit: 10_000)
        await history.close()
        #expect(records.allSatisfy { $0.trigger == .simulation && $0.outcome == .succeeded })
        let ran = Set(records.map { "\($0.updater) \($0.tenant) \($0.scheduledAt.timeIntervalSince1970)" })
        #expect(records.count == expected.count && ran == expected)
        #expect(state.totals.executions == expected.count)
        // Each row carries its execution's fire time.
        let database = try await DatabaseFactory.open(config.database, poolSize: 1)
        let created = try await database.withConnection { conn in
            try ["service_tickets", "business_record_activities"].map { table in
                (table, try conn.query("SELECT created_at FROM \(table)").compactMap { $0["created_at"].stringValue })
            }
        }
        await database.close()
        let stamps = Dictionary(uniqueKeysWithValues: fireTimes.map { ($0.key, Set($0.value.map(DatabaseValue.formatTimestamp))) })
        for (table, values) in created {
            #expect(!values.isEmpty)
            let normalized = values.map { DatabaseValue.parseTimestamp($0).map(DatabaseValue.formatTimestamp) ?? $0 }
            #expect(Set(normalized).isSubset(of: stamps[table] ?? []), "\(table): \(Set(normalized).subtracting(stamps[table] ?? []).prefix(3))")
        }
    }

    /// Step mode: it pauses after each period with that period's rows committed (a new
    /// connection sees them, and nothing of the next period); advancing lets N more run; the
    /// pause after the last one is ended by one more advance.
    @Test(arguments: Engine.allCases)
    func stepModePausesAfterEachPeriodWithItsRowsCommitted(engine: Engine) async throws {
        let config = try await configuration(engine)
        let options = SimulationOptions(start: Self.start, end: Self.start.addingTimeInterval(4 * 86_400), step: true, seed: 7)
        let simulation = try await Simulation.open(configuration: config, options: options)
        let running = Task { try await simulation.run() }
        var reports = simulation.reports.makeAsyncIterator()
        let first = try #require(await reports.next())
        #expect(first.period == 1 && first.periods == 4 && first.end == Self.start.addingTimeInterval(86_400))
        #expect(await simulation.state().phase == .paused)
        #expect(try await committedFires(config.database) == (first.executions, first.end))
        var state = await simulation.advance(periods: 2)
        #expect(state.completedPeriods == 3 && state.phase == .paused)
        let second = try #require(await reports.next()), third = try #require(await reports.next())
        #expect(try await committedFires(config.database) == (first.executions + second.executions + third.executions, third.end))
        state = await simulation.advance(until: Self.start.addingTimeInterval(3.5 * 86_400))
        #expect(state.completedPeriods == 4 && state.phase == .paused, "the pause after the last period")
        state = await simulation.advance(periods: 1)
        #expect(state.phase == .finished)
        let final = try await running.value
        #expect(final.completedPeriods == 4 && final.totals.executions == final.totals.outcomes.values.flatMap(\.values).reduce(0, +))
    }

    @Test func quittingEndsAfterThePeriodInProgress() async throws {
        let config = try await configuration(.sqlite)
        let options = SimulationOptions(start: Self.start, end: Self.start.addingTimeInterval(5 * 86_400), step: true, seed: 7)
        let simulation = try await Simulation.open(configuration: config, options: options)
        let running = Task { try await simulation.run() }
        var reports = simulation.reports.makeAsyncIterator()
        _ = await reports.next()
        await simulation.quit()
        let final = try await running.value
        #expect(final.completedPeriods == 1 && final.phase == .finished)
        #expect(await reports.next() == nil)
    }

    /// How many fires committed, if all of them are before `end`.
    private func committedFires(_ location: String) async throws -> (Int, Date) {
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let table = FireLog.table(database.dialect)
        let row = try await database.withConnection { conn in
            try conn.query("SELECT count(*) AS n, max(scheduled_at) AS last FROM \(table)").first
        }
        await database.close()
        let last = row?["last"].dateValue ?? .distantPast
        return (Int(row?["n"].intValue ?? -1), last < Self.start.addingTimeInterval(86_400 * 10) ? nextBoundary(after: last) : last)
    }

    /// The midnight after `instant` (UTC): the end of the period its fire belongs to.
    private func nextBoundary(after instant: Date) -> Date {
        Date(timeIntervalSince1970: (instant.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 + 86_400)
    }
}
