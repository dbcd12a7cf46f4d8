import Foundation
import Testing
@testable import DatabaseUpdater

/// The hand-written text paths every execution takes (issue 20 made them faster; these hold them
/// to what they replaced): UUID parsing as Foundation parses, timestamp text at fixed width and
/// beyond it, JSON string escaping.
struct TextEncodingTests {
    @Test func uuidTextParsesAsFoundationDoes() {
        var inputs = [
            "550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-446655440000", "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "", "550e8400e29b41d4a716446655440000", "550e8400-e29b-41d4-a716-44665544000",
            "550e8400-e29b-41d4-a716-4466554400000", "550e8400-e29b-41d4-a716_446655440000", "g50e8400-e29b-41d4-a716-446655440000",
        ]
        for _ in 0..<200 { inputs.append(UUID().uuidString); inputs.append(UUID().lowercaseString) }
        for text in inputs {
            #expect(UUID(text: text) == UUID(uuidString: text), "\(text)")
        }
        // Stricter than Foundation, which reads these two as a UUID (its `sscanf` skips a leading
        // space and stops at a non-digit).
        #expect(UUID(text: "550e8400-e29b-41d4-a716-44665544000é") == nil)
        #expect(UUID(text: " 550e8400-e29b-41d4-a716-44665544000") == nil)
    }

    @Test func timestampsHaveTheirFixedForm() {
        let cases: [(TimeInterval, String)] = [
            (0, "1970-01-01T00:00:00.000Z"), (-0.0005, "1969-12-31T23:59:59.999Z"), (1_795_000_000.1239, "2026-11-18T11:06:40.123Z"),
            (951_782_400, "2000-02-29T00:00:00.000Z"), (-62_167_219_200, "0000-01-01T00:00:00.000Z"),
            (253_402_300_799.999, "9999-12-31T23:59:59.999Z"), (253_402_300_800, "10000-01-01T00:00:00.000Z"),
            (-62_167_219_200 - 86_400, "00-1-12-31T00:00:00.000Z"),
        ]
        for (seconds, text) in cases {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(DatabaseValue.formatTimestamp(date) == text, "\(seconds)")
            var bytes: [UInt8] = [UInt8(ascii: "<")]
            DatabaseValue.appendTimestamp(date, to: &bytes)
            #expect(bytes == Array("<\(text)".utf8))
        }
    }

    @Test func jsonStringsEscapeQuotesBackslashesAndControlCharactersOnly() {
        #expect(JSONCoding.quoted("plain") == "\"plain\"")
        #expect(JSONCoding.quoted("") == "\"\"")
        #expect(JSONCoding.quoted("a\"b\\c\nd\re\tf\u{01}g\u{1f}/é東🚀") == "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001f/é東🚀\"")
        #expect(JSONCoding.quoted("\"") == "\"\\\"\"")
        // As JSONSerialization reads it back.
        let text = "x\u{0}y\"\\\n\u{7f}é"
        let parsed = try? JSONSerialization.jsonObject(with: Data("[\(JSONCoding.quoted(text))]".utf8)) as? [String]
        #expect(parsed == [text])
    }
}
