// Next-fire evaluations per second over a fixed set of expressions and start instants.
//
//   swift run -c release CronBenchmark [--seconds N] [--tz ZONE] [--json]
//
// The set is the one `make bench` compares against croniter: the three default schedules and
// five harder ones, in UTC unless --tz names a zone, from 1,000 start instants spread over 2026-2027 by a fixed LCG.
import Cron
import Foundation

let expressions = [
    "0 0 9-17/2 * * 1-5",       // business activities
    "0 0 */6 * * *",            // service tickets
    "0 0 10 * * 1-5",           // new leads
    "*/15 * * * * *",
    "0 30 2 29 2 *",            // only on leap days
    "0 0 12 1,15 * MON",        // OR rule: 1st, 15th, or any Monday
    "5/20 10-40/10 8-18 * JAN-MAR,OCT-DEC 1-5",
    "30 45 23 28-31 * 0,6",     // OR rule: month ends, or any weekend day
]

var arguments = CommandLine.arguments.dropFirst()
var seconds = 3.0
var json = false
var zone = TimeZone(identifier: "UTC")!
while let arg = arguments.popFirst() {
    switch arg {
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    case "--json": json = true
    case "--tz": zone = TimeZone(identifier: arguments.popFirst() ?? "") ?? zone
    default:
        FileHandle.standardError.write("usage: CronBenchmark [--seconds N] [--tz ZONE] [--json]\n".data(using: .utf8)!)
        exit(2)
    }
}
let set: [CronSchedule] = expressions.map { try! CronSchedule($0, timeZone: zone) }

var state: UInt64 = 0x9E37_79B9_7F4A_7C15
let base = 1_767_225_600.0  // 2026-01-01T00:00:00Z
let starts: [Date] = (0..<1000).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return Date(timeIntervalSince1970: base + Double((state >> 33) % 63_072_000))
}

var evaluations = 0
var checksum = 0.0
let clock = ContinuousClock()
let began = clock.now
let deadline = began + .seconds(seconds)
while clock.now < deadline {
    for start in starts {
        for schedule in set {
            checksum += schedule.next(after: start)?.timeIntervalSince1970 ?? 0
        }
    }
    evaluations += starts.count * set.count
}
let elapsed = clock.now - began
let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let rate = Double(evaluations) / secondsElapsed
if json {
    print(#"{"name":"cron_next","ours":\#(Int(rate)),"unit":"evaluations/s","zone":"\#(zone.identifier)","checksum":\#(checksum)}"#)
} else {
    print("cron_next: \(Int(rate)) next-fire evaluations/s (\(evaluations) in \(String(format: "%.2f", secondsElapsed)) s, \(set.count) expressions, \(zone.identifier))")
}
