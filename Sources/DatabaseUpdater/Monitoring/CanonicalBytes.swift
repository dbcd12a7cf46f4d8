import Foundation

/// Writes a value's part of a row's canonical form (``RowImage``) straight into a byte buffer:
/// `null`, or its canonical text as a JSON string, the same bytes `RowImage` makes from the
/// value's `String` — but without making that string (a table scan writes one per column of
/// every row). Also returns the text's FNV-1a, the monitor's column hash.
enum CanonicalBytes {
    /// The column hash of NULL, apart from every text's.
    static let nullHash: UInt32 = 0x9e37_79b9
    private static let fnvOffset: UInt32 = 0x811c_9dc5
    private static let fnvPrime: UInt32 = 0x0100_0193
    private static let null = Array("null".utf8)

    /// Appends `value` as the canonical form writes it; returns the column hash of its text.
    static func append(_ value: DatabaseValue, to out: inout [UInt8]) -> UInt32 {
        switch value {
        case .null:
            out.append(contentsOf: null)
            return nullHash
        case .text(var text):
            return text.withUTF8 { appendQuoted($0, to: &out) }
        case .uuid(let uuid):
            return uuid.withLowercaseUTF8 { appendQuoted($0, to: &out) }
        case .integer(let integer):
            return appendUnescaped(to: &out) { DatabaseValue.appendDecimal(integer, to: &$0) }
        case .timestamp(let date):
            return appendUnescaped(to: &out) { DatabaseValue.appendTimestamp(date, to: &$0) }
        case .bool(let bool):
            return appendUnescaped(to: &out) { $0.append(bool ? UInt8(ascii: "1") : UInt8(ascii: "0")) }
        case .double:
            var text = RowImage.text(value) ?? ""
            return text.withUTF8 { appendQuoted($0, to: &out) }
        }
    }

    /// `text` in double quotes, escaped as ``JSONCoding`` escapes. Returns the FNV-1a of `text`
    /// (unescaped).
    static func appendQuoted(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> UInt32 {
        JSONCoding.appendQuoted(text, to: &out)
        var hash = fnvOffset
        for byte in text { hash = (hash ^ UInt32(byte)) &* fnvPrime }
        return hash
    }

    /// Text that never needs escaping (digits, a timestamp), written by `write` between quotes.
    private static func appendUnescaped(to out: inout [UInt8], _ write: (inout [UInt8]) -> Void) -> UInt32 {
        out.append(UInt8(ascii: "\""))
        let start = out.count
        write(&out)
        var hash = fnvOffset
        for byte in out[start...] { hash = (hash ^ UInt32(byte)) &* fnvPrime }
        out.append(UInt8(ascii: "\""))
        return hash
    }
}
