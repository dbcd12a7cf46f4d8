import Foundation

/// The change log: every committed row change, in commit order, in the target database itself —
/// the ground truth monitors are scored against.
///
/// **Crash consistency.** An execution's entries are written by its own transaction, just before
/// `COMMIT` (and after its fire-log row): they exist exactly when its rows do, whatever crashes
/// when. Nothing is pending outside the database, so nothing needs resolving after a crash
/// (the alternative, a file written beside the database with the transaction id and resolved
/// with `pg_xact_status()` at start, would have needed both). `changes.jsonl` is an export of
/// this table, caught up at every start (``ChangeLogExport``).
///
/// **Order and sequence numbers.** `seq` is gapless and increasing in commit order. On SQLite,
/// one writer at a time holds the database (`BEGIN IMMEDIATE`), so the next number is
/// `max(seq) + 1`. On PostgreSQL a one-row counter (`updater.change_counter`) is advanced by the
/// same statement that writes the entries; its row lock is held until the commit, so a second
/// transaction's entries wait for the first's commit: numbers are taken in commit order, and a
/// rollback gives them back. That lock is held only for the last statement and the commit.
///
/// **Transactions.** PostgreSQL's transaction id (`pg_current_xact_id()`), read by the writing
/// statement; on SQLite the sequence number of the transaction's first entry.
///
/// **The table** (`updater.changes` / `updater_changes`): `seq`, `txid`, `target`,
/// `execution_id`, `tenant_id`, `updater`, `operation`, `table_name`, `row_key`, `before_hash`,
/// `after_hash`, `committed_at` and `data_time` (seconds since 1970, milliseconds) and `image`
/// (``RowImage/canonicalText``, with `ledger.rowImages`).
public enum ChangeLog {
    /// The updater name of seed rows (written when a tenant is prepared, not by an execution).
    public static let seedUpdater = "seed"

    /// The log table in `dialect`.
    public static func table(_ dialect: SQLDialect) -> String {
        dialect == .postgres ? "\(FireLog.bookkeepingSchema).changes" : "updater_changes"
    }

    private static func ddl(_ dialect: SQLDialect, uuid: String, schema: String, counter: String) -> String {
        """
        \(schema)CREATE TABLE \(table(dialect)) (
            seq BIGINT PRIMARY KEY,
            txid TEXT NOT NULL,
            target TEXT NOT NULL,
            execution_id \(uuid) NOT NULL,
            tenant_id \(uuid) NOT NULL,
            updater TEXT NOT NULL,
            operation TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
            table_name TEXT NOT NULL,
            row_key TEXT NOT NULL,
            before_hash TEXT,
            after_hash TEXT,
            committed_at DOUBLE PRECISION NOT NULL,
            data_time DOUBLE PRECISION NOT NULL,
            image TEXT
        );
        \(counter)
        """
    }

    /// Creates the log (a migration of every scenario's schema).
    static let migration = Migration(
        version: 6, name: "change log (updater.changes / updater_changes): every committed row change, in commit order",
        sqlite: ddl(.sqlite, uuid: "TEXT", schema: "", counter: ""),
        postgres: ddl(.postgres, uuid: "UUID", schema: "CREATE SCHEMA IF NOT EXISTS \(FireLog.bookkeepingSchema);\n",
                      counter: """
                          CREATE TABLE \(FireLog.bookkeepingSchema).change_counter (
                              one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
                              next_seq BIGINT NOT NULL
                          );
                          INSERT INTO \(FireLog.bookkeepingSchema).change_counter (next_seq) VALUES (1);
                          """))

    /// What one transaction writes to the log, before the numbers are known on PostgreSQL.
    public struct Batch: Sendable {
        public var target: String
        public var execution: UUID
        public var tenant: UUID
        public var updater: String
        public var committedAt: Date
        public var dataTime: Date
        public var changes: [RowChange]

        public init(target: String, execution: UUID, tenant: UUID, updater: String, committedAt: Date, dataTime: Date,
                    changes: [RowChange]) {
            self.target = target
            self.execution = execution
            self.tenant = tenant
            self.updater = updater
            self.committedAt = committedAt
            self.dataTime = dataTime
            self.changes = changes
        }

        /// The batch's entries, numbered from `first`, in transaction `transaction`.
        public func events(first: Int64, transaction: String) -> [ChangeEvent] {
            changes.enumerated().map { index, change in
                var event = ChangeEvent(change: change, tenant: tenant, updater: updater, execution: execution, committedAt: committedAt)
                event.seq = first + Int64(index)
                event.transaction = transaction
                event.dataTime = ChangeEvent.milliseconds(dataTime.timeIntervalSince1970)
                return event
            }
        }
    }

    /// Where a batch's numbers come from once it is written.
    public enum Numbering: Sendable {
        /// Known already (SQLite): the first number and the transaction.
        case known(first: Int64, transaction: String)
        /// In the rows the commit returns (PostgreSQL: `first` and `txid` of the last queued statement).
        case fromCommit
    }

    /// Writes `batch` as the last statement of the open transaction, before its commit. Writes
    /// nothing for a batch without changes.
    /// - Returns: how to number its entries (see ``events(of:numbering:commitRows:)``).
    static func write(_ batch: Batch, on conn: any SQLConnection) throws(DatabaseError) -> Numbering? {
        guard !batch.changes.isEmpty else { return nil }
        let committed = DatabaseValue.double(ChangeEvent.milliseconds(batch.committedAt.timeIntervalSince1970))
        let dataTime = DatabaseValue.double(ChangeEvent.milliseconds(batch.dataTime.timeIntervalSince1970))
        switch conn.dialect {
        case .sqlite:
            let first = (try conn.query("SELECT coalesce(max(seq), 0) + 1 AS next FROM updater_changes").first?["next"].intValue) ?? 1
            let transaction = String(first)
            for (index, change) in batch.changes.enumerated() {
                try conn.enqueue(
                    """
                    INSERT INTO updater_changes (seq, txid, target, execution_id, tenant_id, updater, operation, table_name, row_key,
                                                 before_hash, after_hash, committed_at, data_time, image)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                    """,
                    [.integer(first + Int64(index)), .text(transaction), .text(batch.target), .uuid(batch.execution), .uuid(batch.tenant),
                     .text(batch.updater), .text(change.operation.rawValue), .text(change.table), .text(change.key),
                     change.before.map(DatabaseValue.text) ?? .null, change.after.map(DatabaseValue.text) ?? .null,
                     committed, dataTime, change.image.map(DatabaseValue.text) ?? .null])
            }
            return .known(first: first, transaction: transaction)
        case .postgres:
            try conn.enqueue(
                """
                WITH counter AS (
                    UPDATE updater.change_counter SET next_seq = next_seq + $1 RETURNING next_seq - $1 AS first
                ), written AS (
                    INSERT INTO updater.changes (seq, txid, target, execution_id, tenant_id, updater, operation, table_name, row_key,
                                                 before_hash, after_hash, committed_at, data_time, image)
                    SELECT counter.first + e.n, pg_current_xact_id()::text, $2, $3, $4, $5, e.o, e.t, e.k, e.b, e.a, $6, $7, e.i
                    FROM counter, json_to_recordset($8::json) AS e(n BIGINT, o TEXT, t TEXT, k TEXT, b TEXT, a TEXT, i TEXT)
                    RETURNING 1
                )
                SELECT counter.first, pg_current_xact_id()::text AS txid FROM counter
                """,
                [.integer(Int64(batch.changes.count)), .text(batch.target), .uuid(batch.execution), .uuid(batch.tenant),
                 .text(batch.updater), committed, dataTime, .text(entriesJSON(batch.changes))])
            return .fromCommit
        }
    }

    /// The entries of a written batch, numbered (empty when the numbers cannot be found, which
    /// only a commit that returned no rows would cause).
    static func events(of batch: Batch, numbering: Numbering, commitRows: [DatabaseRow]) -> [ChangeEvent] {
        switch numbering {
        case .known(let first, let transaction):
            return batch.events(first: first, transaction: transaction)
        case .fromCommit:
            guard let row = commitRows.first, let first = row["first"].intValue, let transaction = row["txid"].stringValue else { return [] }
            return batch.events(first: first, transaction: transaction)
        }
    }

    /// The changes as the JSON array PostgreSQL's statement unpacks (`n` counts from 0).
    private static func entriesJSON(_ changes: [RowChange]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(200 * changes.count)
        func optional(_ value: String?) {
            if let value { JSONCoding.appendQuoted(value, to: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
        }
        for (index, change) in changes.enumerated() {
            bytes.append(contentsOf: "\(index == 0 ? "" : ","){\"n\":\(index),\"o\":\"\(change.operation.rawValue)\",\"t\":".utf8)
            JSONCoding.appendQuoted(change.table, to: &bytes)
            bytes.append(contentsOf: ",\"k\":".utf8)
            JSONCoding.appendQuoted(change.key, to: &bytes)
            bytes.append(contentsOf: ",\"b\":".utf8)
            optional(change.before)
            bytes.append(contentsOf: ",\"a\":".utf8)
            optional(change.after)
            bytes.append(contentsOf: ",\"i\":".utf8)
            optional(change.image)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Reading

    /// Up to `limit` entries after `seq`, in order.
    public static func read(after seq: Int64, limit: Int, on conn: any SQLConnection) throws(DatabaseError) -> [ChangeEvent] {
        try conn.query("SELECT * FROM \(table(conn.dialect)) WHERE seq > $1 ORDER BY seq LIMIT $2", .integer(seq), .integer(Int64(limit)))
            .compactMap(event(from:))
    }

    /// Up to `limit` entries after `seq`, in order.
    public static func read(after seq: Int64, limit: Int = 1_000, in database: any Database) async throws -> [ChangeEvent] {
        try await database.withConnection { conn in try read(after: seq, limit: limit, on: conn) }
    }

    /// The last sequence number written (0 for an empty log).
    public static func lastSequence(in database: any Database) async throws -> Int64 {
        try await database.withConnection { conn in
            try conn.query("SELECT coalesce(max(seq), 0) AS last FROM \(table(conn.dialect))").first?["last"].intValue ?? 0
        }
    }

    /// An entry from a row of the log table.
    static func event(from row: DatabaseRow) -> ChangeEvent? {
        guard let seq = row["seq"].intValue, let operation = row["operation"].stringValue.flatMap(RowChange.Operation.init(rawValue:)),
              let table = row["table_name"].stringValue, let key = row["row_key"].stringValue,
              let tenant = row["tenant_id"].uuidValue, let updater = row["updater"].stringValue,
              let execution = row["execution_id"].uuidValue, let committed = row["committed_at"].doubleValue,
              let dataTime = row["data_time"].doubleValue else { return nil }
        let change = RowChange(table: table, operation: operation, key: key, before: row["before_hash"].stringValue,
                               after: row["after_hash"].stringValue, image: row["image"].stringValue)
        var event = ChangeEvent(change: change, tenant: tenant, updater: updater, execution: execution,
                                committedAt: Date(timeIntervalSince1970: committed))
        event.seq = seq
        event.transaction = row["txid"].stringValue
        event.dataTime = ChangeEvent.milliseconds(dataTime)
        return event
    }
}
