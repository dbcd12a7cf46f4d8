import Foundation

/// One message of the wal2json output plugin in format 2 (one JSON object per row change, with
/// `B`egin and `C`ommit objects around each transaction), as `updater verify --wal` and
/// `updater capture` read them from a logical replication slot.
///
/// Values are turned into ``RowImage``'s canonical text by the column's type, so they compare
/// with what the change log writes: `{"type":"uuid","value":"550E…"}` gives `550e…`,
/// `timestamp with time zone` gives `2026-03-02T09:00:00.000Z`, a `boolean` `1` or `0`.
///
/// ```swift
/// let message = try WAL2JSONMessage(json: #"{"action":"I","xid":731,"schema":"public","table":"t","columns":[…],"pk":[…]}"#)
/// message.table   // "t" (schema-qualified unless public, as the change log names tables)
/// message.key     // the primary key's canonical text
/// ```
public struct WAL2JSONMessage: Sendable, Equatable {
    public enum Action: String, Sendable {
        case begin = "B", commit = "C", insert = "I", update = "U", delete = "D", truncate = "T", message = "M"
    }

    public let action: Action
    /// The transaction id (`include-xids`), "" without it.
    public let xid: String
    /// The transaction's commit time (`include-timestamp`).
    public let timestamp: Date?
    /// `schema.table`, or just `table` in `public` (as the change log and ``Scenario/trackedTables``
    /// name them); "" for begin and commit.
    public let table: String
    /// The row after the change (insert, update): column name → canonical text, nil for NULL.
    public let columns: [String: String?]
    /// The replica identity of the row before the change (update, delete): by default its primary key.
    public let identity: [String: String?]
    /// The primary key's columns in key order (`include-pk`); empty without it or for a table without one.
    public let primaryKey: [String]

    /// The row change it describes, nil for begin, commit, truncate and messages.
    public var operation: RowChange.Operation? {
        switch action {
        case .insert: .insert
        case .update: .update
        case .delete: .delete
        default: nil
        }
    }

    /// The row's key as the change log writes keys: the key column's canonical text; for
    /// several key columns, a JSON array of their texts. Taken from the row after the change
    /// (so an update that changes the key names the new one), from the identity for a delete.
    /// Nil when the table has no primary key (or `include-pk` was not asked for).
    public var key: String? {
        guard !primaryKey.isEmpty else { return nil }
        let row = action == .delete ? identity : columns
        let texts = primaryKey.map { row[$0] ?? nil }
        if texts.count == 1 { return texts[0] ?? "null" }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, text) in texts.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            if let text { JSONCoding.appendQuoted(text, to: &bytes) } else { bytes += Array("null".utf8) }
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A column's canonical text from the row after the change, else from the identity.
    public func value(_ column: String) -> String? {
        (columns[column] ?? nil) ?? (identity[column] ?? nil)
    }

    /// Decodes one message.
    /// - Throws: ``DatabaseError`` when the text is not a format-2 object with an action.
    public init(json: String) throws(DatabaseError) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
              let code = object["action"] as? String, let action = Action(rawValue: code) else {
            throw DatabaseError(.unsupported, "not a wal2json format-2 message: \(json.prefix(200))")
        }
        self.action = action
        xid = (object["xid"] as? NSNumber).map { "\($0.int64Value)" } ?? ""
        timestamp = (object["timestamp"] as? String).flatMap(DatabaseValue.parseTimestamp)
        if let schema = object["schema"] as? String, let name = object["table"] as? String {
            table = schema == "public" ? name : "\(schema).\(name)"
        } else {
            table = ""
        }
        columns = Self.values(object["columns"])
        identity = Self.values(object["identity"])
        primaryKey = (object["pk"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// wal2json's `[{"name":…, "type":…, "value":…}]` as name → canonical text.
    private static func values(_ list: Any?) -> [String: String?] {
        var result: [String: String?] = [:]
        for column in list as? [[String: Any]] ?? [] {
            guard let name = column["name"] as? String else { continue }
            result[name] = canonicalText(column["value"], type: column["type"] as? String ?? "")
        }
        return result
    }

    /// A value as ``RowImage/text(_:)`` writes the same value read from PostgreSQL: wal2json
    /// writes numbers and booleans as JSON, everything else in PostgreSQL's text output.
    static func canonicalText(_ value: Any?, type: String) -> String? {
        switch value {
        case nil, is NSNull:
            return nil
        case let text as String:
            if type.hasPrefix("timestamp"), let date = DatabaseValue.parseTimestamp(text) { return DatabaseValue.formatTimestamp(date) }
            if type == "uuid", let uuid = UUID(uuidString: text) { return uuid.lowercaseString }
            return text
        case let number as NSNumber:
            if type == "boolean" { return number.boolValue ? "1" : "0" }
            if type.hasPrefix("numeric") || type == "real" || type == "double precision" {
                return RowImage.text(.double(number.doubleValue))
            }
            return number.stringValue
        default:
            return "\(value!)"
        }
    }
}
