import DatabaseUpdater
import Foundation
import Logging

/// Human-readable log lines on stderr: `23:30:00 warn  database unreachable; retrying error=…`.
/// Execution results are printed on stdout by `start` itself, so their log entries (label
/// `updater.execution`) show here only from warnings up.
struct ConsoleLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String

    init(label: String, level: Logger.Level) {
        self.label = label
        logLevel = label == "updater.execution" ? max(level, .warning) : level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        for (key, value) in event.metadata ?? [:] { merged[key] = value }
        let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
        let time = String(DatabaseValue.formatTimestamp(Date()).dropFirst(11).prefix(8))
        let level = LogEntry.level(event.level).padding(toLength: 5, withPad: " ", startingAt: 0)
        FileHandle.standardError.write(Data("\(time) \(level) \(event.message)\(fields.isEmpty ? "" : " " + fields)\n".utf8))
    }
}
