import Foundation
import Testing
@testable import Cron

/// Random valid expressions and start instants (seeded, so a failure reproduces), checked against
/// a naive second-by-second reference over short horizons outside daylight-saving transitions.
struct CronPropertyTests {
    /// SplitMix64: small, fixed, and the same on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func randomField(_ field: CronField, dense: Bool, _ rng: inout SeededGenerator) -> String {
        let lo = field.minimum, hi = field == .dayOfWeek ? 6 : field.maximum
        func value() -> Int { Int.random(in: lo...hi, using: &rng) }
        if dense && Int.random(in: 0..<3, using: &rng) == 0 { return "*" }
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: return "*"
        case 1: return "*/\(Int.random(in: 1...max(1, (hi - lo) / 2), using: &rng))"
        case 2: return "\(value())"
        case 3:
            let a = value(), b = value()
            return "\(min(a, b))-\(max(a, b))"
        case 4:
            let a = value(), b = value()
            return "\(min(a, b))-\(max(a, b))/\(Int.random(in: 1...5, using: &rng))"
        case 5: return "\(value())/\(Int.random(in: 1...max(1, (hi - lo) / 3), using: &rng))"
        default: return (0..<Int.random(in: 2...4, using: &rng)).map { _ in "\(value())" }.joined(separator: ",")
        }
    }

    static func randomExpression(_ rng: inout SeededGenerator) -> String {
        // Dense time fields and mostly open day fields, so most cases fire within the horizon.
        let second = randomField(.second, dense: true, &rng)
        let minute = randomField(.minute, dense: true, &rng)
        let hour = Int.random(in: 0..<2, using: &rng) == 0 ? "*" : randomField(.hour, dense: true, &rng)
        let dom = Int.random(in: 0..<4, using: &rng) == 0 ? randomField(.dayOfMonth, dense: false, &rng) : "*"
        let month = Int.random(in: 0..<6, using: &rng) == 0 ? randomField(.month, dense: false, &rng) : "*"
        let dow = Int.random(in: 0..<4, using: &rng) == 0 ? randomField(.dayOfWeek, dense: false, &rng) : "*"
        return [second, minute, hour, dom, month, dow].joined(separator: " ")
    }

    @Test(arguments: [utc, TimeZone(secondsFromGMT: 5 * 3600 + 1800)!, newYork, paris, sydney])
    func nextAgreesWithASecondBySecondReference(zone: TimeZone) throws {
        var rng = SeededGenerator(state: 20_261_124 &+ UInt64(zone.identifier.utf8.count))
        let horizon: Int64 = 3 * 3600
        var checked = 0, fired = 0
        while checked < 120 {
            let text = Self.randomExpression(&rng)
            let expression = try CronExpression(text)
            let schedule = CronSchedule(expression, timeZone: zone)
            // Any instant in 2000-2040, whole or fractional.
            let t = Double(Int64.random(in: 946_684_800...2_208_988_800, using: &rng)) + (Bool.random(using: &rng) ? 0.5 : 0)
            let start = Date(timeIntervalSince1970: t)
            if let transition = zone.nextDaylightSavingTimeTransition(after: start.addingTimeInterval(-86_400)),
               transition.timeIntervalSince1970 < t + Double(horizon) + 86_400 {
                continue  // the reference below knows nothing of daylight saving
            }
            checked += 1
            let next = schedule.next(after: start)
            let offset = Int64(zone.secondsFromGMT(for: start))
            var reference: Int64?
            var s = Int64(t.rounded(.down)) + 1
            while s <= Int64(t) + horizon {
                if expression.matches(wallClockSeconds: s + offset) { reference = s; break }
                s += 1
            }
            if let reference {
                fired += 1
                #expect(next.map { Int64($0.timeIntervalSince1970) } == reference, "\(text) after \(t) in \(zone.identifier)")
            } else if let next {
                #expect(next.timeIntervalSince1970 > t + Double(horizon), "\(text) after \(t) in \(zone.identifier)")
            }
            if let next {
                #expect(next.timeIntervalSince1970 > t)
                #expect(schedule.matches(next))
                let wall = Int64(next.timeIntervalSince1970) + Int64(zone.secondsFromGMT(for: next))
                #expect(expression.matches(wallClockSeconds: wall))
                let back = schedule.previous(before: next)
                #expect(back != nil && back!.timeIntervalSince1970 <= t, "\(text): previous(next(t)) > t")
            }
        }
        // The generator is tuned so that most cases fire inside the horizon; if it stops doing
        // so the test above checks little.
        #expect(fired > 60)
    }

    @Test func previousIsTheInverseOfNextAcrossDaylightSaving() throws {
        var rng = SeededGenerator(state: 42)
        for zone in [newYork, paris, sydney] {
            for _ in 0..<150 {
                let text = Self.randomExpression(&rng)
                let schedule = try CronSchedule(text, timeZone: zone)
                // 2026, transitions included.
                let t = Date(timeIntervalSince1970: Double(Int64.random(in: 1_767_225_600...1_798_761_600, using: &rng)))
                guard let next = schedule.next(after: t) else { continue }
                #expect(next > t)
                #expect(schedule.previous(before: next).map { $0 <= t } ?? false, "\(text) in \(zone.identifier) at \(t)")
                if let again = schedule.next(after: next) {
                    #expect(schedule.previous(before: again) == next, "\(text) in \(zone.identifier) after \(next)")
                }
            }
        }
    }
}
