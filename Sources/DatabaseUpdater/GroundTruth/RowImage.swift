import Crypto
import Foundation
import Synchronization

/// A row in the change log's canonical form, and its hash: what the log records of a row
/// before and after each change, and what `updater verify` recomputes from the database.
///
/// **The canonical form** is a JSON object with one member per column, keys sorted by their
/// UTF-8 bytes, every value a JSON string or `null`, no whitespace; strings escape `"`, `\`,
/// `\n`, `\r`, `\t` and other control characters as `\u00XX`, and nothing else. A value's text
/// does not depend on the engine: integers in decimal, reals in their shortest round-trip form
/// (`12.5`; whole ones like integers, `12`), booleans `1`/`0`, timestamps as ISO 8601 UTC with milliseconds
/// (`2026-03-02T09:00:00.000Z`), UUIDs in lower case, text as is. So the same row has the same
/// hash on SQLite and PostgreSQL. **The hash** is the SHA-256 of the form's UTF-8, in lower-case hex.
///
/// In Python: `hashlib.sha256(json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()`,
/// with `row` mapping column names to those texts.
public struct RowImage: Sendable, Hashable {
    /// Column name → canonical text, nil for NULL.
    public var columns: [String: String?]

    public init(columns: [String: String?]) {
        self.columns = columns
    }

    /// The image of a result row (a `SELECT *` or `RETURNING *` of the table).
    public init(_ row: DatabaseRow) {
        var columns: [String: String?] = [:]
        columns.reserveCapacity(row.columns.count)
        for (name, value) in zip(row.columns, row.values) { columns[name] = Self.text(value) }
        self.columns = columns
    }

    /// Parses a canonical text back (nil when it is not a JSON object of strings and nulls).
    public init?(canonicalText: String) {
        guard let object = try? JSONDecoder().decode([String: String?].self, from: Data(canonicalText.utf8)) else { return nil }
        columns = object
    }

    /// The canonical JSON text.
    public var canonicalText: String {
        let names = columns.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        return String(decoding: Self.canonicalBytes(names.map { ($0, columns[$0] ?? nil) }), as: UTF8.self)
    }

    /// SHA-256 of the canonical text, lower-case hex.
    public var hash: String { Self.hash(canonicalText: canonicalText) }

    /// The canonical text of a result row, made straight from it (no dictionary: `verify` and
    /// every logged change make one per row).
    public static func canonicalText(of row: DatabaseRow) -> String {
        String(decoding: canonicalBytes(of: row), as: UTF8.self)
    }

    /// ``hash`` of a result row, made straight from it.
    public static func hash(of row: DatabaseRow) -> String {
        hash(bytes: canonicalBytes(of: row))
    }

    private static func canonicalBytes(of row: DatabaseRow) -> [UInt8] {
        canonicalBytes(of: row, order: canonicalOrder(of: row.columns))
    }

    /// The positions of `columns` in the canonical form's key order. Kept per column list: every
    /// logged change needs it, and sorting a table's column names each time was a tenth of an
    /// execution's instructions (callgrind).
    static func canonicalOrder(of columns: [String]) -> [Int] {
        if let known = orders.withLock({ $0[columns] }) { return known }
        let order = columns.indices.sorted { columns[$0].utf8.lexicographicallyPrecedes(columns[$1].utf8) }
        orders.withLock { if $0.count < 1024 { $0[columns] = order } }
        return order
    }

    private static let orders = Mutex<[[String]: [Int]]>([:])

    /// The canonical bytes of `row`, its columns taken in `order` (``canonicalOrder(of:)``),
    /// each value written straight into them (``CanonicalBytes``), without its text as a `String`.
    static func canonicalBytes(of row: DatabaseRow, order: [Int]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(64 * order.count)
        for (position, index) in order.enumerated() {
            if position > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONCoding.appendQuoted(row.columns[index], to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            _ = CanonicalBytes.append(row.values[index], to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `{"name":"text",…}` from name–text pairs already in key order.
    private static func canonicalBytes(_ pairs: [(String, String?)]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(64 * pairs.count)
        for (index, (name, value)) in pairs.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONCoding.appendQuoted(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if let value { JSONCoding.appendQuoted(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// SHA-256 of `canonicalText`, lower-case hex.
    public static func hash(canonicalText: String) -> String {
        hash(bytes: Array(canonicalText.utf8))
    }

    private static func hash(bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A value's canonical text (nil for NULL); see the type's documentation.
    public static func text(_ value: DatabaseValue) -> String? {
        switch value {
        case .null: nil
        case .text(let text): text
        case .integer(let integer): String(integer)
        case .double(let double): double.rounded() == double && abs(double) < 1e15 ? String(Int64(double)) : "\(double)"
        case .bool(let bool): bool ? "1" : "0"
        case .timestamp(let date): DatabaseValue.formatTimestamp(date)
        case .uuid(let uuid): uuid.lowercaseString
        }
    }
}
