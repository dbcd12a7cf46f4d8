import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// What each updater writes, on both engines.
struct UpdaterWriteTests {
    private func inserts(_ record: ExecutionRecord, _ table: String) -> Int {
        record.rows.first { $0.table == table && $0.operation == .insert }?.count ?? 0
    }

    @Test(arguments: Engine.allCases)
    func serviceTicketsAreNumberedAndComplete(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        var inserted = 0
        for at in fireTimes(8) {
            let record = try await fixture.manager.execute("service_tickets", fireTime: at)
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
            #expect((1...2).contains(inserts(record, "service_tickets")))
            inserted += inserts(record, "service_tickets")
        }
        let rows = try await fixture.query("SELECT * FROM service_tickets ORDER BY sequence_number")
        #expect(rows.count == inserted)
        for (offset, row) in rows.enumerated() {
            #expect(row["sequence_number"].intValue == 1000 + Int64(offset))
            #expect(row["ticket_number"].stringValue == "ST-\(1000 + offset)")
            #expect(row["customer_id"].stringValue == "cust-1")
            #expect(row["tenant_id"].uuidValue == Tenant.default.id)
            for column in ["category", "title", "description", "equipment_model", "serial_number", "required_parts", "priority", "status", "reported_by"] {
                #expect(!(row[column].stringValue ?? "").isEmpty, "\(column) empty")
            }
            let status = row["status"].stringValue
            #expect(["open", "in_progress", "resolved", "closed"].contains(status))
            // Tickets move one step at a time, so each later state carries what the earlier ones set.
            if status != "open" { #expect(row["assigned_technician"].stringValue != nil) }
            if status == "resolved" || status == "closed" { #expect(row["resolved_at"].dateValue != nil && row["resolution"].stringValue != nil) }
            if status == "closed" { #expect(row["closed_at"].dateValue != nil) }
            #expect(row["updated_at"].dateValue! >= row["created_at"].dateValue!)
        }
        await fixture.close()
    }

    /// The number is taken inside the insert on PostgreSQL and before it on SQLite; either way
    /// concurrent executions get consecutive numbers, and a dry run shows the number it would
    /// take and gives it back.
    @Test(arguments: Engine.allCases)
    func concurrentTicketInsertsStayGaplessAndDryRunsShowTheirNumber(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine, maxConcurrent: 4)
        let dry = try await fixture.manager.execute("service_tickets", dryRun: true, fireTime: fireTimes(1)[0])
        #expect(dry.outcome == .succeeded, "\(dry.error ?? "")")
        #expect(dry.sample?["service_tickets"]?.first?["sequence_number"] == "1000")
        #expect(dry.sample?["service_tickets"]?.first?["ticket_number"] == "ST-1000")
        let times = fireTimes(24, every: 1)
        let records = await withTaskGroup(of: ExecutionRecord?.self) { group in
            for at in times { group.addTask { try? await fixture.manager.execute("service_tickets", fireTime: at) } }
            return await group.reduce(into: [ExecutionRecord]()) { if let record = $1 { $0.append(record) } }
        }
        #expect(records.count == times.count)
        #expect(records.allSatisfy { $0.outcome == .succeeded })
        let inserted = records.map { inserts($0, "service_tickets") }.reduce(0, +)
        let rows = try await fixture.query("SELECT sequence_number, ticket_number FROM service_tickets ORDER BY sequence_number")
        #expect(rows.map { $0["sequence_number"].intValue } == (0..<inserted).map { 1000 + Int64($0) })
        #expect(rows.allSatisfy { $0["ticket_number"].stringValue == "ST-\($0["sequence_number"].intValue ?? -1)" })
        #expect(try await fixture.query("SELECT next_number FROM ticket_counters")[0]["next_number"].intValue == 1000 + Int64(inserted))
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func leadsAreInsertedOneAtATimeAndAdvance(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        var updates = 0
        for at in fireTimes(10, every: 24) {
            let record = try await fixture.manager.execute("business_records", fireTime: at)
            #expect(record.outcome == .succeeded)
            #expect(inserts(record, "business_records") == 1)
            updates += record.rows.first { $0.operation == .update }?.count ?? 0
        }
        #expect(updates > 0, "no lead ever advanced")
        let rows = try await fixture.query("SELECT * FROM business_records")
        #expect(rows.count == 10)
        for row in rows {
            let email = row["contact_email"].stringValue ?? ""
            let website = row["website"].stringValue ?? ""
            #expect(website.hasSuffix(String(email.split(separator: "@").last ?? "?")))
            #expect(LeadGenerator.dealBand(employees: Int(row["employee_count"].intValue ?? 0)).contains(row["estimated_deal_value"].doubleValue ?? -1))
            #expect((0...100).contains(row["lead_score"].intValue ?? -1))
            #expect(["new", "contacted", "qualified", "won", "lost"].contains(row["status"].stringValue))
        }
        // Every lead an update event names has left 'new'.
        let updated = Set(try await fixture.ledger().filter { $0.operation == .update }.map(\.key))
        #expect(!updated.isEmpty)
        for key in updated {
            let status = try await fixture.query("SELECT status FROM business_records WHERE id = $1", .uuid(UUID(uuidString: key)!))
            #expect(status.first?["status"].stringValue != "new")
        }
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func activitiesBelongToLeadsOfTheirTenantAndFollowUpLater(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        for at in fireTimes(4, every: 24) {
            _ = try await fixture.manager.execute("business_records", fireTime: at)
        }
        var completions = 0
        for at in fireTimes(12, from: Date(timeIntervalSince1970: 1_795_515_200 + 4 * 86_400), every: 24) {
            let record = try await fixture.manager.execute("business_record_activities", fireTime: at)
            #expect(record.outcome == .succeeded)
            #expect((1...3).contains(inserts(record, "business_record_activities")))
            #expect(inserts(record, "business_records") == 0)  // leads existed
            completions += record.rows.first { $0.table == "business_record_activities" && $0.operation == .update }?.count ?? 0
        }
        #expect(completions > 0, "no planned activity came due")
        let orphans = try await fixture.query("""
            SELECT COUNT(*) AS n FROM business_record_activities a
            LEFT JOIN business_records b ON b.id = a.business_record_id AND b.tenant_id = a.tenant_id
            WHERE b.id IS NULL
            """)
        #expect(orphans[0]["n"].intValue == 0)
        for row in try await fixture.query("SELECT * FROM business_record_activities") {
            if let followUp = row["follow_up_date"].dateValue { #expect(followUp > row["activity_date"].dateValue!) }
            if row["status"].stringValue == "completed" {
                #expect(row["completed_at"].dateValue != nil && row["outcome"].stringValue != nil)
            } else {
                #expect(row["completed_at"].isNull && row["outcome"].isNull)
            }
            #expect(!(row["subject"].stringValue ?? "").isEmpty)
        }
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func activitiesOnAnEmptyTenantCreateTheirLeadFirst(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        let record = try await fixture.manager.execute("business_record_activities", fireTime: fireTimes(1)[0])
        #expect(record.rows.first == .init(table: "business_records", operation: .insert, count: 1))
        #expect(try await fixture.count("business_records") == 1)
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func retentionDeletesOldClosedTicketsAndCompletedActivities(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine, retentionDays: 30)
        let early = fireTimes(1)[0]
        _ = try await fixture.manager.execute("service_tickets", fireTime: early)
        _ = try await fixture.manager.execute("business_record_activities", fireTime: early)
        // Age everything: close the tickets and complete the activities 60 days before the next run.
        let old = DatabaseValue.timestamp(early.addingTimeInterval(-60 * 86_400))
        _ = try await fixture.database.withConnection { conn in
            try conn.execute("UPDATE service_tickets SET status = 'closed', closed_at = $1, updated_at = $1", old)
            try conn.execute("UPDATE business_record_activities SET status = 'completed', completed_at = $1, outcome = 'Done'", old)
        }
        let ticketsBefore = try await fixture.count("service_tickets")
        let activitiesBefore = try await fixture.count("business_record_activities")
        let later = early.addingTimeInterval(86_400)
        let tickets = try await fixture.manager.execute("service_tickets", fireTime: later)
        let activities = try await fixture.manager.execute("business_record_activities", fireTime: later)
        #expect(tickets.rows.first { $0.operation == .delete }?.count == ticketsBefore)
        #expect(activities.rows.first { $0.operation == .delete }?.count == activitiesBefore)
        let remainingOld = try await fixture.query("SELECT COUNT(*) AS n FROM service_tickets WHERE status = 'closed'")
        #expect(remainingOld[0]["n"].intValue == 0)
        let deleteEvents = try await fixture.ledger().filter { $0.operation == .delete }
        #expect(deleteEvents.count == ticketsBefore + activitiesBefore)
        await fixture.close()
    }

    @Test(arguments: Engine.allCases)
    func retentionIsOffByDefault(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        let early = fireTimes(1)[0]
        _ = try await fixture.manager.execute("service_tickets", fireTime: early)
        _ = try await fixture.database.withConnection { conn in
            try conn.execute("UPDATE service_tickets SET status = 'closed', closed_at = $1", .timestamp(early.addingTimeInterval(-400 * 86_400)))
        }
        let record = try await fixture.manager.execute("service_tickets", fireTime: early.addingTimeInterval(86_400))
        #expect(!record.rows.contains { $0.operation == .delete })
        await fixture.close()
    }
}
