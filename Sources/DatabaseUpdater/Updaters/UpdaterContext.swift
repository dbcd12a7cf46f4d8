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

    init(tenant: Tenant, fireTime: Date, random: SeededRandom, dryRun: Bool, retentionDays: Int?, timeZone: TimeZone,
         connection: any SQLConnection) {
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
        // Queued: an insert of known values needs no answer, so on PostgreSQL it travels with the
        // next statement or the commit; a failure still fails (and rolls back) the execution.
        try connection.enqueue(Self.insertSQL(table, names), values)
        recordInsert(table, id, names, values)
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
            try connection.enqueue(Self.insertSQL(table, names), values)
        case .postgres:
            let sql = TicketCounter.numberedInsert(into: table, columns: names)
            let parameters = values + TicketCounter.numberedInsertParameters(now: fireTime)
            if dryRun {
                let number = try connection.query(sql + " RETURNING sequence_number", parameters).first?["sequence_number"].intValue
                names += ["sequence_number", "ticket_number"]
                values += [number.map(DatabaseValue.integer) ?? .null, number.map { .text(TicketCounter.ticketNumber($0)) } ?? .null]
            } else {
                try connection.enqueue(sql, parameters)
            }
        }
        recordInsert(table, id, names, values)
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
        let sql = "UPDATE \(table) SET \(assignments.joined(separator: ", ")) WHERE id = $\(values.count - 1) AND tenant_id = $\(values.count)"
        guard try connection.execute(sql, values) == 1 else { return false }
        record(table, .update, id)
        return true
    }

    /// Deletes the row `id` of this tenant. Returns false (and records nothing) when no such row.
    @discardableResult
    public mutating func delete(from table: String, id: UUID) throws -> Bool {
        guard try connection.execute("DELETE FROM \(table) WHERE id = $1 AND tenant_id = $2", .uuid(id), .uuid(tenant.id)) == 1 else {
            return false
        }
        record(table, .delete, id)
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
        "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\((1...names.count).map { "$\($0)" }.joined(separator: ", ")))"
    }

    /// Records an inserted row's change, and keeps it as a sample while the table has few.
    private mutating func recordInsert(_ table: String, _ id: UUID, _ names: [String], _ values: [DatabaseValue]) {
        record(table, .insert, id)
        if dryRun, samples[table, default: []].count < Self.sampleLimit {
            var sample: [String: String] = [:]
            for (name, value) in zip(names, values) { sample[name] = value.stringValue ?? "NULL" }
            samples[table, default: []].append(sample)
        }
    }

    private mutating func record(_ table: String, _ operation: RowChange.Operation, _ id: UUID) {
        changes.append(RowChange(table: table, operation: operation, key: id.lowercaseString))
    }
}
