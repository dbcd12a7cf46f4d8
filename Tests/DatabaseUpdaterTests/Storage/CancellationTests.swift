import Foundation
import Synchronization
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct CancellationTests {
    /// A statement that would run for 30 s or more on each engine.
    private func longStatement(_ engine: Engine) -> String {
        switch engine {
        case .postgres: "SELECT pg_sleep(30)"
        case .sqlite: "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
        }
    }

    @Test(arguments: Engine.allCases)
    func cancellingTheTaskInterruptsARunningStatement(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine, poolSize: 1)
        let sql = longStatement(engine)
        // Cancelled once the body holds its connection (not after a guessed sleep: on a loaded
        // machine the task may not have reached the pool yet, and is then cancelled before any
        // statement, which is another test).
        let started = Mutex(false)
        let task = Task {
            try await db.withConnection { conn in
                started.withLock { $0 = true }
                return try conn.query(sql).count
            }
        }
        while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        let cancelledAt = ContinuousClock.now
        task.cancel()
        let result = await task.result
        let took = ContinuousClock.now - cancelledAt
        guard case .failure(let error) = result else {
            Issue.record("the statement finished instead of being cancelled")
            return
        }
        #expect((error as? DatabaseError)?.kind == .cancelled, "\(error)")
        // Interrupted, not run to completion: PostgreSQL's statement would have succeeded after
        // 30 s (the failure above says it did not), SQLite's never ends. The bound only turns a
        // missed interrupt into a failure instead of a hang; the parallel suite on two cores once took 5.8 s.
        #expect(took < .seconds(25), "took \(took)")
        // The connection survives and serves the next statement.
        let one = try await db.withConnection { conn in try conn.query("SELECT 1 AS one")[0]["one"].intValue }
        #expect(one == 1)
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func cancellingInsideATransactionRollsItBack(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine, poolSize: 1)
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT NOT NULL)") }
        let sql = longStatement(engine)
        let task = Task {
            try await db.transaction { conn in
                try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("partial"))
                _ = try conn.query(sql)
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        _ = await task.result
        let count = try await db.withConnection { conn in try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue }
        #expect(count == 0)
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func aCancelledTaskRunsNoFurtherStatements(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine, poolSize: 1)
        _ = try await db.withConnection { conn in try conn.execute("CREATE TABLE things (name TEXT NOT NULL)") }
        let blocked = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await db.withConnection { conn in try conn.execute("INSERT INTO things (name) VALUES ($1)", .text("no")) }
        }
        if case .success = await blocked.result { Issue.record("a cancelled task wrote a row") }
        let count = try await db.withConnection { conn in try conn.query("SELECT COUNT(*) AS n FROM things")[0]["n"].intValue }
        #expect(count == 0)
        await db.close()
    }
}
