import Foundation

/// A sales activity on a lead.
public struct GeneratedActivity: Sendable, Equatable {
    public var id: UUID
    public var type: String
    public var subject: String
    public var notes: String
    public var outcome: String?
    public var durationMinutes: Int?
    public var activityDate: Date
    public var followUpDate: Date?
    public var status: String
    public var completedAt: Date?
}

/// The lead an activity is about.
struct LeadReference: Sendable {
    var id: UUID
    var companyName: String
    var contactName: String
    var contactTitle: String
    var industry: String
}

/// Makes activities: most just happened (completed, with an outcome and a follow-up date after
/// them), some are planned for the coming business days — most meetings and demos, which are
/// booked ahead, few calls and emails (see ``planning``).
enum ActivityGenerator {
    /// Per type, the share of new activities that are planned rather than just done, and how
    /// many business days ahead they are booked. Notes are never planned.
    static let planning: [String: (share: Double, days: ClosedRange<Int>)] = [
        "call": (0.25, 1...4), "email": (0.2, 1...3), "meeting": (0.75, 3...12), "demo": (0.85, 4...15),
        "proposal": (0.4, 2...8), "task": (0.6, 1...7),
    ]

    static func make(_ rng: inout SeededRandom, lead: LeadReference, at fireTime: Date) -> GeneratedActivity {
        let type = rng.pick(Sales.activityTypes)
        let values = [
            "first": String(lead.contactName.split(separator: " ").first ?? ""), "company": lead.companyName,
            "product": rng.pick(Sales.products), "industry": lead.industry, "title": lead.contactTitle.lowercased(),
            "volume": "\(rng.int(in: 3...60) * 500)", "devices": "\(rng.int(in: 3...40))",
        ]
        let subject = Template.fill(rng.pick(Sales.subjects[type]!), values)
        let notes = Template.fill(rng.pick(Sales.notes[type]!), values)
        let duration = Sales.durations[type].map { rng.int(in: $0) }
        let plan = planning[type]
        let id = rng.uuid()
        guard let plan, rng.chance(plan.share) else {
            let activityDate = fireTime.addingTimeInterval(-Double(rng.int(in: 5...240) * 60))
            let followUp: Date? = type == "note" ? nil : businessSlot(after: activityDate, days: rng.int(in: 1...8), &rng)
            return GeneratedActivity(
                id: id, type: type, subject: subject, notes: notes, outcome: rng.pick(Sales.outcomes[type]!),
                durationMinutes: duration, activityDate: activityDate, followUpDate: followUp, status: "completed",
                completedAt: activityDate.addingTimeInterval(Double((duration ?? 0) * 60))
            )
        }
        let activityDate = businessSlot(after: fireTime, days: rng.int(in: plan.days), &rng)
        let followUp: Date? = rng.chance(0.5) ? plannedFollowUp(after: activityDate, &rng) : nil
        return GeneratedActivity(
            id: id, type: type, subject: subject, notes: notes, outcome: nil, durationMinutes: duration,
            activityDate: activityDate, followUpDate: followUp, status: "planned", completedAt: nil
        )
    }

    /// A planned activity's follow-up: two to seven business days after it.
    static func plannedFollowUp(after activityDate: Date, _ rng: inout SeededRandom) -> Date {
        businessSlot(after: activityDate, days: rng.int(in: 2...7), &rng)
    }

    /// A quarter-hour slot on the `days`-th weekday after `date`'s day, during US business hours
    /// (13:00–21:45 UTC, 09:00–17:45 Eastern, as the generated leads are US companies).
    static func businessSlot(after date: Date, days: Int, _ rng: inout SeededRandom) -> Date {
        WorkingWeek.weekday(days, after: date).addingTimeInterval(Double(13 * 3600 + rng.int(in: 0...35) * 900))
    }

    /// The outcome recorded when a planned activity of `type` is marked completed.
    static func completionOutcome(_ rng: inout SeededRandom, type: String) -> String {
        rng.pick(Sales.outcomes[type] ?? ["Done"])
    }
}
