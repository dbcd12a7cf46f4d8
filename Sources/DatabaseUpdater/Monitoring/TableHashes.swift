import Foundation

/// What the monitor keeps of a table between two checks: per row its key, its ``RowHash`` and
/// its columns' 32-bit hashes — never the values. A million rows of ten columns take about
/// 100 bytes each (key text, 16, 40).
///
/// On disk (little-endian): `UPDMONH1`, the column count (u32) and each column name (u32
/// length, UTF-8), the row count (u64), then per row the key (u32 length, UTF-8), the row hash
/// (two u64) and one u32 per column.
struct TableHashes {
    var columns: [String]
    var keys: [String] = []
    var hashes: [RowHash] = []
    /// `columns.count` hashes per row, rows in `keys` order.
    var columnHashes: [UInt32] = []

    init(columns: [String]) {
        self.columns = columns
    }

    var count: Int { keys.count }

    /// The column hashes of row `index`.
    func columnHashes(ofRow index: Int) -> ArraySlice<UInt32> {
        columnHashes[(index * columns.count)..<((index + 1) * columns.count)]
    }

    private static let magic = Array("UPDMONH1".utf8)

    /// The file's bytes.
    func encoded() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(64 + keys.count * (44 + 4 * columns.count))
        Self.append(UInt32(columns.count), to: &out)
        for column in columns { Self.append(column, to: &out) }
        Self.append(UInt64(keys.count), to: &out)
        for (index, key) in keys.enumerated() {
            Self.append(key, to: &out)
            Self.append(hashes[index].high, to: &out)
            Self.append(hashes[index].low, to: &out)
            for hash in columnHashes(ofRow: index) { Self.append(hash, to: &out) }
        }
        return out
    }

    /// Reads ``encoded()`` bytes back; nil when they are not such a file (truncated, other).
    init?(decoding bytes: [UInt8]) {
        var reader = Reader(bytes: bytes)
        guard reader.take(Self.magic.count).map(Array.init) == Self.magic, let columnCount = reader.u32() else { return nil }
        var columns: [String] = []
        for _ in 0..<columnCount {
            guard let column = reader.string() else { return nil }
            columns.append(column)
        }
        self.init(columns: columns)
        guard let rows = reader.u64(), rows <= UInt64(bytes.count) else { return nil }
        keys.reserveCapacity(Int(rows))
        hashes.reserveCapacity(Int(rows))
        columnHashes.reserveCapacity(Int(rows) * columns.count)
        for _ in 0..<rows {
            guard let key = reader.string(), let high = reader.u64(), let low = reader.u64() else { return nil }
            keys.append(key)
            hashes.append(RowHash(high: high, low: low))
            for _ in 0..<columns.count {
                guard let hash = reader.u32() else { return nil }
                columnHashes.append(hash)
            }
        }
        guard reader.atEnd else { return nil }
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        append(UInt32(text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
    }

    /// Reads fixed-width integers and strings off a byte array, nil past its end.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }

        mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard let slice = take(MemoryLayout<T>.size) else { return nil }
            return slice.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }

        mutating func u32() -> UInt32? { integer(UInt32.self) }
        mutating func u64() -> UInt64? { integer(UInt64.self) }

        mutating func string() -> String? {
            guard let length = u32(), let slice = take(Int(length)) else { return nil }
            return String(decoding: slice, as: UTF8.self)
        }
    }
}
