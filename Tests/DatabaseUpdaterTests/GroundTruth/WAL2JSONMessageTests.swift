@testable import DatabaseUpdater
import Foundation
import Testing

/// wal2json's format-2 messages (as PostgreSQL 15's wal2json writes them) decoded to the change
/// log's names, keys and canonical texts.
struct WAL2JSONMessageTests {
    @Test func anInsertHasTheLogsTableNameKeyAndCanonicalValues() throws {
        let message = try WAL2JSONMessage(json: """
            {"action":"I","xid":731,"timestamp":"2026-12-01 11:10:28.672306+00","schema":"public","table":"t","columns":[\
            {"name":"id","type":"uuid","value":"550E8400-E29B-41D4-A716-446655440000"},\
            {"name":"tenant_id","type":"uuid","value":"550e8400-e29b-41d4-a716-446655440001"},\
            {"name":"n","type":"bigint","value":9223372036854775807},\
            {"name":"at","type":"timestamp with time zone","value":"2026-12-01 12:10:28.671971+01"},\
            {"name":"ok","type":"boolean","value":true},{"name":"off","type":"boolean","value":false},\
            {"name":"price","type":"numeric(5,2)","value":1.50},{"name":"whole","type":"numeric(5,2)","value":2.00},\
            {"name":"note","type":"text","value":null}],"pk":[{"name":"id","type":"uuid"}]}
            """)
        #expect(message.action == .insert && message.operation == .insert)
        #expect(message.table == "t" && message.xid == "731")
        #expect(message.key == "550e8400-e29b-41d4-a716-446655440000")
        #expect(message.timestamp == DatabaseValue.parseTimestamp("2026-12-01T11:10:28.672306Z"))
        #expect(message.value("n") == "9223372036854775807")
        #expect(message.value("at") == "2026-12-01T11:10:28.671Z")
        #expect(message.value("ok") == "1" && message.value("off") == "0")
        #expect(message.value("price") == "1.5" && message.value("whole") == "2")
        #expect(message.columns["note"] == .some(nil))
        #expect(message.value("tenant_id") == "550e8400-e29b-41d4-a716-446655440001")
    }

    @Test func compositeKeysAreAJSONArrayAndDeletesUseTheIdentity() throws {
        let update = try WAL2JSONMessage(json: """
            {"action":"U","xid":735,"schema":"sales","table":"c","columns":[{"name":"a","type":"integer","value":1},\
            {"name":"b","type":"text","value":"z"},{"name":"v","type":"text","value":"w"}],\
            "identity":[{"name":"a","type":"integer","value":1},{"name":"b","type":"text","value":"x\\"y"}],\
            "pk":[{"name":"a","type":"integer"},{"name":"b","type":"text"}]}
            """)
        #expect(update.table == "sales.c")
        #expect(update.key == #"["1","z"]"#, "the key after the change")
        let delete = try WAL2JSONMessage(json: """
            {"action":"D","xid":736,"schema":"public","table":"c","identity":[{"name":"a","type":"integer","value":1},\
            {"name":"b","type":"text","value":"x\\"y"}],"pk":[{"name":"a","type":"integer"},{"name":"b","type":"text"}]}
            """)
        #expect(delete.operation == .delete && delete.key == #"["1","x\"y"]"#)
        let noKey = try WAL2JSONMessage(json: #"{"action":"I","xid":738,"schema":"public","table":"nopk","columns":[{"name":"x","type":"integer","value":1}],"pk":[]}"#)
        #expect(noKey.key == nil)
    }

    @Test func transactionsAndOtherMessages() throws {
        let begin = try WAL2JSONMessage(json: #"{"action":"B","xid":731,"timestamp":"2026-12-01 11:10:28.672306+00"}"#)
        #expect(begin.action == .begin && begin.operation == nil && begin.table == "")
        #expect(try WAL2JSONMessage(json: #"{"action":"T","xid":740,"schema":"s","table":"x"}"#).operation == nil)
        #expect(throws: DatabaseError.self) { try WAL2JSONMessage(json: "not json") }
        #expect(throws: DatabaseError.self) { try WAL2JSONMessage(json: #"{"action":"Z"}"#) }
    }
}
