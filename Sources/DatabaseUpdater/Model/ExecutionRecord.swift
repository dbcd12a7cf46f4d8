import Foundation

/// What one execution did: one updater, one tenant, one fire time.
public struct ExecutionRecord: Codable, Sendable, Equatable, Identifiable {
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        case succeeded
        case failed
        case timedOut = "timed_out"
        /// Not run: the previous execution of the same updater and tenant was still running.
        case skipped
    }

    /// Rows written to one table by one kind of operation.
    public struct RowCount: Codable, Sendable, Equatable, Hashable {
        public var table: String
        public var operation: RowChange.Operation
        public var count: Int
    }

    /// Many missed fires recorded as one record: those beyond the `misfireLimit` most recent
    /// (which are recorded one by one). The record's ``ExecutionRecord/scheduledAt`` is ``last``.
    public struct MissedRange: Codable, Sendable, Equatable {
        /// The first missed fire of the range.
        public var first: Date
        /// The last missed fire of the range.
        public var last: Date
        /// How many fires the range holds.
        public var count: Int
        /// False when counting stopped at ``MisfirePlanner/countLimit``: then ``count`` is a lower bound.
        public var countIsExact: Bool

        public init(first: Date, last: Date, count: Int, countIsExact: Bool = true) {
            self.first = first
            self.last = last
            self.count = count
            self.countIsExact = countIsExact
        }
    }

    /// Why an execution ran.
    public enum Trigger: String, Codable, Sendable {
        /// At its fire time.
        case scheduled
        /// For a fire that was missed, under the misfire policy.
        case catchUp = "catch_up"
        /// On request (`updater execute`, the API, `updater test`).
        case manual
        /// At its fire time on a simulated clock (`updater simulate`).
        case simulation
    }

    public var id: UUID
    public var updater: String
    public var tenant: UUID
    /// The fire time the execution was scheduled for (and seeded and stamped with).
    public var scheduledAt: Date
    public var startedAt: Date
    public var finishedAt: Date
    public var outcome: Outcome
    public var trigger: Trigger
    /// Rolled back on purpose: nothing persisted and no change events.
    public var dryRun: Bool
    /// The run seed; with `scheduledAt`, `tenant` and `updater` it reproduces the rows.
    public var seed: UInt64
    /// Rows per table and operation: written, or for a dry run, what would have been.
    public var rows: [RowCount]
    /// One line, when the outcome is not `succeeded`.
    public var error: String?
    /// For dry runs: a few of the rows that would have been inserted, per table.
    public var sample: [String: [[String: String]]]?
    /// For a `skipped` record that stands for a range of missed fires.
    public var missedRange: MissedRange?
    /// For a record an operator's backlog action wrote (`updater backlog retry|clear|mark-done`).
    public var backlog: BacklogResolution? = nil
    /// The replica (service) that ran it: its id, stable for its data folder (``CoordinationStore/replica``).
    /// Nil for records written before services had ids.
    public var replica: UUID? = nil

    /// Seconds from start to finish.
    public var durationSeconds: Double { finishedAt.timeIntervalSince(startedAt) }

    /// Total rows across tables and operations.
    public var totalRows: Int { rows.reduce(0) { $0 + $1.count } }

    /// `rows` as the history stores them: the JSON ``JSONCoding/encoder(pretty:)`` writes
    /// (sorted keys), written directly, since the history encodes one per execution and a
    /// `JSONEncoder` run costs more than the rest of the record.
    static func rowsJSON(_ rows: [RowCount]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, row) in rows.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: "{\"count\":\(row.count),\"operation\":".utf8)
            JSONCoding.appendQuoted(row.operation.rawValue, to: &bytes)
            bytes.append(contentsOf: ",\"table\":".utf8)
            JSONCoding.appendQuoted(row.table, to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Counts `changes` per table and operation, in first-seen order.
    static func rowCounts(_ changes: [RowChange]) -> [RowCount] {
        var counts: [RowCount] = []
        for change in changes {
            if let i = counts.firstIndex(where: { $0.table == change.table && $0.operation == change.operation }) {
                counts[i].count += 1
            } else {
                counts.append(RowCount(table: change.table, operation: change.operation, count: 1))
            }
        }
        return counts
    }
}

/// JSON as the tool writes it everywhere: ISO 8601 UTC timestamps with milliseconds.
public enum JSONCoding {
    /// `text` as a JSON string literal, quotes included, escaped per RFC 8259. For the few
    /// places that write JSON by hand (ledger lines with a fixed key order, generated parts lists).
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `text` as a JSON string literal to UTF-8 `bytes`.
    public static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { appendQuoted($0, to: &bytes) }
    }

    /// Appends the UTF-8 `text` as a JSON string literal: `"`, `\`, `\n`, `\r`, `\t` and other
    /// control characters escaped (as `\u00XX`), nothing else. Only ASCII bytes are ever escaped
    /// (every byte of a multi-byte character is 0x80 or above), so the runs between escapes are
    /// copied whole.
    public static func appendQuoted(_ text: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<text.count {
            let byte = text[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart..<index]))
            appendEscape(byte, to: &bytes)
            runStart = index + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[runStart...]))
        bytes.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                      hex.utf8Start[Int(byte >> 4)], hex.utf8Start[Int(byte & 0x0f)]])
        }
    }

    /// An encoder with the tool's date format; `pretty` for people.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(DatabaseValue.formatTimestamp(date))
        }
        return encoder
    }

    /// A decoder reading what ``encoder(pretty:)`` writes.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = DatabaseValue.parseTimestamp(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 time: \(text)"))
            }
            return date
        }
        return decoder
    }
}
