import Foundation

/// SQLite through libsqlite3: WAL mode, a busy timeout, foreign keys on, prepared statements
/// cached per connection.
public typealias SQLiteDatabase = PooledDatabase<SQLiteConnection>

extension PooledDatabase where Connection == SQLiteConnection {
    /// A database in the SQLite file at `path` (created, with its folder, when missing), or a
    /// private in-memory database for `":memory:"` (always a single connection).
    /// - Parameters:
    ///   - poolSize: connections at most. WAL lets readers run beside the one writer; writers
    ///     queue on the busy timeout.
    ///   - busyTimeoutMilliseconds: how long a writer waits for another writer's lock.
    ///   - readOnly: open an existing file for reading only (nothing is created), which also
    ///     works in a folder that cannot be written.
    public convenience init(path: String, poolSize: Int = 2, busyTimeoutMilliseconds: Int = 5_000, readOnly: Bool = false) throws(DatabaseError) {
        let inMemory = path == ":memory:"
        if !inMemory && !readOnly {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw DatabaseError(.connection, "cannot create the folder \(folder) for \(path): \(error.localizedDescription)")
            }
        }
        self.init(
            dialect: .sqlite, redactedLocation: inMemory ? "sqlite::memory:" : "sqlite:\(path)",
            poolSize: inMemory ? 1 : poolSize
        ) { () throws(DatabaseError) in
            try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, readOnly: readOnly)
        }
    }
}
