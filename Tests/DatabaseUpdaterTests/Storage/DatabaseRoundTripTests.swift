import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct DatabaseRoundTripTests {
    @Test(arguments: Engine.allCases)
    func everyParameterTypeRoundTrips(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        let t = db.dialect.testTypes
        let instant = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = UUID()
        let rows = try await db.withConnection { conn in
            try conn.execute("""
                CREATE TABLE samples (k \(t.int) PRIMARY KEY, s TEXT, i \(t.int), d \(t.double), b \(t.bool),
                                      ts \(t.time), u \(t.uuid), n TEXT)
                """)
            let values: [[DatabaseValue]] = [
                [.integer(1), .text("Zoë — 東京 🚀 'quoted' \"double\" $1"), .integer(.max), .double(3.141592653589793),
                 .bool(true), .timestamp(instant), .uuid(id), .null],
                [.integer(2), .text(""), .integer(.min), .double(-2.5e-300), .bool(false), .timestamp(Date(timeIntervalSince1970: 0)),
                 .uuid(UUID(uuidString: "00000000-0000-0000-0000-000000000000")!), .text("x")],
            ]
            for row in values {
                try conn.execute("INSERT INTO samples (k, s, i, d, b, ts, u, n) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", row)
            }
            return try conn.query("SELECT k, s, i, d, b, ts, u, n FROM samples ORDER BY k")
        }
        #expect(rows.count == 2)
        #expect(rows[0]["s"].stringValue == "Zoë — 東京 🚀 'quoted' \"double\" $1")
        #expect(rows[0]["i"].intValue == .max)
        #expect(rows[0]["d"].doubleValue == 3.141592653589793)
        #expect(rows[0]["b"].boolValue == true)
        #expect(rows[0]["ts"].dateValue == instant)
        #expect(rows[0]["u"].uuidValue == id)
        #expect(rows[0]["n"].isNull)
        #expect(rows[1]["s"].stringValue == "")
        #expect(rows[1]["i"].intValue == .min)
        #expect(rows[1]["d"].doubleValue == -2.5e-300)
        #expect(rows[1]["b"].boolValue == false)
        #expect(rows[1]["ts"].dateValue == Date(timeIntervalSince1970: 0))
        #expect(rows[1]["n"].stringValue == "x")
        await db.close()
    }

    /// PostgreSQL takes parameters in binary form: timestamps keep the millisecond the text form
    /// kept (sub-millisecond digits dropped, before 2000 and before 1970 too), and an empty text
    /// is not a NULL.
    @Test(arguments: Engine.allCases)
    func timestampsKeepTheirMillisecondAndEmptyTextIsNotNull(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        let t = db.dialect.testTypes
        let instants: [TimeInterval] = [1_795_000_000.1239, 946_684_799.9996, -1_234.5678, 0, -0.0004]
        let rows = try await db.withConnection { conn in
            try conn.execute("CREATE TABLE stamps (k \(t.int) PRIMARY KEY, ts \(t.time), s TEXT)")
            for (index, seconds) in instants.enumerated() {
                try conn.execute("INSERT INTO stamps (k, ts, s) VALUES ($1, $2, $3)",
                                 .integer(Int64(index)), .timestamp(Date(timeIntervalSince1970: seconds)), .text(""))
            }
            return try conn.query("SELECT k, ts, s FROM stamps ORDER BY k")
        }
        #expect(rows.count == instants.count)
        for (row, seconds) in zip(rows, instants) {
            let stored = try #require(row["ts"].dateValue)
            #expect(DatabaseValue.formatTimestamp(stored) == DatabaseValue.formatTimestamp(Date(timeIntervalSince1970: seconds)))
            #expect((stored.timeIntervalSince1970 * 1000).rounded() == (seconds * 1000).rounded(.down))
            #expect(row["s"] == .text(""))
        }
        await db.close()
    }

    /// A SQLite connection keeps each prepared statement's column names; after the table
    /// changes, a `SELECT *` prepared before returns the new columns, under their new names.
    /// (PostgreSQL refuses to run such a statement: "cached plan must not change result type".)
    @Test func aSelectPreparedBeforeASchemaChangeSeesTheNewColumns() async throws {
        let db = try await TestDatabases.fresh(.sqlite, poolSize: 1)
        let names = try await db.withConnection { conn in
            try conn.execute("CREATE TABLE shapes (a TEXT, b TEXT)")
            try conn.execute("INSERT INTO shapes (a, b) VALUES ('1', '2')")
            let before = try conn.query("SELECT * FROM shapes").first?.columns
            try conn.execute("ALTER TABLE shapes ADD COLUMN c TEXT")
            let added = try conn.query("SELECT * FROM shapes").first?.columns
            try conn.execute("ALTER TABLE shapes RENAME COLUMN a TO z")
            let renamed = try conn.query("SELECT * FROM shapes").first?.columns
            return [before, added, renamed]
        }
        #expect(names == [["a", "b"], ["a", "b", "c"], ["z", "b", "c"]])
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func aThrownErrorRollsTheTransactionBack(engine: Engine) async throws {
        struct Injected: Error {}
        let db = try await TestDatabases.fresh(engine)
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT NOT NULL)") }
        await #expect(throws: Injected.self) {
            try await db.transaction { conn in
                try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("first"))
                throw Injected()
            }
        }
        let count = try await db.withConnection { conn in try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue }
        #expect(count == 0)
        // Committed work stays.
        try await db.transaction { conn in _ = try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("kept")) }
        let after = try await db.withConnection { conn in try conn.query("SELECT name FROM things").map { $0["name"].stringValue } }
        #expect(after == ["kept"])
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func dryRunTransactionsAlwaysRollBack(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT NOT NULL)") }
        let seen = try await db.transaction(rollback: true) { conn in
            try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("ghost"))
            return try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue
        }
        #expect(seen == 1)
        let count = try await db.withConnection { conn in try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue }
        #expect(count == 0)
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func constraintViolationsCarryTheEngineCode(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT UNIQUE NOT NULL)") }
        do {
            try await db.transaction { conn in
                try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("same"))
                try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("same"))
            }
            Issue.record("duplicate accepted")
        } catch let error as DatabaseError {
            #expect(error.kind == .constraintViolation)
            #expect(!error.description.contains("\n"))
            switch engine {
            case .postgres: #expect(error.sqlState == "23505")
            case .sqlite: #expect(error.resultCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
            }
        }
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func wrongParameterCountIsAStatementError(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        await #expect(throws: DatabaseError.self) {
            try await db.withConnection { conn in try conn.query("SELECT $1::text AS a, $2::text AS b".replacingOccurrences(of: "::text", with: engine == .sqlite ? "" : "::text"), .text("only one")) }
        }
        // The connection is still usable afterwards.
        let one = try await db.withConnection { conn in try conn.query("SELECT 1 AS one")[0]["one"].intValue }
        #expect(one == 1)
        await db.close()
    }
}
