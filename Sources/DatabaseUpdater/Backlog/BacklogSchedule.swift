import Foundation

/// One schedule (an updater for a tenant) in the backlog: its last fire, the due fires no one
/// handled yet and what starting the service would do with them, and its pending items.
///
/// The summary fields are what `updater backlog --json` printed before items existed; they are
/// kept as they were so scripts reading them keep working.
public struct BacklogSchedule: Codable, Sendable, Equatable {
    public var tenant: UUID
    public var updater: String
    /// The cron expression.
    public var schedule: String
    /// The latest fire recorded (history) or committed (fire log), nil when it never fired.
    public var lastFire: Date?
    /// Due fires since the last one, on time or not.
    public var due: Int
    public var firstDue: Date?
    public var lastDue: Date?
    /// Of `due`: runs at its time, runs as a catch-up, recorded as missed, if the service started
    /// now under the misfire policy; they add up to `due`.
    public var onTime: Int
    public var catchUp: Int
    public var recordedMissed: Int
    /// The same, in words.
    public var onStart: String
    /// The schedule's pending items, oldest fire first.
    public var items: [BacklogItem]

    /// What starting now does with `total` due fires, in words whose numbers add up.
    static func words(_ plan: MisfirePlanner.Plan, total: Int) -> String {
        guard total > 0 else { return "nothing missed" }
        var parts: [String] = []
        if plan.onTime != nil { parts.append("the latest is on time and runs as scheduled") }
        if !plan.catchUp.isEmpty { parts.append("\(plan.catchUp.count) run\(plan.catchUp.count == 1 ? "s" : "") as catch-up") }
        if plan.notRun > 0 {
            let exact = plan.missedRange?.countIsExact ?? true
            parts.append("\(plan.notRun)\(exact ? "" : " or more") \(plan.notRun == 1 ? "is" : "are") recorded as missed, not run")
        }
        return "of \(total) due, " + parts.joined(separator: ", ")
    }
}
