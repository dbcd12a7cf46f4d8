import Foundation
import Synchronization
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The writers of one SQLite file in one process take their turns in the order they came,
/// whatever connection (and spelling of the path) they use; SQLite's busy handler alone lets a
/// newcomer overtake a writer that has waited for seconds. Each writer is a connection of its
/// own on a thread of its own, as the pool's connections are.
struct SQLiteWriterQueueTests {
    struct NotQueued: Error {
        let waiting: Int
    }

    /// A fresh SQLite file with an empty `turns` table, and a connection holding its write lock
    /// (a transaction that wrote the row `holder` and has not ended).
    private func heldFile() async throws -> (path: String, holder: SQLiteConnection) {
        let location = try await TestDatabases.freshLocation(.sqlite)
        let path = String(location.dropFirst("sqlite:".count))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let holder = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5_000)
        try holder.execute("CREATE TABLE turns (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        try holder.beginTransaction()
        try holder.execute("INSERT INTO turns (name) VALUES ('holder')")
        return (path, holder)
    }

    /// One transaction inserting `name`, on a thread of its own.
    private func write(_ name: String, at path: String, busyTimeoutMilliseconds: Int = 60_000) -> Task<Void, any Error> {
        Task {
            try await onOwnThread {
                let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
                try connection.beginTransaction()
                try connection.execute("INSERT INTO turns (name) VALUES ($1)", .text(name))
                try connection.endTransaction(commit: true)
                connection.close()
            }
        }
    }

    /// Waits (up to 60 s) until `count` writers wait in `queue`.
    private func waitUntil(_ count: Int, waitIn queue: SQLiteWriterQueue) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while queue.waitingCount < count {
            if ContinuousClock.now > deadline { throw NotQueued(waiting: queue.waitingCount) }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func names(at path: String) throws -> [String] {
        let reader = try SQLiteConnection(path: path, busyTimeoutMilliseconds: 5_000)
        defer { reader.close() }
        return try reader.query("SELECT name FROM turns ORDER BY id").compactMap { $0["name"].stringValue }
    }

    @Test func writersOfOneFileGoInInTheOrderTheyCame() async throws {
        let (path, holder) = try await heldFile()
        defer { holder.abandonTransaction() }
        let queue = SQLiteWriterQueue.forFile(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: path).lastPathComponent
        var writers: [Task<Void, any Error>] = []
        for index in 1...4 {
            // Every other one spells the path another way; the next comes once this one waits.
            writers.append(write("writer \(index)", at: index.isMultiple(of: 2) ? "\(folder)/./\(name)" : path))
            try await waitUntil(index, waitIn: queue)
        }
        try holder.endTransaction(commit: true)
        for writer in writers { try await writer.value }
        #expect(try names(at: path) == ["holder", "writer 1", "writer 2", "writer 3", "writer 4"])
        #expect(queue.waitingCount == 0)
        holder.close()
    }

    /// A writer that gives up (its task cancelled, its deadline passed) leaves the line: the one
    /// behind it is not held up. Driven on the queue itself, so that nothing hangs on timing.
    @Test func aWriterThatGivesUpLeavesTheLine() async throws {
        let queue = SQLiteWriterQueue()
        let holder = try queue.enter(timeout: .seconds(60), shouldStop: { false })
        let stop = Mutex(false)
        let impatient = Task { try await onOwnThread { try queue.enter(timeout: .seconds(60), shouldStop: { stop.withLock { $0 } }) } }
        try await waitUntil(1, waitIn: queue)
        let patient = Task { try await onOwnThread { try queue.enter(timeout: .seconds(60), shouldStop: { false }) } }
        try await waitUntil(2, waitIn: queue)
        stop.withLock { $0 = true }
        let refusal = await impatient.result
        guard case .failure(let error as DatabaseError) = refusal else {
            Issue.record("the impatient writer got in while the holder held the file: \(refusal)")
            return
        }
        #expect(error.kind == .cancelled, "\(error)")
        #expect(queue.waitingCount == 1, "only the patient writer waits")
        queue.leave(holder)
        let turn = try await patient.value
        #expect(turn != holder)
        #expect(queue.waitingCount == 0)
        queue.leave(turn)
    }

    /// A writer kept out for its whole busy timeout gets SQLite's own words for it.
    @Test func aWriterKeptOutPastItsBusyTimeoutIsToldTheDatabaseIsLocked() throws {
        let queue = SQLiteWriterQueue()
        let holder = try queue.enter(timeout: .seconds(60), shouldStop: { false })
        #expect {
            _ = try queue.enter(timeout: .milliseconds(50), shouldStop: { false })
        } throws: { error in
            (error as? DatabaseError)?.kind == .busy && "\(error)".contains("database is locked")
        }
        #expect(queue.waitingCount == 0)
        queue.leave(holder)
    }
}
