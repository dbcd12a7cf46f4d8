import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// A fourth updater: one new type, one registration line, nothing else.
struct CustomerNotesUpdater: BaseUpdater {
    let name = "customer_notes"
    let summary = "Notes about customers"
    let configKey = "customerNotes"
    let defaultSchedule = "0 0 12 * * *"
    let newRowsPerRun = 1...1

    func run(_ context: inout UpdaterContext) throws {
        try context.insert(into: "customer_notes", id: context.random.uuid(), [
            "note": .text("Called about toner pricing"), "created_at": .timestamp(context.fireTime),
        ])
    }
}

struct UpdaterRegistryTests {
    @Test func builtInUpdatersWithTheirDefaults() throws {
        let registry = UpdaterRegistry.builtIn
        #expect(registry.names == ["business_record_activities", "service_tickets", "business_records"])
        #expect(try registry.updater(named: "service_tickets").defaultSchedule == "0 0 */6 * * *")
        #expect(try registry.updater(named: "businessActivities").defaultSchedule == "0 0 9-17/2 * * 1-5")
        #expect(try registry.updater(named: "newLeads").defaultSchedule == "0 0 10 * * 1-5")
    }

    @Test func unknownNamesListTheKnownOnes() {
        do {
            _ = try UpdaterRegistry.builtIn.updater(named: "invoices")
            Issue.record("found an updater that does not exist")
        } catch {
            #expect(error.kind == .unknownUpdater)
            #expect(error.description == "unknown updater 'invoices' (known: business_record_activities, service_tickets, business_records)")
        }
    }

    @Test func duplicatesAreRejected() {
        var registry = UpdaterRegistry.builtIn
        #expect(throws: UpdaterError.self) { try registry.register(ServiceTicketsUpdater()) }
    }

    @Test func enableAndDisable() throws {
        var registry = UpdaterRegistry.builtIn
        try registry.setEnabled("serviceTickets", false)
        #expect(registry.enabled.map(\.name) == ["business_record_activities", "business_records"])
        try registry.setEnabled("service_tickets", true)
        #expect(registry.enabled.count == 3)
    }

    @Test(arguments: Engine.allCases)
    func aFourthUpdaterIsOneTypeAndOneRegistration(engine: Engine) async throws {
        var registry = UpdaterRegistry.builtIn
        try registry.register(CustomerNotesUpdater())
        let fixture = try await UpdaterFixture.make(engine, registry: registry)
        _ = try await fixture.database.withConnection { conn in
            try conn.execute("CREATE TABLE customer_notes (id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL)")
        }
        let record = try await fixture.manager.execute("customer_notes", fireTime: fireTimes(1)[0])
        #expect(record.outcome == .succeeded)
        #expect(record.rows == [.init(table: "customer_notes", operation: .insert, count: 1)])
        #expect(try await fixture.ledger().map(\.table) == ["customer_notes"])
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func unknownUpdaterAndTenantAreErrors(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        await #expect(throws: UpdaterError(.unknownUpdater, "unknown updater 'nope' (known: business_record_activities, service_tickets, business_records)")) {
            try await fixture.manager.execute("nope")
        }
        do {
            _ = try await fixture.manager.execute("service_tickets", tenant: UpdaterFixture.secondTenant.id)
            Issue.record("ran for an unconfigured tenant")
        } catch {
            #expect(error.kind == .unknownTenant)
            #expect(error.description.contains("configured: 550e8400-e29b-41d4-a716-446655440000"))
        }
        #expect(try await fixture.count("service_tickets") == 0)
        await fixture.close()
    }
}
