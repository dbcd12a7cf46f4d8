import Crypto
import Foundation

/// A row's 128-bit hash: the first 16 bytes of the SHA-256 of its canonical form
/// (``RowImage``), the same form the change log hashes, so the two can be compared.
struct RowHash: Hashable, Sendable {
    var high: UInt64
    var low: UInt64
}

/// Hashes the rows of one table scan: its key text, the row's ``RowHash`` and one 32-bit hash
/// per column (FNV-1a of the column's canonical text), which names the columns a modified row
/// changed without keeping its values.
///
/// The canonical form is written into one buffer, reused from row to row: the column names'
/// parts (`{"name":`, `,"name":`) are made once per scan, the values written as bytes
/// (``CanonicalBytes``), and the column hashes taken in the same pass.
struct RowDigester {
    let columns: [String]
    /// Column positions in the canonical form's key order.
    private let order: [Int]
    /// Per canonical position, the bytes before its value: `{"name":` for the first, `,"name":` after.
    private let prefixes: [[UInt8]]
    private let keyPositions: [Int]
    private var buffer: [UInt8] = []

    init(columns: [String], keyColumns: [String]) {
        self.columns = columns
        order = RowImage.canonicalOrder(of: columns)
        prefixes = order.enumerated().map { index, column in
            var bytes: [UInt8] = [index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ",")]
            JSONCoding.appendQuoted(columns[column], to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            return bytes
        }
        keyPositions = keyColumns.compactMap { columns.firstIndex(of: $0) }
    }

    /// The key as the change log writes it: the key column's canonical text; for several key
    /// columns, a JSON array of their texts.
    func key(of row: DatabaseRow) -> String {
        if keyPositions.count == 1 { return RowImage.text(row.values[keyPositions[0]]) ?? "null" }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, position) in keyPositions.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            if let text = RowImage.text(row.values[position]) { JSONCoding.appendQuoted(text, to: &bytes) } else { bytes += Array("null".utf8) }
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The row's hash, and its columns' hashes appended to `columnHashes` in table order.
    mutating func digest(_ row: DatabaseRow, columnHashes: inout [UInt32]) -> RowHash {
        let first = columnHashes.count
        columnHashes.append(contentsOf: repeatElement(0, count: columns.count))
        buffer.removeAll(keepingCapacity: true)
        if order.isEmpty { buffer.append(UInt8(ascii: "{")) }
        for (index, position) in order.enumerated() {
            buffer.append(contentsOf: prefixes[index])
            columnHashes[first + position] = CanonicalBytes.append(row.values[position], to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
        let digest = SHA256.hash(data: buffer)
        return digest.withUnsafeBytes { raw in
            RowHash(high: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
