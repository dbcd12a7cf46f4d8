import Foundation

/// Runs blocking work (waiting on a child process, a socket read) on a thread of its own.
///
/// Swift Testing runs tests in parallel on the cooperative pool, which has one thread per core:
/// two cores, two threads. A test that blocks one of them while a command runs starves every
/// other test, and the server under test too, which then misses its deadlines. Blocking work
/// therefore never runs on that pool.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}
