import Foundation

/// Reading `@every DURATION`. A duration is whole numbers each followed by a unit — `s`, `m`,
/// `h`, `d` or `w` — added up (`45s`, `90m`, `1h30m`, `3d`, `2w`), from 1 second to 366 days.
extension IntervalSchedule {
    /// Seconds per unit.
    private static let units: [String: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400]

    /// Whether `text` is meant as an interval: its first word is `@every`, in any case.
    static func isInterval(_ text: String) -> Bool {
        words(text).first?.lowercased() == keyword
    }

    /// Parses `@every DURATION`.
    /// - Parameters:
    ///   - text: the schedule as written; ``isInterval(_:)`` holds for it.
    ///   - anchor: a fire time, taken to the whole second (rounded down).
    /// - Throws: ``CronParseError``: ``CronParseError/Reason/malformedInterval`` for a missing or
    ///   malformed duration, ``CronParseError/Reason/outOfRange`` for one under 1 s or over 366 days.
    init(parsing text: String, anchor: Date) throws(CronParseError) {
        func fail(_ token: String?, _ reason: CronParseError.Reason, _ detail: String) -> CronParseError {
            CronParseError(expression: text, field: nil, token: token, reason: reason, detail: detail)
        }
        let words = Self.words(text)
        guard words.count >= 2 else { throw fail(nil, .malformedInterval, "@every needs a duration such as 90m or 3d") }
        guard words.count == 2 else {
            let rest = words.dropFirst().joined(separator: " ")
            throw fail(rest, .malformedInterval, "@every takes one duration, written without spaces (such as 1h30m), got '\(rest)'")
        }
        let duration = words[1]
        let seconds = try Self.seconds(in: duration, fail: fail)
        guard seconds >= 1 else { throw fail(duration, .outOfRange, "an interval must be at least 1 second, got '\(duration)'") }
        guard seconds <= Self.maxPeriod else {
            throw fail(duration, .outOfRange, "an interval must be at most 366 days, got '\(duration)'")
        }
        source = words.joined(separator: " ")
        period = seconds
        self.anchor = Int64(anchor.timeIntervalSince1970.rounded(.down))
    }

    /// The whitespace-separated words of `text`, as ``CronExpression`` splits fields.
    private static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    }

    /// The seconds a duration adds up to; anything beyond ``maxPeriod`` counts as `maxPeriod + 1`
    /// (out of range, and no overflow however long the text).
    private static func seconds(
        in duration: String, fail: (String?, CronParseError.Reason, String) -> CronParseError
    ) throws(CronParseError) -> Int64 {
        func malformed() -> CronParseError {
            let what = duration.hasPrefix("-") ? "is negative" : "is not a duration"
            return fail(duration, .malformedInterval,
                        "'\(duration)' \(what): expected whole numbers each followed by a unit (s, m, h, d or w), such as 90m or 1h30m")
        }
        let bytes = Array(duration.utf8)
        let ceiling = maxPeriod + 1
        var total: Int64 = 0
        var i = 0
        while i < bytes.count {
            let numberStart = i
            var number: Int64 = 0
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
                number = min(number * 10 + Int64(bytes[i] - UInt8(ascii: "0")), ceiling)
                i += 1
            }
            guard i > numberStart else { throw malformed() }
            let unitStart = i
            while i < bytes.count, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[i] | 0x20) { i += 1 }
            let unit = String(decoding: bytes[unitStart..<i], as: UTF8.self)
            if unit.isEmpty {
                guard i == bytes.count else { throw malformed() }
                let digits = String(decoding: bytes[numberStart..<i], as: UTF8.self)
                throw fail(duration, .malformedInterval, "'\(digits)' has no unit (such as \(digits)m or \(digits)h; units: s, m, h, d, w)")
            }
            guard let size = units[unit] else {
                throw fail(duration, .malformedInterval, "unknown unit '\(unit)' in '\(duration)' (units: s, m, h, d, w)")
            }
            total = min(total + number * size, ceiling)
        }
        return total
    }
}
