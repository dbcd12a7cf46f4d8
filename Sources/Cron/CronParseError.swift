/// Why a cron expression was rejected: which field, which token, and what the field allows.
///
/// `description` is one line meant for users, for example
/// `invalid cron expression "0 0 25 * * *": hour field: value 25 is out of range (allowed: 0-23)`.
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
    }

    /// The whole expression as given.
    public let expression: String
    /// The field the problem is in, nil for whole-expression problems.
    public let field: CronField?
    /// The offending token, as written.
    public let token: String?
    /// The kind of mistake.
    public let reason: Reason
    /// A short explanation of the mistake.
    public let detail: String

    /// The field-level message without the expression prefix, e.g. `hour field: value 25 is out of range (allowed: 0-23)`.
    public var message: String {
        if let field { return "\(field) field: \(detail)" }
        return detail
    }

    public var description: String { "invalid cron expression \"\(expression)\": \(message)" }
}
