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
struct RowDigester {
    let columns: [String]
    private let order: [Int]
    private let keyPositions: [Int]

    init(columns: [String], keyColumns: [String]) {
        self.columns = columns
        order = RowImage.canonicalOrder(of: columns)
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
    func digest(_ row: DatabaseRow, columnHashes: inout [UInt32]) -> RowHash {
        for value in row.values { columnHashes.append(Self.columnHash(RowImage.text(value))) }
        let digest = SHA256.hash(data: RowImage.canonicalBytes(of: row, order: order))
        return digest.withUnsafeBytes { raw in
            RowHash(high: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                    low: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// FNV-1a (32-bit) of a column's canonical text; NULL hashes apart from every text.
    static func columnHash(_ text: String?) -> UInt32 {
        guard let text else { return 0x9e37_79b9 }
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }
}
