import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The snapshot monitor on tables it did not create (a `patients` table made with plain SQL),
/// on real SQLite and PostgreSQL databases.
struct SnapshotMonitorTests {
    /// A fresh database holding `patients` (three rows) and a table without a primary key.
    private func patientsDatabase(_ engine: Engine) async throws -> (location: DatabaseLocation, database: any Database) {
        let text = try await TestDatabases.freshLocation(engine)
        let database = try await DatabaseFactory.open(text, poolSize: 1)
        try await database.withConnection { connection in
            let id = connection.dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY"
            try connection.executeScript("""
                CREATE TABLE patients (id \(id), name TEXT NOT NULL, ward TEXT, admitted_at TEXT);
                INSERT INTO patients (name, ward, admitted_at) VALUES ('Ann Lee', 'A', '2026-03-01'), ('Bob Ray', 'B', '2026-03-02'),
                    ('Cid Moe', 'C', NULL);
                CREATE TABLE readings (patient_id INTEGER, taken_at TEXT, value REAL);
                INSERT INTO readings VALUES (1, '09:00', 36.6), (1, '10:00', 37.1);
                """)
        }
        return (try DatabaseLocation(parsing: text), database)
    }

    private func monitor(_ location: DatabaseLocation, _ store: MonitorStateStore, tables: [WatchedTable.Request] = [.init(name: "patients")],
                         detections: String? = nil) -> SnapshotMonitor {
        SnapshotMonitor(sources: [.init(location: location, tables: tables)], store: store, detectionsFile: detections)
    }

    private func stateFolder() -> MonitorStateStore {
        MonitorStateStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)").path)
    }

    @Test(arguments: Engine.allCases)
    func findsNewDeletedAndModifiedRowsByKeyAndHash(engine: Engine) async throws {
        let (location, database) = try await patientsDatabase(engine)
        defer { Task { await database.close() } }
        let store = stateFolder()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        let detections = store.directory.path + "-detections.jsonl"
        defer { try? FileManager.default.removeItem(atPath: detections) }

        let baseline = try #require(try await monitor(location, store).check().first)
        #expect(baseline.baseline && baseline.currentCount == 3 && !baseline.hasChanges)
        #expect(baseline.maxId == "3" && baseline.keyColumns == ["id"])

        try await database.withConnection { connection in
            try connection.executeScript("""
                INSERT INTO patients (name, ward) VALUES ('Dee Fox', 'D'), ('Eve Kim', 'E');
                UPDATE patients SET ward = 'Z', admitted_at = '2026-03-09' WHERE id = 1;
                UPDATE patients SET name = name WHERE id = 3;
                DELETE FROM patients WHERE id = 2;
                """)
        }
        // A new monitor on the same state folder: what a restarted process sees.
        let check = try #require(try await monitor(location, store, detections: detections).check().first)
        #expect(!check.baseline && check.previousCount == 3 && check.currentCount == 4 && check.maxId == "5")
        #expect(check.inserted.map(\.key) == ["4", "5"])
        #expect(check.inserted.first?.fields?.contains(.init(column: "name", value: "Dee Fox")) == true)
        #expect(check.deleted.map(\.key) == ["2"])
        // Rewriting a value with itself is no change: the hash is of the values.
        #expect(check.modified.map(\.key) == ["1"])
        #expect(check.modified.first?.changedColumns == ["ward", "admitted_at"])

        let lines = try String(contentsOfFile: detections, encoding: .utf8).split(separator: "\n")
        let parsed = try lines.map { try JSONDecoder().decode(Detection.self, from: Data($0.utf8)) }
        #expect(parsed.map { "\($0.operation.rawValue) \($0.key)" } == ["insert 4", "insert 5", "update 1", "delete 2"])
        #expect(parsed.allSatisfy { $0.table == "patients" && abs($0.detectedAt - check.checkedAt.timeIntervalSince1970) < 0.001 })

        let quiet = try #require(try await monitor(location, store).check().first)
        #expect(!quiet.hasChanges && quiet.previousCount == 4)
        let text = MonitorAlert.text(check, zone: TimeZone(identifier: "UTC")!)
        #expect(text.contains("NEW RECORDS DETECTED! 2 new record(s) added\n  1. id 4  name \"Dee Fox\"  ward \"D\""), "\(text)")
        #expect(text.contains("RECORDS DELETED! 1 record(s) removed\n  1. id 2\n"), "\(text)")
        #expect(text.contains("1 record(s) modified\n  1. id 1  changed: ward → \"Z\", admitted_at → \"2026-03-09\""), "\(text)")
        #expect(text.hasSuffix("Count: previous 3, current 4, added 1"), "\(text)")
    }

    @Test(arguments: Engine.allCases)
    func aTableWithoutKeyNeedsOneAndMissingTablesAreNamed(engine: Engine) async throws {
        let (location, database) = try await patientsDatabase(engine)
        defer { Task { await database.close() } }
        let store = stateFolder()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        await #expect(throws: MonitorError.noPrimaryKey("readings")) { try await monitor(location, store, tables: [.init(name: "readings")]).check() }
        await #expect(throws: MonitorError.noSuchTable("nurses")) { try await monitor(location, store, tables: [.init(name: "nurses")]).check() }
        await #expect(throws: MonitorError.self) { try await monitor(location, store, tables: [.init(name: "readings", key: ["nope"])]).check() }
        // A failed check leaves no state behind.
        #expect(try store.load() == MonitorState())

        let keyed = monitor(location, store, tables: [.init(name: "readings", key: ["patient_id", "taken_at"])])
        let baseline = try #require(try await keyed.check().first)
        #expect(baseline.currentCount == 2 && baseline.maxId == #"["1","10:00"]"#)
        _ = try await database.withConnection { connection in try connection.execute("UPDATE readings SET value = 38.2 WHERE taken_at = '10:00'") }
        let check = try #require(try await keyed.check().first)
        #expect(check.modified.map(\.key) == [#"["1","10:00"]"#] && check.modified.first?.changedColumns == ["value"])
    }

    @Test(arguments: Engine.allCases)
    func aRowHashIsTheChangeLogsHashOfTheRow(engine: Engine) async throws {
        let (_, database) = try await patientsDatabase(engine)
        defer { Task { await database.close() } }
        let rows = try await database.withConnection { try $0.query("SELECT * FROM patients ORDER BY id") }
        var digester = RowDigester(columns: rows[0].columns, keyColumns: ["id"])
        for row in rows {
            var columnHashes: [UInt32] = []
            let hash = digester.digest(row, columnHashes: &columnHashes)
            let full = RowImage.hash(of: row)
            #expect(String(format: "%016llx%016llx", hash.high, hash.low) == String(full.prefix(32)))
            #expect(columnHashes.count == row.columns.count)
        }
    }

    /// The bytes the monitor writes per value are those `RowImage` makes from the value's text,
    /// escapes, non-ASCII text, extreme integers, reals and timestamps before year 1 included.
    @Test func canonicalBytesAreRowImagesForEveryKindOfValue() {
        let values: [DatabaseValue] = [
            .null, .text(""), .text("a\"b\\c\n\r\t\u{01}\u{1f} é 😀 end"), .integer(0), .integer(-42), .integer(.min), .integer(.max),
            .double(12.5), .double(12), .double(-0.1), .bool(true), .bool(false),
            .timestamp(Date(timeIntervalSince1970: 1_767_225_600.123)), .timestamp(Date(timeIntervalSince1970: -62_200_000_000)),
            .uuid(UUID()),
        ]
        for value in values {
            var bytes: [UInt8] = []
            let columnHash = CanonicalBytes.append(value, to: &bytes)
            var expected: [UInt8] = []
            if let text = RowImage.text(value) { JSONCoding.appendQuoted(text, to: &expected) } else { expected = Array("null".utf8) }
            #expect(bytes == expected, "\(value)")
            #expect(columnHash != CanonicalBytes.nullHash || value == .null)
        }
        let columns = values.indices.map { "c\($0)" }
        let row = DatabaseRow(columns: columns, values: values)
        var digester = RowDigester(columns: columns, keyColumns: ["c0"])
        var columnHashes: [UInt32] = []
        let hash = digester.digest(row, columnHashes: &columnHashes)
        #expect(String(format: "%016llx%016llx", hash.high, hash.low) == String(RowImage.hash(of: row).prefix(32)))
    }

    @Test func stateFilesRoundTripAndRefuseTruncation() throws {
        var hashes = TableHashes(columns: ["id", "name"])
        hashes.keys = ["1", "ü-2"]
        hashes.hashes = [RowHash(high: 1, low: 2), RowHash(high: .max, low: 0)]
        hashes.columnHashes = [1, 2, 3, 4]
        let bytes = hashes.encoded()
        let decoded = try #require(TableHashes(decoding: bytes))
        #expect(decoded.columns == hashes.columns && decoded.keys == hashes.keys && decoded.hashes == hashes.hashes)
        #expect(Array(decoded.columnHashes(ofRow: 1)) == [3, 4])
        #expect(TableHashes(decoding: Array(bytes.dropLast())) == nil)
        #expect(TableHashes(decoding: Array("not a state".utf8)) == nil)
    }

    @Test func aCorruptStateIsAClearError() throws {
        let store = stateFolder()
        defer { try? FileManager.default.removeItem(at: store.directory) }
        try store.createDirectory()
        try Data("{not json".utf8).write(to: store.directory.appendingPathComponent("STATE.json"))
        #expect(throws: MonitorError.self) { try store.load() }
    }
}
