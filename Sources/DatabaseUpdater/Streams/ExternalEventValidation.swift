import Foundation

/// The body of `POST /api/database-updater/events`: change events from programs outside the
/// service (a visualisation server's emit endpoint, `updater capture`), checked whole before
/// any is broadcast.
///
/// ```json
/// {"source": "external",
///  "events": [{"operation": "insert", "table": "orders", "key": "42", "tenant": "…", "timestamp": 1772442001.25}]}
/// ```
///
/// `operation`, `table` and `key` are required; `tenant`, `execution` default to "",
/// `updater` to the source, `timestamp` to now. `transaction`, `data_time` and `type`
/// (`db_write`) may be given; `seq`, `source`, `before`, `after` and `image` are accepted and
/// dropped: an event from outside the log has no place in it and no row hashes the log vouches
/// for. `source` is `external` (the default) or `capture`.
///
/// ```swift
/// let batch = try ExternalEvents.validate(body)          // every event checked first
/// manager.publishExternal(batch.events, source: batch.source)
/// ```
public enum ExternalEvents {
    /// Events accepted in one request.
    public static let maxEvents = 10_000
    /// What `source` may say.
    public static let sources = ["external", "capture"]
    /// Longest `table`, `key` or other text accepted.
    public static let maxTextLength = 4_096
    /// The latest time accepted (9999-12-31T23:59:59Z), so every time has an exact millisecond count.
    public static let maxSeconds: Double = 253_402_300_799

    /// A checked request: its events, marked with their source.
    public struct Batch: Sendable {
        public var source: String
        public var events: [ChangeEvent]
    }

    private static let bodyFields: Set<String> = ["events", "source"]
    private static let textFields = ["tenant", "updater", "execution", "transaction"]
    /// Fields accepted and dropped (see the type's documentation).
    private static let droppedFields: Set<String> = ["seq", "source", "before", "after", "image"]
    private static let eventFields = Set(["type", "operation", "table", "key", "timestamp", "data_time"] + textFields).union(droppedFields)

    /// Checks a request's parsed JSON body and returns its events, or throws for the first
    /// problem (nothing is returned half-checked).
    /// - Parameter now: the timestamp of events without one.
    /// - Throws: ``ExternalEventError`` naming the event's index and field and saying why.
    public static func validate(_ body: [String: Any], now: Date = Date()) throws(ExternalEventError) -> Batch {
        for name in body.keys.sorted() where !bodyFields.contains(name) {
            throw ExternalEventError(field: name, "unknown field (allowed: events, source)")
        }
        var source = "external"
        if let value = body["source"] {
            guard let text = value as? String, sources.contains(text) else {
                throw ExternalEventError(field: "source", "must be \(sources.joined(separator: " or "))")
            }
            source = text
        }
        guard let list = body["events"] else { throw ExternalEventError(field: "events", "is required: an array of events") }
        guard let items = list as? [Any] else { throw ExternalEventError(field: "events", "must be an array of events") }
        guard items.count <= maxEvents else {
            throw ExternalEventError(field: "events", "\(items.count) events: at most \(maxEvents) per request")
        }
        var events: [ChangeEvent] = []
        events.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            events.append(try event(item, index: index, source: source, now: now))
        }
        return Batch(source: source, events: events)
    }

    private static func event(_ item: Any, index: Int, source: String, now: Date) throws(ExternalEventError) -> ChangeEvent {
        guard let object = item as? [String: Any] else { throw ExternalEventError(index: index, field: nil, "must be a JSON object") }
        for name in object.keys.sorted() where !eventFields.contains(name) {
            throw ExternalEventError(index: index, field: name, "unknown field")
        }
        if let type = object["type"] {
            guard type as? String == "db_write" else { throw ExternalEventError(index: index, field: "type", "must be \"db_write\"") }
        }
        let named = try text(object, "operation", index: index, required: true) ?? ""
        guard let operation = RowChange.Operation(rawValue: named) else {
            throw ExternalEventError(index: index, field: "operation", "'\(named.prefix(40))' is not insert, update or delete")
        }
        let table = try text(object, "table", index: index, required: true) ?? ""
        let key = try text(object, "key", index: index, required: true) ?? ""
        var texts: [String: String] = [:]
        for name in textFields { texts[name] = try text(object, name, index: index, required: false) }
        let timestamp = try seconds(object, "timestamp", index: index) ?? now.timeIntervalSince1970
        var event = ChangeEvent(operation: operation, table: table, key: key, tenant: texts["tenant"] ?? "",
                                updater: texts["updater"] ?? source, execution: texts["execution"] ?? "",
                                timestamp: timestamp, transaction: texts["transaction"], source: source)
        event.dataTime = try seconds(object, "data_time", index: index).map(ChangeEvent.milliseconds)
        return event
    }

    /// A string field: absent or null is nil (an error when `required`), anything else but a
    /// string an error; required strings must not be empty.
    private static func text(_ object: [String: Any], _ name: String, index: Int, required: Bool) throws(ExternalEventError) -> String? {
        guard let value = object[name], !(value is NSNull) else {
            if required { throw ExternalEventError(index: index, field: name, "is required") }
            return nil
        }
        guard let text = value as? String else { throw ExternalEventError(index: index, field: name, "must be a string") }
        if required && text.isEmpty { throw ExternalEventError(index: index, field: name, "must not be empty") }
        guard text.unicodeScalars.count <= maxTextLength else {
            throw ExternalEventError(index: index, field: name, "longer than \(maxTextLength) characters")
        }
        return text
    }

    /// A time field: seconds since 1970 as a JSON number (not a boolean), from 0 to ``maxSeconds``.
    private static func seconds(_ object: [String: Any], _ name: String, index: Int) throws(ExternalEventError) -> Double? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        guard !ConfigLoader.isBoolean(value), let number = value as? NSNumber,
              (0...maxSeconds).contains(number.doubleValue) else {
            throw ExternalEventError(index: index, field: name, "must be a number of seconds since 1970, at most \(Int64(maxSeconds))")
        }
        return number.doubleValue
    }
}

/// Why a request's events were refused: which event (its index in `events`), which field, why.
public struct ExternalEventError: Error, CustomStringConvertible, Sendable {
    /// The event's position in `events`; nil for a problem with the body itself.
    public let index: Int?
    /// The field, nil when the event itself is wrong (not an object).
    public let field: String?
    public let reason: String

    init(index: Int? = nil, field: String?, _ reason: String) {
        self.index = index
        self.field = field
        self.reason = reason
    }

    /// `events[3].operation: 'upsert' is not insert, update or delete`.
    public var description: String {
        let place = [index.map { "events[\($0)]" }, field].compactMap { $0 }.joined(separator: ".")
        return "\(place): \(reason)"
    }
}
