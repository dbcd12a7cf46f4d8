import Foundation

/// One entry of the change log: a row inserted, updated or deleted by an execution that
/// committed — the ground truth monitors are checked against (see ``ChangeLog``).
///
/// JSON (one line of `changes.jsonl`, keys in this order; `image` only with `ledger.rowImages`):
/// `{"type":"db_write","operation":"insert","table":"service_tickets","key":"…","tenant":"…",
/// "updater":"service_tickets","execution":"…","timestamp":1699900000.123,"seq":42,
/// "transaction":"7311","data_time":1699900000.000,"before":null,"after":"9f86d0…","image":{…}}`
///
/// The first eight keys are the events' original ones, unchanged; `timestamp` is the commit time.
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
    /// Commit time, seconds since 1970 with milliseconds: the wall clock when the entry was
    /// written, immediately before its transaction's `COMMIT`.
    public var timestamp: Double
    /// The entry's place in the log: gapless and increasing, in commit order. Nil only in lines
    /// written before the log had sequence numbers.
    public var seq: Int64?
    /// The transaction that wrote the row: PostgreSQL's transaction id, or on SQLite the
    /// sequence number of the transaction's first entry. Entries of one transaction are contiguous.
    public var transaction: String?
    /// The data time: the fire time the execution ran for (simulated or real), seconds since 1970.
    public var dataTime: Double?
    /// ``RowImage/hash`` of the row before the change (updates, deletes), nil for inserts.
    public var before: String?
    /// ``RowImage/hash`` of the row after the change (inserts, updates), nil for deletes.
    public var after: String?
    /// The row after the change in ``RowImage``'s canonical JSON, when `ledger.rowImages` is on.
    public var image: String?
    /// Where an event not of the change log came from: `external` (posted to the API) or
    /// `capture` (another writer, read by `updater capture`); nil for the log's own entries. Such
    /// events are broadcast to streams and webhooks but are not ground truth: they have no `seq`.
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case type, operation, table, key, tenant, updater, execution, timestamp, seq, transaction
        case dataTime = "data_time"
        case before, after, image, source
    }

    public init(change: RowChange, tenant: UUID, updater: String, execution: UUID, committedAt: Date) {
        operation = change.operation
        table = change.table
        key = change.key
        self.tenant = tenant.lowercaseString
        self.updater = updater
        self.execution = execution.lowercaseString
        timestamp = Self.milliseconds(committedAt.timeIntervalSince1970)
        before = change.before
        after = change.after
        image = change.image
    }

    /// `seconds` rounded to milliseconds, as every time of an event is.
    static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        type = try container.decode(String.self, forKey: .type)
        operation = try container.decode(RowChange.Operation.self, forKey: .operation)
        table = try container.decode(String.self, forKey: .table)
        key = try container.decode(String.self, forKey: .key)
        tenant = try container.decode(String.self, forKey: .tenant)
        updater = try container.decode(String.self, forKey: .updater)
        execution = try container.decode(String.self, forKey: .execution)
        timestamp = try container.decode(Double.self, forKey: .timestamp)
        seq = try container.decodeIfPresent(Int64.self, forKey: .seq)
        transaction = try container.decodeIfPresent(String.self, forKey: .transaction)
        dataTime = try container.decodeIfPresent(Double.self, forKey: .dataTime)
        before = try container.decodeIfPresent(String.self, forKey: .before)
        after = try container.decodeIfPresent(String.self, forKey: .after)
        // An object in JSON, its canonical text here (keys sorted, so the decoded order does not matter).
        image = try container.decodeIfPresent([String: String?].self, forKey: .image).map { RowImage(columns: $0).canonicalText }
        source = try container.decodeIfPresent(String.self, forKey: .source)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(operation, forKey: .operation)
        try container.encode(table, forKey: .table)
        try container.encode(key, forKey: .key)
        try container.encode(tenant, forKey: .tenant)
        try container.encode(updater, forKey: .updater)
        try container.encode(execution, forKey: .execution)
        try container.encode(timestamp, forKey: .timestamp)
        try container.encodeIfPresent(seq, forKey: .seq)
        try container.encodeIfPresent(transaction, forKey: .transaction)
        try container.encodeIfPresent(dataTime, forKey: .dataTime)
        try container.encodeIfPresent(before, forKey: .before)
        try container.encodeIfPresent(after, forKey: .after)
        if let image, let columns = RowImage(canonicalText: image)?.columns {
            try container.encode(columns, forKey: .image)
        }
        try container.encodeIfPresent(source, forKey: .source)
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
        Self.appendSeconds(timestamp, name: ",\"timestamp\":", to: &bytes)
        if let seq { bytes.append(contentsOf: ",\"seq\":\(seq)".utf8) }
        if let transaction { field(",\"transaction\":", transaction) }
        if let dataTime { Self.appendSeconds(dataTime, name: ",\"data_time\":", to: &bytes) }
        if seq != nil {
            // Both hashes always present in a sequenced entry, null where the row did not exist.
            if let before { field(",\"before\":", before) } else { bytes.append(contentsOf: ",\"before\":null".utf8) }
            if let after { field(",\"after\":", after) } else { bytes.append(contentsOf: ",\"after\":null".utf8) }
        }
        if let image {
            bytes.append(contentsOf: ",\"image\":".utf8)
            bytes.append(contentsOf: image.utf8)
        }
        if let source { field(",\"source\":", source) }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `"name":seconds` with exactly three decimals (the value is already rounded to milliseconds).
    private static func appendSeconds(_ seconds: Double, name: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        let milliseconds = Int64((seconds * 1000).rounded())
        let whole = milliseconds / 1000, fraction = abs(milliseconds % 1000)
        if milliseconds < 0 && whole == 0 { bytes.append(UInt8(ascii: "-")) }
        bytes.append(contentsOf: "\(whole).".utf8)
        bytes.append(contentsOf: [UInt8(ascii: "0") + UInt8(fraction / 100), UInt8(ascii: "0") + UInt8(fraction / 10 % 10),
                                  UInt8(ascii: "0") + UInt8(fraction % 10)])
    }
}
