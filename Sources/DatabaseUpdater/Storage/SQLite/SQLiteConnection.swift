import CSQLite
import Dispatch
import Foundation

/// One libsqlite3 connection. Not thread-safe by design: the pool lends it to one holder at a time.
///
/// Cancellation: a progress handler interrupts a running statement once the calling task is
/// cancelled or its ``StatementDeadline`` passes, and the busy handler stops waiting for a lock;
/// both read the calling task's state, which works because statements run inside the calling
/// task (see ``PooledDatabase/withConnection(_:)``).
public final class SQLiteConnection: PooledConnection {
    public let dialect = SQLDialect.sqlite
    private var handle: OpaquePointer?
    private var statements: [StatementKey: Prepared] = [:]

    /// A prepared statement and, once it has returned a row, its column names (made once,
    /// not per row: with a row image read after every insert, they were a tenth of an
    /// execution's instructions).
    private struct Prepared {
        let statement: OpaquePointer
        var columns: [String]?
        /// Where SQLite keeps the first column's name: a statement prepared again (after a
        /// schema change) has new names at a new place.
        var firstName: UnsafePointer<CChar>?
    }
    private let callbacks: CallbackState
    /// A transaction was begun and its `BEGIN IMMEDIATE` waits for the first statement.
    private var beginPending = false
    /// This file's writers in this process (nil for a read-only connection): a transaction
    /// queues there before its `BEGIN IMMEDIATE` and leaves when it has ended.
    private let writers: SQLiteWriterQueue?
    /// The turn held among `writers` while a transaction is open.
    private var writerTurn: UInt64?

    /// State the C callbacks read through their context pointer.
    private final class CallbackState {
        let busyTimeoutNanoseconds: UInt64
        var cancellable = true
        var busySince: UInt64 = 0
        init(busyTimeoutMilliseconds: Int) { busyTimeoutNanoseconds = UInt64(max(0, busyTimeoutMilliseconds)) * 1_000_000 }
    }

    private static let maxCachedStatements = 256
    /// SQLITE_TRANSIENT: SQLite copies bound text before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// - Parameters:
    ///   - readOnly: open an existing file for reading only. In a folder that cannot be
    ///     written, SQLite cannot make the shared-memory file a WAL database needs; the file is
    ///     then opened as immutable (a snapshot: nobody can be writing to a folder that is read-only).
    ///   - attachments: further files attached under a schema name each (see ``SQLiteAttachment``).
    ///     With any, every file uses a rollback journal instead of WAL: only then does a
    ///     transaction that wrote several of them commit in all or none (SQLite's super-journal).
    init(path: String, busyTimeoutMilliseconds: Int, readOnly: Bool = false, attachments: [SQLiteAttachment] = []) throws(DatabaseError) {
        callbacks = CallbackState(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        var db: OpaquePointer?
        var rc: Int32
        if readOnly {
            rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
            if rc == SQLITE_OK, let opened = db, sqlite3_exec(opened, "SELECT count(*) FROM sqlite_master", nil, nil, nil) != SQLITE_OK {
                sqlite3_close_v2(opened)
                db = nil
                let uri = "file:\(path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path)?immutable=1"
                rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, nil)
            }
        } else {
            rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        }
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw DatabaseError(.connection, "cannot open SQLite database \(path): \(message)", resultCode: rc)
        }
        handle = db
        writers = readOnly || path.isEmpty || path == ":memory:" ? nil : SQLiteWriterQueue.forFile(path)
        sqlite3_extended_result_codes(db, 1)
        let context = Unmanaged.passUnretained(callbacks).toOpaque()
        sqlite3_busy_handler(db, { context, _ in
            let state = Unmanaged<CallbackState>.fromOpaque(context!).takeUnretainedValue()
            if state.cancellable && StatementDeadline.shouldStop { return 0 }
            let now = DispatchTime.now().uptimeNanoseconds
            if state.busySince == 0 { state.busySince = now }
            if now - state.busySince >= state.busyTimeoutNanoseconds { return 0 }
            usleep(1_000)
            return 1
        }, context)
        sqlite3_progress_handler(db, 1_000, { context in
            let state = Unmanaged<CallbackState>.fromOpaque(context!).takeUnretainedValue()
            return state.cancellable && StatementDeadline.shouldStop ? 1 : 0
        }, context)
        for attachment in attachments {
            try execute("ATTACH DATABASE $1 AS \(attachment.name)", [.text(attachment.path)], cancellable: false)
        }
        if readOnly {
            try executeScript("PRAGMA foreign_keys = ON;")
        } else if attachments.isEmpty {
            try executeScript("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")
        } else {
            // A rollback journal in every file, synced (NORMAL): SQLite then commits a transaction
            // that wrote several files through a super-journal, atomically, also across a crash.
            // Both matter: vdbeCommit counts a file towards the super-journal only in a rollback
            // mode and with `synchronous` above OFF; otherwise each file commits on its own.
            // TRUNCATE rather than DELETE: the same guarantee, a third faster here (no unlink and
            // re-create of five journals per commit).
            let schemas = ["main"] + attachments.map(\.name)
            try executeScript(schemas.map { "PRAGMA \($0).journal_mode = TRUNCATE; PRAGMA \($0).synchronous = NORMAL;" }.joined()
                              + " PRAGMA foreign_keys = ON;")
        }
    }

    deinit { close() }

    // MARK: - SQLConnection

    public func query(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> [DatabaseRow] {
        var rows: [DatabaseRow] = []
        try run(sql, parameters, cancellable: cancellable) { statement, columns in
            let count = columns.count
            var values: [DatabaseValue] = []
            values.reserveCapacity(count)
            for i in 0..<Int32(count) { values.append(Self.value(statement, i)) }
            rows.append(DatabaseRow(columns: columns, values: values))
        }
        return rows
    }

    /// One values array serves every row: `body` lets go of each row before the next, so the
    /// array is unique again and keeps its storage (no allocation per row).
    public func forEachRow(_ sql: String, _ parameters: [DatabaseValue], _ body: (DatabaseRow) -> Void) throws(DatabaseError) {
        var values: [DatabaseValue] = []
        try run(sql, parameters, cancellable: true) { statement, columns in
            values.removeAll(keepingCapacity: true)
            for i in 0..<Int32(columns.count) { values.append(Self.value(statement, i)) }
            body(DatabaseRow(columns: columns, values: values))
        }
    }

    public func execute(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> Int {
        try run(sql, parameters, cancellable: cancellable) { _, _ in }
        return Int(sqlite3_changes64(handle))
    }

    public func executeScript(_ sql: String) throws(DatabaseError) {
        let db = try open()
        try checkCancellation(cancellable: true, sql: sql)
        try beginIfPending()
        var message: UnsafeMutablePointer<CChar>?
        callbacks.busySince = 0
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        let text = message.map { String(cString: $0) }
        sqlite3_free(message)
        if rc != SQLITE_OK { throw error(rc, sql: sql, message: text) }
    }

    public func enqueue(_ sql: String, _ parameters: [DatabaseValue]) throws(DatabaseError) {
        _ = try execute(sql, parameters, cancellable: true)
    }

    public func beginTransaction() throws(DatabaseError) {
        _ = try open()
        beginPending = true
    }

    /// Returns no rows: queued statements already ran, each when it was queued.
    @discardableResult
    public func endTransaction(commit: Bool) throws(DatabaseError) -> [DatabaseRow] {
        if beginPending {
            beginPending = false  // no statement ran: there is nothing to end
            return []
        }
        defer { leaveWritersOnceEnded() }
        _ = try execute(commit ? "COMMIT" : "ROLLBACK", [], cancellable: commit)
        return []
    }

    public func abandonTransaction() {
        beginPending = false
        if let handle, sqlite3_get_autocommit(handle) == 0 {
            _ = try? execute("ROLLBACK", [], cancellable: false)
        }
        leaveWritersOnceEnded()
    }

    // MARK: - PooledConnection

    public func isReusable() -> Bool {
        guard let handle else { return false }
        // Left inside a transaction (e.g. a failed ROLLBACK): try once more, else discard.
        abandonTransaction()
        return sqlite3_get_autocommit(handle) != 0
    }

    public func close() {
        for prepared in statements.values { sqlite3_finalize(prepared.statement) }
        statements = [:]
        if let handle { sqlite3_close_v2(handle) }
        handle = nil
        leaveWritersOnceEnded()
    }

    // MARK: - Statements

    private func open() throws(DatabaseError) -> OpaquePointer {
        guard let handle else { throw DatabaseError(.closed, "the SQLite connection is closed") }
        return handle
    }

    private func checkCancellation(cancellable: Bool, sql: String) throws(DatabaseError) {
        if cancellable && StatementDeadline.shouldStop { throw DatabaseError(.cancelled, "statement cancelled before it started", sql: sql) }
    }

    /// Sends the `BEGIN IMMEDIATE` of a transaction that has not run a statement yet, after the
    /// writers of the file in this process that came first (``SQLiteWriterQueue``).
    private func beginIfPending() throws(DatabaseError) {
        guard beginPending else { return }
        beginPending = false
        if let writers, writerTurn == nil {
            writerTurn = try writers.enter(timeout: .nanoseconds(Int64(callbacks.busyTimeoutNanoseconds)),
                                           shouldStop: { StatementDeadline.shouldStop })
        }
        do {
            _ = try execute("BEGIN IMMEDIATE", [], cancellable: true)
        } catch {
            leaveWritersOnceEnded()
            throw error
        }
    }

    /// Gives the writers' turn back once no transaction is open (a failed COMMIT leaves it open
    /// until the ROLLBACK that follows).
    private func leaveWritersOnceEnded() {
        guard let turn = writerTurn else { return }
        if let handle, sqlite3_get_autocommit(handle) == 0 { return }
        writerTurn = nil
        writers?.leave(turn)
    }

    /// Prepares (or reuses), binds, steps to the end calling `row` for each result row, resets.
    private func run(
        _ sql: String, _ parameters: [DatabaseValue], cancellable: Bool,
        row: (OpaquePointer, [String]) -> Void
    ) throws(DatabaseError) {
        let db = try open()
        try checkCancellation(cancellable: cancellable, sql: sql)
        try beginIfPending()
        let key = StatementKey(sql: sql)
        let statement = try prepare(key, db: db)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        try bind(parameters, to: statement, sql: sql)
        callbacks.cancellable = cancellable
        callbacks.busySince = 0
        defer { callbacks.cancellable = true }
        var columns: [String]?
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_ROW {
                if columns == nil { columns = self.columns(of: statement, key: key) }
                row(statement, columns!)
            } else if rc == SQLITE_DONE {
                return
            } else {
                throw error(rc, sql: sql)
            }
        }
    }

    private func prepare(_ key: StatementKey, db: OpaquePointer) throws(DatabaseError) -> OpaquePointer {
        if let cached = statements[key] { return cached.statement }
        if statements.count >= Self.maxCachedStatements {
            for prepared in statements.values { sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v3(db, Self.sqlitePlaceholders(key.sql), -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(rc, sql: key.sql) }
        statements[key] = Prepared(statement: statement)
        return statement
    }

    /// The result column names of the prepared statement `key`, kept with it. Made again when
    /// SQLite prepared the statement again (after a schema change a `SELECT *` has the new
    /// columns): their number or the place of their names changed.
    private func columns(of statement: OpaquePointer, key: StatementKey) -> [String] {
        let count = Int(sqlite3_column_count(statement))
        let first = count > 0 ? sqlite3_column_name(statement, 0) : nil
        if let known = statements[key], let columns = known.columns, columns.count == count, known.firstName == first { return columns }
        let columns = (0..<Int32(count)).map { String(cString: sqlite3_column_name(statement, $0)) }
        statements[key]?.columns = columns
        statements[key]?.firstName = first
        return columns
    }

    private func bind(_ parameters: [DatabaseValue], to statement: OpaquePointer, sql: String) throws(DatabaseError) {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw DatabaseError(.statement, "statement expects \(expected) parameters, got \(parameters.count)", sql: sql)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(statement, index)
            // Text straight from its UTF-8, with its length (SQLite copies it): no C string is made.
            case .text(var text): rc = text.withUTF8 { Self.bindText(statement, index, $0) }
            case .integer(let int): rc = sqlite3_bind_int64(statement, index, int)
            case .double(let double): rc = sqlite3_bind_double(statement, index, double)
            case .bool(let bool): rc = sqlite3_bind_int64(statement, index, bool ? 1 : 0)
            case .timestamp(let date): rc = DatabaseValue.withTimestampUTF8(date) { Self.bindText(statement, index, $0) }
            case .uuid(let uuid): rc = uuid.withLowercaseUTF8 { Self.bindText(statement, index, $0) }
            }
            if rc != SQLITE_OK { throw error(rc, sql: sql) }
        }
    }

    private static func bindText(_ statement: OpaquePointer, _ index: Int32, _ utf8: UnsafeBufferPointer<UInt8>) -> Int32 {
        // Empty text as a C literal: a null pointer would bind NULL.
        guard let start = utf8.baseAddress, !utf8.isEmpty else { return sqlite3_bind_text(statement, index, "", 0, transient) }
        return start.withMemoryRebound(to: CChar.self, capacity: utf8.count) { sqlite3_bind_text(statement, index, $0, Int32(utf8.count), transient) }
    }

    private static func value(_ statement: OpaquePointer, _ index: Int32) -> DatabaseValue {
        switch sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, index))
        case SQLITE_FLOAT: return .double(sqlite3_column_double(statement, index))
        case SQLITE_NULL: return .null
        default:
            guard let text = sqlite3_column_text(statement, index) else { return .null }
            let count = Int(sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        }
    }

    /// Rewrites `$1` placeholders as SQLite's `?1` (outside quoted text), so one statement text
    /// serves both engines.
    static func sqlitePlaceholders(_ sql: String) -> String {
        guard sql.contains("$") else { return sql }
        var out = ""
        out.reserveCapacity(sql.utf8.count)
        var inQuote: Character?
        var previous: Character?
        for ch in sql {
            if let quote = inQuote {
                if ch == quote { inQuote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                inQuote = ch
                out.append(ch)
            } else if ch.isNumber, previous == "$" {
                out.removeLast()
                out.append("?")
                out.append(ch)
            } else {
                out.append(ch)
            }
            previous = ch
        }
        return out
    }

    private func error(_ rc: Int32, sql: String, message: String? = nil) -> DatabaseError {
        let text = message ?? handle.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite error \(rc)"
        let kind: DatabaseError.Kind
        switch rc & 0xFF {
        case SQLITE_CONSTRAINT: kind = .constraintViolation
        case SQLITE_INTERRUPT: kind = .cancelled
        case SQLITE_BUSY, SQLITE_LOCKED: kind = StatementDeadline.shouldStop ? .cancelled : .busy
        case SQLITE_CANTOPEN, SQLITE_NOTADB, SQLITE_IOERR: kind = .connection
        default: kind = .statement
        }
        return DatabaseError(kind, kind == .cancelled ? "statement cancelled (\(text))" : text, resultCode: rc, sql: sql)
    }
}
