/// One of the six fields of a cron expression, in the order they are written.
public enum CronField: Int, CaseIterable, Sendable, CustomStringConvertible {
    case second, minute, hour, dayOfMonth, month, dayOfWeek

    /// The human name used in error messages and descriptions ("day-of-month").
    public var description: String {
        switch self {
        case .second: "second"
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// The smallest value the field accepts.
    public var minimum: Int {
        switch self {
        case .second, .minute, .hour, .dayOfWeek: 0
        case .dayOfMonth, .month: 1
        }
    }

    /// The largest value the field accepts (7 for day of week, which means Sunday like 0).
    public var maximum: Int {
        switch self {
        case .second, .minute: 59
        case .hour: 23
        case .dayOfMonth: 31
        case .month: 12
        case .dayOfWeek: 7
        }
    }

    /// Three-letter names accepted in this field, index = value (month names start at 1).
    var names: [String] {
        switch self {
        case .month: ["", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        case .dayOfWeek: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        default: []
        }
    }

    /// Whether `?` may stand for `*` in this field.
    var acceptsQuestionMark: Bool { self == .dayOfMonth || self == .dayOfWeek }

    /// What the field allows, for error messages.
    var allowed: String {
        switch self {
        case .month: "1-12 or JAN-DEC"
        case .dayOfWeek: "0-7 (0 and 7 are Sunday) or SUN-SAT"
        default: "\(minimum)-\(maximum)"
        }
    }
}
