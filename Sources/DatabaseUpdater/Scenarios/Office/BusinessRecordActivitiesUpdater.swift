import Foundation

/// CRM activities on the tenant's open leads: 1–3 calls, emails, meetings, demos, proposals,
/// tasks or notes per run; planned activities that have come due marked completed or
/// rescheduled; with retention on, old completed activities deleted. A tenant with no open lead gets one first,
/// so the activity always has a real lead to belong to.
public struct BusinessRecordActivitiesUpdater: BaseUpdater {
    public let name = "business_record_activities"
    public let summary = "CRM activities on existing leads: calls, emails, meetings, demos, proposals, tasks and notes"
    public let configKey = "businessActivities"
    public let defaultSchedule = "0 0 9-17/2 * * 1-5"
    public let newRowsPerRun = 1...3

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        var leads = try openLeads(&context)
        if leads.isEmpty {
            let lead = LeadGenerator.make(&context.random)
            try BusinessRecordsUpdater.insertLead(lead, &context)
            leads = [(LeadReference(id: lead.id, companyName: lead.companyName, contactName: lead.contactName,
                                    contactTitle: lead.contactTitle, industry: lead.industry), context.fireTime)]
        }
        for _ in 0..<context.random.int(in: newRowsPerRun) {
            let (lead, leadCreated) = context.random.pick(leads)
            var activity = ActivityGenerator.make(&context.random, lead: lead, at: context.fireTime)
            if activity.activityDate < leadCreated {
                // Nothing happens to a lead before it exists.
                activity.completedAt = activity.completedAt?.addingTimeInterval(leadCreated.timeIntervalSince(activity.activityDate))
                activity.activityDate = leadCreated
                if let followUp = activity.followUpDate, followUp <= leadCreated {
                    activity.followUpDate = followUp.addingTimeInterval(86_400)
                }
            }
            try context.insert(into: "business_record_activities", id: activity.id, [
                "business_record_id": .uuid(lead.id),
                "activity_type": .text(activity.type),
                "subject": .text(activity.subject),
                "notes": .text(activity.notes),
                "outcome": activity.outcome.map(DatabaseValue.text) ?? .null,
                "duration_minutes": activity.durationMinutes.map { .integer(Int64($0)) } ?? .null,
                "activity_date": .timestamp(activity.activityDate),
                "follow_up_date": activity.followUpDate.map(DatabaseValue.timestamp) ?? .null,
                "status": .text(activity.status),
                "completed_at": activity.completedAt.map(DatabaseValue.timestamp) ?? .null,
                "created_at": .timestamp(context.fireTime),
                "updated_at": .timestamp(context.fireTime),
            ])
        }
        try completeDueActivities(&context)
        try context.applyRetention(to: "business_record_activities", status: "completed", timeColumn: "completed_at")
    }

    private func openLeads(_ context: inout UpdaterContext) throws -> [(LeadReference, Date)] {
        try context.query(
            """
            SELECT id, company_name, contact_name, contact_title, industry, created_at FROM business_records
            WHERE tenant_id = $1 AND status NOT IN ('won', 'lost') AND created_at <= $2
            ORDER BY created_at DESC, id LIMIT 25
            """, .uuid(context.tenant.id), .timestamp(context.fireTime)
        ).compactMap { row in
            guard let id = row["id"].uuidValue, let created = row["created_at"].dateValue else { return nil }
            return (LeadReference(id: id, companyName: row["company_name"].stringValue ?? "",
                                  contactName: row["contact_name"].stringValue ?? "",
                                  contactTitle: row["contact_title"].stringValue ?? "",
                                  industry: row["industry"].stringValue ?? ""), created)
        }
    }

    /// Planned activities whose time has come: most are marked completed with an outcome; a
    /// ``rescheduledShare`` of them (15 %) is moved, at the prospect's request, to a slot one to five
    /// business days later (its follow-up moved after it). Reads the tenant's due ones oldest
    /// first through the partial index `business_record_activities_due`, up to
    /// ``dueReadLimit``: with the activities booked 1–15 business days ahead, a tenant settles
    /// at a few dozen planned.
    private func completeDueActivities(_ context: inout UpdaterContext) throws {
        let due = try context.query(
            """
            SELECT id, activity_type, follow_up_date FROM business_record_activities
            WHERE tenant_id = $1 AND status = 'planned' AND activity_date <= $2
            ORDER BY activity_date, id LIMIT \(Self.dueReadLimit)
            """, .uuid(context.tenant.id), .timestamp(context.fireTime))
        let now = DatabaseValue.timestamp(context.fireTime)
        for row in due {
            guard let id = row["id"].uuidValue else { continue }
            if context.random.chance(Self.rescheduledShare) {
                let moved = ActivityGenerator.businessSlot(after: context.fireTime, days: context.random.int(in: 1...5), &context.random)
                let followUp = row["follow_up_date"].isNull ? nil : ActivityGenerator.plannedFollowUp(after: moved, &context.random)
                try context.update("business_record_activities", id: id, set: [
                    "activity_date": .timestamp(moved), "follow_up_date": followUp.map(DatabaseValue.timestamp) ?? .null,
                    "updated_at": now,
                ])
                continue
            }
            let outcome = ActivityGenerator.completionOutcome(&context.random, type: row["activity_type"].stringValue ?? "task")
            try context.update("business_record_activities", id: id, set: [
                "status": .text("completed"), "outcome": .text(outcome), "completed_at": now, "updated_at": now,
            ])
        }
    }

    /// The share of due planned activities moved instead of done.
    static let rescheduledShare = 0.15
    /// Most due planned activities one run reads.
    static let dueReadLimit = 200
}
