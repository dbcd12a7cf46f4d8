import Foundation
import Testing
@testable import Cron

/// The cron parser and evaluator against their fuzzing corpus (`Fuzz/FuzzCron`, `make fuzz`): the
/// seeds in `Fixtures/fuzz/cron` and any failure the fuzzer found, minimised, in
/// `Fixtures/fuzz/regressions/cron`. The checks are the fuzz target's: a rejected schedule gives
/// a message safe to print; an accepted one (cron expression, macro or `@every` interval)
/// explains itself, parses again to itself, and its fire times in zones with daylight saving are
/// consistent going forwards and backwards.
struct CronFuzzRegressionTests {
    /// The repository's Fixtures/fuzz folder, found from this file's path.
    static let fuzzFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    /// Every input of a Fixtures/fuzz folder (missing folder: none), decoded as the fuzzer does
    /// (invalid UTF-8 becomes U+FFFD).
    static func inputs(_ folder: String) throws -> [(name: String, text: String)] {
        let url = fuzzFixtures.appendingPathComponent(folder)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: url.path).sorted().map { name in
            let data = try Data(contentsOf: url.appendingPathComponent(name))
            return (name, String(decoding: data, as: UTF8.self))
        }
    }

    static func corpus() throws -> [(name: String, text: String)] {
        try inputs("cron") + inputs("regressions/cron")
    }

    static func unprintable(_ text: String) -> Unicode.Scalar? {
        text.unicodeScalars.first {
            [.control, .format, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
        }
    }

    /// The instants the fuzz target starts from: both daylight-saving changes of 2026 in Europe
    /// and America (either side, and inside the repeated hours), a leap day, 1900 and 2099.
    static let starts: [Int64] = [
        1_767_225_600, 1_774_745_400, 1_792_887_600, 1_792_891_200, 1_772_949_600, 1_793_512_799, 1_793_514_600,
        1_709_164_800, 0, -2_208_988_800, 4_102_444_799,
    ]

    static let zones = ["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
        .map { TimeZone(identifier: $0)! }

    @Test func theCorpusHasValidAndInvalidSeeds() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 60)
        let valid = corpus.filter { (try? CronSchedule($0.text)) != nil }
        #expect(valid.count >= 25)
        #expect(corpus.count - valid.count >= 25)
        // Macros and intervals, accepted and rejected.
        func isInterval(_ seed: (name: String, text: String)) -> Bool { seed.text.lowercased().hasPrefix("@every") }
        #expect(valid.contains(where: isInterval) && corpus.filter(isInterval).count > valid.filter(isInterval).count)
        #expect(valid.contains { $0.text.hasPrefix("@") && !isInterval($0) })
    }

    @Test func rejectedSeedsGiveAPrintableOneLineMessage() throws {
        for (name, text) in try Self.corpus() {
            // Both parsers: CronExpression rejects `@every` with a message of its own.
            var errors: [CronParseError] = []
            do { _ = try CronExpression(text) } catch { errors.append(error) }
            do { _ = try CronSchedule(text) } catch { errors.append(error) }
            for error in errors {
                // Bytes, not Characters: a combining mark first in the expression joins the quote.
                #expect(error.description.utf8.starts(with: "invalid cron expression \"".utf8), "\(name)")
                #expect(Self.unprintable(error.description) == nil, "\(name): \(error.description.debugDescription)")
                #expect(Self.unprintable(error.message) == nil, "\(name): \(error.message.debugDescription)")
            }
        }
    }

    @Test func controlCharactersAreShownEscaped() throws {
        func description(_ text: String) -> String {
            do { _ = try CronExpression(text); return "" } catch { return error.description }
        }
        #expect(description("0 0 \u{1B}[31m9 * * *").contains("\\u{1B}[31m9"))
        #expect(description("0 0 9\n* * *").contains("0 0 9\\n* * *"))
        #expect(description("0 0 9 * * \u{0}").contains("'\\u{0}' is not a whole number"))
        #expect(description("0 0 9 * * \u{202E}MON").contains("\\u{202E}MON"))
        #expect(description("0 0 9 * * \u{2028}").contains("\\u{2028}"))
        do { _ = try CronSchedule("@every 5\u{1B}[31m") } catch {
            #expect(error.description == #"invalid cron expression "@every 5\u{1B}[31m": '5\u{1B}[31m' is not a duration: "#
                + "expected whole numbers each followed by a unit (s, m, h, d or w), such as 90m or 1h30m")
        }
    }

    /// The fuzz target's invariants, for every accepted seed, in every zone, from every start;
    /// intervals from their default anchor and from one in the middle of a night with a
    /// daylight-saving change.
    @Test func acceptedSeedsHaveConsistentFireTimes() throws {
        for (name, text) in try Self.corpus() {
            guard let parsed = try? CronSchedule(text) else { continue }
            #expect(try CronSchedule(parsed.source) == parsed, "\(name)")
            #expect(!parsed.explain().isEmpty, "\(name)")
            let anchors: [Date?] = parsed.interval == nil ? [nil] : [nil, Date(timeIntervalSince1970: 1_774_747_837)]
            for zone in Self.zones {
                for anchor in anchors {
                    let schedule = try CronSchedule(text, timeZone: zone, anchor: anchor)
                    for start in Self.starts {
                        check(schedule, from: start, "\(name) in \(zone.identifier) from \(start)")
                    }
                }
            }
        }
    }

    private func check(_ schedule: CronSchedule, from start: Int64, _ what: String) {
        let zone = schedule.timeZone
        func isFireTime(_ t: Int64) -> Bool {
            guard let expression = schedule.expression else {
                // An interval: the anchor plus a whole number of periods.
                let anchor = Int64(schedule.anchor!.timeIntervalSince1970), period = schedule.interval!.components.seconds
                return (t - anchor) % period == 0
            }
            let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t))))
            if expression.matches(wallClockSeconds: t + offset) { return true }
            // A fixed-time match skipped by a spring-forward fires at the first instant after the jump.
            let before = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t - 1))))
            return expression.isFixedTime && before < offset
        }
        var cursor = Date(timeIntervalSince1970: TimeInterval(start))
        for _ in 0..<3 {
            guard let next = schedule.next(after: cursor) else { break }
            let t = Int64(next.timeIntervalSince1970)
            #expect(next > cursor && TimeInterval(t) == next.timeIntervalSince1970, "\(what): next \(next)")
            #expect(isFireTime(t), "\(what): \(next) does not match")
            #expect(schedule.matches(next), "\(what): matches(\(next)) is false")
            if let previous = schedule.previous(before: next) {
                #expect(previous <= cursor, "\(what): previous(before: \(next)) = \(previous) is after \(cursor)")
            }
            cursor = next
        }
        let from = Date(timeIntervalSince1970: TimeInterval(start))
        if let previous = schedule.previous(before: from) {
            #expect(previous < from && isFireTime(Int64(previous.timeIntervalSince1970)), "\(what): previous \(previous)")
            if let after = schedule.next(after: previous) {
                #expect(after >= from, "\(what): next(after: \(previous)) = \(after) is before the start")
            }
        }
    }
}
