import Foundation
import Synchronization

/// `data/changes.jsonl`: the change log exported as JSON lines, one entry per line in sequence
/// order. The log itself is in the target database (``ChangeLog``); ``ChangeFeed`` appends each
/// committed entry here and catches the file up at every start, so after a crash it lacks
/// nothing for long. Read by people and tools; `updater ledger export` writes the same lines.
///
/// Appends take a lock around one `write(2)` rather than going through an actor: callers run
/// on ``DatabaseExecutor``'s threads, which may block, and every committed execution appends,
/// so a hop onto an actor and back would be two task switches per execution.
public final class ChangeLedger: Sendable {
    /// Where the ledger is.
    public let url: URL
    private let handle: Mutex<FileHandle?>

    /// Opens (creating if needed) the ledger at `url`.
    public init(url: URL) throws {
        self.url = url
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // O_APPEND: every write lands at the end, without a seek per append.
        let descriptor = open(url.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path, NSUnderlyingErrorKey: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)])
        }
        handle = Mutex(FileHandle(fileDescriptor: descriptor, closeOnDealloc: true))
    }

    /// Appends `events`, one JSON object per line, in one write.
    public func append(_ events: [ChangeEvent]) throws {
        guard !events.isEmpty else { return }
        var data = Data()
        for event in events {
            data.append(contentsOf: event.jsonLine.utf8)
            data.append(0x0A)
        }
        try handle.withLock { handle in try handle?.write(contentsOf: data) }
    }

    /// The sequence number of the file's last complete line (0 when it has none with a number).
    /// A torn last line (a write cut by a crash) is cut off first.
    public func lastSequence() throws -> Int64 {
        try handle.withLock { _ in
            let reader = try FileHandle(forReadingFrom: url)
            defer { try? reader.close() }
            let size = try reader.seekToEnd()
            // The tail is enough unless a line is longer than it (row images can be): then more.
            var window: UInt64 = 1 << 16
            while true {
                let start = size > window ? size - window : 0
                try reader.seek(toOffset: start)
                let tail = try reader.readToEnd() ?? Data()
                var complete = tail
                if tail.last != 0x0A {
                    guard let lastNewline = tail.lastIndex(of: 0x0A) else {
                        if start > 0 { window *= 4; continue }
                        complete = Data()
                        try cut(at: 0)
                        break
                    }
                    complete = tail[..<(lastNewline + 1)]
                    try cut(at: start + UInt64(complete.count))
                }
                let lines = complete.split(separator: 0x0A)
                if lines.count < 2 && start > 0 { window *= 4; continue }
                guard let lastLine = lines.last else { return 0 }
                return try JSONDecoder().decode(ChangeEvent.self, from: Data(lastLine)).seq ?? 0
            }
            return 0
        }
    }

    private func cut(at length: UInt64) throws {
        guard truncate(url.path, off_t(length)) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
    }

    /// Empties the file (when it is ahead of the database's log, which a restored or replaced database causes).
    public func reset() throws {
        try handle.withLock { _ in try cut(at: 0) }
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
        try handle.withLock { handle in
            defer { handle = nil }
            try handle?.close()
        }
    }
}
