import Foundation
import Synchronization

/// An append-only JSON-lines file of every committed change event (`data/changes.jsonl`):
/// the durable ground truth, one event per line.
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
