import Foundation

/// A cron expression evaluated in a time zone: next and previous fire times, and whether an
/// instant is a fire time.
///
/// Fire times are whole seconds, strictly after (or before) the given instant. Across
/// daylight-saving changes it follows cronie:
/// - a *fixed-time* expression (``CronExpression/isFixedTime``) whose wall-clock time falls in a
///   skipped hour fires once, at the first instant after the jump (02:30 on a spring-forward
///   night fires at 03:00); in a repeated hour it fires once, at the first occurrence;
/// - any other expression follows the wall clock: skipped times do not happen, repeated times
///   happen in both passes.
///
/// ```swift
/// let schedule = try CronSchedule("0 0 9-17/2 * * 1-5", timeZone: TimeZone(identifier: "Europe/Paris")!)
/// let next = schedule.next(after: .now)
/// ```
public struct CronSchedule: Sendable, Hashable {
    /// The parsed expression.
    public let expression: CronExpression
    /// The zone the wall-clock fields are read in.
    public let timeZone: TimeZone
    /// Set when the zone has one offset for all time (UTC, `Etc/GMT+5`): evaluation needs no
    /// transition look-ups at all.
    private let fixedOffset: Int64?

    /// Makes a schedule from a parsed expression.
    public init(_ expression: CronExpression, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.expression = expression
        self.timeZone = timeZone
        let longAgo = Date(timeIntervalSince1970: -4_102_444_800)  // 1840
        fixedOffset = timeZone.nextDaylightSavingTimeTransition(after: longAgo) == nil
            ? Int64(timeZone.secondsFromGMT(for: longAgo)) : nil
    }

    /// Parses `expression` and makes a schedule of it.
    /// - Throws: ``CronParseError``.
    public init(_ expression: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!) throws(CronParseError) {
        self.init(try CronExpression(expression), timeZone: timeZone)
    }

    /// How many constant-offset stretches of time a search may cross before giving up (about
    /// 400 years of twice-yearly changes).
    private static let maxSegments = 1_000

    // MARK: - Queries

    /// The first fire time strictly after `date`, or nil if the expression never fires.
    public func next(after date: Date) -> Date? {
        let first = Int64((date.timeIntervalSince1970).rounded(.down)) + 1
        return nextInstant(atOrAfter: first).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// The last fire time strictly before `date`, or nil if there is none.
    public func previous(before date: Date) -> Date? {
        let last = Int64((date.timeIntervalSince1970).rounded(.up)) - 1
        return previousInstant(atOrBefore: last).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    /// Whether the schedule fires exactly at `date` (a whole second), with the daylight-saving
    /// rules applied: on a spring-forward night `0 30 2 * * *` fires at 03:00.
    public func matches(_ date: Date) -> Bool {
        let t = date.timeIntervalSince1970
        guard t.rounded(.down) == t else { return false }
        return nextInstant(atOrAfter: Int64(t)) == Int64(t)
    }

    /// The fire times after `date`, lazily, in order.
    public func fireTimes(after date: Date) -> FireTimes { FireTimes(schedule: self, cursor: date) }

    /// A lazy, unbounded (unless the expression stops firing) sequence of fire times.
    public struct FireTimes: Sequence, IteratorProtocol, Sendable {
        let schedule: CronSchedule
        var cursor: Date?
        public mutating func next() -> Date? {
            guard let c = cursor else { return nil }
            cursor = schedule.next(after: c)
            return cursor
        }
    }

    // MARK: - Evaluation on integer seconds

    @inline(__always)
    private func offset(at instant: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    @inline(__always)
    private func transition(after instant: Int64) -> Int64? {
        timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(instant)))
            .map { Int64($0.timeIntervalSince1970.rounded()) }
    }

    /// The earliest fire instant `>= first`.
    func nextInstant(atOrAfter first: Int64) -> Int64? {
        if let o = fixedOffset {
            return expression.nextWallClock(from: first + o, limit: .max).map { $0 - o }
        }
        var c = first
        if expression.isFixedTime, firesAtJump(c) { return c }
        for _ in 0..<Self.maxSegments {
            // The stretch [c, end) has one offset `o`; wall clock = instant + o.
            let o = offset(at: c)
            let end = transition(after: c)
            let wallEnd = end.map { $0 + o } ?? .max
            var from = c + o
            if expression.isFixedTime, let repeatedEnd = repeatedWallClockEnd(at: c, offset: o) {
                // Wall-clock times before `repeatedEnd` already happened before a fall-back:
                // fixed-time expressions fire only on their first occurrence.
                from = max(from, repeatedEnd)
            }
            if let w = expression.nextWallClock(from: from, limit: wallEnd) {
                return w - o
            }
            guard let end else { return nil }
            if expression.isFixedTime, firesAtJump(end, offsetBefore: o) { return end }
            c = end
        }
        return nil
    }

    /// The latest fire instant `<= last`.
    func previousInstant(atOrBefore last: Int64) -> Int64? {
        if let o = fixedOffset {
            return expression.previousWallClock(through: last + o, floor: .min).map { $0 - o }
        }
        var c = last
        for _ in 0..<Self.maxSegments {
            let o = offset(at: c)
            let (start, startIsTransition) = stretchStart(containing: c)
            var floor = start + o
            let before = startIsTransition ? offset(at: start - 1) : o
            if expression.isFixedTime, before > o {
                floor = start + before  // the second pass of a repeated hour does not fire
            }
            if let w = expression.previousWallClock(through: c + o, floor: floor) {
                return w - o
            }
            if startIsTransition, expression.isFixedTime, firesAtJump(start, offsetBefore: before) {
                return start
            }
            c = start - 1
        }
        return nil
    }

    /// Whether a fixed-time expression fires at `instant` because it is a spring-forward
    /// transition and a matching wall-clock time lies in the skipped stretch: such times fire
    /// once, at the first instant after the jump.
    private func firesAtJump(_ instant: Int64, offsetBefore: Int64? = nil) -> Bool {
        let before = offsetBefore ?? offset(at: instant - 1)
        let after = offset(at: instant)
        guard after > before else { return false }
        if offsetBefore == nil, transition(after: instant - 1) != instant { return false }
        return expression.nextWallClock(from: instant + before, limit: instant + after) != nil
    }

    /// When `instant` lies shortly after a fall-back, the wall-clock second at which the
    /// repeated stretch ends (times below it happened once already); otherwise nil.
    private func repeatedWallClockEnd(at instant: Int64, offset o: Int64) -> Int64? {
        let lookBack: Int64 = 12 * 3600
        let earlier = offset(at: instant - lookBack)
        guard earlier > o, let fallBack = transition(after: instant - lookBack), fallBack <= instant else { return nil }
        return fallBack + earlier
    }

    /// The start of the constant-offset stretch containing `instant`: the last transition at
    /// or before it, or (when there was none within a year) a point a year back, which is not
    /// a transition.
    private func stretchStart(containing instant: Int64) -> (Int64, isTransition: Bool) {
        let windowStart = instant - 366 * 86_400
        var found: Int64?
        var probe = transition(after: windowStart)
        while let p = probe, p <= instant {
            found = p
            probe = transition(after: p)
        }
        if let found { return (found, true) }
        return (windowStart, false)
    }
}
