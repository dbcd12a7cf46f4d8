import Testing
@testable import Cron

struct CronParserTests {
    private func values(_ bits: UInt64) -> [Int] { (0..<64).filter { bits & (1 << UInt64($0)) != 0 } }

    @Test func wildcardsCoverEveryValue() throws {
        let e = try CronExpression("* * * * * *")
        #expect(values(e.seconds) == Array(0...59))
        #expect(values(e.hours) == Array(0...23))
        #expect(values(e.daysOfMonth) == Array(1...31))
        #expect(values(e.months) == Array(1...12))
        #expect(values(e.daysOfWeek) == Array(0...6))
        #expect(e.dayOfMonthUnrestricted && e.dayOfWeekUnrestricted)
    }

    @Test func listsRangesAndSteps() throws {
        let e = try CronExpression("0,15,30 */10 9-17/2 1-5 */3 1-5")
        #expect(values(e.seconds) == [0, 15, 30])
        #expect(values(e.minutes) == [0, 10, 20, 30, 40, 50])
        #expect(values(e.hours) == [9, 11, 13, 15, 17])
        #expect(values(e.daysOfMonth) == [1, 2, 3, 4, 5])
        #expect(values(e.months) == [1, 4, 7, 10])
        #expect(values(e.daysOfWeek) == [1, 2, 3, 4, 5])
    }

    @Test func stepOnASingleStartRunsToTheFieldEnd() throws {
        #expect(values(try CronExpression("5/15 * * * * *").seconds) == [5, 20, 35, 50])
        #expect(values(try CronExpression("0 10-40/10 * * * *").minutes) == [10, 20, 30, 40])
        #expect(values(try CronExpression("0 0 5-5 * * *").hours) == [5])
    }

    @Test func namesAreCaseInsensitive() throws {
        let e = try CronExpression("0 0 0 * jan,Mar-MAY mon-FRI")
        #expect(values(e.months) == [1, 3, 4, 5])
        #expect(values(e.daysOfWeek) == [1, 2, 3, 4, 5])
    }

    @Test func sundayIsBothZeroAndSeven() throws {
        #expect(values(try CronExpression("0 0 0 * * 7").daysOfWeek) == [0])
        #expect(values(try CronExpression("0 0 0 * * 0").daysOfWeek) == [0])
        #expect(values(try CronExpression("0 0 0 * * 5-7").daysOfWeek) == [0, 5, 6])
        #expect(values(try CronExpression("0 0 0 * * SUN").daysOfWeek) == [0])
    }

    @Test func questionMarkIsAnUnrestrictedDayField() throws {
        let e = try CronExpression("0 0 12 ? * MON")
        #expect(e.dayOfMonthUnrestricted)
        #expect(!e.dayOfWeekUnrestricted)
        // A day field is unrestricted only when it is exactly `*` or `?`.
        #expect(!(try CronExpression("0 0 12 */1 * *")).dayOfMonthUnrestricted)
    }

    @Test func fixedTimeMeansMinuteAndHourDoNotStartWithAStar() throws {
        #expect(try CronExpression("0 30 2 * * *").isFixedTime)
        #expect(try CronExpression("0 0 9-17/2 * * 1-5").isFixedTime)
        #expect(try CronExpression("* 0 9 * * *").isFixedTime)
        #expect(!(try CronExpression("0 */2 9-17 * * 1-5")).isFixedTime)
        #expect(!(try CronExpression("0 0 * * * *")).isFixedTime)
    }

    @Test func whitespaceIsNormalised() throws {
        #expect(try CronExpression("  0\t0  10 * *   1-5 ").source == "0 0 10 * * 1-5")
    }

    @Test(arguments: [
        ("", CronParseError.Reason.empty, nil as CronField?, nil as String?),
        ("   ", .empty, nil, nil),
        ("* * * * *", .wrongFieldCount(5), nil, nil),
        ("* * * * * * *", .wrongFieldCount(7), nil, nil),
        ("60 * * * * *", .outOfRange, .second, "60"),
        ("0 60 * * * *", .outOfRange, .minute, "60"),
        ("0 0 24 * * *", .outOfRange, .hour, "24"),
        ("0 0 0 0 * *", .outOfRange, .dayOfMonth, "0"),
        ("0 0 0 32 * *", .outOfRange, .dayOfMonth, "32"),
        ("0 0 0 * 13 *", .outOfRange, .month, "13"),
        ("0 0 0 * 0 *", .outOfRange, .month, "0"),
        ("0 0 0 * * 8", .outOfRange, .dayOfWeek, "8"),
        ("0 0 0 * * 99999999999999999999", .outOfRange, .dayOfWeek, "99999999999999999999"),
        ("*/0 * * * * *", .zeroStep, .second, "*/0"),
        ("*/61 * * * * *", .stepTooLarge, .second, "*/61"),
        ("0 0 17-9 * * *", .reversedRange, .hour, "17-9"),
        ("0 0 0 * * FRI-MON", .reversedRange, .dayOfWeek, "FRI-MON"),
        ("0 0 0 * FOO *", .unknownName, .month, "FOO"),
        ("0 0 0 * * FUN", .unknownName, .dayOfWeek, "FUN"),
        ("0 MON 0 * * *", .nameNotAllowed, .minute, "MON"),
        ("0 0 0 * * MONDAY", .unknownName, .dayOfWeek, "MONDAY"),
        ("1, * * * * *", .emptyListElement, .second, "1,"),
        (",1 * * * * *", .emptyListElement, .second, ",1"),
        ("1,,2 * * * * *", .emptyListElement, .second, "1,,2"),
        ("1- * * * * *", .malformedValue, .second, "1-"),
        ("-1 * * * * *", .malformedValue, .second, "-1"),
        ("1.5 * * * * *", .malformedValue, .second, "1.5"),
        ("*/ * * * * *", .malformedValue, .second, "*/"),
        ("1/2/3 * * * * *", .malformedValue, .second, "1/2/3"),
        ("1-2-3 * * * * *", .malformedValue, .second, "1-2-3"),
        ("+5 * * * * *", .malformedValue, .second, "+5"),
        ("? * * * * *", .questionMarkNotAllowed, .second, "?"),
        ("0 0 0 L * *", .nameNotAllowed, .dayOfMonth, "L"),
        ("0 0 0 * * 5#2", .malformedValue, .dayOfWeek, "5#2"),
    ])
    func rejects(_ text: String, reason: CronParseError.Reason, field: CronField?, token: String?) {
        do {
            _ = try CronExpression(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.reason == reason)
            #expect(error.field == field)
            #expect(error.token == token)
            // One line, naming the field and the token.
            #expect(!error.description.contains("\n"))
            if let field { #expect(error.description.contains("\(field) field")) }
            if let token { #expect(error.description.contains(token)) }
        }
    }

    @Test func errorMessagesSayWhatIsAllowed() {
        #expect(throws: CronParseError.self) { try CronExpression("0 0 24 * * *") }
        do { _ = try CronExpression("0 0 24 * * *") } catch {
            #expect(error.description == #"invalid cron expression "0 0 24 * * *": hour field: value 24 is out of range (allowed: 0-23)"#)
        }
    }
}
