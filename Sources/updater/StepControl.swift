import DatabaseUpdater
import Foundation
import Synchronization

/// Drives a step-mode simulation from standard input, one line at a time, in order: an empty
/// line advances one period, a number N advances N, `q` or `quit` ends it.
///
/// Standard input may be a terminal, a file or a named pipe. When it is a named pipe, a writer
/// closing it is not the end (`echo "" > ctl` closes it every time): the pipe is reopened for
/// reading *and* writing, so that reads wait for the next writer instead of seeing end of
/// input, and nothing a writer left in the pipe meanwhile is lost. End of input on anything
/// else (a file, a closed terminal) quits cleanly — unless the HTTP API drives the simulation
/// too, for which standard input may well be `/dev/null`.
final class StepControl: Sendable {
    private let consumer: Task<Void, Never>

    private init(consumer: Task<Void, Never>) {
        self.consumer = consumer
    }

    /// Starts reading standard input (on a thread of its own: reads block) and applying its lines.
    /// - Parameter endOfInputQuits: whether the end of (non-pipe) input ends the simulation.
    static func start(_ simulation: Simulation, endOfInputQuits: Bool) -> StepControl {
        let (lines, sink) = AsyncStream.makeStream(of: String?.self)
        let reader = Thread {
            LineReader(descriptor: STDIN_FILENO).forEachLine { sink.yield($0) }
            sink.yield(nil)  // end of input
            sink.finish()
        }
        reader.name = "updater-step-input"
        reader.start()
        let consumer = Task {
            for await line in lines {
                guard let line else {
                    if endOfInputQuits { await simulation.quit() }
                    return
                }
                let command = line.trimmingCharacters(in: .whitespaces).lowercased()
                if command.isEmpty {
                    _ = await simulation.advance(periods: 1)
                } else if command == "q" || command == "quit" {
                    await simulation.quit()
                    return
                } else if let count = Int(command), count >= 1 {
                    _ = await simulation.advance(periods: min(count, 100_000))
                } else {
                    FileHandle.standardError.write(Data("input: expected an empty line (next period), a number of periods, or q (quit)\n".utf8))
                }
            }
        }
        return StepControl(consumer: consumer)
    }

    /// Stops applying lines (the reading thread may stay blocked in a read until the process ends).
    func stop() {
        consumer.cancel()
    }
}

/// Reads lines from a file descriptor with plain blocking reads, reopening a named pipe whose
/// writers all closed (see ``StepControl``).
struct LineReader {
    let descriptor: Int32

    func forEachLine(_ body: (String) -> Void) {
        var fd = descriptor
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            if count == 0 {
                guard let reopened = Self.reopenedPipe(fd) else {
                    if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
                    return
                }
                if fd != descriptor { close(fd) }
                fd = reopened
                continue
            }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                body(String(decoding: line, as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
    }

    /// For a named pipe at end of input: the same pipe opened for reading and writing (which
    /// never blocks, and keeps a writer so later reads wait instead of ending); nil otherwise.
    private static func reopenedPipe(_ fd: Int32) -> Int32? {
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO else { return nil }
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"), path.hasPrefix("/") else {
            return nil
        }
        let reopened = open(path, O_RDWR | O_CLOEXEC)
        return reopened >= 0 ? reopened : nil
    }
}

/// Turns SIGINT and SIGTERM into a call (a simulation's clean quit) the first time; the second
/// time the process exits at once (status 130). Kept alive by its owner for as long as it applies.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(_ handler: @escaping @Sendable () -> Void) {
        let first = FirstTime()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if first.take() { handler() } else { exit(130) }
            }
            source.resume()
            return source
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }

    /// True the first time only.
    private final class FirstTime: Sendable {
        private let taken = Mutex(false)

        func take() -> Bool {
            taken.withLock { taken in
                defer { taken = true }
                return !taken
            }
        }
    }
}
