import Foundation

/// A schedule in a time zone: next and previous fire times, and whether an instant is a fire
/// time. It is either a cron expression (six fields, or a macro such as `@daily`) or an
/// `@every` interval.
///
/// Fire times are whole seconds, strictly after (or before) the given instant.
///
/// A cron expression reads the wall clock of ``timeZone``. Across daylight-saving changes it
/// follows cronie:
/// - a *fixed-time* expression (``CronExpression/isFixedTime``) whose wall-clock time falls in a
///   skipped hour fires once, at the first instant after the jump (02:30 on a spring-forward
///   night fires at 03:00); in a repeated hour it fires once, at the first occurrence;
/// - any other expression follows the wall clock: skipped times do not happen, repeated times
///   happen in both passes.
///
/// An interval, `@every DURATION` (`45s`, `90m`, `1h30m`, `3d`, `2w`: whole seconds, 1 s to 366
/// days), fires at ``anchor`` + k × ``interval`` for every integer k: elapsed time, which daylight
/// saving does not change, and the same fire times whenever the process started.
///
/// ```swift
/// let schedule = try CronSchedule("0 0 9-17/2 * * 1-5", timeZone: TimeZone(identifier: "Europe/Paris")!)
/// let next = schedule.next(after: .now)
/// let restock = try CronSchedule("@every 3d", anchor: Date(timeIntervalSince1970: 1_772_323_200))
/// restock.explain()   // "every 3 days, from 2026-03-01 00:00:00"
/// ```
public struct CronSchedule: Sendable, Hashable {
    /// What fires.
    enum Kind: Sendable, Hashable {
        case cron(CronExpression)
        case interval(IntervalSchedule)
    }

    let kind: Kind
    /// The zone the wall-clock fields of a cron expression are read in; for an interval, the
    /// zone of its default anchor and of ``explain()``.
    public let timeZone: TimeZone
    /// Set when the zone has one offset for all time (UTC, `Etc/GMT+5`): evaluation needs no
    /// transition look-ups at all.
    private let fixedOffset: Int64?

    /// Makes a schedule from a parsed expression.
    public init(_ expression: CronExpression, timeZone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.init(kind: .cron(expression), timeZone: timeZone)
    }

    /// Parses a schedule: a cron expression, a macro (`@daily`) or an interval (`@every 90m`).
    /// - Parameters:
    ///   - source: the schedule as written.
    ///   - timeZone: the zone cron expressions are evaluated in.
    ///   - anchor: a fire time of an interval, taken to the whole second (rounded down); nil for
    ///     midnight at the start of 1970-01-01 in `timeZone` (``defaultAnchor(in:)``). Cron
    ///     expressions ignore it.
    /// - Throws: ``CronParseError``.
    public init(
        _ source: String, timeZone: TimeZone = TimeZone(identifier: "UTC")!, anchor: Date? = nil
    ) throws(CronParseError) {
        if IntervalSchedule.isInterval(source) {
            let interval = try IntervalSchedule(parsing: source, anchor: anchor ?? Self.defaultAnchor(in: timeZone))
            self.init(kind: .interval(interval), timeZone: timeZone)
        } else {
            self.init(kind: .cron(try CronExpression(source)), timeZone: timeZone)
        }
    }

    /// Midnight at the start of 1970-01-01 in `timeZone`: the anchor of an interval given none,
    /// so that `@every 1d` fires at local midnight (until daylight saving shifts it) and
    /// `@every 90m` at 00:00, 01:30, 03:00, …
    public static func defaultAnchor(in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Noon of 1970-01-01 on the zone's clock (give or take a daylight-saving hour), then its day's start.
        let noonUTC: TimeInterval = 12 * 3600
        let localNoon = noonUTC - TimeInterval(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: noonUTC)))
        return calendar.startOfDay(for: Date(timeIntervalSince1970: localNoon))
    }

    private init(kind: Kind, timeZone: TimeZone) {
        self.kind = kind
        self.timeZone = timeZone
        let longAgo = Date(timeIntervalSince1970: -4_102_444_800)  // 1840
        fixedOffset = timeZone.nextDaylightSavingTimeTransition(after: longAgo) == nil
            ? Int64(timeZone.secondsFromGMT(for: longAgo)) : nil
    }

    // MARK: - What it is

    /// The schedule as written, whitespace normalised: `0 0 9-17/2 * * 1-5`, `@daily`, `@every 1h30m`.
    public var source: String {
        switch kind {
        case .cron(let expression): expression.source
        case .interval(let interval): interval.source
        }
    }

    /// The parsed cron expression; nil for an interval.
    public var expression: CronExpression? {
        if case .cron(let expression) = kind { return expression }
        return nil
    }

    /// The time between fires of an interval; nil for a cron expression.
    public var interval: Duration? {
        if case .interval(let interval) = kind { return .seconds(interval.period) }
        return nil
    }

    /// The fire time an interval counts from; nil for a cron expression.
    public var anchor: Date? {
        if case .interval(let interval) = kind { return Date(timeIntervalSince1970: TimeInterval(interval.anchor)) }
        return nil
    }

    /// When the schedule fires, in plain English: "at 00:00, on Sunday" for `@weekly`, "every 3
    /// days, from 2026-03-01 00:00:00" for `@every 3d` (the anchor on the wall clock of ``timeZone``).
    public func explain() -> String {
        switch kind {
        case .cron(let expression):
            return expression.explain()
        case .interval(let interval):
            return interval.explain(anchorOffset: offset(at: interval.anchor))
        }
    }

    /// How many constant-offset stretches of time a search may cross before giving up (about
    /// 400 years of twice-yearly changes).
    private static let maxSegments = 1_000

    // MARK: - Queries

    /// The first fire time strictly after `date`, or nil if the schedule never fires.
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
    /// O(1) for an interval.
    public func matches(_ date: Date) -> Bool {
        let t = date.timeIntervalSince1970
        guard t.rounded(.down) == t else { return false }
        return nextInstant(atOrAfter: Int64(t)) == Int64(t)
    }

    /// The fire times after `date`, lazily, in order.
    public func fireTimes(after date: Date) -> FireTimes { FireTimes(schedule: self, cursor: date) }

    /// A lazy, unbounded (unless the schedule stops firing) sequence of fire times.
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

    /// The earliest fire instant `>= first`.
    func nextInstant(atOrAfter first: Int64) -> Int64? {
        switch kind {
        case .cron(let expression): nextInstant(of: expression, atOrAfter: first)
        case .interval(let interval): interval.nextInstant(atOrAfter: first)
        }
    }

    /// The latest fire instant `<= last`.
    func previousInstant(atOrBefore last: Int64) -> Int64? {
        switch kind {
        case .cron(let expression): previousInstant(of: expression, atOrBefore: last)
        case .interval(let interval): interval.previousInstant(atOrBefore: last)
        }
    }

    @inline(__always)
    private func offset(at instant: Int64) -> Int64 {
        Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    @inline(__always)
    private func transition(after instant: Int64) -> Int64? {
        timeZone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: TimeInterval(instant)))
            .map { Int64($0.timeIntervalSince1970.rounded()) }
    }

    /// The earliest instant `>= first` at which `expression` fires.
    private func nextInstant(of expression: CronExpression, atOrAfter first: Int64) -> Int64? {
        if let o = fixedOffset {
            return expression.nextWallClock(from: first + o, limit: .max).map { $0 - o }
        }
        var c = first
        if expression.isFixedTime, firesAtJump(c, expression) { return c }
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
            if expression.isFixedTime, firesAtJump(end, expression, offsetBefore: o) { return end }
            c = end
        }
        return nil
    }

    /// The latest instant `<= last` at which `expression` fires.
    private func previousInstant(of expression: CronExpression, atOrBefore last: Int64) -> Int64? {
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
            if startIsTransition, expression.isFixedTime, firesAtJump(start, expression, offsetBefore: before) {
                return start
            }
            c = start - 1
        }
        return nil
    }

    /// Whether a fixed-time expression fires at `instant` because it is a spring-forward
    /// transition and a matching wall-clock time lies in the skipped stretch: such times fire
    /// once, at the first instant after the jump.
    private func firesAtJump(_ instant: Int64, _ expression: CronExpression, offsetBefore: Int64? = nil) -> Bool {
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
