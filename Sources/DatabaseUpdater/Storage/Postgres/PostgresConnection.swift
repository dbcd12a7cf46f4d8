import CLibPQ
import Foundation

/// One libpq connection. Not thread-safe by design: the pool lends it to one holder at a time.
///
/// Statements are sent asynchronously (`PQsendQueryPrepared`) and their results awaited by
/// polling the socket, so a cancelled task (or one past its ``StatementDeadline``) sends
/// `PQcancel` within a poll interval even while the server is busy or blocked on a lock.
///
/// Round trips: a transaction's `BEGIN` and its ``enqueue(_:_:)``-ed statements wait, and go to
/// the server with the next statement that needs an answer, in one pipeline (libpq pipeline
/// mode, one sync); a transaction of one insert is one round trip (`BEGIN`, `INSERT`, `COMMIT`).
public final class PostgresConnection: PooledConnection {
    public let dialect = SQLDialect.postgres
    private var connection: OpaquePointer?
    private let location: ConnectionString
    /// Prepared statement names by SQL text and parameter type OIDs.
    private var prepared: [PreparedKey: String] = [:]
    /// Statements waiting to go with the next one (see ``enqueue(_:_:)``), oldest first.
    private var queued: [Outgoing] = []
    /// The first of ``queued`` is the transaction's `BEGIN`: the server has not been told yet.
    private var beginQueued = false
    private var inTransaction = false

    /// A prepared statement ready to send, with its parameters in binary format
    /// (``BinaryParameters``).
    private struct Outgoing {
        let name: String
        let sql: String
        let parameters: BinaryParameters
    }

    private struct PreparedKey: Hashable {
        let sql: StatementKey
        let types: [Oid]
    }

    /// How long to wait for the socket between cancellation checks.
    private static let pollMilliseconds: Int32 = 50
    private static let maxPreparedStatements = 256

    // Type OIDs (pg_type.h).
    private enum OID {
        static let bool: Oid = 16, int8: Oid = 20, int2: Oid = 21, int4: Oid = 23, text: Oid = 25, oid: Oid = 26
        static let float4: Oid = 700, float8: Oid = 701, numeric: Oid = 1700
        static let timestamp: Oid = 1114, timestamptz: Oid = 1184, uuid: Oid = 2950
    }

    init(_ location: ConnectionString) throws(DatabaseError) {
        self.location = location
        var options = location.options
        options["connect_timeout"] = options["connect_timeout"] ?? "5"
        options["client_encoding"] = "UTF8"
        options["application_name"] = options["application_name"] ?? "updater"
        let keys = Array(options.keys)
        let keywordPointers = keys.map { strdup($0) } + [nil]
        let valuePointers = keys.map { strdup(options[$0]!) } + [nil]
        defer {
            keywordPointers.forEach { free($0) }
            valuePointers.forEach { free($0) }
        }
        let conn = keywordPointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { keywords in
            valuePointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { values in
                PQconnectdbParams(keywords.baseAddress, values.baseAddress, 0)
            }
        }
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            PQfinish(conn)
            throw DatabaseError(.connection, "cannot connect to \(location.redacted): \(location.scrub(DatabaseError.oneLine(message)))")
        }
        connection = conn
        PQsetNoticeProcessor(conn, { _, _ in }, nil)  // server notices would otherwise go to stderr
        try executeScript("SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; \(Self.searchPathWithoutBookkeeping)")
    }

    /// PostgreSQL's default `search_path` is `"$user", public`: for a role named like the
    /// updater's own bookkeeping schema (``FireLog/bookkeepingSchema``, `updater`), once that
    /// schema exists every unqualified name would resolve — and every `CREATE TABLE IF NOT
    /// EXISTS` would create — inside it instead of where the business tables are. For such a
    /// role only, `"$user"` is dropped from the session's path (an empty path becomes `public`).
    static let searchPathWithoutBookkeeping = """
        SELECT set_config('search_path', COALESCE(NULLIF(array_to_string(array_remove(string_to_array(\
        replace(current_setting('search_path'), ' ', ''), ','), '"$user"'), ','), ''), 'public'), false) \
        WHERE current_user = '\(FireLog.bookkeepingSchema)'
        """

    deinit { close() }

    // MARK: - SQLConnection

    public func query(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> [DatabaseRow] {
        let result = try run(sql, parameters, cancellable: cancellable)
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    /// Rows fetched per round trip by ``forEachRow(_:_:_:)``.
    static let cursorPage = 5_000

    public func forEachRow(_ sql: String, _ parameters: [DatabaseValue], _ body: (DatabaseRow) -> Void) throws(DatabaseError) {
        let cursor = "updater_rows"
        try execute("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", parameters, cancellable: true)
        defer { try? executeScript("CLOSE \(cursor)") }
        while true {
            let result = try run("FETCH FORWARD \(Self.cursorPage) FROM \(cursor)", [], cancellable: true)
            defer { PQclear(result) }
            let rowCount = Int(PQntuples(result)), columnCount = PQnfields(result)
            if rowCount > 0 {
                let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
                let types = (0..<columnCount).map { PQftype(result, $0) }
                // One values array for every row, no array of the page's rows: `body` lets go of
                // each row before the next, so the array keeps its storage.
                var values: [DatabaseValue] = []
                values.reserveCapacity(Int(columnCount))
                for r in 0..<Int32(rowCount) {
                    values.removeAll(keepingCapacity: true)
                    for c in 0..<columnCount { values.append(Self.value(result, r, c, type: types[Int(c)])) }
                    body(DatabaseRow(columns: columns, values: values))
                }
            }
            if rowCount < Self.cursorPage { return }
        }
    }

    public func execute(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> Int {
        let result = try run(sql, parameters, cancellable: cancellable)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    public func executeScript(_ sql: String) throws(DatabaseError) {
        let conn = try open()
        if StatementDeadline.shouldStop { throw DatabaseError(.cancelled, "statement cancelled before it started", sql: sql) }
        if !queued.isEmpty {  // a script is a simple query, which cannot join a pipeline
            let batch = queued
            queued = []
            beginQueued = false
            PQclear(try send(conn, batch, cancellable: true))
        }
        guard PQsendQuery(conn, sql) == 1 else { throw connectionError(sql: sql) }
        let result = try awaitResult(conn, sql: sql, cancellable: true)
        PQclear(result)
    }

    public func enqueue(_ sql: String, _ parameters: [DatabaseValue]) throws(DatabaseError) {
        guard inTransaction else {
            _ = try execute(sql, parameters, cancellable: true)
            return
        }
        let conn = try open()
        if StatementDeadline.shouldStop { throw DatabaseError(.cancelled, "statement cancelled before it started", sql: sql) }
        queued.append(try outgoing(conn, sql, parameters, cancellable: true))
    }

    public func beginTransaction() throws(DatabaseError) {
        let conn = try open()
        queued = [try outgoing(conn, "BEGIN", [], cancellable: true)]
        beginQueued = true
        inTransaction = true
    }

    @discardableResult
    public func endTransaction(commit: Bool) throws(DatabaseError) -> [DatabaseRow] {
        inTransaction = false
        if beginQueued && queued.count == 1 {  // no statement ran: there is nothing to end
            queued = []
            beginQueued = false
            return []
        }
        let conn = try open()
        if beginQueued && commit {
            // The server has seen nothing of this transaction yet. Its statements go in one
            // pipeline ended by one Sync, which PostgreSQL runs as one implicit transaction:
            // committed at the Sync, or rolled back whole at the first error. BEGIN and COMMIT
            // would only be two more statements for the server to run (the usual execution is
            // then exactly one statement, as pgbench sends).
            let batch = Array(queued.dropFirst())
            queued = []
            beginQueued = false
            let result = try send(conn, batch, cancellable: true)
            defer { PQclear(result) }
            return Self.rows(of: result)
        }
        if commit && !queued.isEmpty {
            // The queued statements and the COMMIT in one pipeline; the last statement's rows are the answer.
            let batch = queued + [try outgoing(conn, "COMMIT", [], cancellable: true)]
            queued = []
            beginQueued = false
            let result = try send(conn, batch, cancellable: true, resultOf: batch.count - 2)
            defer { PQclear(result) }
            return Self.rows(of: result)
        }
        _ = try execute(commit ? "COMMIT" : "ROLLBACK", [], cancellable: commit)
        return []
    }

    public func abandonTransaction() {
        queued = []
        beginQueued = false
        inTransaction = false
        if let connection, PQstatus(connection) == CONNECTION_OK, PQtransactionStatus(connection) != PQTRANS_IDLE {
            _ = try? execute("ROLLBACK", [], cancellable: false)
        }
    }

    // MARK: - PooledConnection

    public func isReusable() -> Bool {
        guard let connection else { return false }
        // Reads whatever arrived while idle. A terminated backend sends a FATAL message, then
        // closes the socket: the first read takes the message, PQisBusy parses it, and the
        // second read meets the end of the stream and marks the connection bad.
        for _ in 0..<2 {
            if PQconsumeInput(connection) == 0 || PQstatus(connection) != CONNECTION_OK { return false }
            _ = PQisBusy(connection)
        }
        if PQstatus(connection) != CONNECTION_OK { return false }
        abandonTransaction()
        return PQtransactionStatus(connection) == PQTRANS_IDLE
    }

    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
    }

    // MARK: - Running statements

    private func open() throws(DatabaseError) -> OpaquePointer {
        guard let connection else { throw DatabaseError(.closed, "the PostgreSQL connection is closed") }
        return connection
    }

    /// Prepares (once per SQL and parameter types), sends with whatever is queued, and waits
    /// for the result of this statement.
    private func run(_ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> OpaquePointer {
        let conn = try open()
        if cancellable && StatementDeadline.shouldStop {
            throw DatabaseError(.cancelled, "statement cancelled before it started", sql: sql)
        }
        let statement = try outgoing(conn, sql, parameters, cancellable: cancellable)
        let batch = queued + [statement]
        queued = []
        beginQueued = false
        return try send(conn, batch, cancellable: cancellable)
    }

    /// `sql` prepared on this connection, with `parameters` as text.
    private func outgoing(_ conn: OpaquePointer, _ sql: String, _ parameters: [DatabaseValue], cancellable: Bool) throws(DatabaseError) -> Outgoing {
        let name = try preparedName(conn, sql: sql, types: parameters.map(Self.typeOID), cancellable: cancellable)
        return Outgoing(name: name, sql: sql, parameters: BinaryParameters(parameters))
    }

    /// Sends `batch` (one statement alone, or several in one pipeline and one sync) and waits
    /// for every result. Returns the result of the statement at `resultOf` (the last by
    /// default); throws the first error (later statements of a failed pipeline are not run by the server).
    private func send(_ conn: OpaquePointer, _ batch: [Outgoing], cancellable: Bool, resultOf: Int? = nil) throws(DatabaseError) -> OpaquePointer {
        let wanted = resultOf ?? batch.count - 1
        if batch.count == 1 {
            guard sendPrepared(conn, batch[0]) else { throw connectionError(sql: batch[0].sql) }
            return try awaitResult(conn, sql: batch[0].sql, cancellable: cancellable)
        }
        guard PQenterPipelineMode(conn) == 1 else { throw connectionError(sql: batch[0].sql) }
        for statement in batch where !sendPrepared(conn, statement) { throw connectionError(sql: statement.sql) }
        guard PQpipelineSync(conn) == 1 else { throw connectionError(sql: batch[0].sql) }
        var cancelSent = false
        var failure: DatabaseError?
        var last: OpaquePointer?
        for (index, statement) in batch.enumerated() {
            while let result = try nextResult(conn, sql: statement.sql, cancellable: cancellable, cancelSent: &cancelSent) {
                let status = PQresultStatus(result)
                if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR || status == PGRES_BAD_RESPONSE {
                    failure = failure ?? resultError(result, sql: statement.sql)
                    PQclear(result)
                } else if index == wanted && status != PGRES_PIPELINE_ABORTED {
                    if let last { PQclear(last) }
                    last = result
                } else {
                    PQclear(result)
                }
            }
        }
        // The sync's own result, then back to one statement at a time.
        if let sync = try nextResult(conn, sql: batch[0].sql, cancellable: cancellable, cancelSent: &cancelSent) { PQclear(sync) }
        guard PQexitPipelineMode(conn) == 1 else {
            if let last { PQclear(last) }
            throw connectionError(sql: batch[0].sql)
        }
        if let failure {
            if let last { PQclear(last) }
            throw failure
        }
        guard let last else { throw connectionError(sql: batch[wanted].sql) }
        return last
    }

    private func sendPrepared(_ conn: OpaquePointer, _ statement: Outgoing) -> Bool {
        statement.parameters.withArrays { count, values, lengths, formats in
            PQsendQueryPrepared(conn, statement.name, count, values, lengths, formats, 0)
        } == 1
    }

    private func preparedName(_ conn: OpaquePointer, sql: String, types: [Oid], cancellable: Bool) throws(DatabaseError) -> String {
        let key = PreparedKey(sql: StatementKey(sql: sql), types: types)
        if let name = prepared[key] { return name }
        // Never while statements are queued: their prepared names must stay valid.
        if prepared.count >= Self.maxPreparedStatements && queued.isEmpty {
            let result = PQexec(conn, "DEALLOCATE ALL")
            PQclear(result)
            prepared = [:]
        }
        let name = "updater_\(prepared.count + 1)"
        let sent = types.withUnsafeBufferPointer { PQsendPrepare(conn, name, sql, Int32(types.count), $0.baseAddress) }
        guard sent == 1 else { throw connectionError(sql: sql) }
        PQclear(try awaitResult(conn, sql: sql, cancellable: cancellable))
        prepared[key] = name
        return name
    }

    /// Waits for the result of the query just sent, cancelling it server-side if the task is
    /// cancelled meanwhile. Returns the last result; throws on an error result.
    private func awaitResult(_ conn: OpaquePointer, sql: String, cancellable: Bool) throws(DatabaseError) -> OpaquePointer {
        var cancelSent = false
        var last: OpaquePointer?
        var failure: DatabaseError?
        while let result = try nextResult(conn, sql: sql, cancellable: cancellable, cancelSent: &cancelSent) {
            let status = PQresultStatus(result)
            if status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR || status == PGRES_BAD_RESPONSE {
                failure = failure ?? resultError(result, sql: sql)
                PQclear(result)
            } else {
                if let last { PQclear(last) }
                last = result
            }
        }
        if let failure {
            if let last { PQclear(last) }
            throw failure
        }
        guard let last else { throw connectionError(sql: sql) }
        return last
    }

    /// The next result (nil at the end of a statement's results), waiting for the server
    /// without blocking past a poll interval, and asking it to cancel once the task must stop.
    private func nextResult(_ conn: OpaquePointer, sql: String, cancellable: Bool, cancelSent: inout Bool) throws(DatabaseError) -> OpaquePointer? {
        while PQisBusy(conn) == 1 {
            if cancellable && !cancelSent && StatementDeadline.shouldStop {
                sendCancel(conn)
                cancelSent = true
            }
            var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, Self.pollMilliseconds) != 0, PQconsumeInput(conn) == 0 { throw connectionError(sql: sql) }
        }
        return PQgetResult(conn)
    }

    private func sendCancel(_ conn: OpaquePointer) {
        guard let cancel = PQgetCancel(conn) else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        PQfreeCancel(cancel)
    }

    private func resultError(_ result: OpaquePointer, sql: String) -> DatabaseError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? String(cString: PQresultErrorMessage(result))
        let kind: DatabaseError.Kind
        switch state {
        case let s? where s.hasPrefix("23"): kind = .constraintViolation
        case "57014"?: kind = .cancelled
        case let s? where s.hasPrefix("08") || s == "57P01" || s == "57P02" || s == "57P03": kind = .connection
        default: kind = .statement
        }
        return DatabaseError(kind, location.scrub(primary), sqlState: state, sql: sql)
    }

    private func connectionError(sql: String?) -> DatabaseError {
        let message = connection.map { String(cString: PQerrorMessage($0)) } ?? "connection closed"
        return DatabaseError(.connection, "connection to \(location.redacted) lost: \(location.scrub(DatabaseError.oneLine(message)))", sql: sql)
    }

    // MARK: - Values

    private static func typeOID(_ value: DatabaseValue) -> Oid {
        switch value {
        case .null: 0
        case .text: OID.text
        case .integer: OID.int8
        case .double: OID.float8
        case .bool: OID.bool
        case .timestamp: OID.timestamptz
        case .uuid: OID.uuid
        }
    }

    private static func rows(of result: OpaquePointer) -> [DatabaseRow] {
        let rowCount = PQntuples(result), columnCount = PQnfields(result)
        guard rowCount > 0 else { return [] }
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        var rows: [DatabaseRow] = []
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var values: [DatabaseValue] = []
            values.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount { values.append(value(result, r, c, type: types[Int(c)])) }
            rows.append(DatabaseRow(columns: columns, values: values))
        }
        return rows
    }

    /// The value at row `r`, column `c` of `result`, whose column has `type`.
    private static func value(_ result: OpaquePointer, _ r: Int32, _ c: Int32, type: Oid) -> DatabaseValue {
        if PQgetisnull(result, r, c) == 1 { return .null }
        let raw = PQgetvalue(result, r, c)!
        let length = Int(PQgetlength(result, r, c))
        return decode(String(decoding: UnsafeRawBufferPointer(start: raw, count: length), as: UTF8.self), type: type)
    }

    private static func decode(_ text: String, type: Oid) -> DatabaseValue {
        switch type {
        case OID.bool: return .bool(text == "t")
        case OID.int8, OID.int4, OID.int2, OID.oid: return Int64(text).map(DatabaseValue.integer) ?? .text(text)
        case OID.float4, OID.float8, OID.numeric: return Double(text).map(DatabaseValue.double) ?? .text(text)
        case OID.timestamptz, OID.timestamp:
            return DatabaseValue.parseTimestamp(text).map(DatabaseValue.timestamp) ?? .text(text)
        case OID.uuid: return UUID(text: text).map(DatabaseValue.uuid) ?? .text(text)
        default: return .text(text)
        }
    }
}
