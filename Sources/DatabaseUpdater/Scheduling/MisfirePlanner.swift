import Cron
import Foundation

/// Decides what to do with the fires of one updater and tenant that are due at once.
///
/// The latest due fire runs as usual if it is on time (within ``onTimeTolerance`` of its
/// scheduled instant). Every other due fire was missed — superseded by a later one, or late
/// past the tolerance — and the misfire policy decides: `skip` runs none, `runOnce` runs the
/// latest missed one, `runAll` runs them all, oldest first, up to the limit. Missed fires that
/// do not run are recorded (the most recent `limit` of them).
public enum MisfirePlanner {
    /// How late a fire may start and still count as on time.
    public static let onTimeTolerance: TimeInterval = 5

    /// What to do with a set of due fires.
    public struct Plan: Sendable, Equatable {
        /// Run normally (at most one: the latest due fire, when on time).
        public var onTime: Date?
        /// Run as catch-up executions, oldest first.
        public var catchUp: [Date]
        /// Record as missed, not run.
        public var missed: [Date]
        /// Missed fires beyond what is recorded.
        public var unrecorded: Int
    }

    /// - Parameters:
    ///   - due: due fire times, oldest first, all at or before `now`.
    ///   - totalMissedBefore: fires missed before `due[0]` that the caller did not enumerate.
    public static func plan(
        due: [Date], now: Date, policy: UpdaterConfig.MisfirePolicy, limit: Int, totalMissedBefore: Int = 0
    ) -> Plan {
        guard let latest = due.last else { return Plan(onTime: nil, catchUp: [], missed: [], unrecorded: totalMissedBefore) }
        let latestOnTime = now.timeIntervalSince(latest) <= onTimeTolerance
        let missed = latestOnTime ? Array(due.dropLast()) : due
        var catchUp: [Date] = []
        var notRun = missed
        switch policy {
        case .skip:
            break
        case .runOnce:
            if let last = missed.last {
                catchUp = [last]
                notRun.removeLast()
            }
        case .runAll:
            catchUp = Array(missed.suffix(limit))
            notRun = Array(missed.dropLast(catchUp.count))
        }
        let recorded = Array(notRun.suffix(limit))
        return Plan(onTime: latestOnTime ? latest : nil, catchUp: catchUp, missed: recorded,
                    unrecorded: notRun.count - recorded.count + totalMissedBefore)
    }

    /// The due fires of `schedule` in `(after, now]`, oldest first: at most `limit + 1` of the
    /// most recent ones, plus how many earlier ones were passed over.
    public static func dueFires(of schedule: CronSchedule, after: Date, now: Date, limit: Int) -> (fires: [Date], passedOver: Int) {
        var fires: [Date] = []
        var passedOver = 0
        var cursor = after
        let keep = limit + 1
        while let next = schedule.next(after: cursor), next <= now {
            fires.append(next)
            if fires.count > keep * 4 {
                passedOver += fires.count - keep
                fires.removeFirst(fires.count - keep)
            }
            cursor = next
            if passedOver > 1_000_000 { break }  // decades of per-second fires: stop counting
        }
        if fires.count > keep {
            passedOver += fires.count - keep
            fires.removeFirst(fires.count - keep)
        }
        return (fires, passedOver)
    }
}
