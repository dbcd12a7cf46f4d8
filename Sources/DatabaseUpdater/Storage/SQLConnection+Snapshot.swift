extension SQLConnection {
    /// Runs `body` in one read-only transaction, a snapshot of the database: a writer beside it
    /// changes nothing `body` sees. On SQLite the files of `lockOrder` (`main` and attachments)
    /// are read first, in that order, the order writers take them, so a reader and a commit
    /// never each hold a file the other waits for.
    public func readSnapshot<T>(lockOrder: [String] = ["main"], _ body: () throws -> T) throws -> T {
        try executeScript(dialect == .postgres ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN DEFERRED")
        defer { try? executeScript("ROLLBACK") }
        if dialect == .sqlite {
            for schema in lockOrder { _ = try query("SELECT count(*) FROM \(schema).sqlite_master") }
        }
        return try body()
    }
}
