import Foundation

/// New leads: one new company per run, with a contact, an estimate of its size and what a deal
/// is worth; a few existing leads advanced new → contacted → qualified → won/lost with their
/// score.
public struct BusinessRecordsUpdater: BaseUpdater {
    public let name = "business_records"
    public let summary = "New leads: companies by industry with a contact, revenue estimate, interest, score and deal value"
    public let configKey = "newLeads"
    public let defaultSchedule = "0 0 10 * * 1-5"
    public let newRowsPerRun = 1...1

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        for _ in 0..<context.random.int(in: newRowsPerRun) {
            try Self.insertLead(LeadGenerator.make(&context.random), &context)
        }
        try advanceLeads(&context)
    }

    /// Inserts a generated lead with status `new`, stamped with the fire time.
    static func insertLead(_ lead: GeneratedLead, _ context: inout UpdaterContext) throws {
        let now = DatabaseValue.timestamp(context.fireTime)
        try context.insert(into: "business_records", id: lead.id, [
            "company_name": .text(lead.companyName),
            "industry": .text(lead.industry),
            "website": .text(lead.website),
            "employee_count": .integer(Int64(lead.employeeCount)),
            "annual_revenue_estimate": .double(lead.annualRevenue),
            "contact_name": .text(lead.contactName),
            "contact_title": .text(lead.contactTitle),
            "contact_email": .text(lead.contactEmail),
            "contact_phone": .text(lead.contactPhone),
            "street": .text(lead.street),
            "city": .text(lead.city),
            "state": .text(lead.state),
            "postal_code": .text(lead.postalCode),
            "lead_source": .text(lead.leadSource),
            "interest_level": .text(lead.interestLevel),
            "lead_score": .integer(Int64(lead.leadScore)),
            "estimated_deal_value": .double(lead.estimatedDealValue),
            "status": .text("new"),
            "created_at": now,
            "updated_at": now,
        ])
    }

    /// Moves up to two open leads one step along the pipeline.
    private func advanceLeads(_ context: inout UpdaterContext) throws {
        let candidates = try context.query(
            """
            SELECT id, status, lead_score FROM business_records
            WHERE tenant_id = $1 AND status IN ('new', 'contacted', 'qualified') AND updated_at < $2
            ORDER BY updated_at, id LIMIT 20
            """, .uuid(context.tenant.id), .timestamp(context.fireTime))
        let count = context.random.int(in: 0...min(2, candidates.count))
        for row in context.random.sample(candidates, count: count) {
            guard let id = row["id"].uuidValue, let status = row["status"].stringValue else { continue }
            let score = Int(row["lead_score"].intValue ?? 50)
            let (next, delta): (String, Int) = switch status {
            case "new": ("contacted", context.random.int(in: 3...10))
            case "contacted": context.random.chance(0.8) ? ("qualified", context.random.int(in: 8...15)) : ("lost", -context.random.int(in: 10...25))
            default: context.random.chance(0.6) ? ("won", context.random.int(in: 5...10)) : ("lost", -context.random.int(in: 15...30))
            }
            try context.update("business_records", id: id, set: [
                "status": .text(next),
                "lead_score": .integer(Int64(min(100, max(0, score + delta)))),
                "updated_at": .timestamp(context.fireTime),
            ])
        }
    }
}
