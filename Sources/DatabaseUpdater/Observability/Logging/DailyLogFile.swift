import Cron
import Foundation
import Logging
import Synchronization

/// Writes log entries as JSON lines to `DIRECTORY/database-updater-YYYY-MM-DD.log`, switching
/// files at local midnight in the configured zone. Shared by every ``JSONFileLogHandler``.
public final class DailyLogFile: Sendable {
    /// The folder the day files are in.
    public let directory: URL
    private let timeZone: TimeZone
    private struct State {
        var day = ""
        var handle: FileHandle?
        let timeFormatter: ISO8601DateFormatter
    }
    private let state: Mutex<State>

    /// Files go to `directory` (created when missing); days and times are in `timeZone`.
    public init(directory: URL, timeZone: TimeZone) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.timeZone = timeZone
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = timeZone
        state = Mutex(State(timeFormatter: formatter))
    }

    /// The file name for the local day of `date`.
    public static func fileName(day: String) -> String { "database-updater-\(day).log" }

    /// Appends one entry.
    public func write(level: Logger.Level, label: String, message: String, metadata: [String: String], at date: Date = Date()) {
        let day = Self.day(of: date, in: timeZone)
        state.withLock { state in
            if state.day != day || state.handle == nil {
                try? state.handle?.close()
                let url = directory.appendingPathComponent(Self.fileName(day: day))
                if !FileManager.default.fileExists(atPath: url.path) {
                    _ = FileManager.default.createFile(atPath: url.path, contents: nil)
                }
                state.handle = try? FileHandle(forWritingTo: url)
                _ = try? state.handle?.seekToEnd()
                state.day = day
            }
            let entry = LogEntry(time: state.timeFormatter.string(from: date), level: LogEntry.level(level), label: label,
                                 message: message, metadata: metadata)
            guard var line = try? JSONCoding.encoder().encode(entry) else { return }
            line.append(0x0A)
            try? state.handle?.write(contentsOf: line)
        }
    }

    /// Flushes to disk and closes the current file.
    public func close() {
        state.withLock { state in
            try? state.handle?.synchronize()
            try? state.handle?.close()
            state.handle = nil
        }
    }

    static func day(of date: Date, in zone: TimeZone) -> String {
        let local = Int64(date.timeIntervalSince1970) + Int64(zone.secondsFromGMT(for: date))
        let (y, m, d) = CivilTime.date(days: CivilTime.floorDiv(local, CivilTime.secondsPerDay))
        return String(format: "%04d-%02d-%02d", Int(y), m, d)
    }
}

/// A swift-log handler that writes to a ``DailyLogFile``.
public struct JSONFileLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let file: DailyLogFile

    public init(label: String, file: DailyLogFile, level: Logger.Level) {
        self.label = label
        self.file = file
        logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged: [String: String] = [:]
        for (key, value) in metadata { merged[key] = "\(value)" }
        for (key, value) in event.metadata ?? [:] { merged[key] = "\(value)" }
        file.write(level: event.level, label: label, message: "\(event.message)", metadata: merged)
    }
}
