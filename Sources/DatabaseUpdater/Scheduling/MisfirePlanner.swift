import Cron
import Foundation

/// Decides what to do with the fires of one updater and tenant that are due at once.
///
/// The latest due fire runs as usual if it is on time (within ``onTimeTolerance`` of its
/// scheduled instant). Every other due fire was missed — superseded by a later one, or late
/// past the tolerance — and the misfire policy decides: `skip` runs none, `runOnce` runs the
/// latest missed one, `runAll` runs them all, oldest first, up to the limit. Every missed fire
/// that does not run is recorded: the most recent `limit` of them one by one, the rest as one
/// record of their range.
public enum MisfirePlanner {
    /// How late a fire may start and still count as on time.
    public static let onTimeTolerance: TimeInterval = 5
    /// The most passed-over fires counted one by one (a second-by-second schedule stopped for
    /// four months); beyond, a range's count is a lower bound.
    public static let countLimit = 10_000_000
    /// How the error of a missed fire's record begins (one by one, not a range): the backlog
    /// finds the missed fires that no one has run since by it.
    public static let missedFireReasonPrefix = "missed fire:"

    /// What to do with a set of due fires.
    public struct Plan: Sendable, Equatable {
        /// Run normally (at most one: the latest due fire, when on time).
        public var onTime: Date?
        /// Run as catch-up executions, oldest first.
        public var catchUp: [Date]
        /// Record as missed, one record each, not run.
        public var missed: [Date]
        /// Missed fires beyond those, not run, recorded as one record of their range.
        public var missedRange: ExecutionRecord.MissedRange?

        public init(onTime: Date?, catchUp: [Date], missed: [Date], missedRange: ExecutionRecord.MissedRange? = nil) {
            self.onTime = onTime
            self.catchUp = catchUp
            self.missed = missed
            self.missedRange = missedRange
        }

        /// How many due fires are recorded as missed and not run (individually or in the range).
        public var notRun: Int { missed.count + (missedRange?.count ?? 0) }
    }

    /// - Parameters:
    ///   - due: due fire times, oldest first, all at or before `now`.
    ///   - passedOver: fires missed before `due[0]` that the caller did not enumerate.
    public static func plan(
        due: [Date], now: Date, policy: UpdaterConfig.MisfirePolicy, limit: Int, passedOver: ExecutionRecord.MissedRange? = nil
    ) -> Plan {
        guard let latest = due.last else { return Plan(onTime: nil, catchUp: [], missed: [], missedRange: passedOver) }
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
        let beyond = notRun.dropLast(recorded.count)
        var range = passedOver
        if let first = beyond.first, let last = beyond.last {
            range = ExecutionRecord.MissedRange(
                first: passedOver?.first ?? first, last: last, count: (passedOver?.count ?? 0) + beyond.count,
                countIsExact: passedOver?.countIsExact ?? true)
        }
        return Plan(onTime: latestOnTime ? latest : nil, catchUp: catchUp, missed: recorded, missedRange: range)
    }

    /// The due fires of `schedule` in `(after, now]`, oldest first: the most recent `limit + 1`
    /// of them, and the range of the earlier ones (passed over, counted up to ``countLimit``).
    ///
    /// The kept fires are found walking back from `now`, so a long outage costs its count, not
    /// a list of every fire in it.
    /// - Parameter countLimit: the most passed-over fires counted (for tests).
    public static func dueFires(of schedule: CronSchedule, after: Date, now: Date, limit: Int, countLimit: Int = countLimit)
        -> (fires: [Date], passedOver: ExecutionRecord.MissedRange?)
    {
        let keep = limit + 1
        // The earliest of the last `keep` fires at or before now (fire times are whole seconds).
        var earliestKept: Date?
        var cursor = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down) + 1)
        var walked = 0
        while walked < keep, let fire = schedule.previous(before: cursor), fire > after {
            earliestKept = fire
            cursor = fire
            walked += 1
        }
        guard let earliestKept else { return ([], nil) }
        // Kept fires, enumerated forward as the scheduler does.
        var fires = [earliestKept]
        var next = earliestKept
        while let fire = schedule.next(after: next), fire <= now {
            fires.append(fire)
            next = fire
        }
        var extra: [Date] = []
        if fires.count > keep {
            extra = Array(fires.prefix(fires.count - keep))
            fires.removeFirst(extra.count)
        }
        // Passed over: (after, earliestKept), counted forward.
        var count = 0, first: Date?, last: Date?
        var position = after
        while count < countLimit, let fire = schedule.next(after: position), fire < earliestKept {
            if first == nil { first = fire }
            last = fire
            count += 1
            position = fire
        }
        let exact = count < countLimit
        if !exact { last = schedule.previous(before: earliestKept) ?? last }
        count += extra.count
        if first == nil { first = extra.first }
        if let lastExtra = extra.last { last = lastExtra }
        guard let first, let last, count > 0 else { return (fires, nil) }
        return (fires, ExecutionRecord.MissedRange(first: first, last: last, count: count, countIsExact: exact))
    }
}
