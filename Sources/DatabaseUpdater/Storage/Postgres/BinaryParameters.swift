import CLibPQ
import Foundation

/// A statement's parameters in PostgreSQL's binary format, all in one buffer: what
/// `PQsendQueryPrepared` is given with a format of 1 for each. The server then copies a UUID's
/// 16 bytes or a timestamp's 8 instead of parsing their text (on a two-core machine its backend
/// shares the cores with us), and no C string is made per parameter.
///
/// Each value is sent as the type ``PostgresConnection`` declares for it when preparing:
/// text → `text` (its UTF-8), integer → `int8`, double → `float8`, bool → `bool`, timestamp →
/// `timestamptz` (microseconds since 2000-01-01 UTC, truncated to the millisecond as the text
/// form was, so that the stored values do not change), UUID → `uuid`; integers big-endian.
struct BinaryParameters {
    /// The values' bytes, one after another.
    private var bytes: [UInt8] = []
    /// Where each value starts in ``bytes``; nil for NULL.
    private var starts: [Int?] = []
    /// Each value's length in bytes (0 for NULL).
    private var lengths: [Int32] = []

    /// The formats of up to 64 parameters, all binary (made once).
    private static let allBinary = [Int32](repeating: 1, count: 64)

    /// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in milliseconds since 1970.
    private static let epochMilliseconds: Int64 = 946_684_800_000

    init(_ values: [DatabaseValue]) {
        bytes.reserveCapacity(24 * values.count + 1)
        starts.reserveCapacity(values.count)
        lengths.reserveCapacity(values.count)
        for value in values {
            let start = bytes.count
            switch value {
            case .null:
                starts.append(nil)
                lengths.append(0)
                continue
            case .text(var text): text.withUTF8 { bytes.append(contentsOf: $0) }
            case .integer(let integer): append(UInt64(bitPattern: integer))
            case .double(let double): append(double.bitPattern)
            case .bool(let bool): bytes.append(bool ? 1 : 0)
            case .timestamp(let date):
                append(UInt64(bitPattern: (DatabaseValue.wholeMilliseconds(date) - Self.epochMilliseconds) * 1000))
            case .uuid(let uuid): withUnsafeBytes(of: uuid.uuid) { bytes.append(contentsOf: $0) }
            }
            starts.append(start)
            lengths.append(Int32(bytes.count - start))
        }
        // One byte past the values: the buffer is never empty, so a value of no bytes (empty
        // text) still has a non-null pointer into it (a null one means NULL).
        bytes.append(0)
    }

    private mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Calls `body` with the number of parameters and libpq's three parameter arrays: values
    /// (null for NULL), lengths and formats (all binary). The pointers are valid only inside `body`.
    func withArrays<Result>(
        _ body: (Int32, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> Result
    ) -> Result {
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let pointers: [UnsafePointer<CChar>?] = starts.map { $0.map { UnsafePointer(base + $0) } }
            let formats = lengths.count <= Self.allBinary.count ? Self.allBinary : [Int32](repeating: 1, count: lengths.count)
            return pointers.withUnsafeBufferPointer { values in
                lengths.withUnsafeBufferPointer { lengths in
                    formats.withUnsafeBufferPointer { formats in body(Int32(lengths.count), values.baseAddress, lengths.baseAddress, formats.baseAddress) }
                }
            }
        }
    }
}
