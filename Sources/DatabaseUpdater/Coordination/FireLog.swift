import Foundation

/// The record, in the target database itself, that an execution took effect: written by the
/// last statement of the execution's own transaction, so it exists exactly when its rows do.
/// After any crash it tells which fires committed; the scheduler resumes after them and the
/// execution history is rebuilt from it (``DatabaseUpdaterManager`` does both before scheduling).
///
/// **The table** (monitors of the target should exclude it): `updater.fires` on PostgreSQL (a
/// schema of its own) and `updater_fires` on SQLite, one row per committed execution —
/// `target`, `tenant_id`, `updater`, `scheduled_at`, `manual_execution` (empty for a scheduled
/// or catch-up fire; the execution's id for a manual one), `execution_id`, `trigger`
/// (`scheduled`, `catch_up`, `manual` or `simulation`), `seed`, `started_at`, `finished_at`, `row_counts`
/// (the rows written per table and operation, as JSON) and `replica` (the id of the service that
/// ran it, stable for its data folder; empty for executions recorded before migration 7).
///
/// **The key** (its primary key, `fires_once`): (target, tenant, updater, scheduled time,
/// manual_execution). A fire — a scheduled or catch-up execution — can therefore be recorded
/// once: a second execution of the same fire fails on the key at its commit and rolls back
/// whole. Manual executions are not fires, and several may share a time — except a manual
/// execution of a chosen slot in cluster mode (``Executor/Request/claimsSlot``), which is
/// recorded as that slot's fire. Several replicas sharing one PostgreSQL database get
/// exactly-once fires from this key alone.
///
/// One B-tree per row and one statement per execution: the first version (a claim inserted
/// first, completed last, three indexes) cost a fifth to a third of an execution's throughput.
public enum FireLog {
    /// The PostgreSQL schema of the updater's own bookkeeping in the target database (this log),
    /// apart from the business tables.
    public static let bookkeepingSchema = "updater"

    /// The name of the top-level target unless `target:` names it otherwise.
    public static let defaultTarget = "default"

    /// The table's name in `dialect`.
    public static func table(_ dialect: SQLDialect) -> String {
        dialect == .postgres ? "\(FireLog.bookkeepingSchema).fires" : "updater_fires"
    }

    /// The key's name (PostgreSQL names it in a violation; SQLite names the table's columns).
    static let key = "fires_once"

    /// The triggers the table accepts.
    private static func triggerCheck(_ triggers: [ExecutionRecord.Trigger]) -> String {
        "CHECK (trigger IN (\(triggers.map { "'\($0.rawValue)'" }.joined(separator: ", "))))"
    }

    private static func ddl(uuid: String, time: String, schema: String, table: String, options: String,
                            triggers: [ExecutionRecord.Trigger] = [.scheduled, .catchUp, .manual]) -> String {
        """
        \(schema)CREATE TABLE \(table) (
            target TEXT NOT NULL,
            tenant_id \(uuid) NOT NULL,
            updater TEXT NOT NULL,
            scheduled_at \(time) NOT NULL,
            manual_execution TEXT NOT NULL,
            execution_id \(uuid) NOT NULL,
            trigger TEXT NOT NULL \(triggerCheck(triggers)),
            seed TEXT NOT NULL,
            started_at \(time) NOT NULL,
            finished_at \(time) NOT NULL,
            row_counts TEXT NOT NULL,
            CONSTRAINT \(key) PRIMARY KEY (target, tenant_id, updater, scheduled_at, manual_execution)
        )\(options);
        """
    }

    /// Creates the table (a migration of the target's schema).
    static let migration = Migration(
        version: 3, name: "fire log (updater.fires / updater_fires): which executions committed, each fire once",
        sqlite: ddl(uuid: "TEXT", time: "TEXT", schema: "", table: table(.sqlite), options: " WITHOUT ROWID"),
        postgres: ddl(uuid: "UUID", time: "TIMESTAMPTZ", schema: "CREATE SCHEMA IF NOT EXISTS \(FireLog.bookkeepingSchema);\n",
                      table: table(.postgres), options: ""))

    /// Accepts the `simulation` trigger: SQLite cannot change a CHECK in place, so the table is
    /// rebuilt (in the migration's transaction); PostgreSQL swaps its named check.
    static let simulationTrigger = Migration(
        version: 5, name: "fire log accepts simulated fires (trigger 'simulation')",
        sqlite: ddl(uuid: "TEXT", time: "TEXT", schema: "", table: "updater_fires_next", options: " WITHOUT ROWID",
                    triggers: [.scheduled, .catchUp, .manual, .simulation]) + """

            INSERT INTO updater_fires_next SELECT * FROM updater_fires;
            DROP TABLE updater_fires;
            ALTER TABLE updater_fires_next RENAME TO updater_fires;
            """,
        postgres: """
            ALTER TABLE \(table(.postgres)) DROP CONSTRAINT fires_trigger_check;
            ALTER TABLE \(table(.postgres)) ADD CONSTRAINT fires_trigger_check \(triggerCheck([.scheduled, .catchUp, .manual, .simulation]));
            """)

    /// Adds the column naming the replica (service) that ran each execution: which replica ran
    /// what, and a service's start-up restore takes only its own executions into its history.
    static let replicaColumn = Migration(
        version: 7, name: "fire log names the replica that ran each execution",
        sqlite: "ALTER TABLE \(table(.sqlite)) ADD COLUMN replica TEXT NOT NULL DEFAULT '';",
        postgres: "ALTER TABLE \(table(.postgres)) ADD COLUMN replica TEXT NOT NULL DEFAULT '';")

    /// Records a committed execution: the last statement of its transaction, queued like an
    /// insert (on PostgreSQL it travels with the `COMMIT`). A fire that already took effect
    /// fails the transaction with an error ``isDuplicateFire(_:)`` recognises.
    /// - Parameter replica: the service that ran it (``CoordinationStore/replica``); nil for a
    ///   simulated fire, whose record depends on nothing but its seed and clock.
    static func record(_ conn: any SQLConnection, target: String, replica: UUID?, executionID: UUID, request: Executor.Request,
                       startedAt: Date, finishedAt: Date, rows: [ExecutionRecord.RowCount]) throws(DatabaseError) {
        let manual = request.isFire ? "" : executionID.lowercaseString
        try conn.enqueue(
            """
            INSERT INTO \(table(conn.dialect)) (target, tenant_id, updater, scheduled_at, manual_execution, execution_id, trigger, seed,
                                                started_at, finished_at, row_counts, replica)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            [.text(target), .uuid(request.tenant.id), .text(request.updater.name), .timestamp(request.scheduledAt), .text(manual),
             .uuid(executionID), .text(request.trigger.rawValue), .text(String(request.seed)), .timestamp(startedAt),
             .timestamp(finishedAt), .text(ExecutionRecord.rowsJSON(rows)), .text(replica?.lowercaseString ?? "")])
    }

    /// In cluster mode, the first statement of a fire's transaction: takes the fire's advisory
    /// lock (held to the transaction's end) and looks for its record. False when another replica
    /// holds the lock (it is executing the fire) or the fire took effect already: the caller then
    /// skips it without generating anything. Only an optimisation — the key stays what makes a
    /// fire take effect once — so two replicas that briefly both own a tenant (during a
    /// rebalance) do not both do its work.
    static func claimFirst(_ conn: any SQLConnection, target: String, request: Executor.Request) throws(DatabaseError) -> Bool {
        let row = try conn.query(
            """
            SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS mine,
                   EXISTS (SELECT 1 FROM \(table(.postgres)) WHERE target = $2 AND tenant_id = $3 AND updater = $4
                           AND scheduled_at = $5 AND manual_execution = '') AS done
            """, .text(slotName(target: target, request: request)), .text(target), .uuid(request.tenant.id), .text(request.updater.name),
            .timestamp(request.scheduledAt)).first
        return row?["mine"].boolValue == true && row?["done"].boolValue == false
    }

    /// The text whose `hashtextextended` is a fire's advisory lock key: its slot, never a clock.
    static func slotName(target: String, request: Executor.Request) -> String {
        "\(target)|\(request.tenant.id.lowercaseString)|\(request.updater.name)|\(DatabaseValue.formatTimestamp(request.scheduledAt))"
    }

    /// Whether `error` is the fire log's key refusing a second record of a fire.
    static func isDuplicateFire(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError, error.kind == .constraintViolation else { return false }
        return error.message.contains(key) || error.message.contains("\(table(.sqlite)).")
    }

    // MARK: - Reading

    /// Whether the fire of `key` at `scheduledAt` took effect.
    static func contains(_ key: ExecutionKey, at scheduledAt: Date, in database: any Database, target: String) async throws -> Bool {
        let table = table(database.dialect)
        return try await database.withConnection { conn in
            try !conn.query(
                """
                SELECT 1 AS found FROM \(table)
                WHERE target = $1 AND tenant_id = $2 AND updater = $3 AND scheduled_at = $4 AND manual_execution = ''
                """, .text(target), .uuid(key.tenant), .text(key.updater), .timestamp(scheduledAt)).isEmpty
        }
    }

    /// The latest committed fire (scheduled or catch-up) of each of `keys` that has one: the
    /// fire times of ``lastFireRecords(of:in:target:)``.
    public static func lastFires(of keys: [ExecutionKey], in database: any Database, target: String = defaultTarget) async throws
        -> [ExecutionKey: Date]
    {
        try await lastFireRecords(of: keys, in: database, target: target).mapValues(\.scheduledAt)
    }

    /// The committed executions of `key` scheduled at or after `since` (all of them when nil),
    /// as execution records.
    /// - Parameter replica: only that replica's executions (and those recorded before the log
    ///   named replicas); every replica's when nil.
    public static func records(of key: ExecutionKey, scheduledSince since: Date?, ranBy replica: UUID? = nil, in database: any Database,
                               target: String = defaultTarget) async throws -> [ExecutionRecord] {
        let table = table(database.dialect)
        let rows = try await database.withConnection { conn in
            var sql = "SELECT * FROM \(table) WHERE target = $1 AND tenant_id = $2 AND updater = $3"
            var parameters: [DatabaseValue] = [.text(target), .uuid(key.tenant), .text(key.updater)]
            if let since {
                parameters.append(.timestamp(since))
                sql += " AND scheduled_at >= $\(parameters.count)"
            }
            if let replica {
                parameters.append(.text(replica.lowercaseString))
                sql += " AND replica IN ($\(parameters.count), '')"
            }
            return try conn.query(sql + " ORDER BY scheduled_at", parameters)
        }
        return decode(rows)
    }

    /// The latest committed fire of each of `keys` as a record naming the replica that ran it:
    /// what `status` shows of a cluster's schedules. On PostgreSQL one query walking the key's
    /// index once per updater and tenant; elsewhere one query per key.
    public static func lastFireRecords(of keys: [ExecutionKey], in database: any Database,
                                       target: String = defaultTarget) async throws -> [ExecutionKey: ExecutionRecord] {
        guard !keys.isEmpty else { return [:] }
        let table = table(database.dialect)
        let rows = try await database.withConnection { conn in
            if conn.dialect == .postgres {
                return try conn.query(
                    """
                    SELECT f.* FROM unnest(string_to_array($2, ',')::uuid[], string_to_array($3, ',')) AS k(tenant_id, updater)
                    CROSS JOIN LATERAL (
                        SELECT * FROM \(table) f WHERE f.target = $1 AND f.tenant_id = k.tenant_id AND f.updater = k.updater
                        AND f.manual_execution = '' ORDER BY f.scheduled_at DESC LIMIT 1) f
                    """, .text(target), .text(keys.map(\.tenant.lowercaseString).joined(separator: ",")),
                    .text(keys.map(\.updater).joined(separator: ",")))
            }
            var rows: [DatabaseRow] = []
            for key in keys {
                rows += try conn.query(
                    """
                    SELECT * FROM \(table) WHERE target = $1 AND tenant_id = $2 AND updater = $3 AND manual_execution = ''
                    ORDER BY scheduled_at DESC LIMIT 1
                    """, .text(target), .uuid(key.tenant), .text(key.updater))
            }
            return rows
        }
        return Dictionary(decode(rows).map { (ExecutionKey(updater: $0.updater, tenant: $0.tenant), $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Fire-log rows as execution records (each succeeded: it committed).
    private static func decode(_ rows: [DatabaseRow]) -> [ExecutionRecord] {
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
                rows: counts, error: nil, sample: nil, replica: row["replica"].stringValue.flatMap(UUID.init(uuidString:)))
        }
    }
}
