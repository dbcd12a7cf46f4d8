import Foundation

/// One change a monitor says it saw: what ``Scorer`` compares with the change log.
///
/// JSON, one object per line (JSON lines):
/// `{"operation":"update","table":"service_tickets","key":"…","detected_at":"2026-03-02T09:00:01.250Z"}`
/// — `detected_at` an ISO 8601 date-time with an offset, or seconds since 1970 (a number);
/// `tenant` and `seq` optional; other keys ignored. A line without `detected_at` but with a
/// `timestamp` uses that instead, so the change log's own lines (`changes.jsonl`) are
/// detections too: a perfect monitor's output.
public struct Detection: Decodable, Sendable, Equatable {
    public var operation: RowChange.Operation
    public var table: String
    /// The row's primary key, as the change log writes it.
    public var key: String
    /// When the monitor saw the change, seconds since 1970.
    public var detectedAt: Double
    /// The tenant id, when the monitor knows it: then only that tenant's entries match.
    public var tenant: String?
    /// The change log's sequence number, when the monitor knows it (say, it reads the log).
    public var seq: Int64?

    public init(operation: RowChange.Operation, table: String, key: String, detectedAt: Double, tenant: String? = nil, seq: Int64? = nil) {
        self.operation = operation
        self.table = table
        self.key = key
        self.detectedAt = detectedAt
        self.tenant = tenant
        self.seq = seq
    }

    enum CodingKeys: String, CodingKey {
        case operation, table, key, tenant, seq, timestamp
        case detectedAt = "detected_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let operation = try container.decode(String.self, forKey: .operation)
        guard let parsed = RowChange.Operation(rawValue: operation) else {
            throw DecodingError.dataCorruptedError(forKey: .operation, in: container,
                                                   debugDescription: "operation '\(operation)' is not insert, update or delete")
        }
        self.operation = parsed
        table = try container.decode(String.self, forKey: .table)
        key = try container.decode(String.self, forKey: .key)
        tenant = try container.decodeIfPresent(String.self, forKey: .tenant)
        seq = try container.decodeIfPresent(Int64.self, forKey: .seq)
        if container.contains(.detectedAt) {
            detectedAt = try Self.seconds(in: container, forKey: .detectedAt)
        } else if container.contains(.timestamp) {
            detectedAt = try Self.seconds(in: container, forKey: .timestamp)
        } else {
            throw DecodingError.keyNotFound(CodingKeys.detectedAt, .init(codingPath: [], debugDescription: "no detected_at (nor timestamp)"))
        }
    }

    /// A time given as seconds since 1970 (a number) or as ISO 8601 text.
    private static func seconds(in container: KeyedDecodingContainer<CodingKeys>, forKey key: CodingKeys) throws -> Double {
        if let seconds = try? container.decode(Double.self, forKey: key), seconds.isFinite { return seconds }
        let text = try container.decode(String.self, forKey: key)
        if let date = ISO8601.parse(text) ?? DatabaseValue.parseTimestamp(text) { return date.timeIntervalSince1970 }
        if let seconds = Double(text), seconds.isFinite { return seconds }
        throw DecodingError.dataCorruptedError(forKey: key, in: container,
                                               debugDescription: "\(key.stringValue) '\(text)' is neither an ISO 8601 time nor seconds since 1970")
    }

    /// A line that is not a detection.
    public struct LineError: Error, CustomStringConvertible, Equatable {
        /// The line's number, from 1.
        public var line: Int
        /// What is wrong with it.
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The detections in JSON lines `text`, in file order; blank lines are skipped.
    /// - Throws: ``LineError`` for the first line that is not a detection.
    public static func parseLines(_ text: String) throws(LineError) -> [Detection] {
        let decoder = JSONDecoder()
        var detections: [Detection] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                detections.append(try decoder.decode(Detection.self, from: Data(trimmed.utf8)))
            } catch {
                throw LineError(line: index + 1, reason: reason(error))
            }
        }
        return detections
    }

    /// A decoding error in a few words.
    private static func reason(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not a detection: \(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return key.stringValue == CodingKeys.detectedAt.stringValue ? context.debugDescription : "no \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = context.codingPath.last?.stringValue
            return field.map { "\($0) has the wrong type" } ?? "not a JSON object"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : context.debugDescription
        @unknown default:
            return "not a detection"
        }
    }
}
