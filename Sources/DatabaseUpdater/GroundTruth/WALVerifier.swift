import Foundation

/// `updater verify --wal`: the change log against PostgreSQL's own record of what committed,
/// read by logical decoding (wal2json, format 2) from a replication slot created before the
/// traffic (``WALSlot``). The slot is only peeked at, so the check can be repeated.
///
/// In the vocabulary of Jepsen's checkers, it finds entries **lost** (logged, but the WAL has
/// no such change in that transaction), **phantom** changes (in the WAL, to a tracked table, but
/// not logged: a write by another client), **duplicated** entries (two entries for one change),
/// **reordered** transactions (the log's sequence order differs from the WAL's commit order),
/// and **split** or **merged** transactions (the log groups changes into other transactions
/// than the WAL does).
public enum WALVerifier {
    /// One row change of the WAL, or one logged entry, as both are compared.
    struct Change: Hashable {
        let table: String
        let key: String
        let operation: RowChange.Operation
    }

    /// One committed transaction as the WAL shows it.
    struct Transaction {
        let xid: String
        /// Changes to tracked tables, in order.
        var changes: [Change] = []
        /// The log entries it wrote: sequence number, their transaction, and the change each names.
        var entries: [(seq: Int64, txid: String, change: Change)] = []
    }

    /// Compares the log with the WAL decoded from `slot`.
    /// - Parameter tenants: the managed tenants (a phantom is a change to a tracked table of any tenant; listed with its tenant).
    public static func verify(_ scenario: any Scenario, in database: any Database, slot: String,
                              tenants: [UUID]) async throws -> WALReport {
        try WALSlot.requirePostgres(database)
        let tracked = Set(scenario.trackedTables)
        let logTable = ChangeLog.table(.postgres)
        let transactions: [Transaction] = try await database.withConnection { conn in
            try scenario.requireSchema(on: conn)
            guard try !conn.query("SELECT 1 AS found FROM pg_replication_slots WHERE slot_name = $1", .text(slot)).isEmpty else {
                throw DatabaseError(.unsupported, "no replication slot \(slot): create it before traffic starts (updater slot create \(slot), "
                                    + "or groundTruth.walSlot: \(slot) in the configuration)")
            }
            // Decoding stops at the WAL flushed to disk; with synchronous_commit off, the latest
            // commits may still be in memory. A transaction that writes and commits synchronously
            // flushes them (one that writes nothing would not: its commit is not waited for).
            try conn.executeScript("""
                BEGIN; SET LOCAL synchronous_commit = on;
                UPDATE \(FireLog.bookkeepingSchema).change_counter SET next_seq = next_seq; COMMIT
                """)
            let rows = try conn.query("SELECT data FROM pg_logical_slot_peek_changes($1, NULL, NULL, 'format-version', '2', 'include-xids', '1')",
                                      .text(slot))
            return try decode(rows.compactMap { $0["data"].stringValue }, tracked: tracked, logTable: logTable)
        }
        return compare(transactions)
    }

    /// The decoded WAL, transaction by transaction in commit order.
    static func decode(_ messages: [String], tracked: Set<String>, logTable: String) throws -> [Transaction] {
        var transactions: [Transaction] = []
        var open: Transaction?
        for text in messages {
            let message = try WAL2JSONMessage(json: text)
            switch message.action {
            case .begin:
                open = Transaction(xid: message.xid)
            case .commit:
                if let done = open, !(done.changes.isEmpty && done.entries.isEmpty) { transactions.append(done) }
                open = nil
            case .insert, .update, .delete:
                guard let operation = message.operation else { continue }
                if message.table == logTable, operation == .insert {
                    guard let seq = message.value("seq").flatMap({ Int64($0) }), let tableName = message.value("table_name"),
                          let key = message.value("row_key"),
                          let logged = message.value("operation").flatMap(RowChange.Operation.init(rawValue:)) else { continue }
                    open?.entries.append((seq, message.value("txid") ?? "", Change(table: tableName, key: key, operation: logged)))
                } else if tracked.contains(message.table), let key = message.value("id") {
                    open?.changes.append(Change(table: message.table, key: key, operation: operation))
                }
            case .truncate, .message:
                continue
            }
        }
        return transactions
    }

    /// Transaction ids compared modulo 2^32: `pg_current_xact_id()` carries an epoch the WAL's xid does not.
    private static func sameTransaction(_ logged: String, _ wal: String) -> Bool {
        guard let a = UInt64(logged), let b = UInt64(wal) else { return logged == wal }
        return a & 0xFFFF_FFFF == b & 0xFFFF_FFFF
    }

    static func compare(_ transactions: [Transaction]) -> WALReport {
        var report = WALReport()
        var lastSeq: Int64 = 0
        var seen = Set<Int64>()
        // Which WAL transaction each logged transaction's entries arrived in (for splits).
        var walOfLogged: [String: Set<String>] = [:]
        for transaction in transactions {
            report.transactions += 1
            report.changes += transaction.changes.count
            report.entries += transaction.entries.count
            var unmatched = transaction.changes
            for entry in transaction.entries {
                if !seen.insert(entry.seq).inserted {
                    report.add(.duplicated, "seq \(entry.seq) appears twice", xid: transaction.xid, seq: entry.seq)
                    continue
                }
                walOfLogged[entry.txid, default: []].insert(transaction.xid)
                if !sameTransaction(entry.txid, transaction.xid) {
                    report.add(.merged, "seq \(entry.seq) says transaction \(entry.txid), but was committed in \(transaction.xid)",
                               xid: transaction.xid, seq: entry.seq)
                }
                if let index = unmatched.firstIndex(of: entry.change) {
                    unmatched.remove(at: index)
                } else if transaction.changes.contains(entry.change) {
                    report.add(.duplicated, "\(entry.change.operation.rawValue) \(entry.change.table) \(entry.change.key) logged twice",
                               xid: transaction.xid, seq: entry.seq)
                } else {
                    report.add(.lost, "\(entry.change.operation.rawValue) \(entry.change.table) \(entry.change.key) logged, not in the WAL",
                               xid: transaction.xid, seq: entry.seq)
                }
            }
            for change in unmatched {
                report.add(.phantom, "\(change.operation.rawValue) \(change.table) \(change.key) in the WAL, not logged", xid: transaction.xid, seq: nil)
            }
            if let first = transaction.entries.map(\.seq).min() {
                if first < lastSeq {
                    report.add(.reordered, "transaction \(transaction.xid) committed after seq \(lastSeq) but was logged at seq \(first)",
                               xid: transaction.xid, seq: first)
                }
                lastSeq = max(lastSeq, transaction.entries.map(\.seq).max() ?? first)
            }
        }
        for (txid, xids) in walOfLogged.sorted(by: { $0.key < $1.key }) where xids.count > 1 {
            report.add(.split, "logged transaction \(txid) committed as \(xids.count) transactions", xid: xids.sorted().first ?? "", seq: nil)
        }
        return report
    }
}

/// What `updater verify --wal` found.
public struct WALReport: Sendable, Codable, Equatable {
    public struct Discrepancy: Sendable, Codable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case lost, phantom, duplicated, reordered, split, merged
        }
        public var kind: Kind
        public var message: String
        /// The WAL's transaction id.
        public var xid: String
        public var seq: Int64?
    }

    /// Discrepancies listed (the counts count them all).
    public static let listed = 50

    /// Committed transactions in the WAL that touched a tracked table or the log.
    public var transactions = 0
    /// Their changes to tracked tables.
    public var changes = 0
    /// The log entries they wrote.
    public var entries = 0
    /// Discrepancies by kind.
    public var counts: [String: Int] = Dictionary(uniqueKeysWithValues: Discrepancy.Kind.allCases.map { ($0.rawValue, 0) })
    /// The first ``listed`` discrepancies.
    public var discrepancies: [Discrepancy] = []

    /// Whether the WAL and the log agree.
    public var passed: Bool { counts.values.allSatisfy { $0 == 0 } }

    mutating func add(_ kind: Discrepancy.Kind, _ message: String, xid: String, seq: Int64?) {
        counts[kind.rawValue, default: 0] += 1
        if discrepancies.count < Self.listed { discrepancies.append(.init(kind: kind, message: message, xid: xid, seq: seq)) }
    }
}
