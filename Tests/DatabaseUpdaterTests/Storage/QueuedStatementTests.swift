import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// Queued statements (``SQLConnection/enqueue(_:_:)``) and deferred `BEGIN`: fewer round trips
/// must not change what is written, what fails, or what a dry run reports.
struct QueuedStatementTests {
    private func makeTable(_ db: any Database) async throws {
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT UNIQUE NOT NULL)") }
    }

    private func names(_ db: any Database) async throws -> [String] {
        try await db.withConnection { conn in
            try conn.query("SELECT name FROM things ORDER BY name").compactMap { $0["name"].stringValue }
        }
    }

    @Test(arguments: Engine.allCases)
    func queuedInsertsAreCommittedAndVisibleToLaterStatements(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        try await makeTable(db)
        let seen = try await db.transaction { conn in
            try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("a"))
            try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("b"))
            let seen = try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue
            try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("c"))
            return seen
        }
        #expect(seen == 2)
        #expect(try await names(db) == ["a", "b", "c"])
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func aFailingQueuedInsertFailsTheCommitAndRollsEverythingBack(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        try await makeTable(db)
        do {
            try await db.transaction { conn in
                try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("kept?"))
                try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("same"))
                try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("same"))
            }
            Issue.record("duplicate accepted")
        } catch let error as DatabaseError {
            #expect(error.kind == .constraintViolation)
            #expect(error.sql?.contains("INSERT INTO things") == true)
        }
        #expect(try await names(db).isEmpty)
        // The connection is clean for the next transaction.
        try await db.transaction { conn in try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("next")) }
        #expect(try await names(db) == ["next"])
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func aDryRunRunsQueuedInsertsSoItMeetsTheSameErrors(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        try await makeTable(db)
        await #expect(throws: DatabaseError.self) {
            try await db.transaction(rollback: true) { conn in
                try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("same"))
                try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("same"))
            }
        }
        try await db.transaction(rollback: true) { conn in try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("ghost")) }
        #expect(try await names(db).isEmpty)
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func outsideATransactionAQueuedStatementRunsAtOnce(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        try await makeTable(db)
        try await db.withConnection { conn in try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("now")) }
        #expect(try await names(db) == ["now"])
        await db.close()
    }

    /// A transaction that runs no statement never reaches the server: on SQLite it does not
    /// even take the write lock, so it succeeds while another connection holds it.
    @Test func anEmptyTransactionTakesNoLock() async throws {
        let location = try await TestDatabases.freshLocation(.sqlite)
        let holder = try await DatabaseFactory.open(location, poolSize: 1)
        let other = try SQLiteDatabase(path: String(location.dropFirst("sqlite:".count)), poolSize: 1, busyTimeoutMilliseconds: 100)
        try await makeTable(holder)
        let gate = Gate()
        let holding = Task {
            try await holder.transaction { conn in
                try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("held"))
                gate.enter()
                gate.waitUntilOpen()
            }
        }
        while !gate.entered { try await Task.sleep(for: .milliseconds(5)) }
        let empty = try await other.transaction { _ in 42 }
        #expect(empty == 42)
        // A transaction that does write still meets the lock (and times out on it).
        await #expect(throws: DatabaseError.self) {
            try await other.transaction { conn in try conn.enqueue("INSERT INTO things (name) VALUES ($1)", .text("blocked")) }
        }
        gate.open()
        try await holding.value
        #expect(try await names(holder) == ["held"])
        await other.close()
        await holder.close()
    }
}
