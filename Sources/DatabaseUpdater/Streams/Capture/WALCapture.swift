import Foundation

/// `updater capture`: every committed row change of any writer to a PostgreSQL database, read
/// from a logical replication slot (wal2json, format 2) as ``ChangeEvent``s with `source`
/// `capture`, to be broadcast beside the change log's own (``DatabaseUpdaterManager/publishExternal(_:source:)``).
///
/// **Polling, peek then advance.** Each round peeks at the next whole transactions
/// (`pg_logical_slot_peek_changes`), hands their events over, and only then advances the slot past
/// them (`pg_replication_slot_advance`): delivery is at least once, and a capture stopped or killed
/// in between hands the same transactions over again next time. The streaming replication
/// protocol would save the round trips, but needs a replication connection and a protocol
/// implementation of its own; a poll every ``Options/pollInterval`` is plenty for streams people watch.
///
/// ```swift
/// let capture = try WALCapture(database: database, options: .init(slot: "updater_capture"))
/// try await capture.run(stopped: { stop.isRequested }) { events in
///     for event in events { print(event.jsonLine) }
///     return true
/// }
/// ```
public struct WALCapture: Sendable {
    public struct Options: Sendable {
        /// The logical replication slot to read (``WALSlot``); it must exist.
        public var slot: String
        /// Only these tables (as the change log names them: schema-qualified unless `public`); empty: all.
        public var tables: Set<String>
        /// Also the updater's own tables (schema `updater`: change log, fire log, counter; `schema_migrations`).
        public var includeBookkeeping: Bool
        /// Changes read per round, about: whole transactions are always read whole.
        public var batchChanges: Int
        /// The wait after a round that found nothing new.
        public var pollInterval: Duration

        public init(slot: String, tables: Set<String> = [], includeBookkeeping: Bool = false, batchChanges: Int = 1_000,
                    pollInterval: Duration = .milliseconds(250)) {
            self.slot = slot
            self.tables = Set(tables.map { $0.hasPrefix("public.") ? String($0.dropFirst("public.".count)) : $0 })
            self.includeBookkeeping = includeBookkeeping
            self.batchChanges = batchChanges
            self.pollInterval = pollInterval
        }
    }

    /// What one round read: the events, and where the slot goes once they are delivered.
    public struct Batch: Sendable {
        public var events: [ChangeEvent]
        /// The LSN just after the last transaction read.
        public var end: String
    }

    /// The `updater` and `source` of captured events.
    public static let source = "capture"
    /// wal2json's `filter-tables` for the updater's own tables.
    static let bookkeepingTables = "\(FireLog.bookkeepingSchema).*,public.schema_migrations"

    public let database: any Database
    public let options: Options

    /// - Throws: ``DatabaseError`` when `database` is SQLite (it has no logical decoding).
    public init(database: any Database, options: Options) throws(DatabaseError) {
        guard database.dialect == .postgres else {
            throw DatabaseError(.unsupported, "capture reads PostgreSQL's logical decoding; SQLite has none (its writes are in the change log: updater watch)")
        }
        self.database = database
        self.options = options
    }

    /// Reads, delivers and acknowledges rounds until `stopped()` (checked between rounds and
    /// during the wait) or until `deliver` returns false (it gave up on a delivery, and those
    /// events stay in the slot).
    /// - Parameter deliver: hands events over; returns once they are safe (printed, posted).
    public func run(stopped: @Sendable () -> Bool, deliver: ([ChangeEvent]) async throws -> Bool) async throws {
        while !stopped() {
            guard let batch = try await next() else {
                try await Task.sleep(for: options.pollInterval)
                continue
            }
            if !batch.events.isEmpty {
                guard try await deliver(batch.events) else { return }
            }
            try await acknowledge(batch)
        }
    }

    /// The next whole transactions after the slot's position, without consuming them; nil when
    /// nothing committed since. A batch may hold no events (only other tables' changes) and is
    /// still acknowledged, so the slot does not hold their WAL.
    public func next() async throws -> Batch? {
        let plugin = ["format-version", "2", "include-xids", "1", "include-timestamp", "1", "include-pk", "1"]
            + (options.includeBookkeeping ? [] : ["filter-tables", Self.bookkeepingTables])
        let placeholders = plugin.indices.map { "$\($0 + 3)" }.joined(separator: ", ")
        let parameters: [DatabaseValue] = [.text(options.slot), .integer(Int64(options.batchChanges))] + plugin.map { .text($0) }
        let rows = try await database.withConnection { conn in
            // Values are written in the session's style: ISO dates in UTC, whatever the server's defaults.
            try conn.executeScript("SET datestyle = ISO; SET timezone = 'UTC'")
            return try conn.query("SELECT lsn::text AS lsn, data FROM pg_logical_slot_peek_changes($1, NULL, $2::int, \(placeholders))",
                                  parameters)
        }
        var events: [ChangeEvent] = []
        var end: String?
        for row in rows {
            let message = try WAL2JSONMessage(json: row["data"].stringValue ?? "")
            if message.action == .commit { end = row["lsn"].stringValue }
            if let event = event(message) { events.append(event) }
        }
        return end.map { Batch(events: events, end: $0) }
    }

    /// Moves the slot past `batch`: its WAL may be recycled, and the next round starts after it.
    public func acknowledge(_ batch: Batch) async throws {
        let slot = options.slot
        _ = try await database.withConnection { conn in
            try conn.query("SELECT end_lsn::text AS lsn FROM pg_replication_slot_advance($1, $2::pg_lsn)", .text(slot), .text(batch.end))
        }
    }

    /// The event of one wal2json message: nil for begin, commit and truncate, and for tables
    /// not asked for. A table without a primary key is keyed by its whole row's canonical text.
    func event(_ message: WAL2JSONMessage) -> ChangeEvent? {
        guard let operation = message.operation, options.tables.isEmpty || options.tables.contains(message.table) else { return nil }
        let key = message.key ?? RowImage(columns: operation == .delete ? message.identity : message.columns).canonicalText
        return ChangeEvent(operation: operation, table: message.table, key: key, tenant: message.value("tenant_id") ?? "",
                           updater: Self.source, timestamp: (message.timestamp ?? Date()).timeIntervalSince1970,
                           transaction: message.xid, source: Self.source)
    }
}
