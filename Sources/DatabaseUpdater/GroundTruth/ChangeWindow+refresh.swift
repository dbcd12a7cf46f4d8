import Foundation

extension ChangeWindow {
    /// Entries read per statement.
    static let pageSize = 1_000

    /// Reads what the log gained since ``lastSequence`` from `database` and adds it.
    ///
    /// Incremental: one `max(seq)` lookup, then only the new entries, by primary key. The first
    /// refresh (and one after a pause long enough that the new entries outgrow the window or the
    /// capacity) reads backwards from the end, a page at a time, until a page begins before the
    /// window or the capacity is reached, and takes each table's latest write from the whole log
    /// (one aggregate over it) for the entries it skipped. A log whose last number went down was
    /// replaced (a database dropped and created again): the window starts over.
    /// - Throws: `DatabaseError`; one of kind `.statement` saying so when the database has no
    ///   change log.
    public mutating func refresh(from database: any Database, now: Date) async throws {
        if lastSequence == 0 { try await Self.requireLog(in: database) }
        let last = try await ChangeLog.lastSequence(in: database)
        if last < lastSequence { reset() }
        guard last > lastSequence else { return add([], now: now) }
        let cutoff = now.timeIntervalSince1970 - length
        let floor = max(lastSequence, last - Int64(capacity))
        var pages: [[ChangeEvent]] = [], upper = last
        while upper > floor {
            let lower = max(floor, upper - Int64(Self.pageSize))
            let page = try await ChangeLog.read(after: lower, limit: Int(upper - lower), in: database)
            pages.append(page)
            upper = lower
            if let first = page.first, first.timestamp <= cutoff { break }
        }
        if upper > lastSequence {
            // Entries (lastSequence, upper] were not read: older than the window, or beyond the
            // capacity. Their tables' latest writes come from the whole log.
            if upper == floor, let first = pages.last?.first, first.timestamp > cutoff {
                markDropped(through: first.timestamp - 0.001)
            }
            for (table, time) in try await Self.lastWrites(in: database) { noteLastWrite(table: table, at: time) }
            lastSequence = upper
        }
        add(pages.reversed().joined(), now: now)
    }

    /// Fails with a clear message when `database` has no change log table.
    private static func requireLog(in database: any Database) async throws {
        let exists = try await database.withConnection { conn in
            let sql = conn.dialect == .postgres
                ? "SELECT to_regclass('\(ChangeLog.table(.postgres))') IS NOT NULL AS found"
                : "SELECT count(*) > 0 AS found FROM sqlite_master WHERE type = 'table' AND name = '\(ChangeLog.table(.sqlite))'"
            return try conn.query(sql).first?["found"].boolValue ?? false
        }
        if !exists {
            throw DatabaseError(.statement, "no change log table \(ChangeLog.table(database.dialect)) (updater migrate or the first execution creates it)")
        }
    }

    /// Each table's latest commit time in the whole log.
    private static func lastWrites(in database: any Database) async throws -> [(String, Date)] {
        try await database.withConnection { conn in
            try conn.query("SELECT table_name, max(committed_at) AS last FROM \(ChangeLog.table(conn.dialect)) GROUP BY table_name")
                .compactMap { row in
                    guard let table = row["table_name"].stringValue, let last = row["last"].doubleValue else { return nil }
                    return (table, Date(timeIntervalSince1970: last))
                }
        }
    }
}
