import Testing
@testable import Cron

struct CronExplainTests {
    @Test(arguments: [
        ("0 0 9-17/2 * * 1-5", "at second 0 of minute 0, every 2 hours from 09:00 through 17:00, Monday through Friday"),
        ("0 */2 9-17 * * 1-5", "every 2 minutes from 09:00 through 17:58, Monday through Friday"),
        ("0 0 */6 * * *", "at second 0 of minute 0, every 6 hours"),
        ("0 0 10 * * 1-5", "at 10:00, Monday through Friday"),
        ("* * * * * *", "every second"),
        ("0 * * * * *", "every minute"),
        ("*/15 * * * * *", "every 15 seconds"),
        ("30 45 23 * * *", "at 23:45:30"),
        ("0 0 12 1,15 * MON", "at 12:00, on days 1 and 15 of the month or on Monday"),
        ("0 0 0 29 2 *", "at 00:00, on day 29 of the month, in February"),
        ("0 30 8 * JAN-MAR,OCT-DEC SAT,SUN", "at 08:30, on Saturday and Sunday, in January through March and October through December"),
        ("5/20 * * * * *", "every 20 seconds from second 5 through 59"),
        ("0 0 9,12,18 * * *", "at second 0 of minute 0, at hours 09:00, 12:00 and 18:00"),
        ("0 5,35 * * * *", "at minutes 5 and 35"),
        ("*/10 30 9 * * *", "every 10 seconds of minute 09:30"),
        ("*/10 */5 * * * *", "every 10 seconds, every 5 minutes"),
    ])
    func explains(_ expression: String, _ expected: String) throws {
        #expect(try CronExpression(expression).explain() == expected)
    }

    @Test func everyValidExpressionGetsAReadableDescription() throws {
        var rng = CronPropertyTests.SeededGenerator(state: 7)
        for _ in 0..<500 {
            let text = CronPropertyTests.randomExpression(&rng)
            let description = try CronExpression(text).explain()
            #expect(!description.isEmpty)
            #expect(!description.contains("  "), "\(text) → \(description)")
            #expect(!description.contains(", ,"), "\(text) → \(description)")
            #expect(!description.hasSuffix(","), "\(text) → \(description)")
        }
    }
}
