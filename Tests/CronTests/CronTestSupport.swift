import Foundation
@testable import Cron

/// Parses an ISO 8601 instant with offset ("2026-03-08T01:59:00-05:00").
func instant(_ text: String) -> Date {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    guard let d = f.date(from: text) else { fatalError("bad test date \(text)") }
    return d
}

/// Formats an instant in a zone as ISO 8601 with that zone's offset, the way `updater cron next` prints.
func local(_ date: Date?, _ zone: TimeZone) -> String? {
    guard let date else { return nil }
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime]
    f.timeZone = zone
    return f.string(from: date)
}

let utc = TimeZone(identifier: "UTC")!
let newYork = TimeZone(identifier: "America/New_York")!
let paris = TimeZone(identifier: "Europe/Paris")!
let sydney = TimeZone(identifier: "Australia/Sydney")!

/// The first `count` fire times after `start`, formatted in the schedule's zone.
func fires(_ expression: String, _ zone: TimeZone, after start: String, count: Int = 1) throws -> [String] {
    let schedule = try CronSchedule(expression, timeZone: zone)
    return schedule.fireTimes(after: instant(start)).prefix(count).map { local($0, zone)! }
}
