/// Why a cron expression (or an `@` macro, or an `@every` interval) was rejected: which field,
/// which token, and what is allowed.
///
/// `description` is one line meant for users, for example
/// `invalid cron expression "0 0 25 * * *": hour field: value 25 is out of range (allowed: 0-23)`
/// or `invalid cron expression "@every 5x": unknown unit 'x' in '5x' (units: s, m, h, d, w)`.
public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of mistake, stable for programs to match on.
    public enum Reason: Sendable, Equatable {
        case empty
        case wrongFieldCount(Int)
        case emptyListElement
        case malformedValue
        case outOfRange
        case reversedRange
        case zeroStep
        case stepTooLarge
        case unknownName
        case nameNotAllowed
        case questionMarkNotAllowed
        /// An `@name` that is not a macro (`@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
        /// `@midnight`, `@hourly`) nor `@every`.
        case unknownMacro
        /// An `@every` without a well-formed duration (`@every`, `@every 5x`, `@every -1h`).
        /// A duration of 0 or above the maximum is ``outOfRange``.
        case malformedInterval
    }

    /// The whole expression as given.
    public let expression: String
    /// The field the problem is in, nil for whole-expression problems (macros and intervals included).
    public let field: CronField?
    /// The offending token, as written.
    public let token: String?
    /// The kind of mistake.
    public let reason: Reason
    /// A short explanation of the mistake.
    public let detail: String

    /// The field-level message without the expression prefix, e.g. `hour field: value 25 is out of range (allowed: 0-23)`.
    public var message: String {
        // The detail quotes tokens of the expression, which may hold control characters too.
        if let field { return "\(field) field: \(Self.escaped(detail, quotes: false))" }
        return Self.escaped(detail, quotes: false)
    }

    public var description: String { "invalid cron expression \"\(Self.escaped(expression))\": \(message)" }

    /// `text` safe to print on one line of a terminal: control characters (and `"`, `\`) escaped
    /// as in a Swift string (`\n`, `\t`, `\u{1B}`), so an expression with an escape
    /// sequence in it can neither corrupt the terminal nor split the message.
    /// - Parameter quotes: escape `"` and `\` too (for text shown between double quotes).
    public static func escaped(_ text: String, quotes: Bool = true) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case "\"" where quotes: result += "\\\""
            case "\\" where quotes: result += "\\\\"
            default:
                if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                    || scalar.properties.generalCategory == .lineSeparator || scalar.properties.generalCategory == .paragraphSeparator {
                    result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result
    }
}
