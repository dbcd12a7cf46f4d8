import DatabaseUpdater
import Foundation
import Testing

/// Scenarios from the command line: `updater scenarios`, `simulate`/`migrate`/`execute` with
/// `--scenario factory`, `updater verify --invariants` (exit 1 and the rows on a violation), a
/// factory killed with SIGKILL mid-simulation still consistent across its five files, and an
/// office configuration written before scenarios existed running unchanged.
struct ScenarioCommandTests {
    @Test func scenariosListsBothWithTheirUpdatersAndInvariants() async throws {
        let output = try await CommandRunner.run(["scenarios", "--json"])
        #expect(output.status == 0, "\(output.stderr)")
        let listed = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(listed.map { $0["name"] as? String } == ["office", "factory"])
        let factory = try #require(listed.last)
        #expect(factory["databases"] as? [String] == ["customers", "crm", "inventory", "mes", "erp"])
        let updaters = (factory["updaters"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(updaters == ["order_generation", "order_processing", "manufacturing", "restock", "payroll", "customer_maintenance"])
        #expect((factory["invariants"] as? [[String: Any]])?.count == 7)
        let text = try await CommandRunner.run(["scenarios"])
        #expect(text.stdout.contains("payroll  ") || text.stdout.contains("payroll "), "\(text.stdout)")
        #expect(text.stdout.contains("\"0 0 17 * * 5\" — at 17:00, on Friday"), "\(text.stdout)")
        let unknown = try await CommandRunner.run(["verify", "--scenario", "bakery"])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown scenario 'bakery' (known: office, factory)"), "\(unknown.stderr)")
    }

    @Test func aFactoryMonthOnSQLiteFillsFiveFilesAndVerifyFindsTampering() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = "sqlite:\(folder.path)/databases/"
        let simulate = try await CommandRunner.run(
            ["simulate", "30", "2026-03-01", "--scenario", "factory", "--database", database, "--seed", "5", "--no-api", "--json"], in: folder)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        for name in ["customers", "crm", "inventory", "mes", "erp", "updater"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("databases/\(name).db").path), "\(name).db")
        }
        let verify = try await CommandRunner.run(["verify", "--invariants", "--scenario", "factory", "--database", database], in: folder)
        #expect(verify.status == 0 && verify.stdout.contains("all 7 invariants hold"), "\(verify.stdout)\(verify.stderr)")

        // A shipped order whose payment disappears: a monitor's alert, and ours.
        let opened = try await DatabaseFactory.open(database, poolSize: 1, databases: FactoryScenario().databases)
        let payment = try await opened.withConnection { conn in
            let id = try conn.query("SELECT id, order_id FROM erp.financial_transactions WHERE transaction_type = 'customer_payment' ORDER BY id LIMIT 1").first
            try conn.execute("DELETE FROM erp.financial_transactions WHERE id = $1", id?["id"] ?? .null)
            return id?["order_id"].stringValue ?? ""
        }
        await opened.close()
        let broken = try await CommandRunner.run(["verify", "--invariants", "--scenario", "factory", "--database", database, "--json"], in: folder)
        #expect(broken.status == 1, "\(broken.stdout)\(broken.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [String: Any] ?? [:]
        let failed = (report["results"] as? [[String: Any]] ?? []).filter { !(($0["violations"] as? [Any]) ?? []).isEmpty }
        #expect(failed.compactMap { $0["name"] as? String } == ["shipped_orders_paid"])
        #expect(broken.stdout.contains("crm.orders:\(payment)"))
        let human = try await CommandRunner.run(["verify", "--scenario", "factory", "--database", database], in: folder)
        #expect(human.status == 1 && human.stdout.contains("FAIL shipped_orders_paid — 1 violation(s)"), "\(human.stdout)")
    }

    /// Killed at random moments while it writes the five files, the factory never keeps half an
    /// execution: `verify --invariants` passes after each kill (its first open rolls back the
    /// interrupted commit from the journals).
    @Test func aFactoryKilledMidCommitKeepsEveryInvariant() async throws {
        var random = SeededRandom(seed: UInt64.random(in: 1...UInt64.max))
        for kill in 0..<6 {
            let folder = try CommandRunner.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = "sqlite:\(folder.path)/databases/"
            let simulation = try ServiceProcess(
                ["simulate", "120", "2026-03-02", "--scenario", "factory", "--database", database, "--no-api", "--seed", "\(kill)"], in: folder)
            // Once it writes traffic (migrated and seeded), anywhere in the next second and a half.
            #expect(await simulation.waitForLines(timeout: .seconds(60)) { $0.hasPrefix("day 1/") }, "\(simulation.stderr)")
            try await Task.sleep(for: .milliseconds(Int64(random.next() % 1_500)))
            let running = simulation.isRunning
            simulation.signal(SIGKILL)
            _ = await simulation.waitForExit(timeout: .seconds(10))
            #expect(running, "kill \(kill): the simulation had already finished: \(simulation.stderr)")
            let verify = try await CommandRunner.run(["verify", "--invariants", "--scenario", "factory", "--database", database], in: folder)
            #expect(verify.status == 0, "kill \(kill): \(verify.stdout)\(verify.stderr)")
        }
    }

    /// `verify` beside a simulation writing the same five files: both finish, neither deadlocks
    /// nor fails (the checker takes its read locks in the writers' order).
    @Test func verifyRunsBesideAWritingSimulation() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = "sqlite:\(folder.path)/databases/"
        let simulation = try ServiceProcess(
            ["simulate", "60", "2026-03-02", "--scenario", "factory", "--database", database, "--no-api", "--seed", "3"], in: folder)
        #expect(await simulation.waitForLines(timeout: .seconds(60)) { $0.hasPrefix("day 1/") }, "\(simulation.stderr)")
        var checks = 0
        while simulation.isRunning && checks < 8 {
            let verify = try await CommandRunner.run(["verify", "--scenario", "factory", "--database", database], in: folder)
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
            checks += 1
        }
        #expect(await simulation.waitForExit(timeout: .seconds(300)) == 0, "\(simulation.stderr)")
        #expect(checks > 0)
    }

    @Test func verifyOnADatabaseWithoutTheScenarioSaysToMigrate() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let office = try await CommandRunner.run(["migrate", "--database", "sqlite:\(folder.path)/db/"], in: folder)
        #expect(office.status == 0, "\(office.stderr)")
        for name in ["customers", "crm", "inventory", "mes", "erp"] {
            _ = FileManager.default.createFile(atPath: folder.appendingPathComponent("db/\(name).db").path, contents: nil)
        }
        let verify = try await CommandRunner.run(["verify", "--scenario", "factory", "--database", "sqlite:\(folder.path)/db/"], in: folder)
        #expect(verify.status == 1 && verify.stderr.contains("run updater migrate --scenario factory"), "\(verify.stderr)")
        #expect(verify.stderr.split(separator: "\n").count == 1)
    }

    @Test func aFactoryMonthOnPostgreSQLKeepsEveryInvariant() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ServiceFixture.freshPostgres()
        // The office and the factory share one PostgreSQL database: public, and five schemas.
        let office = try await CommandRunner.run(["migrate", "--database", database], in: folder)
        #expect(office.status == 0, "\(office.stderr)")
        let migrate = try await CommandRunner.run(["migrate", "--scenario", "factory", "--database", database], in: folder)
        #expect(migrate.status == 0 && migrate.stdout.contains("101: factory"), "\(migrate.stdout)\(migrate.stderr)")
        let simulate = try await CommandRunner.run(
            ["simulate", "30", "2026-03-01", "--scenario", "factory", "--database", database, "--seed", "5", "--no-api"], in: folder)
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let verify = try await CommandRunner.run(["verify", "--invariants", "--scenario", "factory", "--database", database], in: folder)
        #expect(verify.status == 0 && verify.stdout.contains("all 7 invariants hold"), "\(verify.stdout)\(verify.stderr)")
        let execute = try await CommandRunner.run(["execute", "order_generation", "--scenario", "factory", "--database", database], in: folder)
        #expect(execute.status == 0, "\(execute.stdout)\(execute.stderr)")
        let wrong = try await CommandRunner.run(["execute", "service_tickets", "--scenario", "factory", "--database", database], in: folder)
        #expect(wrong.status == 2 && wrong.stderr.contains("unknown updater 'service_tickets'"), "\(wrong.stderr)")
    }

    /// One service, two targets: a PostgreSQL office and a SQLite factory, each written on its
    /// schedules, each with its own history and invariants, each command pointed at one by `--target`.
    @Test func oneServiceDrivesAPostgreSQLOfficeAndASQLiteFactory() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let office = try await ServiceFixture.freshPostgres()
        let config = try ServiceFixture.writeConfig("""
            database: "\(office)"
            scheduleConfig: { serviceTickets: "* * * * * *", businessActivities: "0 0 9 * * 1", newLeads: "*/2 * * * * *" }
            targets:
              - name: plant
                database: "sqlite:databases/"
                scenario: factory
                scheduleConfig: { orderGeneration: "* * * * * *", orderProcessing: "*/2 * * * * *", manufacturing: "*/3 * * * * *" }
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--no-api"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("target plant: sqlite:databases/ (factory)") }), "\(service.stdout)\(service.stderr)")
        #expect(await service.waitForLines(4, timeout: .seconds(30), where: { $0.hasPrefix("[plant]") && $0.contains("succeeded") }),
                "\(service.stdout)")
        #expect(await service.waitForLines(2, timeout: .seconds(30), where: { !$0.hasPrefix("[") && $0.contains("service_tickets") && $0.contains("succeeded") }),
                "\(service.stdout)")
        let second = try await CommandRunner.run(["start", "--config", config, "--target", "plant", "--no-api"], in: folder)
        #expect(second.status != 0 && second.stderr.contains("already"), "a second service on the plant is refused: \(second.stderr)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0, "\(service.stderr)")

        let plant = try await CommandRunner.run(["status", "--config", config, "--target", "plant"], in: folder)
        #expect(plant.status == 0 && plant.stdout.contains("order_generation") && !plant.stdout.contains("service_tickets"), "\(plant.stdout)")
        let top = try await CommandRunner.run(["status", "--config", config], in: folder)
        #expect(top.stdout.contains("service_tickets") && top.stdout.contains("other targets: plant (factory)"), "\(top.stdout)")
        for target in ["default", "plant"] {
            let verify = try await CommandRunner.run(["verify", "--config", config, "--target", target], in: folder)
            #expect(verify.status == 0 && verify.stdout.contains("invariants hold"), "\(target): \(verify.stdout)\(verify.stderr)")
        }
        let unknown = try await CommandRunner.run(["status", "--config", config, "--target", "warehouse"], in: folder)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown target 'warehouse' (configured: default, plant)"), "\(unknown.stderr)")
        // The factory's history is its own; its fire log names its target.
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/targets/plant/state.sqlite").path))
        let database = try await DatabaseFactory.open("sqlite:\(folder.path)/databases/", poolSize: 1, databases: FactoryScenario().databases)
        let targets = try await database.withConnection { conn in
            try conn.query("SELECT DISTINCT target FROM updater_fires").compactMap { $0["target"].stringValue }
        }
        await database.close()
        #expect(targets == ["plant"])
    }

    /// A configuration file of the office as users wrote them before scenarios existed.
    static let officeConfigurationBeforeScenarios = """
        database: sqlite:data/updater.sqlite
        timezone: UTC
        logLevel: info
        dryRun: false
        enableScheduling: true
        scheduleConfig:
          businessActivities: "0 0 9-17/2 * * 1-5"
          serviceTickets: "0 0 */6 * * *"
          newLeads: "0 0 10 * * 1-5"
        executionConfig:
          enabledUpdaters:
            businessActivities: true
            serviceTickets: true
            newLeads: true
          maxConcurrentExecutions: 2
          executionTimeoutMinutes: 10
        tenants:
          - id: 550e8400-e29b-41d4-a716-446655440000
            customerId: cust-1
        """

    @Test func anOfficeConfigurationFromBeforeScenariosRunsUnchanged() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ServiceFixture.writeConfig(Self.officeConfigurationBeforeScenarios, in: folder)
        let shown = try await CommandRunner.run(["config", "--config", config], in: folder)
        #expect(shown.status == 0 && shown.stderr.isEmpty, "\(shown.stderr)")
        for updater in ["service_tickets", "business_records", "business_record_activities"] {
            let run = try await CommandRunner.run(["execute", updater, "--config", config], in: folder)
            #expect(run.status == 0 && run.stdout.contains("succeeded"), "\(updater): \(run.stdout)\(run.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/updater.sqlite").path))
        let verify = try await CommandRunner.run(["verify", "--config", config], in: folder)
        #expect(verify.status == 0 && verify.stdout.contains("office invariants"), "\(verify.stdout)\(verify.stderr)")
    }
}
