import Foundation

/// `updater verify`: the change log against the database. Every key the log says exists is
/// there with the logged after-hash; every key it deleted is absent; and no row of a tracked
/// table belongs to a managed tenant without the log knowing it.
///
/// Reads the log and the tables in one snapshot, so it can run beside a writing service.
public enum LogVerifier {
    /// What a check compares: which tenants, and from where in the log.
    public struct Scope: Sendable {
        /// The tenants whose rows are checked.
        public var tenants: [UUID]
        /// Only keys whose last change is after this sequence number (nil: all). Rows the log
        /// does not know are then not looked for: a partial check cannot tell them apart.
        public var sinceSequence: Int64?
        /// Only keys whose last change committed at or after this time.
        public var sinceTime: Date?
        /// Also every tenant the log holds entries of: a check of the whole target, which must
        /// not pass having checked nothing because the configuration names other tenants than
        /// the ones that wrote (`updater verify --database URL` without the service's configuration).
        public var loggedTenants: Bool

        public init(tenants: [UUID], sinceSequence: Int64? = nil, sinceTime: Date? = nil, loggedTenants: Bool = false) {
            self.loggedTenants = loggedTenants
            self.tenants = tenants
            self.sinceSequence = sinceSequence
            self.sinceTime = sinceTime
        }

        var isPartial: Bool { sinceSequence != nil || sinceTime != nil }
    }

    /// What the log says of one key: its last entry.
    struct Expected {
        let seq: Int64
        let tenant: String
        /// The after-hash; nil when the last change deleted the row.
        let after: String?
        let committedAt: Double
    }

    /// Checks the log of `database` against its tables (`scenario`'s tracked ones and any the log names).
    ///
    /// The snapshot only reads (on SQLite's rollback-journal files a reader holds up writers'
    /// commits, so it is kept short); hashing and comparing happen after it is released.
    public static func verify(_ scenario: any Scenario, in database: any Database, scope: Scope) async throws -> LogReport {
        let lockOrder = ["main"] + scenario.databases
        let (entries, tablesRead, tenants) = try await database.withConnection { conn in
            try scenario.requireSchema(on: conn)
            return try conn.readSnapshot(lockOrder: lockOrder) { () throws -> ([DatabaseRow], [(table: String, rows: [DatabaseRow])], Set<String>) in
                // Only the columns the check needs, as they come: entries are read whole after the snapshot.
                var entries: [DatabaseRow] = []
                var last: Int64 = 0
                while true {
                    let page = try conn.query(
                        """
                        SELECT seq, tenant_id, table_name, row_key, operation, after_hash, committed_at
                        FROM \(ChangeLog.table(conn.dialect)) WHERE seq > $1 ORDER BY seq LIMIT 50000
                        """, .integer(last))
                    guard let end = page.last?["seq"].intValue else { break }
                    entries += page
                    last = end
                }
                var tenants = Set(scope.tenants.map(\.lowercaseString))
                if scope.loggedTenants { tenants.formUnion(entries.compactMap { $0[1].stringValue }) }
                let tables = Set(scenario.trackedTables).union(Set(entries.compactMap { $0[2].stringValue })).sorted()
                var read: [(table: String, rows: [DatabaseRow])] = []
                for table in tables {
                    // The tenant as text, cast to the column's type (uuid or text) on PostgreSQL.
                    let cast = conn.dialect == .postgres ? "::" + (try KeyColumnTypes.of(table, on: conn).tenant) : ""
                    var rows: [DatabaseRow] = []
                    for tenant in tenants.sorted() {
                        rows += try conn.query("SELECT * FROM \(table) WHERE tenant_id = $1\(cast)", .text(tenant))
                    }
                    read.append((table, rows))
                }
                return (entries, read, tenants)
            }
        }
        var expected: [String: [String: Expected]] = [:]
        var counted = 0
        for row in entries {
            guard let seq = row[0].intValue, let tenant = row[1].stringValue, tenants.contains(tenant),
                  let table = row[2].stringValue, let key = row[3].stringValue else { continue }
            counted += 1
            expected[table, default: [:]][key] = Expected(seq: seq, tenant: tenant, after: row[4].stringValue == "delete" ? nil : row[5].stringValue,
                                                          committedAt: row[6].doubleValue ?? 0)
        }
        return compare(expected: expected, entries: counted, lastSequence: entries.last?[0].intValue ?? 0, tables: tablesRead, scope: scope)
    }

    /// The log's last word on each key (`expected`, by table and key) against the rows read.
    static func compare(expected: [String: [String: Expected]], entries: Int, lastSequence: Int64,
                        tables: [(table: String, rows: [DatabaseRow])], scope: Scope) -> LogReport {
        var report = LogReport(entries: entries, lastSequence: lastSequence, partial: scope.isPartial)
        report.tables = tables.map(\.table)
        for (table, rows) in tables {
            var logged = expected[table] ?? [:]
            if scope.isPartial {
                logged = logged.filter { _, entry in
                    entry.seq > (scope.sinceSequence ?? 0) && entry.committedAt >= (scope.sinceTime?.timeIntervalSince1970 ?? -.infinity)
                }
            }
            for row in rows {
                guard let key = row["id"].stringValue else { continue }
                report.rowsChecked += 1
                let hash = RowImage.hash(of: row)
                guard let entry = logged.removeValue(forKey: key) else {
                    // A partial check cannot tell a row the log does not know from one changed before its range.
                    if scope.isPartial { continue }
                    report.add(.init(kind: .unexpected, table: table, key: key, tenant: row["tenant_id"].stringValue ?? "", seq: nil,
                                     logged: nil, found: hash))
                    continue
                }
                if let after = entry.after {
                    if after != hash {
                        report.add(.init(kind: .contentDiffers, table: table, key: key, tenant: entry.tenant, seq: entry.seq,
                                         logged: after, found: hash))
                    }
                } else {
                    report.add(.init(kind: .unexpected, table: table, key: key, tenant: entry.tenant, seq: entry.seq,
                                     logged: nil, found: hash))
                }
            }
            for (key, entry) in logged.sorted(by: { $0.value.seq < $1.value.seq }) where entry.after != nil {
                report.add(.init(kind: .missing, table: table, key: key, tenant: entry.tenant, seq: entry.seq,
                                 logged: entry.after, found: nil))
            }
        }
        return report
    }
}

/// What `updater verify` found: counts by class and the first discrepancies of each.
public struct LogReport: Sendable, Codable, Equatable {
    /// A difference between the log and the database.
    public struct Discrepancy: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            /// The log says the row exists; the database has no such row.
            case missing
            /// The database has a row the log does not know, or one the log deleted.
            case unexpected
            /// The row exists, with other content than the log's last after-image.
            case contentDiffers = "content_differs"
        }

        public var kind: Kind
        public var table: String
        public var key: String
        public var tenant: String
        /// The key's last entry in the log, if any.
        public var seq: Int64?
        /// The log's after-hash, if the log says the row exists.
        public var logged: String?
        /// The row's hash in the database, if the row is there.
        public var found: String?
    }

    /// Discrepancies listed per class (the counts count them all).
    public static let listedPerKind = 20

    /// Log entries of the checked tenants.
    public var entries: Int
    /// The log's last sequence number.
    public var lastSequence: Int64
    /// Whether `--since` limited the check to keys changed since (rows the log does not know are not looked for then).
    public var partial: Bool
    /// The tables checked.
    public var tables: [String] = []
    /// Rows read from those tables.
    public var rowsChecked = 0
    public var missing = 0
    public var unexpected = 0
    public var contentDiffers = 0
    /// The first ``listedPerKind`` discrepancies of each class, in table order.
    public var discrepancies: [Discrepancy] = []

    init(entries: Int, lastSequence: Int64, partial: Bool) {
        self.entries = entries
        self.lastSequence = lastSequence
        self.partial = partial
    }

    /// Whether the log and the database agree.
    public var passed: Bool { missing + unexpected + contentDiffers == 0 }

    mutating func add(_ discrepancy: Discrepancy) {
        let count: Int
        switch discrepancy.kind {
        case .missing: missing += 1; count = missing
        case .unexpected: unexpected += 1; count = unexpected
        case .contentDiffers: contentDiffers += 1; count = contentDiffers
        }
        if count <= Self.listedPerKind { discrepancies.append(discrepancy) }
    }
}
