import Foundation

/// Dates as users write them and read them: ISO 8601 with the zone's offset at each instant
/// (`2026-03-02T09:00:00+01:00`, `Z` for UTC), and a plain `YYYY-MM-DD` as that day's midnight
/// in a time zone.
public enum ISO8601 {
    /// `date` in `zone`, to the second.
    ///
    /// Written by hand for whole-minute offsets (every zone in use today): `updater start` prints
    /// one per execution record, and building an `ISO8601DateFormatter` for each was a quarter of
    /// a busy service's CPU (bench/notes.md, cluster). Other offsets use the formatter.
    public static func format(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        if offset % 60 == 0 {
            // As the formatter does: to the nearest millisecond, then the whole second.
            let second = ((date.timeIntervalSince1970 * 1000).rounded() / 1000).rounded(.down)
            let local = DatabaseValue.formatTimestamp(Date(timeIntervalSince1970: second + TimeInterval(offset))).prefix(19)
            guard offset != 0 else { return local + "Z" }
            let minutes = abs(offset) / 60
            return local + (offset < 0 ? "-" : "+") + String(format: "%02d:%02d", minutes / 60, minutes % 60)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = zone
        return formatter.string(from: date)
    }

    /// An ISO 8601 date-time with an offset (fractional seconds allowed), or nil.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A date-time (as ``parse(_:)``), or a calendar date `YYYY-MM-DD` read as its midnight in
    /// `zone`; nil for anything else.
    public static func parse(dateOrDateTime text: String, in zone: TimeZone) -> Date? {
        if let instant = parse(text) { return instant }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
              calendar.dateComponents([.year, .month, .day], from: date) == components else { return nil }  // 2026-02-30
        return date
    }

    /// Midnight of the day holding `instant`, in `zone`.
    public static func startOfDay(_ instant: Date, in zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar.startOfDay(for: instant)
    }
}
