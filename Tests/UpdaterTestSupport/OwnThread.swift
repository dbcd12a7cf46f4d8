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

/// Reads `handle` (a child's output pipe) to its end on a thread of its own, handing each chunk
/// to `append`.
///
/// Not `FileHandle.readabilityHandler`: on Linux its dispatch read source races the descriptor's
/// teardown and libdispatch's manager thread can crash on a freed epoll note
/// (swift-corelibs-libdispatch issue 949; it crashed this suite in `_dispatch_event_loop_drain`).
/// A blocking read registers nothing with libdispatch.
public func drainOnOwnThread(_ handle: FileHandle, _ append: @escaping @Sendable (Data) -> Void) {
    Thread {
        // read(2) itself: FileHandle.read(upToCount:) waits until the count is filled or the end.
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                append(Data(buffer[..<count]))
            } else if count == 0 || errno != EINTR {
                break
            }
        }
    }.start()
}
