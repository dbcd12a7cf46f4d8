import Foundation

/// One row inserted, updated or deleted by an execution, emitted after its transaction
/// committed — the ground truth monitors are checked against.
///
/// JSON: `{"type":"db_write","operation":"insert","table":"service_tickets","key":"…","tenant":"…",
/// "updater":"service_tickets","execution":"…","timestamp":1699900000.123}`
public struct ChangeEvent: Codable, Sendable, Equatable {
    /// Always `db_write`.
    public var type: String = "db_write"
    public var operation: RowChange.Operation
    public var table: String
    /// The row's primary key.
    public var key: String
    /// The tenant id.
    public var tenant: String
    /// The updater's name.
    public var updater: String
    /// The execution id.
    public var execution: String
    /// Commit time, seconds since 1970 with milliseconds.
    public var timestamp: Double

    public init(change: RowChange, tenant: UUID, updater: String, execution: UUID, committedAt: Date) {
        operation = change.operation
        table = change.table
        key = change.key
        self.tenant = tenant.lowercaseString
        self.updater = updater
        self.execution = execution.lowercaseString
        timestamp = (committedAt.timeIntervalSince1970 * 1000).rounded() / 1000
    }

    /// The event as one line of JSON with the keys in the documented order (Foundation's
    /// encoder does not keep declaration order on Linux). Written as bytes, without `String(format:)`:
    /// every committed row makes one of these, and interpolation and `%.3f` showed in `perf`.
    public var jsonLine: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        func field(_ name: StaticString, _ value: String) {
            bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            JSONCoding.appendQuoted(value, to: &bytes)
        }
        field("{\"type\":", type)
        field(",\"operation\":", operation.rawValue)
        field(",\"table\":", table)
        field(",\"key\":", key)
        field(",\"tenant\":", tenant)
        field(",\"updater\":", updater)
        field(",\"execution\":", execution)
        // Milliseconds, always three digits: the timestamp is already rounded to them.
        let milliseconds = Int64((timestamp * 1000).rounded())
        let whole = milliseconds / 1000, fraction = abs(milliseconds % 1000)
        let sign = milliseconds < 0 && whole == 0 ? "-" : ""
        bytes.append(contentsOf: ",\"timestamp\":\(sign)\(whole).".utf8)
        bytes.append(contentsOf: [UInt8(ascii: "0") + UInt8(fraction / 100), UInt8(ascii: "0") + UInt8(fraction / 10 % 10),
                                  UInt8(ascii: "0") + UInt8(fraction % 10), UInt8(ascii: "}")])
        return String(decoding: bytes, as: UTF8.self)
    }
}
