// libFuzzer target for the cron parser and evaluator (issue 12).
//
// The input bytes are a schedule (invalid UTF-8 becomes U+FFFD): a six-field expression, a macro
// such as `@daily`, or an `@every` interval. A rejected one must give an error whose text is safe
// to print; an accepted one must explain itself and evaluate in UTC and in zones with daylight
// saving without trapping, and its fire times must satisfy the invariants below. A violated invariant is a crash (`preconditionFailure`), which libFuzzer
// reports with a reproducer.
import Cron
import Foundation

/// Zones evaluated: UTC (the fixed-offset fast path), two with ordinary daylight saving, one with
/// a 30-minute change, one south of the equator and one fixed offset that is not UTC.
private let zones: [TimeZone] = [
    "UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
].map { TimeZone(identifier: $0)! }

/// Fixed instants: ordinary days, both daylight-saving changes of 2026 in Europe and America,
/// a leap day, the epoch, and far from now in both directions.
private let instants: [Int64] = [
    1_767_225_600,  // 2026-01-01T00:00:00Z
    1_774_745_400,  // 2026-03-29T00:50:00Z, ten minutes before Europe springs forward
    1_792_887_600,  // 2026-10-25T00:20:00Z, 02:20 in Paris, first pass of the repeated hour
    1_792_891_200,  // 2026-10-25T01:20:00Z, 02:20 in Paris again, second pass
    1_772_949_600,  // 2026-03-08T06:00:00Z, an hour before New York springs forward
    1_793_512_799,  // 2026-11-01T05:59:59Z, 01:59:59 in New York, end of the first pass of the repeated hour
    1_793_514_600,  // 2026-11-01T06:30:00Z, 01:30 in New York, second pass
    1_709_164_800,  // 2024-02-29T00:00:00Z
    0,              // 1970-01-01
    -2_208_988_800, // 1900-01-01
    4_102_444_799,  // 2099-12-31T23:59:59Z
]

/// Scalars that must never reach a terminal raw from an error message.
private func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .control, .format, .lineSeparator, .paragraphSeparator: return true
    default: return false
    }
}

private func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { preconditionFailure(message()) }
}

private func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }

private func seconds(_ date: Date) -> Int64 {
    let t = date.timeIntervalSince1970
    check(t.rounded(.down) == t, "fire time \(t) is not a whole second")
    return Int64(t)
}

/// Whether `instant` is a fire time as ``CronSchedule`` defines it: for an interval, the anchor
/// plus whole periods; for an expression, its wall-clock time matches, or it is the first instant
/// after a spring-forward jump over a matching time (fixed-time only).
private func isFireTime(_ instant: Int64, _ schedule: CronSchedule) -> Bool {
    let zone = schedule.timeZone
    guard let expression = schedule.expression else {
        let anchor = Int64(schedule.anchor!.timeIntervalSince1970), period = schedule.interval!.components.seconds
        return (instant - anchor) % period == 0
    }
    let offset = Int64(zone.secondsFromGMT(for: date(instant)))
    if expression.matches(wallClockSeconds: instant + offset) { return true }
    guard expression.isFixedTime else { return false }
    let before = Int64(zone.secondsFromGMT(for: date(instant - 1)))
    return before < offset
}

private func exercise(_ schedule: CronSchedule, from start: Int64) {
    let zone = schedule.timeZone.identifier
    let what = "\"\(schedule.source)\" in \(zone) from \(start)"
    // Forward: strictly increasing, whole seconds, each one a fire time.
    var cursor = start
    for step in 0..<3 {
        guard let next = schedule.next(after: date(cursor)) else { break }
        let n = seconds(next)
        check(n > cursor, "\(what): next #\(step) \(n) is not after \(cursor)")
        check(isFireTime(n, schedule), "\(what): next #\(step) \(n) does not match the schedule")
        check(schedule.matches(next), "\(what): matches(\(n)) is false for a time next(after:) returned")
        // Nothing fires in between: the last fire before n is at or before the cursor.
        if let p = schedule.previous(before: next) {
            check(seconds(p) <= cursor, "\(what): previous(before: \(n)) = \(seconds(p)) lies between \(cursor) and \(n)")
        }
        cursor = n
    }
    // Backward: strictly decreasing, and next(after:) of a previous fire lands at or after the start.
    if let previous = schedule.previous(before: date(start)) {
        let p = seconds(previous)
        check(p < start, "\(what): previous \(p) is not before \(start)")
        check(isFireTime(p, schedule), "\(what): previous \(p) does not match the schedule")
        if let after = schedule.next(after: previous) {
            check(seconds(after) >= start, "\(what): next(after: previous \(p)) = \(seconds(after)) skips back before \(start)")
        }
    }
}

/// A rejected schedule's error: one line, safe to print.
private func checkPrintable(_ error: CronParseError) {
    let description = error.description
    // Compared as bytes: a combining mark at the start of the expression joins the quote
    // into one Character, and `hasPrefix` compares Characters.
    check(description.utf8.starts(with: "invalid cron expression \"".utf8), "unexpected error text: \(description.debugDescription)")
    for scalar in description.unicodeScalars where isUnprintable(scalar) {
        preconditionFailure("error description holds U+\(String(scalar.value, radix: 16, uppercase: true)) raw: \(description.debugDescription)")
    }
    for scalar in error.message.unicodeScalars where isUnprintable(scalar) {
        preconditionFailure("error message holds U+\(String(scalar.value, radix: 16, uppercase: true)) raw: \(error.message.debugDescription)")
    }
}

/// Every zone, from the instants an input picks (all of them where evaluation is cheap).
private func exerciseInZones(_ make: (TimeZone) -> CronSchedule, hash: UInt64, derived: Int64) {
    for zone in zones {
        let schedule = make(zone)
        if schedule.interval != nil || schedule.timeZone.nextDaylightSavingTimeTransition(after: date(derived)) == nil {
            // An interval, or a fixed offset: cheap, so every instant.
            for instant in instants + [derived] { exercise(schedule, from: instant) }
        } else {
            // Daylight saving: each evaluation asks ICU for transitions, about a millisecond
            // under the sanitizers, so two instants per input, one fixed (chosen by the input) and
            // the derived one.
            exercise(schedule, from: instants[Int(hash >> 40) % instants.count])
            exercise(schedule, from: derived)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCron(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    let text = String(decoding: bytes, as: UTF8.self)

    // One extra instant derived from the input (years 1900-2100), so inputs also vary the start
    // (and the anchor of an interval).
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
    let derived = -2_208_988_800 + Int64(hash % 6_311_433_600)

    let expression: CronExpression
    do {
        expression = try CronExpression(text)
    } catch {
        checkPrintable(error)
        // Not an expression: an `@every` interval, or rejected by CronSchedule as well.
        let interval: CronSchedule
        do { interval = try CronSchedule(text) } catch {
            checkPrintable(error)
            return 0
        }
        check(interval.interval != nil, "CronSchedule accepted \(text.debugDescription), which CronExpression rejected, as no interval")
        check((try? CronSchedule(interval.source)) == interval, "\"\(interval.source)\" does not parse again to itself")
        check(!interval.explain().isEmpty, "\"\(interval.source)\": empty explanation")
        exerciseInZones({ try! CronSchedule(text, timeZone: $0) }, hash: hash, derived: derived)
        exerciseInZones({ try! CronSchedule(text, timeZone: $0, anchor: date(derived)) }, hash: hash, derived: derived)
        return 0
    }

    // The normalised source parses again to the same expression.
    let again: CronExpression
    do { again = try CronExpression(expression.source) } catch {
        preconditionFailure("\"\(expression.source)\" was accepted once, then rejected: \(error)")
    }
    check(again == expression, "\"\(expression.source)\" parses to a different expression the second time")
    check(!expression.explain().isEmpty, "\"\(expression.source)\": empty explanation")

    exerciseInZones({ CronSchedule(expression, timeZone: $0) }, hash: hash, derived: derived)
    // The String initialiser agrees with the parsed one.
    do {
        let fromText = try CronSchedule(text, timeZone: zones[1])
        check(fromText.expression == expression, "CronSchedule(String) parsed differently")
    } catch {
        preconditionFailure("CronSchedule(String) rejected what CronExpression accepted: \(error)")
    }
    return 0
}
