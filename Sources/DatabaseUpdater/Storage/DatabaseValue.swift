import Cron
import Foundation

/// A typed SQL parameter or result value, the same for both engines.
///
/// SQLite stores timestamps as ISO 8601 text in UTC with milliseconds
/// (`2026-11-24T09:30:00.000Z`, which sorts correctly as text), booleans as 0/1 and UUIDs as
/// lower-case text. PostgreSQL uses `timestamptz`, `boolean` and `uuid`.
public enum DatabaseValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case timestamp(Date)
    case uuid(UUID)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .text(let s): "'\(s)'"
        case .integer(let i): "\(i)"
        case .double(let d): "\(d)"
        case .bool(let b): b ? "true" : "false"
        case .timestamp(let d): Self.formatTimestamp(d)
        case .uuid(let u): u.lowercaseString
        }
    }

    // MARK: Reading values back, leniently across storage classes

    /// The value as text, or nil for NULL. Numbers, booleans, timestamps and UUIDs are rendered.
    public var stringValue: String? {
        switch self {
        case .null: nil
        case .text(let s): s
        case .uuid(let u): u.lowercaseString
        case .timestamp(let d): Self.formatTimestamp(d)
        default: description
        }
    }

    /// The value as an integer, when it is one (or integral text / double).
    public var intValue: Int64? {
        switch self {
        case .integer(let i): i
        case .double(let d): d.rounded() == d ? Int64(exactly: d) : nil
        case .bool(let b): b ? 1 : 0
        case .text(let s): Int64(s)
        default: nil
        }
    }

    /// The value as a double, when it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .double(let d): d
        case .integer(let i): Double(i)
        case .text(let s): Double(s)
        default: nil
        }
    }

    /// The value as a boolean (SQLite's 0/1, PostgreSQL's t/f).
    public var boolValue: Bool? {
        switch self {
        case .bool(let b): b
        case .integer(let i): i != 0
        case .text(let s): ["t", "true", "1"].contains(s) ? true : (["f", "false", "0"].contains(s) ? false : nil)
        default: nil
        }
    }

    /// The value as an instant (timestamps, or ISO 8601 text as SQLite stores them).
    public var dateValue: Date? {
        switch self {
        case .timestamp(let d): d
        case .text(let s): Self.parseTimestamp(s)
        case .double(let d): Date(timeIntervalSince1970: d)
        case .integer(let i): Date(timeIntervalSince1970: TimeInterval(i))
        default: nil
        }
    }

    /// The value as a UUID (native, or text).
    public var uuidValue: UUID? {
        switch self {
        case .uuid(let u): u
        case .text(let s): UUID(text: s)
        default: nil
        }
    }

    public var isNull: Bool { self == .null }

    // MARK: Timestamp text

    /// `2026-11-24T09:30:00.123Z`: UTC, millisecond precision, fixed width.
    public static func formatTimestamp(_ date: Date) -> String {
        withTimestampUTF8(date) { String(decoding: $0, as: UTF8.self) }
    }

    /// Appends the UTF-8 of ``formatTimestamp(_:)`` to `bytes`, without making a `String`
    /// (the snapshot monitor writes one per timestamp column of every row it reads).
    static func appendTimestamp(_ date: Date, to bytes: inout [UInt8]) {
        withTimestampUTF8(date) { bytes.append(contentsOf: $0) }
    }

    /// The whole milliseconds since 1970 of `date`, as timestamps keep it (rounded down).
    /// First rounded to the microsecond: a `Date` counts from 2001, so one read back as
    /// `….123` may be `….1229999…` since 1970, and flooring that alone gave `.122`.
    static func wholeMilliseconds(_ date: Date) -> Int64 {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return micros >= 0 ? micros / 1000 : (micros - 999) / 1000
    }

    /// Calls `body` with the UTF-8 of ``formatTimestamp(_:)``, written into a buffer on the
    /// stack: every execution binds several timestamps, and building each through a growing
    /// array cost about 1,800 instructions (callgrind) where this costs about a tenth.
    static func withTimestampUTF8<Result>(_ date: Date, _ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        let millis = wholeMilliseconds(date)
        let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
        let msOfDay = Int(millis - days * 86_400_000)
        let (year, month, day) = CivilTime.date(days: days)
        guard (0...9999).contains(year) else {  // the general path: a sign, or more than four digits
            var bytes: [UInt8] = []
            for (value, width, separator) in [(year, 4, "-"), (Int64(month), 2, "-"), (Int64(day), 2, "T"), (Int64(msOfDay / 3_600_000), 2, ":"),
                                              (Int64(msOfDay / 60_000 % 60), 2, ":"), (Int64(msOfDay / 1000 % 60), 2, "."),
                                              (Int64(msOfDay % 1000), 3, "Z")] as [(Int64, Int, Unicode.Scalar)] {
                appendPadded(value, width, to: &bytes)
                bytes.append(UInt8(ascii: separator))
            }
            return try bytes.withUnsafeBufferPointer(body)
        }
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)  // the 24 bytes of the text
        return try withUnsafeMutableBytes(of: &storage) { raw in
            let out = raw.bindMemory(to: UInt8.self)
            func put(_ value: Int, at start: Int, width: Int) {
                var value = value
                for index in stride(from: start + width - 1, through: start, by: -1) {
                    out[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(Int(year), at: 0, width: 4)
            out[4] = UInt8(ascii: "-")
            put(month, at: 5, width: 2)
            out[7] = UInt8(ascii: "-")
            put(day, at: 8, width: 2)
            out[10] = UInt8(ascii: "T")
            put(msOfDay / 3_600_000, at: 11, width: 2)
            out[13] = UInt8(ascii: ":")
            put(msOfDay / 60_000 % 60, at: 14, width: 2)
            out[16] = UInt8(ascii: ":")
            put(msOfDay / 1000 % 60, at: 17, width: 2)
            out[19] = UInt8(ascii: ".")
            put(msOfDay % 1000, at: 20, width: 3)
            out[23] = UInt8(ascii: "Z")
            return try body(UnsafeBufferPointer(out))
        }
    }

    /// `String(value)`'s UTF-8, appended to `bytes`.
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        appendPadded(value, 0, to: &bytes)
    }

    /// `value` in decimal, zeros in front of its text up to `width` characters (`-5` at width 4:
    /// `00-5`, as the text was padded before). The digits are made in a buffer on the stack.
    private static func appendPadded(_ value: Int64, _ width: Int, to bytes: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64's 20 digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var magnitude = value.magnitude
            var start = raw.count
            repeat {
                start -= 1
                raw[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            let length = raw.count - start + (value < 0 ? 1 : 0)
            if length < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - length)) }
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// Parses ISO 8601 (`T` or space separator, optional fraction, `Z`, `+HH`, `+HH:MM` or `+HHMM`),
    /// which covers what SQLite stores and PostgreSQL prints in ISO date style.
    public static func parseTimestamp(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int64? {
            guard from + count <= b.count else { return nil }
            var v: Int64 = 0
            for i in from..<(from + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
              b[10] == 84 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2), b[16] == 58,
              let s = num(17, 2) else { return nil }
        var i = 19
        // The fraction in whole microseconds (digits past the sixth ignored), added to the seconds
        // as integers: summed as doubles, a time before 1970 came back a millisecond early.
        var micros: Int64 = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale: Int64 = 100_000
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                micros += Int64(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset: Int64 = 0
        if i < b.count {
            if b[i] == 90 { i += 1 } else if b[i] == 43 || b[i] == 45 {
                let sign: Int64 = b[i] == 45 ? -1 : 1
                guard let oh = num(i + 1, 2) else { return nil }
                i += 3
                var om: Int64 = 0
                if i < b.count, b[i] == 58 { i += 1 }
                if let m = num(i, 2) { om = m; i += 2 }
                offset = sign * (oh * 3600 + om * 60)
            } else { return nil }
        }
        guard i == b.count, (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        let days = CivilTime.days(year: y, month: Int(mo), day: Int(d))
        let seconds = days * 86_400 + h * 3600 + mi * 60 + s - offset
        return Date(timeIntervalSince1970: Double(seconds * 1_000_000 + micros) / 1_000_000)
    }
}
