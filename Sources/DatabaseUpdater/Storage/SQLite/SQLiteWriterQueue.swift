import Foundation
import Synchronization

/// The writers of one SQLite file in this process, let in one at a time in arrival order.
///
/// SQLite has one writer per file and makes the others poll (the busy handler), which is not
/// fair: a connection that just committed and begins again usually wins over one that has been
/// polling for seconds. With several executions in flight that is a stream of newcomers, and on
/// a loaded machine a waiter lost every round for the whole busy timeout and failed with
/// "database is locked" although it was never deadlocked. A ``SQLiteConnection`` therefore
/// queues here before its `BEGIN IMMEDIATE` and leaves once its transaction has ended: a
/// writer waits for those ahead of it only. Writers in other processes still meet the busy
/// handler, as before.
final class SQLiteWriterQueue {
    /// The queue of the file at `path` (resolved, so two spellings of one file share one).
    static func forFile(_ path: String) -> SQLiteWriterQueue {
        let key = path.withCString { raw in realpath(raw, nil).map { resolved in defer { free(resolved) }; return String(cString: resolved) } } ?? path
        return queues.withLock { queues in
            if let queue = queues[key] { return queue }
            let queue = SQLiteWriterQueue()
            queues[key] = queue
            return queue
        }
    }

    private static let queues = Mutex<[String: SQLiteWriterQueue]>([:])

    private let condition = NSCondition()
    // Safe: the two properties below are read and written only with `condition` locked.
    /// The turn inside, if any.
    private nonisolated(unsafe) var holder: UInt64?
    /// Turns waiting, first in line first.
    private nonisolated(unsafe) var waiting: [UInt64] = []
    private nonisolated(unsafe) var nextTurn: UInt64 = 0

    /// Waits until every writer that came first has left, then holds the file's turn until
    /// ``leave(_:)``. Gives up after `timeout` (a busy error, as SQLite's own wait ends) or,
    /// when `shouldStop` says so (the task is cancelled or its deadline passed), with a
    /// cancellation.
    func enter(timeout: Duration, shouldStop: () -> Bool) throws(DatabaseError) -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        let turn = nextTurn
        nextTurn += 1
        if holder == nil && waiting.isEmpty {
            holder = turn  // nobody ahead: the common case, one lock round
            return turn
        }
        waiting.append(turn)
        let giveUpAt = ContinuousClock.now + timeout
        while holder != nil || waiting.first != turn {
            // Woken when a writer leaves; a cancelled task or a passed deadline wakes nobody, so
            // look every 10 ms as well.
            let stop = shouldStop(), timedOut = ContinuousClock.now >= giveUpAt
            if stop || timedOut {
                waiting.removeAll { $0 == turn }
                condition.broadcast()  // the next in line may be first now
                if stop { throw DatabaseError(.cancelled, "statement cancelled (waiting for the other writers of the file)") }
                throw DatabaseError(.busy, "database is locked (other writers of the file in this process held it for \(timeout))",
                                    resultCode: 5)
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.01))
        }
        waiting.removeFirst()
        holder = turn
        return turn
    }

    /// How many writers wait for their turn now.
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting.count
    }

    /// Lets the next writer in.
    func leave(_ turn: UInt64) {
        condition.lock()
        if holder == turn { holder = nil }
        if !waiting.isEmpty { condition.broadcast() }
        condition.unlock()
    }
}

// Safe: the mutable state is guarded by `condition` (see above), and NSCondition is thread-safe;
// corelibs-foundation does not mark NSCondition Sendable, so the conformance cannot be inferred.
extension SQLiteWriterQueue: @unchecked Sendable {}
