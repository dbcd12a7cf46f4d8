import Foundation
import Logging
import Synchronization

/// Every execution record, in a SQLite state file of its own (`data/state.sqlite`), separate
/// from the target database so that monitors of the target never see our bookkeeping. It
/// survives restarts, and `updater status` reads it with or without a running service.
///
/// Writes are group-committed: ``record(_:)`` queues the record, and a background writer lets
/// records gather for ``gatherInterval`` and then writes all of them in one transaction, so
/// executions never wait for the state file and a busy service makes one state-file commit per
/// interval, not one per execution. Every read first writes what is queued, without waiting
/// out the interval (read-your-writes).
public final class ExecutionHistory: Sendable {
    /// How long queued records gather before the writer commits them.
    static let gatherInterval: Duration = .milliseconds(50)

    private struct Queue {
        var records: [ExecutionRecord] = []
        /// Writes what is queued; nil when nothing is.
        var writer: Task<Void, Never>?
        /// The writer's wait before its first batch; cancelled by readers to write at once.
        var gathering: Task<Void, Never>?
    }

    /// The state file (internal: ``unresolvedFires()`` reads it from its own file).
    let database: SQLiteDatabase
    private let pending = Mutex(Queue())
    /// Running per-updater totals for ``metrics()``, and how many times they were reset.
    private let totals = Mutex((generation: 0, totals: ExecutionTotals()))
    private let logger = Logger(label: "updater.history")

    static let migrations: [Migration] = [
        Migration(
            version: 1, name: "execution history",
            sqlite: """
                CREATE TABLE executions (
                    id TEXT PRIMARY KEY,
                    updater TEXT NOT NULL,
                    tenant TEXT NOT NULL,
                    scheduled_at TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    duration_seconds REAL NOT NULL,
                    outcome TEXT NOT NULL,
                    dry_run INTEGER NOT NULL,
                    seed TEXT NOT NULL,
                    rows TEXT NOT NULL,
                    error TEXT,
                    sample TEXT
                );
                CREATE INDEX executions_started ON executions (started_at);
                CREATE INDEX executions_updater_started ON executions (updater, started_at);
                """,
            postgres: ""),  // the state file is always SQLite
        Migration(
            version: 2, name: "execution trigger",
            sqlite: """
                ALTER TABLE executions ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
                CREATE INDEX executions_entry_scheduled ON executions (updater, tenant, scheduled_at);
                """,
            postgres: ""),
        Migration(
            version: 3, name: "missed-fire ranges",
            sqlite: """
                ALTER TABLE executions ADD COLUMN missed_first TEXT;
                ALTER TABLE executions ADD COLUMN missed_count INTEGER;
                ALTER TABLE executions ADD COLUMN missed_count_exact INTEGER;
                """,
            postgres: ""),
        Migration(
            version: 4, name: "backlog resolutions",
            sqlite: """
                ALTER TABLE executions ADD COLUMN backlog_action TEXT;
                ALTER TABLE executions ADD COLUMN backlog_item TEXT;
                ALTER TABLE executions ADD COLUMN backlog_reason TEXT;
                CREATE INDEX executions_unsuccessful ON executions (scheduled_at) WHERE dry_run = 0 AND outcome <> 'succeeded';
                """,
            postgres: ""),
        // The live view asks every few seconds for the latest failures: without it, rare
        // failures mean walking the whole history backwards.
        Migration(
            version: 5, name: "latest records by outcome",
            sqlite: "CREATE INDEX executions_outcome_started ON executions (outcome, started_at);",
            postgres: ""),
        // Which replica ran each execution, and the id of the service this data folder belongs to.
        Migration(
            version: 6, name: "replica identity",
            sqlite: """
                ALTER TABLE executions ADD COLUMN replica TEXT;
                CREATE TABLE identity (replica TEXT NOT NULL);
                """,
            postgres: ""),
    ]

    /// Opens (creating and migrating) the history in `directory/state.sqlite`.
    /// - Throws: ``DatabaseError`` naming the file when it cannot be used (not writable, not a
    ///   SQLite database).
    public init(directory: URL) async throws {
        let path = directory.appendingPathComponent("state.sqlite").path
        do {
            database = try SQLiteDatabase(path: path, poolSize: 2)
            try await Migrator.migrate(database, migrations: Self.migrations)
        } catch let error as DatabaseError {
            throw DatabaseError(error.kind, "cannot use the execution history \(path): \(error.message)",
                                sqlState: error.sqlState, resultCode: error.resultCode)
        }
    }

    private init(readOnly path: String) throws {
        database = try SQLiteDatabase(path: path, poolSize: 1, readOnly: true)
    }

    /// Opens the history in `directory` for commands that only read it (`status`, `backlog`):
    /// nil when there is none (nothing is created), read-only when the folder cannot be written.
    public static func existing(directory: URL) async throws -> ExecutionHistory? {
        let path = directory.appendingPathComponent("state.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        if access(directory.path, W_OK) == 0 && access(path, W_OK) == 0 {
            return try await ExecutionHistory(directory: directory)
        }
        return try ExecutionHistory(readOnly: path)
    }

    /// Queues a record; it is written (with any others queued meanwhile) by the background writer.
    public func record(_ record: ExecutionRecord) {
        pending.withLock { state in
            state.records.append(record)
            if state.writer == nil {
                let gathering = Task { _ = try? await Task.sleep(for: Self.gatherInterval) }
                state.gathering = gathering
                state.writer = Task {
                    await gathering.value
                    await self.drain()
                }
            }
        }
    }

    /// Writes every record queued so far, and returns once they are written.
    public func flush() async {
        let (writer, gathering) = pending.withLock { ($0.writer, $0.gathering) }
        gathering?.cancel()
        await writer?.value
    }

    /// Writes queued records in batches until none is left.
    private func drain() async {
        while true {
            let batch = pending.withLock { state -> [ExecutionRecord] in
                let batch = state.records
                state.records = []
                if batch.isEmpty {
                    state.writer = nil
                    state.gathering = nil
                }
                return batch
            }
            if batch.isEmpty { return }
            do {
                try await write(batch)
            } catch {
                logger.error("could not write execution records to the history", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            }
        }
    }

    private func write(_ batch: [ExecutionRecord]) async throws {
        let encoder = JSONCoding.encoder()
        let rows = try batch.map { record -> [DatabaseValue] in
            let counts = ExecutionRecord.rowsJSON(record.rows)
            let sample = try record.sample.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            return [.uuid(record.id), .text(record.updater), .uuid(record.tenant), .timestamp(record.scheduledAt),
                    .timestamp(record.startedAt), .timestamp(record.finishedAt), .double(record.durationSeconds),
                    .text(record.outcome.rawValue), .bool(record.dryRun), .text(String(record.seed)), .text(counts),
                    record.error.map(DatabaseValue.text) ?? .null, sample.map(DatabaseValue.text) ?? .null,
                    .text(record.trigger.rawValue), record.missedRange.map { .timestamp($0.first) } ?? .null,
                    record.missedRange.map { .integer(Int64($0.count)) } ?? .null,
                    record.missedRange.map { .bool($0.countIsExact) } ?? .null,
                    record.backlog.map { .text($0.action.rawValue) } ?? .null, record.backlog.map { .text($0.item) } ?? .null,
                    record.backlog?.reason.map(DatabaseValue.text) ?? .null, record.replica.map { .uuid($0) } ?? .null]
        }
        try await database.transaction { conn in
            for values in rows {
                try conn.execute(
                    """
                    INSERT INTO executions (id, updater, tenant, scheduled_at, started_at, finished_at, duration_seconds, outcome,
                                            dry_run, seed, rows, error, sample, trigger, missed_first, missed_count, missed_count_exact,
                                            backlog_action, backlog_item, backlog_reason, replica)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
                    """, values)
            }
        }
    }

    /// The latest fire time of a real (not dry-run) execution of `updater` for `tenant` that
    /// the history holds, whatever its trigger and outcome.
    public func lastRecordedFire(updater: String, tenant: UUID) async throws -> Date? {
        await flush()
        return try await database.withConnection { conn in
            try conn.query("SELECT MAX(scheduled_at) AS last FROM executions WHERE updater = $1 AND tenant = $2 AND dry_run = 0",
                           .text(updater), .uuid(tenant)).first?["last"].dateValue
        }
    }

    /// Brings the history in line with executions known to have committed (from the target
    /// database's ``FireLog``): a record a crash lost is added, and a record that says an
    /// execution failed when it in fact committed (its commit's answer was lost with the
    /// connection) is corrected. Records already right are left alone.
    /// - Returns: how many records were added or corrected.
    @discardableResult
    public func restore(committed records: [ExecutionRecord]) async throws -> Int {
        await flush()
        guard !records.isEmpty else { return 0 }
        let changed = try await database.transaction { conn in
            var changed = 0
            for record in records {
                changed += try conn.execute(
                    """
                    INSERT INTO executions (id, updater, tenant, scheduled_at, started_at, finished_at, duration_seconds, outcome,
                                            dry_run, seed, rows, error, sample, trigger, replica)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, 'succeeded', 0, $8, $9, NULL, NULL, $10, $11)
                    ON CONFLICT (id) DO UPDATE SET outcome = 'succeeded', error = NULL, rows = excluded.rows,
                        finished_at = excluded.finished_at, duration_seconds = excluded.duration_seconds
                    WHERE executions.outcome <> 'succeeded'
                    """,
                    [.uuid(record.id), .text(record.updater), .uuid(record.tenant), .timestamp(record.scheduledAt),
                     .timestamp(record.startedAt), .timestamp(record.finishedAt), .double(record.durationSeconds),
                     .text(String(record.seed)), .text(ExecutionRecord.rowsJSON(record.rows)), .text(record.trigger.rawValue),
                     record.replica.map { .uuid($0) } ?? .null])
            }
            return changed
        }
        if changed > 0 {
            // Records changed in place: count everything again next time.
            totals.withLock { $0 = (generation: $0.generation + 1, totals: ExecutionTotals()) }
        }
        return changed
    }

    /// The most recent records, newest first, optionally for one updater or of some outcomes.
    public func recent(limit: Int = 50, updater: String? = nil, outcomes: Set<ExecutionRecord.Outcome>? = nil) async throws -> [ExecutionRecord] {
        await flush()
        var conditions: [String] = [], values: [DatabaseValue] = []
        if let updater { values.append(.text(updater)); conditions.append("updater = $\(values.count)") }
        if let outcomes {
            var placeholders: [String] = []
            for outcome in outcomes.sorted(by: { $0.rawValue < $1.rawValue }) {
                values.append(.text(outcome.rawValue))
                placeholders.append("$\(values.count)")
            }
            conditions.append(placeholders.isEmpty ? "0 = 1" : "outcome IN (\(placeholders.joined(separator: ", ")))")
        }
        values.append(.integer(Int64(limit)))
        let sql = "SELECT * FROM executions" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY started_at DESC, id LIMIT $\(values.count)"
        let parameters = values
        let rows = try await database.withConnection { conn in try conn.query(sql, parameters) }
        let decoder = JSONCoding.decoder()
        return rows.compactMap { Self.record(from: $0, decoder: decoder) }
    }

    /// A row of the `executions` table as a record; nil for a row that does not read as one.
    static func record(from row: DatabaseRow, decoder: JSONDecoder) -> ExecutionRecord? {
        guard let id = row["id"].uuidValue, let tenant = row["tenant"].uuidValue,
              let scheduled = row["scheduled_at"].dateValue, let started = row["started_at"].dateValue,
              let finished = row["finished_at"].dateValue,
              let outcome = row["outcome"].stringValue.flatMap(ExecutionRecord.Outcome.init(rawValue:)) else { return nil }
        let counts = (try? decoder.decode([ExecutionRecord.RowCount].self, from: Data((row["rows"].stringValue ?? "[]").utf8))) ?? []
        let sample = row["sample"].stringValue.flatMap { try? decoder.decode([String: [[String: String]]].self, from: Data($0.utf8)) }
        return ExecutionRecord(
            id: id, updater: row["updater"].stringValue ?? "", tenant: tenant, scheduledAt: scheduled, startedAt: started,
            finishedAt: finished, outcome: outcome,
            trigger: row["trigger"].stringValue.flatMap(ExecutionRecord.Trigger.init(rawValue:)) ?? .manual,
            dryRun: row["dry_run"].boolValue ?? false,
            seed: UInt64(row["seed"].stringValue ?? "") ?? 0, rows: counts, error: row["error"].stringValue, sample: sample,
            missedRange: row["missed_count"].intValue.flatMap { count in
                row["missed_first"].dateValue.map {
                    ExecutionRecord.MissedRange(first: $0, last: scheduled, count: Int(count),
                                                countIsExact: row["missed_count_exact"].boolValue ?? true)
                }
            },
            backlog: row["backlog_action"].stringValue.flatMap(BacklogResolution.Action.init(rawValue:)).map {
                BacklogResolution(action: $0, item: row["backlog_item"].stringValue ?? "", reason: row["backlog_reason"].stringValue)
            },
            replica: row["replica"].uuidValue)
    }

    /// The id of the service this data folder belongs to: made the first time it is asked for
    /// and kept, so a restarted service is the same replica (it resumes its own heartbeat row
    /// and, by rendezvous, owns the same tenants). Two data folders copied from one share it;
    /// the fire log's key still keeps each fire once, but they would split no work.
    public func replicaID() async throws -> UUID {
        try await database.transaction { conn in
            if let id = try conn.query("SELECT replica FROM identity").first?["replica"].uuidValue { return id }
            let id = Identifiers.next()
            try conn.execute("INSERT INTO identity (replica) VALUES ($1)", .uuid(id))
            return id
        }
    }

    /// The latest fire time recorded for `updater` and `tenant` by a real (not dry-run)
    /// scheduled or catch-up execution, or a missed fire: where the scheduler resumes.
    public func lastScheduledFire(updater: String, tenant: UUID) async throws -> Date? {
        await flush()
        return try await database.withConnection { conn in
            try conn.query(
                """
                SELECT MAX(scheduled_at) AS last FROM executions
                WHERE updater = $1 AND tenant = $2 AND dry_run = 0 AND trigger IN ('scheduled', 'catch_up')
                """, .text(updater), .uuid(tenant)).first?["last"].dateValue
        }
    }

    /// Per-updater metrics over every real (not dry-run) execution: the running totals
    /// (``ExecutionTotals``), brought up to date with the records written since the last call.
    public func metrics() async throws -> [UpdaterMetrics] {
        await flush()
        let (generation, current) = totals.withLock { $0 }
        let advanced = try await database.withConnection { conn in
            var advanced = current
            try advanced.advance(conn)
            return advanced
        }
        // Kept unless a concurrent call got further, or a restore reset the totals, meanwhile.
        totals.withLock { state in
            if state.generation == generation && advanced.watermark > state.totals.watermark { state.totals = advanced }
        }
        return advanced.metrics
    }

    /// Writes what is queued, then closes the state file.
    public func close() async {
        await flush()
        await database.close()
    }
}
