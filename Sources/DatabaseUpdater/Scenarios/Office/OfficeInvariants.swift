import Foundation

/// What a monitor of the office would validate (see ``OfficeScenario``).
enum OfficeInvariants {
    static let all: [Invariant] = [ticketNumbers, ticketLifecycle, followUps, activityLeads]

    /// Ticket numbers run from `ST-1000` without gaps or reuse per tenant, below the counter.
    static let ticketNumbers = Invariant(
        "ticket_numbers_gapless",
        "ticket numbers are unique per tenant, match their sequence number, and run from ST-1000 to the counter without gaps"
            + " (with retention on, deleted closed tickets may leave gaps)"
    ) { context in
        var violations: [InvariantViolation] = []
        let counters = try context.query("SELECT tenant_id, next_number FROM ticket_counters ORDER BY tenant_id")
        for counter in counters {
            guard let tenant = counter["tenant_id"].uuidValue, let next = counter["next_number"].intValue else { continue }
            let tickets = try context.query(
                "SELECT id, sequence_number, ticket_number FROM service_tickets WHERE tenant_id = $1 ORDER BY sequence_number, id",
                .uuid(tenant))
            var seen = Set<Int64>()
            for ticket in tickets {
                let key = "service_tickets:\(ticket["id"].stringValue ?? "?")"
                guard let number = ticket["sequence_number"].intValue else { continue }
                if !seen.insert(number).inserted {
                    violations.append(.init("tenant \(tenant.lowercaseString): ticket number \(number) used twice", rows: [key]))
                }
                if ticket["ticket_number"].stringValue != TicketCounter.ticketNumber(number) {
                    violations.append(.init("ticket \(ticket["ticket_number"].stringValue ?? "NULL") does not match its sequence number \(number)",
                                            rows: [key]))
                }
                if number < OfficeSchema.firstTicketNumber || number >= next {
                    violations.append(.init("tenant \(tenant.lowercaseString): ticket number \(number) outside \(OfficeSchema.firstTicketNumber)..<\(next) (the counter)",
                                            rows: [key]))
                }
            }
            guard context.retentionDays == nil, next > OfficeSchema.firstTicketNumber else { continue }
            let missing = (OfficeSchema.firstTicketNumber..<next).filter { !seen.contains($0) }
            if !missing.isEmpty {
                let shown = missing.prefix(10).map { TicketCounter.ticketNumber($0) }.joined(separator: ", ")
                violations.append(.init("tenant \(tenant.lowercaseString): \(missing.count) ticket number(s) missing: \(shown)\(missing.count > 10 ? ", …" : "")",
                                        rows: ["ticket_counters:\(tenant.lowercaseString)"]))
            }
        }
        return violations
    }

    /// A ticket's timestamps follow its status.
    static let ticketLifecycle = Invariant(
        "ticket_lifecycle",
        "resolved and closed tickets have a resolution time, closed ones a closing time not before it"
    ) { context in
        try context.query(
            """
            SELECT id, ticket_number, status FROM service_tickets
            WHERE (status IN ('resolved', 'closed') AND resolved_at IS NULL)
               OR (status = 'closed' AND (closed_at IS NULL OR closed_at < resolved_at))
               OR (status IN ('open', 'in_progress') AND (resolved_at IS NOT NULL OR closed_at IS NOT NULL))
            ORDER BY ticket_number
            """
        ).map { row in
            InvariantViolation("ticket \(row["ticket_number"].stringValue ?? "?") is \(row["status"].stringValue ?? "?") but its timestamps say otherwise",
                               rows: ["service_tickets:\(row["id"].stringValue ?? "?")"])
        }
    }

    /// Follow-ups come after their activity.
    static let followUps = Invariant("follow_ups_after_activity", "every follow-up date is after its activity's date") { context in
        try context.query(
            "SELECT id FROM business_record_activities WHERE follow_up_date IS NOT NULL AND follow_up_date <= activity_date ORDER BY id"
        ).map { row in
            InvariantViolation("activity's follow-up is not after the activity", rows: ["business_record_activities:\(row["id"].stringValue ?? "?")"])
        }
    }

    /// Activities belong to a lead of their own tenant.
    static let activityLeads = Invariant("activity_lead_same_tenant", "every activity's lead exists in the same tenant") { context in
        try context.query(
            """
            SELECT a.id, a.business_record_id FROM business_record_activities a
            LEFT JOIN business_records r ON r.id = a.business_record_id AND r.tenant_id = a.tenant_id
            WHERE r.id IS NULL ORDER BY a.id
            """
        ).map { row in
            InvariantViolation("activity's lead \(row["business_record_id"].stringValue ?? "?") is not a lead of its tenant",
                               rows: ["business_record_activities:\(row["id"].stringValue ?? "?")"])
        }
    }
}
