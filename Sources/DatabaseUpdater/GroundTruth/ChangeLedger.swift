import Foundation
import Synchronization

/// `data/changes.jsonl`: the change log exported as JSON lines, one entry per line in sequence
/// order. The log itself is in the target database (``ChangeLog``); ``ChangeFeed`` appends each
/// committed entry here and catches the file up at every start, so after a crash it lacks
/// nothing for long. Read by people and tools; `updater ledger export` writes the same lines.
///
/// Several processes may export to one file (a service, and `updater execute --at` beside it):
/// each append holds an advisory lock on the file (`flock`) and writes only entries after the
/// file's last, so an entry is exported once, in order, whoever commits or reads it first.
///
/// Appends take a `Mutex` around that rather than going through an actor: callers run on
/// ``DatabaseExecutor``'s threads, which may block, and every committed execution appends, so a
/// hop onto an actor and back would be two task switches per execution. The file's last
/// sequence number is remembered with its size, and read again only when another process
/// changed the size.
public final class ChangeLedger: Sendable {
    /// Where the ledger is.
    public let url: URL

    private struct State {
        var handle: FileHandle?
        /// The file's size and last sequence number when this process last looked.
        var known: (size: UInt64, lastSequence: Int64)?
    }

    private let state: Mutex<State>

    /// Opens (creating if needed) the ledger at `url`.
    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // O_APPEND: every write lands at the end, without a seek per append.
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
        state = Mutex(State(handle: FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)))
    }

    /// Appends the entries of `events` after the file's last, one JSON object per line, in one write.
    public func append(_ events: [ChangeEvent]) throws {
        guard !events.isEmpty else { return }
        try locked { state in
            let last = try lastSequence(&state)
            var data = Data()
            var newest = last
            for event in events {
                if let seq = event.seq {
                    guard seq > newest else { continue }
                    newest = seq
                }
                data.append(contentsOf: event.jsonLine.utf8)
                data.append(0x0A)
            }
            guard !data.isEmpty, let handle = state.handle else { return }
            try handle.write(contentsOf: data)
            state.known = (try handle.offset(), newest)
        }
    }

    /// The sequence number of the file's last complete line (0 when it has none with a number).
    /// A torn last line (a write cut by a crash) is cut off first.
    public func lastSequence() throws -> Int64 {
        try locked { state in try lastSequence(&state) }
    }

    /// Runs `body` holding both this process's lock and the file's advisory lock.
    private func locked<T>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in
            guard let descriptor = state.handle?.fileDescriptor else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
            while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
            defer { flock(descriptor, LOCK_UN) }
            return try body(&state)
        }
    }

    /// The last sequence number, read from the file when its size is not the one last seen.
    private func lastSequence(_ state: inout State) throws -> Int64 {
        var info = stat()
        guard let descriptor = state.handle?.fileDescriptor, fstat(descriptor, &info) == 0 else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        if let known = state.known, known.size == UInt64(info.st_size) { return known.lastSequence }
        let (last, size) = try readLastSequence(size: UInt64(info.st_size))
        state.known = (size, last)
        return last
    }

    /// Reads the last complete line's sequence number from the end of the file, cutting a torn
    /// line; returns it and the file's size after.
    private func readLastSequence(size: UInt64) throws -> (Int64, UInt64) {
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        // The tail is enough unless a line is longer than it (row images can be): then more.
        var window: UInt64 = 1 << 16
        while true {
            let start = size > window ? size - window : 0
            try reader.seek(toOffset: start)
            let tail = try reader.readToEnd() ?? Data()
            var complete = tail
            var end = start + UInt64(tail.count)
            if tail.last != 0x0A {
                guard let lastNewline = tail.lastIndex(of: 0x0A) else {
                    if start > 0 { window *= 4; continue }
                    try cut(at: 0)
                    return (0, 0)
                }
                complete = tail[..<(lastNewline + 1)]
                end = start + UInt64(complete.count)
                try cut(at: end)
            }
            let lines = complete.split(separator: 0x0A)
            if lines.count < 2 && start > 0 { window *= 4; continue }
            guard let lastLine = lines.last else { return (0, end) }
            return (try JSONDecoder().decode(ChangeEvent.self, from: Data(lastLine)).seq ?? 0, end)
        }
    }

    private func cut(at length: UInt64) throws {
        guard truncate(url.path, off_t(length)) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
    }

    /// Empties the file (when it is ahead of the database's log, which a restored or replaced database causes).
    public func reset() throws {
        try locked { state in
            try cut(at: 0)
            state.known = (0, 0)
        }
    }

    /// Reads every event in the ledger (for tests and tools; the file may be large).
    public func readAll() throws -> [ChangeEvent] {
        let decoder = JSONDecoder()
        return try String(decoding: Data(contentsOf: url), as: UTF8.self)
            .split(separator: "\n")
            .map { try decoder.decode(ChangeEvent.self, from: Data($0.utf8)) }
    }

    /// Closes the file.
    public func close() throws {
        try state.withLock { state in
            defer { state.handle = nil }
            try state.handle?.close()
        }
    }
}
