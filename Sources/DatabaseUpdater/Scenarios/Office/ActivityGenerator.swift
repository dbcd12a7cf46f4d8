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
/// them), some are planned for the coming days.
enum ActivityGenerator {
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
        let completed = type == "note" || rng.chance(0.75)
        let id = rng.uuid()
        if completed {
            let activityDate = fireTime.addingTimeInterval(-Double(rng.int(in: 5...240) * 60))
            let followUp: Date? = type == "note" ? nil : businessSlot(after: activityDate, days: rng.int(in: 1...10), &rng)
            return GeneratedActivity(
                id: id, type: type, subject: subject, notes: notes, outcome: rng.pick(Sales.outcomes[type]!),
                durationMinutes: duration, activityDate: activityDate, followUpDate: followUp, status: "completed",
                completedAt: activityDate.addingTimeInterval(Double((duration ?? 0) * 60))
            )
        }
        // Planned: a business-hours slot in the next one to ten days.
        let activityDate = businessSlot(after: fireTime, days: rng.int(in: 1...10), &rng)
        let followUp: Date? = rng.chance(0.5) ? businessSlot(after: activityDate, days: rng.int(in: 2...7), &rng) : nil
        return GeneratedActivity(
            id: id, type: type, subject: subject, notes: notes, outcome: nil, durationMinutes: duration,
            activityDate: activityDate, followUpDate: followUp, status: "planned", completedAt: nil
        )
    }

    /// A quarter-hour slot `days` days after `date`, during US business hours (13:00–21:45 UTC,
    /// 09:00–17:45 Eastern, as the generated leads are US companies).
    static func businessSlot(after date: Date, days: Int, _ rng: inout SeededRandom) -> Date {
        let day = (date.timeIntervalSince1970 / 86_400).rounded(.down) + Double(days)
        return Date(timeIntervalSince1970: day * 86_400 + Double(13 * 3600 + rng.int(in: 0...35) * 900))
    }

    /// The outcome recorded when a planned activity of `type` is marked completed.
    static func completionOutcome(_ rng: inout SeededRandom, type: String) -> String {
        rng.pick(Sales.outcomes[type] ?? ["Done"])
    }
}
