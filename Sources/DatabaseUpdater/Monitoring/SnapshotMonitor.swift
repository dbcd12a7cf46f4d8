import Foundation

/// A reference snapshot-diff monitor for any SQLite or PostgreSQL table: each ``check(at:)``
/// reads every watched table in one snapshot, compares each row's hash with the previous
/// check's by primary key, and reports new, deleted and modified rows.
///
/// It keeps per table only keys and hashes (``TableHashes``), never records, in a state folder
/// (``MonitorStateStore``) that survives restarts; alerts go to its log (and the caller prints
/// them), to an optional ``AlertCommand``, and as detections — JSON lines that `updater score`
/// reads — to an optional file.
///
/// ```swift
/// let monitor = SnapshotMonitor(sources: [.init(location: try DatabaseLocation(parsing: "sqlite:clinic.db"),
///                                              tables: [.init(name: "patients")])],
///                               store: MonitorStateStore(directory: "data/monitor"))
/// for check in try await monitor.check() { print(MonitorAlert.text(check, zone: .current)) }
/// ```
public struct SnapshotMonitor: Sendable {
    /// A database and the tables to watch in it.
    public struct Source: Sendable {
        public var location: DatabaseLocation
        /// The scenario's databases attached beside a SQLite file (the factory's five), else none.
        public var attachments: [String]
        public var tables: [WatchedTable.Request]

        public init(location: DatabaseLocation, attachments: [String] = [], tables: [WatchedTable.Request]) {
            self.location = location
            self.attachments = attachments
            self.tables = tables
        }
    }

    public let sources: [Source]
    public let store: MonitorStateStore
    /// Where detections are appended (JSON lines), if anywhere.
    public var detectionsFile: String?
    public var alertCommand: AlertCommand?

    public init(sources: [Source], store: MonitorStateStore, detectionsFile: String? = nil, alertCommand: AlertCommand? = nil) {
        self.sources = sources
        self.store = store
        self.detectionsFile = detectionsFile
        self.alertCommand = alertCommand
    }

    /// Checks every table once, saves the new state, logs and delivers the alerts.
    /// Detections are appended before the state is saved: a crash between the two reports the
    /// same changes again at the next check (at least once), never loses them.
    /// - Throws: ``MonitorError`` (a table without key, an unreadable state) or ``DatabaseError``
    ///   (a database that does not answer); the state is then left as it was.
    public func check(at now: @escaping @Sendable () -> Date = { Date() }) async throws -> [TableCheck] {
        try await store.withCheckLock {
            var state = try store.load()
            var results: [(TableCheck, TableHashes)] = []
            for source in sources {
                results += try await scan(source, state: state, now: now)
            }
            let checks = results.map(\.0)
            try appendDetections(checks)
            for (check, hashes) in results {
                // A check that found nothing keeps the hash file it compared with: the same bytes.
                let kept = check.hasChanges || check.baseline ? nil : state.tables[MonitorState.TableState.id(database: check.database, table: check.table)]?.hashesFile
                let file = try kept ?? store.write(hashes, table: check.table)
                let table = MonitorState.TableState(
                    database: check.database, table: check.table, keyColumns: check.keyColumns, columns: hashes.columns,
                    checkedAt: check.checkedAt, recordCount: check.currentCount, maxId: check.maxId, hashesFile: file)
                state.tables[table.id] = table
            }
            try store.save(state)
            let log = MonitorLog(store: store)
            for check in checks {
                log.append(.init(time: check.checkedAt, level: check.hasChanges ? "warning" : "info",
                                 message: Self.summary(check), check: check.hasChanges ? check : nil))
                guard check.hasChanges, let alertCommand else { continue }
                if let failure = await alertCommand.run(check) {
                    log.append(.init(time: Date(), level: "error", message: "\(check.table): \(failure)"))
                }
            }
            return checks
        }
    }

    /// Reads `source`'s tables in one snapshot and compares each with its previous hashes.
    private func scan(_ source: Source, state: MonitorState, now: @escaping @Sendable () -> Date) async throws -> [(TableCheck, TableHashes)] {
        let database = try await DatabaseFactory.openExisting(source.location, databases: source.attachments)
        let name = source.location.description
        var previous: [String: TableHashes] = [:]
        for request in source.tables {
            if let table = state.tables[MonitorState.TableState.id(database: name, table: request.name)] {
                previous[request.name] = try store.hashes(of: table)
            }
        }
        let lockOrder = ["main"] + source.attachments
        let known = previous
        do {
            let results = try await database.withConnection { connection in
                try connection.readSnapshot(lockOrder: lockOrder) {
                    let checkedAt = now()
                    return try source.tables.map { request in
                        let table = try WatchedTable.discover(request, on: connection)
                        return try TableScan(table: table, previous: known[request.name]).run(on: connection, database: name, at: checkedAt)
                    }
                }
            }
            await database.close()
            return results
        } catch {
            await database.close()
            throw error
        }
    }

    /// Appends every change of `checks` to the detections file, one JSON line each.
    private func appendDetections(_ checks: [TableCheck]) throws {
        guard let detectionsFile else { return }
        var bytes: [UInt8] = []
        for check in checks {
            let at = DatabaseValue.formatTimestamp(check.checkedAt)
            for detection in check.detections {
                bytes += Array(#"{"operation":"\#(detection.operation.rawValue)","table":"#.utf8)
                JSONCoding.appendQuoted(detection.table, to: &bytes)
                bytes += Array(#","key":"#.utf8)
                JSONCoding.appendQuoted(detection.key, to: &bytes)
                bytes += Array(#","detected_at":"\#(at)"}"#.utf8) + [UInt8(ascii: "\n")]
            }
        }
        guard !bytes.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: detectionsFile), !FileManager.default.createFile(atPath: detectionsFile, contents: nil) {
            throw MonitorError("cannot create the detections file \(detectionsFile)")
        }
        guard let handle = FileHandle(forWritingAtPath: detectionsFile) else { throw MonitorError("cannot write the detections file \(detectionsFile)") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
        } catch {
            throw MonitorError("cannot write the detections file \(detectionsFile): \(error.localizedDescription)")
        }
    }

    /// One line: what a check found.
    static func summary(_ check: TableCheck) -> String {
        if check.baseline { return "\(check.table): baseline of \(check.currentCount) record(s)" }
        guard check.hasChanges else { return "\(check.table): no changes (\(check.currentCount) record(s))" }
        return "\(check.table): \(check.inserted.count) new, \(check.deleted.count) deleted, \(check.modified.count) modified "
            + "(\(check.previousCount ?? 0) → \(check.currentCount) record(s))"
    }
}
