/// An `@every` schedule: it fires at `anchor + k × period` for every integer k, in elapsed
/// time — daylight saving moves its fires on the wall clock, never the gap between them. Fire
/// times depend only on the anchor, not on when the process started. Evaluation is O(1).
///
/// Made by ``CronSchedule/init(_:timeZone:anchor:)``; parsing is in `IntervalSchedule+Parsing.swift`.
struct IntervalSchedule: Sendable, Hashable {
    /// The word that starts an interval schedule (matched case-insensitively).
    static let keyword = "@every"
    /// The longest interval: a leap year.
    static let maxPeriod: Int64 = 366 * 86_400

    /// As written, whitespace normalised: `@every 1h30m`.
    let source: String
    /// Seconds between fires, 1 to ``maxPeriod``.
    let period: Int64
    /// A fire time, in whole seconds since 1970.
    let anchor: Int64

    /// The earliest fire instant `>= first`.
    @inline(__always)
    func nextInstant(atOrAfter first: Int64) -> Int64 {
        anchor - CivilTime.floorDiv(anchor - first, period) * period
    }

    /// The latest fire instant `<= last`.
    @inline(__always)
    func previousInstant(atOrBefore last: Int64) -> Int64 {
        anchor + CivilTime.floorDiv(last - anchor, period) * period
    }

    // MARK: - Explaining

    /// "every 1 hour and 30 minutes, from 2026-03-01 00:00:00", the anchor on the wall clock of `offset`.
    func explain(anchorOffset offset: Int64) -> String {
        "every \(Self.phrase(period)), from \(Self.wallClock(anchor + offset))"
    }

    /// "3 days", "hour", "1 hour and 30 minutes", "2 weeks".
    private static func phrase(_ seconds: Int64) -> String {
        let week: Int64 = 7 * 86_400
        let units: [(size: Int64, name: String)] = seconds % week == 0
            ? [(week, "week")]
            : [(86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")]
        if let unit = units.first(where: { $0.size == seconds }) { return unit.name }  // "every hour"
        var rest = seconds
        var parts: [String] = []
        for unit in units where rest >= unit.size {
            let count = rest / unit.size
            rest %= unit.size
            parts.append("\(count) \(unit.name)\(count == 1 ? "" : "s")")
        }
        return parts.count == 1 ? parts[0] : parts.dropLast().joined(separator: ", ") + " and " + parts.last!
    }

    /// `2026-03-01 00:00:00` for wall-clock seconds.
    private static func wallClock(_ w: Int64) -> String {
        let days = CivilTime.floorDiv(w, CivilTime.secondsPerDay)
        let sod = w - days * CivilTime.secondsPerDay
        let (year, month, day) = CivilTime.date(days: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let yearText = year >= 0 && year < 1000 ? String(String(year + 10_000).dropFirst()) : String(year)
        return yearText + "-\(two(Int64(month)))-\(two(Int64(day))) \(two(sod / 3600)):\(two(sod / 60 % 60)):\(two(sod % 60))"
    }
}
