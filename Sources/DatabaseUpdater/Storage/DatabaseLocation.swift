import Foundation

/// Where a database is, parsed from what users write:
/// `sqlite:PATH`, `sqlite::memory:`, `postgres://…`, `postgresql://…`, or a libpq conninfo
/// string (`host=… dbname=…`).
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file; its folder is created on demand. A path ending in `/` names a folder:
    /// its main file is `updater.db`, and a scenario's further databases are files beside it.
    case sqliteFile(path: String)
    /// A private in-memory SQLite database (one connection).
    case sqliteMemory
    /// A PostgreSQL server.
    case postgres(ConnectionString)

    /// The default: a SQLite file under `data/` in the working directory.
    public static let defaultURL = "sqlite:data/updater.sqlite"

    /// Parses a location.
    /// - Throws: ``DatabaseError`` of kind ``DatabaseError/Kind/invalidLocation``, with the
    ///   location redacted in the message.
    public init(parsing text: String) throws(DatabaseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }  // sqlite:///abs/path
            if path == ":memory:" {
                self = .sqliteMemory
                return
            }
            guard !path.isEmpty else {
                throw DatabaseError(.invalidLocation, "sqlite: needs a file path, e.g. sqlite:data/updater.sqlite or sqlite::memory:")
            }
            self = .sqliteFile(path: path)
        } else if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") || trimmed.contains("=") {
            self = .postgres(try ConnectionString(trimmed))
        } else {
            let shown = trimmed.split(separator: ":").first.map { String($0) } ?? trimmed
            throw DatabaseError(
                .invalidLocation,
                "unknown database location '\(shown.count > 40 ? String(shown.prefix(40)) + "…" : shown)': expected sqlite:PATH, sqlite::memory:, postgres://user@host:5432/db or a libpq conninfo string"
            )
        }
    }

    /// The SQL dialect the location speaks.
    public var dialect: SQLDialect {
        if case .postgres = self { return .postgres }
        return .sqlite
    }

    /// The location with any password replaced by `***`.
    public var description: String {
        switch self {
        case .sqliteFile(let path): "sqlite:\(path)"
        case .sqliteMemory: "sqlite::memory:"
        case .postgres(let connection): connection.redacted
        }
    }
}

/// Opens databases from locations.
public enum DatabaseFactory {
    /// The file that holds a SQLite location's main database when the location names a folder
    /// (`sqlite:databases/`): the schema bookkeeping, and a single-database scenario's tables.
    public static let mainFileInFolder = "updater.db"

    /// Opens the database at `location` and checks that it answers.
    /// - Parameters:
    ///   - location: see ``DatabaseLocation``.
    ///   - poolSize: connections at most; size it to the concurrency cap.
    ///   - databases: further databases (a scenario's ``Scenario/databases``): on SQLite files
    ///     `NAME.db` beside the main file, attached; on PostgreSQL schemas, nothing to open.
    public static func open(_ location: String, poolSize: Int = 2, databases: [String] = []) async throws -> any Database {
        try await open(try DatabaseLocation(parsing: location), poolSize: poolSize, databases: databases)
    }

    /// Opens the database at `location` and checks that it answers.
    public static func open(_ location: DatabaseLocation, poolSize: Int = 2, databases: [String] = []) async throws -> any Database {
        try await answering(try make(location, poolSize: poolSize, databases: databases))
    }

    /// The main file of a SQLite `path` (``mainFileInFolder`` inside a folder: a path ending in
    /// `/`, naming an existing folder, or — for a scenario of several databases — having no
    /// extension and not naming a file, so `sqlite:databases` keeps the files together), and the
    /// files of `databases` beside it.
    static func sqliteFiles(_ path: String, databases: [String]) -> (main: String, attachments: [SQLiteAttachment]) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let isFolder = path.hasSuffix("/") || (exists && isDirectory.boolValue)
            || (!databases.isEmpty && !exists && URL(fileURLWithPath: path).pathExtension.isEmpty)
        let folder = URL(fileURLWithPath: path, isDirectory: isFolder)
        let main = isFolder ? folder.appendingPathComponent(mainFileInFolder).path : path
        let besides = isFolder ? folder : folder.deletingLastPathComponent()
        return (main, databases.map { SQLiteAttachment(name: $0, path: besides.appendingPathComponent("\($0).db").path) })
    }

    /// Opens an existing database at `location` for reading, creating nothing (`status`,
    /// `backlog`, `verify`): a SQLite file is opened read-only (also in a folder that cannot be
    /// written), and one that does not exist is an error, not a new empty file.
    public static func openExisting(_ location: String, poolSize: Int = 1, databases: [String] = []) async throws -> any Database {
        try await openExisting(try DatabaseLocation(parsing: location), poolSize: poolSize, databases: databases)
    }

    /// ``openExisting(_:poolSize:databases:)`` of a parsed location.
    public static func openExisting(_ parsed: DatabaseLocation, poolSize: Int = 1, databases: [String] = []) async throws -> any Database {
        guard case .sqliteFile(let path) = parsed else { return try await open(parsed, poolSize: poolSize, databases: databases) }
        let files = sqliteFiles(path, databases: databases)
        for file in [files.main] + files.attachments.map(\.path) where !FileManager.default.fileExists(atPath: file) {
            throw DatabaseError(.connection, "no database at \(file) yet (the first execution creates it)")
        }
        // Files in a rollback journal (attached ones) are opened for writing: after a crash, the
        // first reader must roll back the interrupted commit from its journal, which a read-only
        // connection cannot do. Nothing is created: every file exists.
        return try await answering(try SQLiteDatabase(path: files.main, poolSize: poolSize, readOnly: files.attachments.isEmpty,
                                                      attachments: files.attachments))
    }

    /// `database` once it has answered; closed, and the error thrown, when it does not.
    private static func answering(_ database: any Database) async throws -> any Database {
        do {
            _ = try await database.withConnection { _ in true }
        } catch {
            await database.close()
            throw error
        }
        return database
    }

    /// The database at `location`, not yet connected (a service that must start while its
    /// database is down uses this). SQLite files get their folder created here.
    public static func make(_ location: DatabaseLocation, poolSize: Int = 2, databases: [String] = []) throws -> any Database {
        switch location {
        case .sqliteFile(let path):
            let files = sqliteFiles(path, databases: databases)
            return try SQLiteDatabase(path: files.main, poolSize: poolSize, attachments: files.attachments)
        case .sqliteMemory:
            return try SQLiteDatabase(path: ":memory:", poolSize: 1, attachments: databases.map { SQLiteAttachment(name: $0, path: ":memory:") })
        case .postgres(let connection):
            return PostgresDatabase(connection: connection, poolSize: poolSize)
        }
    }
}
