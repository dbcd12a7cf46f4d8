import Foundation

/// New leads: one new company per run, with a contact, an estimate of its size and what a deal
/// is worth; earlier leads advanced new → contacted → qualified → won/lost, with their score, as
/// their time in each stage is up.
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

    /// Moves every open lead whose time in its stage is up one step along the funnel.
    ///
    /// Where a lead goes next and how many business days that takes are drawn once for the lead
    /// and the stage (``SeededRandom/init(row:stage:)``); better-scored leads qualify and win
    /// more often:
    /// - **new**: contacted after a median of 1.5 business days; 4 % turn out unreachable and
    ///   are lost after about 3;
    /// - **contacted**: qualified after a median of 6 business days with probability
    ///   0.3 + 0.5 × score/100 (55 % at score 50), otherwise lost, having gone cold, after about 9;
    /// - **qualified**: won after a median of 14 business days with probability
    ///   0.15 + 0.45 × score/100, otherwise lost after about 16.
    ///
    /// About a fifth of leads are won and an open lead is decided in about four weeks, so the
    /// open pipeline settles at about twenty leads a tenant. Reads the tenant's open leads oldest
    /// update first through the partial index `business_records_open`, up to
    /// ``funnelReadLimit``.
    private func advanceLeads(_ context: inout UpdaterContext) throws {
        let candidates = try context.query(
            """
            SELECT id, status, lead_score, updated_at FROM business_records
            WHERE tenant_id = $1 AND status IN ('new', 'contacted', 'qualified') AND updated_at < $2
            ORDER BY updated_at, id LIMIT \(Self.funnelReadLimit)
            """, .uuid(context.tenant.id), .timestamp(context.fireTime))
        for row in candidates {
            guard let id = row["id"].uuidValue, let status = row["status"].stringValue, let since = row["updated_at"].dateValue,
                  let step = Self.nextStep(id: id, status: status, score: Int(row["lead_score"].intValue ?? 50)),
                  WorkingWeek.days(from: since, to: context.fireTime) >= step.after else { continue }
            let score = Int(row["lead_score"].intValue ?? 50)
            let delta: Int = switch step.status {
            case "contacted": context.random.int(in: 3...10)
            case "qualified": context.random.int(in: 8...15)
            case "won": context.random.int(in: 5...10)
            default: -context.random.int(in: status == "qualified" ? 15...30 : 10...25)
            }
            try context.update("business_records", id: id, set: [
                "status": .text(step.status),
                "lead_score": .integer(Int64(min(100, max(0, score + delta)))),
                "updated_at": .timestamp(context.fireTime),
            ])
        }
    }

    /// Most open leads one run reads to advance.
    static let funnelReadLimit = 500

    /// The status a lead in `status` moves to and after how many business days in it; nil for a
    /// decided lead.
    private static func nextStep(id: UUID, status: String, score: Int) -> (status: String, after: Double)? {
        var draw = SeededRandom(row: id, stage: status)
        let odds = Double(score) / 100
        switch status {
        case "new":
            return draw.chance(0.04) ? ("lost", draw.logNormal(median: 3, sigma: 0.5)) : ("contacted", draw.logNormal(median: 1.5, sigma: 0.7))
        case "contacted":
            return draw.chance(0.3 + 0.5 * odds) ? ("qualified", draw.logNormal(median: 6, sigma: 0.6))
                                                 : ("lost", draw.logNormal(median: 9, sigma: 0.6))
        case "qualified":
            return draw.chance(0.15 + 0.45 * odds) ? ("won", draw.logNormal(median: 14, sigma: 0.5))
                                                   : ("lost", draw.logNormal(median: 16, sigma: 0.6))
        default:
            return nil
        }
    }
}
