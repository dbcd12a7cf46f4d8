import Foundation

/// The record, in the target database itself, that an execution took effect: written in the
/// same transaction as the execution's rows, so it exists exactly when they do. After any
/// crash it tells which fires committed; the scheduler resumes after them and the execution
/// history is rebuilt from it (``DatabaseUpdaterManager`` does both before scheduling).
///
/// **The table** (monitors of the target should exclude it): `updater.fires` on PostgreSQL (a
/// schema of its own) and `updater_fires` on SQLite, one row per committed execution —
/// `execution_id` (primary key), `target`, `tenant_id`, `updater`, `scheduled_at`, `trigger`
/// (`scheduled`, `catch_up` or `manual`), `seed`, `started_at`, `finished_at` and `row_counts`
/// (the rows written per table and operation, as JSON).
///
/// **The key**: a fire — (target, tenant, updater, scheduled time) of a scheduled or catch-up
/// execution — is unique (index `fires_once`; manual executions are not fires and may share a
/// time). The row is inserted *first* in the execution's transaction, so it is also a claim:
/// a second execution of the same fire waits on the first's uncommitted row and then fails
/// on the index, before writing anything of its own. Several replicas sharing one PostgreSQL
/// database get exactly-once fires from this key alone.
public enum FireLog {
    /// The target name this process writes under, until several targets can be configured.
    public static let defaultTarget = "default"

    /// The table's name in `dialect`.
    public static func table(_ dialect: SQLDialect) -> String {
        dialect == .postgres ? "\(Schema.bookkeepingSchema).fires" : "updater_fires"
    }

    /// The unique index that makes each fire take effect once.
    static let uniqueIndex = "fires_once"

    private static func ddl(uuid: String, time: String, schema: String, table: String) -> String {
        """
        \(schema)CREATE TABLE \(table) (
            execution_id \(uuid) PRIMARY KEY,
            target TEXT NOT NULL,
            tenant_id \(uuid) NOT NULL,
            updater TEXT NOT NULL,
            scheduled_at \(time) NOT NULL,
            trigger TEXT NOT NULL CHECK (trigger IN ('scheduled', 'catch_up', 'manual')),
            seed TEXT NOT NULL,
            started_at \(time) NOT NULL,
            finished_at \(time) NOT NULL,
            row_counts TEXT NOT NULL
        );
        CREATE UNIQUE INDEX \(uniqueIndex) ON \(table) (target, tenant_id, updater, scheduled_at) WHERE trigger <> 'manual';
        CREATE INDEX fires_finished ON \(table) (target, finished_at);
        """
    }

    /// Creates the table (a migration of the target's schema).
    static let migration = Migration(
        version: 3, name: "fire log (updater.fires / updater_fires): which executions committed, each fire once",
        sqlite: ddl(uuid: "TEXT", time: "TEXT", schema: "", table: table(.sqlite)),
        postgres: ddl(uuid: "UUID", time: "TIMESTAMPTZ", schema: "CREATE SCHEMA IF NOT EXISTS \(Schema.bookkeepingSchema);\n", table: table(.postgres)))

    // MARK: - Inside an execution's transaction

    /// Claims the fire: the first statement of an execution's transaction. Queued like an
    /// insert (on PostgreSQL it travels with the execution's next statement); a fire that
    /// already took effect fails the transaction with an error ``isDuplicateFire(_:)`` recognises.
    static func claim(_ conn: any SQLConnection, target: String, executionID: UUID, request: Executor.Request,
                      startedAt: Date) throws(DatabaseError) {
        try conn.enqueue(
            """
            INSERT INTO \(table(conn.dialect)) (execution_id, target, tenant_id, updater, scheduled_at, trigger, seed, started_at,
                                                finished_at, row_counts)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, '[]')
            """,
            [.uuid(executionID), .text(target), .uuid(request.tenant.id), .text(request.updater.name), .timestamp(request.scheduledAt),
             .text(request.trigger.rawValue), .text(String(request.seed)), .timestamp(startedAt)])
    }

    /// Completes the claim with what the execution wrote: its last statement before the commit.
    static func complete(_ conn: any SQLConnection, executionID: UUID, rows: [ExecutionRecord.RowCount],
                         finishedAt: Date) throws(DatabaseError) {
        try conn.enqueue(
            "UPDATE \(table(conn.dialect)) SET finished_at = $1, row_counts = $2 WHERE execution_id = $3",
            [.timestamp(finishedAt), .text(ExecutionRecord.rowsJSON(rows)), .uuid(executionID)])
    }

    /// Whether `error` says the fire had already taken effect (its unique key exists).
    static func isDuplicateFire(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError, error.kind == .constraintViolation else { return false }
        // PostgreSQL names the index; SQLite names the table's columns.
        return error.message.contains(uniqueIndex) || error.message.contains("\(table(.sqlite)).")
    }

    // MARK: - Reading

    /// The latest committed fire (scheduled or catch-up) of every updater and tenant of `target`.
    public static func lastFires(in database: any Database, target: String = defaultTarget) async throws -> [ExecutionKey: Date] {
        let table = table(database.dialect)
        let rows = try await database.withConnection { conn in
            try conn.query(
                """
                SELECT tenant_id, updater, MAX(scheduled_at) AS last FROM \(table)
                WHERE target = $1 AND trigger <> 'manual' GROUP BY tenant_id, updater
                """, .text(target))
        }
        var result: [ExecutionKey: Date] = [:]
        for row in rows {
            guard let tenant = row["tenant_id"].uuidValue, let updater = row["updater"].stringValue,
                  let last = row["last"].dateValue else { continue }
            result[ExecutionKey(updater: updater, tenant: tenant)] = last
        }
        return result
    }

    /// The committed executions of `target` that finished at or after `since` (all of them when
    /// nil), as execution records.
    public static func records(in database: any Database, target: String = defaultTarget, finishedSince since: Date?)
        async throws -> [ExecutionRecord]
    {
        let table = table(database.dialect)
        let rows = try await database.withConnection { conn in
            if let since {
                return try conn.query("SELECT * FROM \(table) WHERE target = $1 AND finished_at >= $2 ORDER BY finished_at",
                                      .text(target), .timestamp(since))
            }
            return try conn.query("SELECT * FROM \(table) WHERE target = $1 ORDER BY finished_at", .text(target))
        }
        let decoder = JSONCoding.decoder()
        return rows.compactMap { row in
            guard let id = row["execution_id"].uuidValue, let tenant = row["tenant_id"].uuidValue,
                  let updater = row["updater"].stringValue, let scheduled = row["scheduled_at"].dateValue,
                  let started = row["started_at"].dateValue, let finished = row["finished_at"].dateValue,
                  let trigger = row["trigger"].stringValue.flatMap(ExecutionRecord.Trigger.init(rawValue:)) else { return nil }
            let counts = (try? decoder.decode([ExecutionRecord.RowCount].self, from: Data((row["row_counts"].stringValue ?? "[]").utf8))) ?? []
            return ExecutionRecord(
                id: id, updater: updater, tenant: tenant, scheduledAt: scheduled, startedAt: started, finishedAt: finished,
                outcome: .succeeded, trigger: trigger, dryRun: false, seed: UInt64(row["seed"].stringValue ?? "") ?? 0,
                rows: counts, error: nil, sample: nil)
        }
    }
}
