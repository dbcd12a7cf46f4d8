import Foundation
import Logging

/// One line of a log file: `{"time":"2026-11-24T09:30:00.123+01:00","level":"info","label":"updater",
/// "message":"…","metadata":{…}}`.
public struct LogEntry: Codable, Sendable, Equatable {
    /// ISO 8601 with the configured zone's offset and milliseconds.
    public var time: String
    /// `debug`, `info`, `warn` or `error` (swift-log's finer levels are folded into these).
    public var level: String
    public var label: String
    public var message: String
    public var metadata: [String: String]

    public init(time: String, level: String, label: String, message: String, metadata: [String: String]) {
        self.time = time
        self.level = level
        self.label = label
        self.message = message
        self.metadata = metadata
    }

    /// The configured level names, in order of severity.
    public static let levels = ["debug", "info", "warn", "error"]

    /// swift-log's level folded into ours.
    public static func level(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "debug"
        case .info, .notice: "info"
        case .warning: "warn"
        case .error, .critical: "error"
        }
    }

    /// Our level name as swift-log's.
    public static func loggerLevel(_ level: UpdaterConfig.LogLevel) -> Logger.Level {
        switch level {
        case .debug: .debug
        case .info: .info
        case .warn: .warning
        case .error: .error
        }
    }

    /// Whether this entry is at least as severe as `minimum`.
    public func isAtLeast(_ minimum: String) -> Bool {
        (Self.levels.firstIndex(of: level) ?? 0) >= (Self.levels.firstIndex(of: minimum) ?? 0)
    }
}
