import Foundation

/// A database failure: what kind, the engine's own code, and a one-line message.
///
/// Messages never contain a connection string's password: they are scrubbed where they are made
/// (see ``ConnectionString``).
///
/// ```swift
/// do { try conn.execute("INSERT …", params) }
/// catch let error as DatabaseError where error.kind == .constraintViolation { … }
/// ```
public struct DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, stable for programs to match on.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The location (URL, conninfo) could not be understood.
        public static let invalidLocation = Kind("invalid location")
        /// Could not connect, or the connection was lost.
        public static let connection = Kind("connection")
        /// A unique, foreign-key, not-null or check constraint rejected the statement.
        public static let constraintViolation = Kind("constraint violation")
        /// The statement was cancelled (task cancelled, timeout).
        public static let cancelled = Kind("cancelled")
        /// The database stayed locked by another writer for longer than the busy timeout.
        public static let busy = Kind("busy")
        /// The statement failed for another reason (syntax, types, …).
        public static let statement = Kind("statement")
        /// The database was closed.
        public static let closed = Kind("closed")
        /// A schema migration failed.
        public static let migration = Kind("migration")
        /// The engine or the server's settings cannot do what was asked (a replication slot on SQLite, or without `wal_level = logical`).
        public static let unsupported = Kind("unsupported")
    }

    /// The kind of failure.
    public var kind: Kind
    /// One line, without secrets.
    public var message: String
    /// PostgreSQL's SQLSTATE (`23505`), when the server sent one.
    public var sqlState: String?
    /// SQLite's extended result code (`2067` = SQLITE_CONSTRAINT_UNIQUE), when SQLite failed.
    public var resultCode: Int32?
    /// The statement that failed, if any.
    public var sql: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, resultCode: Int32? = nil, sql: String? = nil) {
        self.kind = kind
        self.message = Self.oneLine(message)
        self.sqlState = sqlState
        self.resultCode = resultCode
        self.sql = sql
    }

    public var description: String {
        var code = ""
        if let sqlState { code = " [SQLSTATE \(sqlState)]" } else if let resultCode { code = " [SQLite \(resultCode)]" }
        return "database \(kind) error\(code): \(message)"
    }

    /// Collapses a multi-line engine message (libpq adds DETAIL/HINT lines) to its first line.
    public static func oneLine(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.split(whereSeparator: \.isNewline).first.map(String.init) ?? trimmed
    }
}
