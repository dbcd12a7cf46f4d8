import Foundation

/// Why the snapshot monitor cannot watch a table or use its state, in one line.
public struct MonitorError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func noSuchTable(_ table: String) -> MonitorError {
        MonitorError("no table '\(table)' in the database")
    }

    static func noPrimaryKey(_ table: String) -> MonitorError {
        MonitorError("table '\(table)' has no primary key: name the column(s) that identify a row with --key COLUMN")
    }

    static func unknownKeyColumn(table: String, column: String, columns: [String]) -> MonitorError {
        MonitorError("--key \(column): table '\(table)' has no such column (it has \(columns.joined(separator: ", ")))")
    }

    static func unreadableState(_ path: String, _ reason: String) -> MonitorError {
        MonitorError("the monitor's state \(path) cannot be read (\(reason)): move it away to start from a new baseline")
    }
}
