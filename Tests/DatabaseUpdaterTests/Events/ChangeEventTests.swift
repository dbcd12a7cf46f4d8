import Foundation
import Testing
@testable import DatabaseUpdater

struct ChangeEventTests {
    @Test func ledgerLinesKeepTheDocumentedKeyOrderAndDecodeBack() throws {
        let event = ChangeEvent(change: RowChange(table: "odd \"table\"\\\n\t\u{1}", operation: .update, key: "k"),
                                tenant: Tenant.default.id, updater: "service_tickets", execution: UUID(),
                                committedAt: Date(timeIntervalSince1970: 1_699_900_000.123))
        let line = event.jsonLine
        #expect(line.hasPrefix(#"{"type":"db_write","operation":"update","table":"#))
        #expect(line.hasSuffix(#""timestamp":1699900000.123}"#))
        #expect(!line.contains("\n"))
        #expect(try JSONDecoder().decode(ChangeEvent.self, from: Data(line.utf8)) == event)
        #expect(try JSONDecoder().decode([String].self, from: Data(Template.jsonArray(["a\"b", "c\\d", "é"]).utf8)) == ["a\"b", "c\\d", "é"])
    }

    @Test func timestampsAreWrittenWithThreeDecimalsLikePrintf() {
        var rng = SeededRandom(seed: 5)
        let instants = [0, 0.005, -0.005, -1.25, 1_699_900_000.1, 1_699_900_000.999_6] + (0..<200).map { _ in rng.unit() * 4e9 - 1e9 }
        for seconds in instants {
            let event = ChangeEvent(change: RowChange(table: "t", operation: .insert, key: "k"), tenant: Tenant.default.id,
                                    updater: "u", execution: UUID(), committedAt: Date(timeIntervalSince1970: seconds))
            #expect(event.jsonLine.hasSuffix("\"timestamp\":\(String(format: "%.3f", event.timestamp))}"), "\(seconds)")
        }
    }
}
