import Foundation

/// The office's working week: Monday to Friday, in UTC. The generated customers are US
/// companies whose business hours (13:00–21:45 UTC, see ``ActivityGenerator/businessSlot(after:days:_:)``)
/// fall on the same weekday in UTC as in their own zone, so UTC days are their days.
enum WorkingWeek {
    private static let day = 86_400.0
    private static let week = 7 * day

    /// Whether the UTC day holding `date` is a Saturday or a Sunday.
    static func isWeekend(_ date: Date) -> Bool { isWeekend(day: (date.timeIntervalSince1970 / day).rounded(.down)) }

    /// Days from `start` to `end`, weekday time counted whole and weekend time at `weekend`
    /// (0: business days; 1: calendar days). Zero when `end` is not after `start`.
    static func days(from start: Date, to end: Date, weekend: Double = 0) -> Double {
        var time = start.timeIntervalSince1970
        let stop = end.timeIntervalSince1970
        guard stop > time else { return 0 }
        let weeks = ((stop - time) / week).rounded(.down)
        var total = weeks * (5 + 2 * weekend)
        time += weeks * week
        while time < stop {
            let index = (time / day).rounded(.down)
            let next = min(stop, (index + 1) * day)
            total += (next - time) / day * (isWeekend(day: index) ? weekend : 1)
            time = next
        }
        return total
    }

    /// Midnight (UTC) of the `count`-th weekday after the day holding `date`.
    static func weekday(_ count: Int, after date: Date) -> Date {
        var index = (date.timeIntervalSince1970 / day).rounded(.down)
        var left = count
        while left > 0 {
            index += 1
            if !isWeekend(day: index) { left -= 1 }
        }
        return Date(timeIntervalSince1970: index * day)
    }

    /// Day 0 of the epoch, 1970-01-01, was a Thursday (weekday 3 counting Monday as 0).
    private static func isWeekend(day index: Double) -> Bool {
        ((Int(index) + 3) % 7 + 7) % 7 >= 5
    }
}
