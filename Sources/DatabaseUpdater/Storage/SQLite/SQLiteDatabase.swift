import Foundation

/// A SQLite file attached to every connection under a schema name, so that its tables are
/// `name.table` in SQL, as the same tables are in a PostgreSQL schema of that name.
///
/// Why a rollback journal, not WAL, once files are attached: SQLite commits a transaction that
/// wrote several attached files atomically (through a super-journal) only in a rollback-journal
/// mode; in WAL mode each file commits atomically on its own, and a crash between two of them
/// leaves one committed and the other not; and only with `synchronous` above OFF (SQLite leaves
/// an unsynced file out of the super-journal). The files use `journal_mode = TRUNCATE` and
/// `synchronous = NORMAL`. The price: a writer blocks readers while it commits, and a commit
/// syncs every file it wrote (about 120 factory executions a second here, against 450 unsynced).
public struct SQLiteAttachment: Sendable, Equatable {
    /// The schema name (`crm`).
    public var name: String
    /// The file (`databases/crm.db`).
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }
}

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
    ///   - attachments: files attached to every connection under a schema name each; with any,
    ///     every file uses a rollback journal (see ``SQLiteAttachment``).
    public convenience init(path: String, poolSize: Int = 2, busyTimeoutMilliseconds: Int = 5_000, readOnly: Bool = false,
                            attachments: [SQLiteAttachment] = []) throws(DatabaseError) {
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
            try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, readOnly: readOnly,
                                 attachments: attachments)
        }
    }
}
