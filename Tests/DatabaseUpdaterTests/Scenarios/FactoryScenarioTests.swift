import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The factory over its five databases, on real SQLite files and PostgreSQL: a simulated
/// fortnight keeps every invariant, each invariant catches the tampering it guards against, the
/// same seed gives the same databases, and an execution over several databases commits in all
/// of them or none.
struct FactoryScenarioTests {
    /// 2026-03-02T00:00:00Z, a Monday.
    static let start = Date(timeIntervalSince1970: 1_772_409_600)

    /// A factory configuration on a fresh database: a folder of five files on SQLite, a new
    /// database (five schemas) on PostgreSQL.
    static func configuration(_ engine: Engine) async throws -> UpdaterConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("factory-\(UUID().uuidString)")
        let database = engine == .sqlite ? "sqlite:\(folder.path)/databases/" : try await TestDatabases.freshLocation(engine)
        return UpdaterConfig(database: database, scenario: "factory", dataDirectory: folder.appendingPathComponent("data").path,
                             logDirectory: folder.appendingPathComponent("logs").path)
    }

    static func simulate(_ config: UpdaterConfig, days: Double, seed: UInt64 = 7) async throws -> SimulationState {
        let options = SimulationOptions(start: start, end: start.addingTimeInterval(days * 86_400), seed: seed)
        return try await Simulation.open(configuration: config, options: options).run()
    }

    static func open(_ config: UpdaterConfig) async throws -> any Database {
        try await DatabaseFactory.open(config.database, poolSize: 1, databases: FactoryScenario().databases)
    }

    static func check(_ database: any Database) async throws -> InvariantReport {
        try await InvariantChecker.check(FactoryScenario(), in: database, timeZone: TimeZone(identifier: "UTC")!, retentionDays: nil)
    }

    /// The first value of `sql`'s first column.
    static func value(_ database: any Database, _ sql: String) async throws -> DatabaseValue {
        try await database.withConnection { conn in try conn.query(sql).first?.values.first ?? .null }
    }

    @Test(arguments: Engine.allCases)
    func aFortnightKeepsEveryInvariantAndEachCatchesItsTampering(engine: Engine) async throws {
        let config = try await Self.configuration(engine)
        let state = try await Self.simulate(config, days: 14)
        #expect(state.totals.unsuccessful == 0, "\(state.totals)")
        let database = try await Self.open(config)
        defer { Task { await database.close() } }
        let counts = try await database.withConnection { conn in
            try ["crm.orders", "mes.stage_completions", "inventory.stock_movements", "erp.financial_transactions", "customers.customers",
                 "erp.employees"].map { try conn.query("SELECT COUNT(*) AS n FROM \($0)").first?["n"].intValue ?? 0 }
        }
        #expect(counts[0] > 60 && counts[1] > 100 && counts[2] > 100 && counts[3] > 400, "\(counts)")
        #expect(counts[4] >= 495 && counts[5] == 200, "\(counts)")
        // Two Fridays of payroll, 200 each.
        #expect(try await Self.value(database, "SELECT COUNT(*) FROM erp.financial_transactions WHERE transaction_type = 'payroll'").intValue == 400)
        let clean = try await Self.check(database)
        #expect(clean.passed, "\(clean.results.filter { !$0.holds })")
        #expect(clean.results.count == FactoryScenario().invariants.count)

        /// Applies `tamper` to the row `pick` selects, expects `invariant` to fail naming it, then undoes it.
        func expectCaught(_ invariant: String, table: String, pick: String, tamper: String, undo: String) async throws {
            let id = try #require(try await Self.value(database, pick).stringValue, "no row for \(invariant)")
            _ = try await database.withConnection { conn in try conn.execute(tamper, .text(id)) }
            let report = try await Self.check(database)
            let result = try #require(report.results.first { $0.name == invariant })
            #expect(!result.holds, "\(invariant) missed: \(tamper)")
            #expect(result.violations.contains { $0.rows.contains("\(table):\(id)") }, "\(invariant) does not name \(table):\(id): \(result.violations)")
            _ = try await database.withConnection { conn in try conn.execute(undo, .text(id)) }
            let undone = try await Self.check(database)
            #expect(undone.passed, "undoing the tampering of \(invariant) restores it: \(undone.results.filter { !$0.holds })")
        }
        let key = engine == .sqlite ? "$1" : "$1::uuid", id = "id = \(key)"
        try await expectCaught(
            "shipped_orders_paid", table: "erp.financial_transactions",
            pick: "SELECT id FROM erp.financial_transactions WHERE transaction_type = 'customer_payment' ORDER BY id LIMIT 1",
            tamper: "UPDATE erp.financial_transactions SET amount = amount + 1 WHERE \(id)",
            undo: "UPDATE erp.financial_transactions SET amount = amount - 1 WHERE \(id)")
        try await expectCaught(
            "payroll_fridays", table: "erp.financial_transactions",
            pick: "SELECT id FROM erp.financial_transactions WHERE transaction_type = 'payroll' AND transaction_date = '2026-03-06' ORDER BY id LIMIT 1",
            tamper: "UPDATE erp.financial_transactions SET transaction_date = '2026-03-05' WHERE \(id)",  // a Thursday
            undo: "UPDATE erp.financial_transactions SET transaction_date = '2026-03-06' WHERE \(id)")
        try await expectCaught(
            "purchases_match_restocks", table: "erp.financial_transactions",
            pick: "SELECT id FROM erp.financial_transactions WHERE transaction_type = 'purchase' ORDER BY id LIMIT 1",
            tamper: "UPDATE erp.financial_transactions SET quantity = quantity + 1 WHERE \(id)",
            undo: "UPDATE erp.financial_transactions SET quantity = quantity - 1 WHERE \(id)")
        try await expectCaught(
            "no_negative_stock", table: "inventory.parts",
            pick: "SELECT id FROM inventory.parts ORDER BY part_number LIMIT 1",
            tamper: "UPDATE inventory.parts SET stock_level = stock_level - 100000 WHERE \(id)",
            undo: "UPDATE inventory.parts SET stock_level = stock_level + 100000 WHERE \(id)")
        try await expectCaught(
            "stock_matches_movements", table: "inventory.parts",
            pick: "SELECT id FROM inventory.parts ORDER BY part_number LIMIT 1",
            tamper: "UPDATE inventory.parts SET stock_level = stock_level + 1 WHERE \(id)",
            undo: "UPDATE inventory.parts SET stock_level = stock_level - 1 WHERE \(id)")
        try await expectCaught(
            "statuses_match_production", table: "crm.orders",
            pick: "SELECT id FROM crm.orders WHERE status = 'shipped' ORDER BY order_number LIMIT 1",
            tamper: "UPDATE crm.orders SET status = 'in_production' WHERE \(id)",  // moved backwards
            undo: "UPDATE crm.orders SET status = 'shipped' WHERE \(id)")
        try await expectCaught(
            "statuses_match_production", table: "crm.orders",
            pick: "SELECT id FROM crm.orders WHERE status = 'shipped' ORDER BY order_number LIMIT 1",
            tamper: "UPDATE crm.orders SET processed_at = NULL, updated_at = processed_at WHERE \(id)",  // a step's time missing
            undo: "UPDATE crm.orders SET processed_at = updated_at WHERE \(id)")
        try await expectCaught(
            "usage_matches_bom", table: "crm.orders",
            pick: "SELECT order_id FROM inventory.stock_movements WHERE movement_type = 'consumption' ORDER BY id LIMIT 1",
            tamper: "UPDATE inventory.stock_movements SET quantity = quantity - 1 WHERE order_id = \(key) AND id = (SELECT id FROM inventory.stock_movements WHERE order_id = \(key) ORDER BY id LIMIT 1)",
            undo: "UPDATE inventory.stock_movements SET quantity = quantity + 1 WHERE order_id = \(key) AND id = (SELECT id FROM inventory.stock_movements WHERE order_id = \(key) ORDER BY id LIMIT 1)")
    }

    /// SQLite commits over several files atomically only through its super-journal, which it uses
    /// only for files in a rollback-journal mode that are synced: every file must be so.
    @Test func everySQLiteFileIsJournaledAndSynced() async throws {
        let config = try await Self.configuration(.sqlite)
        _ = try await Self.simulate(config, days: 1)
        let database = try await Self.open(config)
        defer { Task { await database.close() } }
        for schema in ["main"] + FactoryScenario().databases {
            let mode = try await Self.value(database, "PRAGMA \(schema).journal_mode").stringValue
            let sync = try await Self.value(database, "PRAGMA \(schema).synchronous").intValue
            #expect(mode == "truncate" && sync == 1, "\(schema): journal_mode \(mode ?? "?"), synchronous \(sync ?? -1)")
        }
        // `sqlite:FOLDER` without the slash keeps the files together too.
        let files = DatabaseFactory.sqliteFiles("/tmp/nowhere-\(UUID().uuidString)/databases", databases: ["crm"])
        #expect(files.main.hasSuffix("/databases/updater.db") && files.attachments.first?.path.hasSuffix("/databases/crm.db") == true)
        #expect(DatabaseFactory.sqliteFiles("/tmp/x/target.sqlite", databases: []).main == "/tmp/x/target.sqlite")
    }

    @Test(arguments: Engine.allCases)
    func payrollPaysOnFridaysOnce(engine: Engine) async throws {
        let config = try await Self.configuration(engine)
        let manager = try await DatabaseUpdaterManager.open(configuration: config)
        defer { Task { await manager.close() } }
        let thursday = Self.start.addingTimeInterval(3 * 86_400 + 17 * 3_600), friday = thursday.addingTimeInterval(86_400)
        for (at, rows) in [(thursday, 0), (friday, 200), (friday.addingTimeInterval(60), 0)] {
            let record = try await manager.execute("payroll", fireTime: at)
            #expect(record.outcome == .succeeded && record.totalRows == rows, "\(at): \(record.rows)")
        }
        #expect(try await Self.check(await manager.database).passed)
    }

    /// Two executions that move stock at once (a manual run beside a scheduled one) take turns
    /// on PostgreSQL: neither overwrites the other's stock levels, and the orders are processed once.
    @Test(arguments: Engine.allCases)
    func concurrentStockMovesTakeTurns(engine: Engine) async throws {
        var config = try await Self.configuration(engine)
        config.executionConfig.maxConcurrentExecutions = 4
        let manager = try await DatabaseUpdaterManager.open(configuration: config)
        defer { Task { await manager.close() } }
        let monday = Self.start.addingTimeInterval(9 * 3_600)
        for hour in 0..<8 {
            #expect(try await manager.execute("order_generation", seed: UInt64(hour), fireTime: monday.addingTimeInterval(Double(hour) * 3_600)).outcome == .succeeded)
        }
        let later = monday.addingTimeInterval(9 * 3_600)
        let outcomes = await withTaskGroup(of: ExecutionRecord?.self) { group in
            for index in 0..<4 {
                group.addTask {
                    try? await manager.execute(index % 2 == 0 ? "order_processing" : "restock", seed: UInt64(index),
                                               fireTime: later.addingTimeInterval(Double(index)))
                }
            }
            return await group.reduce(into: [ExecutionRecord?]()) { $0.append($1) }
        }
        #expect(outcomes.allSatisfy { $0?.outcome == .succeeded }, "\(outcomes.map { $0?.error ?? "ok" })")
        let database = await manager.database
        #expect(try await Self.value(database, "SELECT COUNT(*) FROM crm.orders WHERE status = 'order_received'").intValue == 0)
        let report = try await Self.check(database)
        #expect(report.passed, "\(report.results.filter { !$0.holds })")
    }

    /// Every row of the five databases, table by table, in key order.
    static func dump(_ config: UpdaterConfig) async throws -> [String] {
        let database = try await open(config)
        defer { Task { await database.close() } }
        let tables = ["customers.customers", "crm.products", "crm.orders", "crm.customer_interactions", "inventory.parts", "inventory.bom",
                      "inventory.stock_movements", "mes.production_orders", "mes.stage_completions", "erp.employees", "erp.financial_transactions"]
        return try await database.withConnection { conn in
            try tables.flatMap { table in
                ["-- \(table)"] + (try conn.query("SELECT * FROM \(table) ORDER BY id").map { row in
                    row.values.map { $0.stringValue ?? "NULL" }.joined(separator: "|")
                })
            }
        }
    }

    @Test(arguments: Engine.allCases)
    func theSameSeedGivesTheSameDatabases(engine: Engine) async throws {
        let first = try await Self.configuration(engine), again = try await Self.configuration(engine)
        var parallel = try await Self.configuration(engine)
        parallel.executionConfig.maxConcurrentExecutions = 1
        for config in [first, again, parallel] { _ = try await Self.simulate(config, days: 5, seed: 99) }
        let reference = try await Self.dump(first)
        #expect(reference.count > 1_500)
        #expect(try await Self.dump(again) == reference)
        #expect(try await Self.dump(parallel) == reference, "the concurrency cap changes nothing")
        let reseeded = try await Self.configuration(engine)
        _ = try await Self.simulate(reseeded, days: 5, seed: 100)
        #expect(try await Self.dump(reseeded) != reference)
    }

    /// Writes the first database, then fails: when the commit is refused by the second one
    /// (`commitFails`, a deferred foreign key broken in `erp`), or by throwing right after.
    struct FailingUpdater: BaseUpdater {
        var name: String { commitFails ? "failing_at_commit" : "failing_after_first_database" }
        var configKey: String { commitFails ? "failingAtCommit" : "failingAfterFirstDatabase" }
        let summary = "writes crm, then erp, then fails"
        let defaultSchedule = "0 0 0 1 1 *"
        let newRowsPerRun = 1...1
        let commitFails: Bool

        func run(_ context: inout UpdaterContext) throws {
            let now = DatabaseValue.timestamp(context.fireTime)
            guard let customer = try context.query("SELECT id FROM customers.customers ORDER BY customer_number LIMIT 1").first?["id"] else { return }
            try context.insert(into: "crm.customer_interactions", id: context.random.uuid(), [
                "customer_id": customer, "order_id": .null, "channel": .text("phone"), "subject": .text("injected"),
                "notes": .text("first database written"), "occurred_at": now, "created_at": now, "updated_at": now,
            ])
            if commitFails {
                // Foreign keys are checked at COMMIT in erp: the commit over both files fails.
                _ = try context.query(context.connection.dialect == .sqlite ? "PRAGMA defer_foreign_keys = ON" : "SET CONSTRAINTS ALL DEFERRED")
            }
            try context.insert(into: "erp.financial_transactions", id: context.random.uuid(), [
                "transaction_type": .text("payroll"), "amount": .double(1), "transaction_date": .text("2026-03-06"),
                "order_id": .null, "part_id": .null, "stock_movement_id": .null, "employee_id": .uuid(UUID()), "quantity": .null,
                "description": .text("injected"), "occurred_at": now, "created_at": now, "updated_at": now,
            ])
            if !commitFails { throw CancellationError() }
        }
    }

    @Test(arguments: Engine.allCases)
    func anExecutionOverSeveralDatabasesCommitsInAllOrNone(engine: Engine) async throws {
        let config = try await Self.configuration(engine)
        var updaters = FactoryScenario().updaters
        for commitFails in [false, true] { try updaters.register(FailingUpdater(commitFails: commitFails)) }
        let manager = try await DatabaseUpdaterManager.open(configuration: config, registry: updaters)
        defer { Task { await manager.close() } }
        let database = await manager.database
        let before = try await Self.dump(config)
        for (index, updater) in updaters.all.suffix(2).enumerated() {
            let record = try await manager.execute(updater.name, seed: UInt64(index))
            #expect(record.outcome == .failed, "\(updater.name): \(record)")
        }
        #expect(try await Self.dump(config) == before, "neither crm nor erp kept a row")
        #expect(try await Self.value(database, "SELECT COUNT(*) FROM crm.customer_interactions WHERE subject = 'injected'").intValue == 0)
    }
}
