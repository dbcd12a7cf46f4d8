/// A parsed six-field cron expression: `second minute hour day-of-month month day-of-week`, or
/// one of cronie's macros, which stands for six fields at second 0: `@yearly` (`@annually`),
/// `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`.
///
/// Parsing is strict: every mistake is a ``CronParseError`` naming the field and the token.
/// Evaluation in a time zone lives in ``CronSchedule``, which also parses `@every` intervals.
///
/// ```swift
/// let workdays = try CronExpression("0 0 9-17/2 * * 1-5")
/// workdays.explain()   // "at second 0 of minute 0, every 2 hours from 09:00 through 17:00, Monday through Friday"
/// try CronExpression("@weekly").explain()   // "at 00:00, on Sunday"
/// ```
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// One comma-separated element of a field, as parsed: `*`, `a`, `a-b`, each with an optional step.
    struct Element: Sendable, Hashable {
        var start: Int
        var end: Int
        var step: Int
        /// Written as `*` (or `?`), possibly with a step.
        var isWildcard: Bool
        /// Written as a single value with no range and no step.
        var isSingle: Bool { !isWildcard && start == end && step == 1 }
    }

    /// The expression as written (whitespace normalised to single spaces): a macro stays a macro.
    public let source: String

    // Bit sets of allowed values: bit n set when value n matches.
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Day of week with 7 folded onto 0 (Sunday).
    let daysOfWeek: UInt64

    /// The parsed elements of each field, in field order, kept for `explain()`.
    let elements: [[Element]]

    /// True when the day-of-month field is exactly `*` or `?`.
    let dayOfMonthUnrestricted: Bool
    /// True when the day-of-week field is exactly `*` or `?`.
    let dayOfWeekUnrestricted: Bool

    /// A fixed-time expression: neither the minute nor the hour field starts with `*`.
    /// Daylight-saving rules treat such expressions specially (see ``CronSchedule``).
    public let isFixedTime: Bool

    /// Parses an expression.
    /// - Parameter expression: six whitespace-separated fields, seconds first; or a macro such as
    ///   `@daily` (case-insensitive).
    /// - Throws: ``CronParseError`` naming the field and the bad token.
    public init(_ expression: String) throws(CronParseError) {
        let words = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let normalized = words.joined(separator: " ")
        let fields = words.first?.hasPrefix("@") == true ? try Self.expandMacro(words, expression: expression) : words
        func fail(_ reason: CronParseError.Reason, _ detail: String) -> CronParseError {
            CronParseError(expression: expression, field: nil, token: nil, reason: reason, detail: detail)
        }
        if fields.isEmpty { throw fail(.empty, "the expression is empty (expected 6 fields: second minute hour day-of-month month day-of-week)") }
        guard fields.count == 6 else {
            throw fail(.wrongFieldCount(fields.count),
                       "expected 6 fields (second minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        var parsed: [[Element]] = []
        var bits: [UInt64] = []
        for field in CronField.allCases {
            let text = fields[field.rawValue]
            let elements = try Self.parseField(text, field: field, expression: expression)
            parsed.append(elements)
            var set: UInt64 = 0
            for e in elements {
                var v = e.start
                while v <= e.end {
                    set |= 1 << UInt64(field == .dayOfWeek && v == 7 ? 0 : v)
                    v += e.step
                }
            }
            bits.append(set)
        }
        source = normalized
        elements = parsed
        seconds = bits[0]
        minutes = bits[1]
        hours = bits[2]
        daysOfMonth = bits[3]
        months = bits[4]
        daysOfWeek = bits[5]
        dayOfMonthUnrestricted = fields[3] == "*" || fields[3] == "?"
        dayOfWeekUnrestricted = fields[5] == "*" || fields[5] == "?"
        isFixedTime = !fields[1].hasPrefix("*") && !fields[2].hasPrefix("*")
    }

    public var description: String { source }

    // MARK: - Parsing

    private static func parseField(_ text: String, field: CronField, expression: String) throws(CronParseError) -> [Element] {
        func fail(_ token: String, _ reason: CronParseError.Reason, _ detail: String) -> CronParseError {
            CronParseError(expression: expression, field: field, token: token, reason: reason, detail: detail)
        }
        var result: [Element] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for item in items {
            if item.isEmpty {
                throw fail(text, .emptyListElement, "empty list element in '\(text)' (a dangling or doubled comma)")
            }
            let slashParts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard slashParts.count <= 2 else {
                throw fail(item, .malformedValue, "'\(item)' has more than one '/' (expected start/step or range/step)")
            }
            let base = slashParts[0]
            var step = 1
            if slashParts.count == 2 {
                let stepText = slashParts[1]
                guard let s = parseNumber(stepText) else {
                    throw fail(item, .malformedValue, "step '\(stepText)' in '\(item)' is not a whole number")
                }
                if s == 0 { throw fail(item, .zeroStep, "step 0 in '\(item)' is not allowed (a step must be at least 1)") }
                let span = field.maximum - field.minimum + 1
                if s > span {
                    throw fail(item, .stepTooLarge, "step \(stepText) in '\(item)' is larger than the field's range (allowed: 1-\(span))")
                }
                step = s
            }
            if base == "*" || base == "?" {
                if base == "?" && !field.acceptsQuestionMark {
                    throw fail(item, .questionMarkNotAllowed, "'?' is only allowed in the day-of-month and day-of-week fields")
                }
                if base == "?" && slashParts.count == 2 {
                    throw fail(item, .malformedValue, "'?' cannot take a step")
                }
                result.append(Element(start: field.minimum, end: field == .dayOfWeek ? 6 : field.maximum, step: step, isWildcard: true))
                continue
            }
            let dashParts = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard dashParts.count <= 2, !dashParts.contains(where: \.isEmpty) else {
                if base.hasPrefix("-") {
                    throw fail(item, .malformedValue, "'\(base)' is negative or malformed (allowed: \(field.allowed))")
                }
                throw fail(item, .malformedValue, "malformed range '\(base)' (expected start-end)")
            }
            let start = try value(dashParts[0], field: field, item: item, fail: fail)
            var end = start
            if dashParts.count == 2 {
                end = try value(dashParts[1], field: field, item: item, fail: fail)
                if end < start {
                    throw fail(item, .reversedRange, "reversed range '\(base)' (the start must not exceed the end; no wrap-around)")
                }
            } else if slashParts.count == 2 {
                // `a/n` runs from a to the end of the field.
                end = field == .dayOfWeek ? 6 : field.maximum
                if start > end { end = start }
            }
            result.append(Element(start: start, end: end, step: step, isWildcard: false))
        }
        return result
    }

    private static func value(
        _ token: String, field: CronField, item: String,
        fail: (String, CronParseError.Reason, String) -> CronParseError
    ) throws(CronParseError) -> Int {
        if let n = parseNumber(token) {
            guard n >= field.minimum && n <= field.maximum else {
                throw fail(item, .outOfRange, "value \(token) is out of range (allowed: \(field.allowed))")
            }
            return n
        }
        if token.first?.isLetter == true {
            let names = field.names
            guard !names.isEmpty else {
                throw fail(item, .nameNotAllowed, "'\(token)' is a name, but names are not allowed here (allowed: \(field.allowed))")
            }
            if let index = names.firstIndex(of: token.uppercased()), index >= field.minimum {
                return index
            }
            throw fail(item, .unknownName, "unknown \(field) name '\(token)' (allowed: \(field.allowed))")
        }
        throw fail(item, .malformedValue, "'\(token)' is not a whole number (allowed: \(field.allowed))")
    }

    /// Digits only: no sign, no fraction, no spaces, at most 4 digits (anything longer is out of range anyway).
    private static func parseNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return text.utf8.count > 4 ? Int.max : Int(text)
    }
}
