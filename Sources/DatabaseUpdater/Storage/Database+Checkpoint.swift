extension Database {
    /// Makes every committed change visible in the database file itself: on SQLite, copies the
    /// write-ahead log into the file and truncates it, so a reader of the file (a copy, an
    /// `mtime` watcher) sees it whole; nothing to do on PostgreSQL.
    /// - Returns: false when a reader kept part of the log from being copied (SQLite's `busy`).
    @discardableResult
    public func checkpoint() async throws -> Bool {
        guard dialect == .sqlite else { return true }
        return try await withConnection { conn in
            try conn.query("PRAGMA wal_checkpoint(TRUNCATE)").first?["busy"].intValue ?? 0 == 0
        }
    }
}
