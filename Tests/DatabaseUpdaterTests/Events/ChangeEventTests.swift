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
}
