import Foundation

/// What an updater is given for one execution: the tenant, the fire time, a seeded random
/// source and the transaction's connection. Every write goes through it, which is how rows are
/// counted, change events collected and tenants kept apart (updates and deletes always match
/// `tenant_id` too).
///
/// Not `Sendable`: it lives inside the execution's transaction closure.
public struct UpdaterContext {
    /// The tenant this execution writes for.
    public let tenant: Tenant
    /// The scheduled fire time; generated timestamps derive from it, not from the wall clock,
    /// so the same seed and fire time give the same rows.
    public let fireTime: Date
    /// The execution's random source (see ``SeededRandom``).
    public var random: SeededRandom
    /// Whether the transaction will be rolled back.
    public let dryRun: Bool
    /// Delete closed tickets and completed activities older than this many days; nil = keep.
    public let retentionDays: Int?
    /// The configured zone: business days, and the dates an updater writes, are counted in it.
    public let timeZone: TimeZone
    /// Rows written so far, in order.
    public private(set) var changes: [RowChange] = []
    /// In a dry run, up to ``sampleLimit`` inserted rows per table, as column → text, for its
    /// report (real runs do not keep them: nothing reads them, and building them cost a few
    /// percent of an execution).
    public private(set) var samples: [String: [[String: String]]] = [:]

    /// Rows kept per table in ``samples``.
    public static let sampleLimit = 3

    let connection: any SQLConnection
    /// Whether each change's row images are taken for the change log (not in dry runs, which log nothing).
    private let imagesLogged: Bool
    /// Whether the full after-image is kept too (`ledger.rowImages`).
    private let imagesKept: Bool
    /// PostgreSQL: the changes (by index) of queued inserts whose after-image is still to be read
    /// (``resolveImages()``), by table.
    private var imagesPending: [String: [Int]] = [:]

    /// - Parameter rowImages: keep each change's full after-image besides its hashes.
    init(tenant: Tenant, fireTime: Date, random: SeededRandom, dryRun: Bool, retentionDays: Int?, timeZone: TimeZone,
         connection: any SQLConnection, rowImages: Bool = false) {
        imagesLogged = !dryRun
        imagesKept = rowImages && !dryRun
        self.timeZone = timeZone
        self.tenant = tenant
        self.fireTime = fireTime
        self.random = random
        self.dryRun = dryRun
        self.retentionDays = retentionDays
        self.connection = connection
    }

    /// The SQL dialect of the transaction (for the few statements that differ, such as row locks).
    public var dialect: SQLDialect { connection.dialect }

    /// Reads rows (never counted as changes).
    public func query(_ sql: String, _ parameters: DatabaseValue...) throws -> [DatabaseRow] {
        try connection.query(sql, parameters)
    }

    /// Inserts one row with primary key `id`; `tenant_id` is added for you.
    public mutating func insert(into table: String, id: UUID, _ columns: KeyValuePairs<String, DatabaseValue>) throws {
        let (names, values) = row(id, columns)
        try insertRow(table, id, sql: Self.insertSQL(table, names), values)
        recordSample(table, names, values)
    }

    /// Inserts one row numbered with the tenant's next ticket number (see ``TicketCounter``):
    /// `sequence_number` gets the number and `ticket_number` its text (`ST-1000`). On
    /// PostgreSQL the insert takes the number itself, in one statement queued like
    /// ``insert(into:id:_:)`` (a dry run waits for it, to show the number in its sample).
    public mutating func insertNumbered(into table: String, id: UUID, _ columns: KeyValuePairs<String, DatabaseValue>) throws {
        var (names, values) = row(id, columns)
        switch connection.dialect {
        case .sqlite:
            let number = try TicketCounter.next(tenant: tenant.id, on: connection, now: fireTime)
            names += ["sequence_number", "ticket_number"]
            values += [.integer(number), .text(TicketCounter.ticketNumber(number))]
            try insertRow(table, id, sql: Self.insertSQL(table, names), values)
        case .postgres:
            let sql = TicketCounter.numberedInsert(into: table, columns: names)
            let parameters = values + TicketCounter.numberedInsertParameters(now: fireTime)
            if dryRun {
                let number = try connection.query(sql + " RETURNING sequence_number", parameters).first?["sequence_number"].intValue
                names += ["sequence_number", "ticket_number"]
                values += [number.map(DatabaseValue.integer) ?? .null, number.map { .text(TicketCounter.ticketNumber($0)) } ?? .null]
                record(RowChange(table: table, operation: .insert, key: id.lowercaseString))
            } else {
                try insertRow(table, id, sql: sql, parameters)
            }
        }
        recordSample(table, names, values)
    }

    /// Updates the row `id` of this tenant. Returns false (and records nothing) when no such row.
    @discardableResult
    public mutating func update(_ table: String, id: UUID, set columns: KeyValuePairs<String, DatabaseValue>) throws -> Bool {
        var assignments: [String] = []
        var values: [DatabaseValue] = []
        for (name, value) in columns {
            values.append(value)
            assignments.append("\(name) = $\(values.count)")
        }
        values.append(contentsOf: [.uuid(id), .uuid(tenant.id)])
        let set = assignments.joined(separator: ", "), idParameter = "$\(values.count - 1)", tenantParameter = "$\(values.count)"
        guard imagesLogged else {
            let sql = "UPDATE \(table) SET \(set) WHERE id = \(idParameter) AND tenant_id = \(tenantParameter)"
            guard try connection.execute(sql, values) == 1 else { return false }
            record(RowChange(table: table, operation: .update, key: id.lowercaseString))
            return true
        }
        let before: DatabaseRow, after: DatabaseRow
        switch connection.dialect {
        case .sqlite:
            // In-process: a read before the update costs microseconds.
            guard let old = try connection.query("SELECT * FROM \(table) WHERE id = $1 AND tenant_id = $2", .uuid(id), .uuid(tenant.id)).first,
                  let new = try connection.query(
                      "UPDATE \(table) SET \(set) WHERE id = \(idParameter) AND tenant_id = \(tenantParameter) RETURNING *", values).first
            else { return false }
            (before, after) = (old, new)
        case .postgres:
            // Both images in the update's own round trip: the locked row joined as `old` is the row before.
            guard let both = try connection.query(
                """
                UPDATE \(table) AS t SET \(set)
                FROM (SELECT * FROM \(table) WHERE id = \(idParameter) AND tenant_id = \(tenantParameter) FOR UPDATE) AS old
                WHERE t.id = old.id AND t.tenant_id = old.tenant_id RETURNING old.*, t.*
                """, values).first else { return false }
            let half = both.columns.count / 2
            before = DatabaseRow(columns: Array(both.columns[..<half]), values: Array(both.values[..<half]))
            after = DatabaseRow(columns: Array(both.columns[half...]), values: Array(both.values[half...]))
        }
        let beforeHash = resolvePending(table, id, before: before)
        record(change(table, .update, id, before: beforeHash, after: after))
        return true
    }

    /// Deletes the row `id` of this tenant. Returns false (and records nothing) when no such row.
    @discardableResult
    public mutating func delete(from table: String, id: UUID) throws -> Bool {
        let sql = "DELETE FROM \(table) WHERE id = $1 AND tenant_id = $2"
        guard imagesLogged else {
            guard try connection.execute(sql, .uuid(id), .uuid(tenant.id)) == 1 else { return false }
            record(RowChange(table: table, operation: .delete, key: id.lowercaseString))
            return true
        }
        guard let before = try connection.query(sql + " RETURNING *", .uuid(id), .uuid(tenant.id)).first else { return false }
        record(RowChange(table: table, operation: .delete, key: id.lowercaseString, before: resolvePending(table, id, before: before)))
        return true
    }

    /// With retention configured, deletes this tenant's rows of `table` in `status` whose
    /// `timeColumn` is older than ``retentionDays``, oldest first, at most 100 a run (so one
    /// run's cost stays bounded); nothing without retention. `status` is written into the SQL as
    /// a literal (a constant of the caller's, never input), so a partial index on it is used.
    public mutating func applyRetention(to table: String, status: String, timeColumn: String) throws {
        guard let days = retentionDays else { return }
        let cutoff = fireTime.addingTimeInterval(-Double(days) * 86_400)
        let expired = try query(
            """
            SELECT id FROM \(table) WHERE tenant_id = $1 AND status = '\(status)' AND \(timeColumn) < $2
            ORDER BY \(timeColumn), id LIMIT 100
            """, .uuid(tenant.id), .timestamp(cutoff))
        for row in expired {
            if let id = row["id"].uuidValue { try delete(from: table, id: id) }
        }
    }

    /// The id and tenant, then `columns`, as column names and values.
    private func row(_ id: UUID, _ columns: KeyValuePairs<String, DatabaseValue>) -> (names: [String], values: [DatabaseValue]) {
        var names = ["id", "tenant_id"]
        var values: [DatabaseValue] = [.uuid(id), .uuid(tenant.id)]
        for (name, value) in columns {
            names.append(name)
            values.append(value)
        }
        return (names, values)
    }

    /// `INSERT INTO table (names) VALUES ($1, …)`.
    static func insertSQL(_ table: String, _ names: [String]) -> String {
        StatementTexts.sql(.insert, table: table, columns: names) {
            "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\((1...names.count).map { "$\($0)" }.joined(separator: ", ")))"
        }
    }

    /// Reads the after-images of inserts still waiting for them (PostgreSQL, where inserts are
    /// queued): one read per table, before the change log is written. Nothing elsewhere.
    mutating func resolveImages() throws {
        for (table, indexes) in imagesPending.sorted(by: { $0.key < $1.key }) {
            // Keys as text cast to the key columns' own types: a comparison, unlike the insert's
            // assignment, has no implicit cast between uuid and text.
            let types = try KeyColumnTypes.of(table, on: connection)
            for start in stride(from: 0, to: indexes.count, by: 500) {
                let chunk = indexes[start..<min(start + 500, indexes.count)]
                let sql = StatementTexts.sql(.insertedRows, table: table, columns: [types.id, types.tenant, String(chunk.count)]) {
                    let placeholders = (0..<chunk.count).map { "$\($0 + 2)::\(types.id)" }.joined(separator: ", ")
                    return "SELECT * FROM \(table) WHERE tenant_id = $1::\(types.tenant) AND id IN (\(placeholders))"
                }
                let rows = try connection.query(sql, [.text(tenant.id.lowercaseString)] + chunk.map { .text(changes[$0].key) })
                var byKey: [String: DatabaseRow] = [:]
                for row in rows { if let key = row["id"].stringValue { byKey[key] = row } }
                for index in chunk {
                    guard let row = byKey[changes[index].key] else { continue }
                    setAfter(index, row)
                }
            }
        }
        imagesPending = [:]
    }

    /// Runs an insert: on SQLite, then reads the row back (in-process, the image costs little); on
    /// PostgreSQL queued, an insert of known values needing no answer, so it travels with the
    /// next statement or the commit (a failure still fails the execution), its image read
    /// later by ``resolveImages()``.
    private mutating func insertRow(_ table: String, _ id: UUID, sql: String, _ values: [DatabaseValue]) throws {
        let key = id.lowercaseString
        guard imagesLogged else {
            try connection.enqueue(sql, values)
            return record(RowChange(table: table, operation: .insert, key: key))
        }
        switch connection.dialect {
        case .sqlite:
            // The row read back by its rowid, not with `RETURNING *`: SQLite gathers a statement's
            // returned rows in an ephemeral table, which cost about a fifth of an execution's
            // instructions (callgrind). The updaters' tables have rowids (a table without one
            // makes this read fail, never read another row).
            try connection.enqueue(sql, values)
            let row = try connection.query(StatementTexts.sql(.insertedRow, table: table, columns: []) {
                "SELECT * FROM \(table) WHERE rowid = last_insert_rowid()"
            }).first
            record(change(table, .insert, id, before: nil, after: row))
        case .postgres:
            try connection.enqueue(sql, values)
            imagesPending[table, default: []].append(changes.count)
            record(RowChange(table: table, operation: .insert, key: key))
        }
    }

    /// A change with its images hashed (and the after-image kept when asked).
    private func change(_ table: String, _ operation: RowChange.Operation, _ id: UUID, before: String?, after: DatabaseRow?) -> RowChange {
        var change = RowChange(table: table, operation: operation, key: id.lowercaseString, before: before)
        if let after { (change.after, change.image) = images(after) }
        return change
    }

    /// The after-hash of `row`, and its canonical text when images are kept.
    private func images(_ row: DatabaseRow) -> (hash: String, image: String?) {
        guard imagesKept else { return (RowImage.hash(of: row), nil) }
        let text = RowImage.canonicalText(of: row)
        return (RowImage.hash(canonicalText: text), text)
    }

    private mutating func setAfter(_ index: Int, _ row: DatabaseRow) {
        (changes[index].after, changes[index].image) = images(row)
    }

    /// The hash of `before`; and when it is the first image seen of a row this execution inserted
    /// on PostgreSQL, it is that insert's after-image too.
    private mutating func resolvePending(_ table: String, _ id: UUID, before: DatabaseRow) -> String {
        let key = id.lowercaseString
        if let pending = imagesPending[table], let position = pending.firstIndex(where: { changes[$0].key == key }) {
            setAfter(pending[position], before)
            imagesPending[table]?.remove(at: position)
        }
        return RowImage.hash(of: before)
    }

    /// Keeps an inserted row as a sample while its table has few (dry runs only).
    private mutating func recordSample(_ table: String, _ names: [String], _ values: [DatabaseValue]) {
        if dryRun, samples[table, default: []].count < Self.sampleLimit {
            var sample: [String: String] = [:]
            for (name, value) in zip(names, values) { sample[name] = value.stringValue ?? "NULL" }
            samples[table, default: []].append(sample)
        }
    }

    private mutating func record(_ change: RowChange) {
        changes.append(change)
    }
}
