import Foundation
import Testing
@testable import DatabaseUpdater

struct ExecutionRecordTests {
    @Test func rowCountsAreWrittenAsTheSharedEncoderWouldAndReadBack() throws {
        let cases: [[ExecutionRecord.RowCount]] = [
            [],
            [.init(table: "service_tickets", operation: .insert, count: 1)],
            [.init(table: "business_activities", operation: .update, count: 12), .init(table: "odd \"name\"\\\n", operation: .delete, count: 0),
             .init(table: "é", operation: .insert, count: -3)],
        ]
        for rows in cases {
            let text = ExecutionRecord.rowsJSON(rows)
            #expect(text == String(decoding: try JSONCoding.encoder().encode(rows), as: UTF8.self))
            #expect(try JSONCoding.decoder().decode([ExecutionRecord.RowCount].self, from: Data(text.utf8)) == rows)
        }
    }
}
