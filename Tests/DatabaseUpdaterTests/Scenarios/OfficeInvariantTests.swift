import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The office's invariants hold after a simulated fortnight, and each one catches the damage it
/// guards against, naming the row: a ticket number that does not match its sequence, a
/// follow-up before its activity, an activity on another tenant's lead, a closed ticket closed
/// before it was resolved, a deleted ticket leaving a gap. Each damage but the last is undone
/// after its check, so every check sees exactly one broken invariant.
struct OfficeInvariantTests {
    @Test(arguments: Engine.allCases)
    func invariantsHoldAfterAFortnightAndEachCatchesItsDamage(engine: Engine) async throws {
        let config = try await SteadyState.configuration(engine)
        let fortnight = try await SteadyState.simulate(config, days: 14, tenants: 2, probes: [])
        #expect(fortnight.final.totals.executions > 100 && fortnight.final.totals.unsuccessful == 0, "\(fortnight.final.totals)")
        let database = try await DatabaseFactory.open(config.database, poolSize: 1)
        defer { Task { await database.close() } }
        let dialect = database.dialect
        func check() async throws -> InvariantReport {
            try await InvariantChecker.check(OfficeScenario(), in: database, timeZone: .gmt, retentionDays: nil)
        }
        func write(_ sql: String, _ parameters: DatabaseValue...) async throws {
            _ = try await database.withConnection { connection in try connection.execute(sql, parameters) }
        }
        func one(_ sql: String, _ parameters: DatabaseValue...) async throws -> DatabaseRow {
            try #require(try await database.withConnection { connection in try connection.query(sql, parameters) }.first, "\(sql)")
        }
        /// Expects `invariant` and no other to fail, with a violation naming `row` whose message contains `text`.
        func expectOnly(_ invariant: String, naming row: String, saying text: String? = nil,
                        sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let report = try await check()
            #expect(report.results.filter { !$0.holds }.map(\.name) == [invariant], "\(report.results.filter { !$0.holds })",
                    sourceLocation: sourceLocation)
            let violations = report.results.first { $0.name == invariant }?.violations ?? []
            #expect(violations.contains { violation in
                violation.rows.contains { $0.lowercased() == row.lowercased() } && (text.map(violation.message.contains) ?? true)
            }, "\(violations)", sourceLocation: sourceLocation)
        }

        let clean = try await check()
        #expect(clean.passed, "\(clean.results.filter { !$0.holds })")
        #expect(clean.results.map(\.name) == ["ticket_numbers_gapless", "ticket_lifecycle", "follow_ups_after_activity", "activity_lead_same_tenant"])

        // A ticket number that does not match its sequence number.
        let ticket = try await one("SELECT id, ticket_number FROM service_tickets WHERE tenant_id = $1 ORDER BY sequence_number LIMIT 1 OFFSET 5",
                                   .uuid(Tenant.default.id))
        let ticketID = try #require(ticket["id"].uuidValue)
        try await write("UPDATE service_tickets SET ticket_number = 'ST-99999' WHERE id = $1", .uuid(ticketID))
        try await expectOnly("ticket_numbers_gapless", naming: "service_tickets:\(ticketID.lowercaseString)", saying: "ST-99999")
        try await write("UPDATE service_tickets SET ticket_number = $1 WHERE id = $2", ticket["ticket_number"], .uuid(ticketID))

        // A follow-up before its activity: the schema's CHECK refuses it, so it is lifted first
        // (for this connection on SQLite; dropped on PostgreSQL).
        let activity = try await one("SELECT id, activity_date, follow_up_date FROM business_record_activities WHERE follow_up_date IS NOT NULL ORDER BY id LIMIT 1")
        let activityID = try #require(activity["id"].uuidValue)
        let activityDate = try #require(activity["activity_date"].dateValue)
        if dialect == .sqlite {
            try await write("PRAGMA ignore_check_constraints = ON")
        } else {
            let constraint = try await one("""
                SELECT conname FROM pg_constraint WHERE conrelid = 'business_record_activities'::regclass AND contype = 'c'
                AND pg_get_constraintdef(oid) LIKE '%follow_up_date%'
                """)
            try await write("ALTER TABLE business_record_activities DROP CONSTRAINT \(try #require(constraint["conname"].stringValue))")
        }
        try await write("UPDATE business_record_activities SET follow_up_date = $1 WHERE id = $2",
                      .timestamp(activityDate.addingTimeInterval(-86_400)), .uuid(activityID))
        try await expectOnly("follow_ups_after_activity", naming: "business_record_activities:\(activityID.lowercaseString)")
        try await write("UPDATE business_record_activities SET follow_up_date = $1 WHERE id = $2", activity["follow_up_date"], .uuid(activityID))

        // An activity moved to another tenant's lead (the foreign key only asks that the lead exists).
        let moved = try await one("SELECT id, business_record_id, tenant_id FROM business_record_activities ORDER BY id LIMIT 1")
        let movedID = try #require(moved["id"].uuidValue)
        let otherLead = try await one("SELECT id FROM business_records WHERE tenant_id <> $1 ORDER BY id LIMIT 1", moved["tenant_id"])
        try await write("UPDATE business_record_activities SET business_record_id = $1 WHERE id = $2", otherLead["id"], .uuid(movedID))
        try await expectOnly("activity_lead_same_tenant", naming: "business_record_activities:\(movedID.lowercaseString)",
                             saying: otherLead["id"].stringValue ?? "?")
        try await write("UPDATE business_record_activities SET business_record_id = $1 WHERE id = $2", moved["business_record_id"], .uuid(movedID))

        // A closed ticket closed an hour before it was resolved.
        let closed = try await one("SELECT id, ticket_number, resolved_at, closed_at FROM service_tickets WHERE status = 'closed' ORDER BY id LIMIT 1")
        let closedID = try #require(closed["id"].uuidValue)
        let resolvedAt = try #require(closed["resolved_at"].dateValue)
        try await write("UPDATE service_tickets SET closed_at = $1 WHERE id = $2", .timestamp(resolvedAt.addingTimeInterval(-3600)), .uuid(closedID))
        try await expectOnly("ticket_lifecycle", naming: "service_tickets:\(closedID.lowercaseString)",
                             saying: closed["ticket_number"].stringValue ?? "?")
        try await write("UPDATE service_tickets SET closed_at = $1 WHERE id = $2", closed["closed_at"], .uuid(closedID))

        // A ticket deleted from the middle of the sequence: the gap is named by its number.
        let middle = try await one("""
            SELECT id, ticket_number FROM service_tickets WHERE tenant_id = $1
            ORDER BY sequence_number LIMIT 1 OFFSET (SELECT count(*) / 2 FROM service_tickets WHERE tenant_id = $1)
            """, .uuid(Tenant.default.id))
        try await write("DELETE FROM service_tickets WHERE id = $1", middle["id"])
        try await expectOnly("ticket_numbers_gapless", naming: "ticket_counters:\(Tenant.default.id.lowercaseString)",
                             saying: try #require(middle["ticket_number"].stringValue))

        #expect(try await check().passed == false)
    }
}
