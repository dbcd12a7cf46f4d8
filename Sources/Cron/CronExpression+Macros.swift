/// cronie's `@` shorthands. Each stands for a six-field expression at second 0; the expression
/// keeps the macro as its ``CronExpression/source``.
extension CronExpression {
    /// The macros, lowercase, and the six fields each stands for. Matched case-insensitively.
    static let macros: KeyValuePairs<String, String> = [
        "@yearly": "0 0 0 1 1 *",
        "@annually": "0 0 0 1 1 *",
        "@monthly": "0 0 0 1 * *",
        "@weekly": "0 0 0 * * 0",
        "@daily": "0 0 0 * * *",
        "@midnight": "0 0 0 * * *",
        "@hourly": "0 0 * * * *",
    ]

    /// The six fields a macro stands for.
    /// - Parameters:
    ///   - words: the expression split at whitespace; the first word starts with `@`.
    ///   - expression: the expression as given, for the error.
    /// - Throws: ``CronParseError`` for an unknown macro, for `@every` (an interval, which
    ///   ``CronSchedule`` parses) and for words after a macro.
    static func expandMacro(_ words: [String], expression: String) throws(CronParseError) -> [String] {
        let name = words[0]
        guard let fields = macros.first(where: { $0.key == name.lowercased() })?.value else {
            let detail = name.lowercased() == IntervalSchedule.keyword
                ? "@every makes an interval schedule, not a cron expression (parse it with CronSchedule)"
                : "unknown macro '\(name)' (known: \(macros.map(\.key).joined(separator: ", ")), @every DURATION)"
            throw CronParseError(expression: expression, field: nil, token: name, reason: .unknownMacro, detail: detail)
        }
        guard words.count == 1 else {
            let extra = words.dropFirst().joined(separator: " ")
            throw CronParseError(expression: expression, field: nil, token: extra, reason: .malformedValue,
                                 detail: "\(name) stands alone (it means \(fields)), but '\(extra)' follows it")
        }
        return fields.split(separator: " ").map(String.init)
    }
}
