import Foundation

/// `STATE.json` in the monitor's state folder: per watched table what the last check saw, and
/// what the running monitor (if any) is doing. The row hashes of each table are in a file of
/// their own (``TableHashes``) that this one names, so this one stays small and readable.
public struct MonitorState: Codable, Sendable, Equatable {
    /// Per table, by ``TableState/id``.
    public var tables: [String: TableState] = [:]
    /// The monitor process, while one runs (or as the last one left it).
    public var run: RunInfo?

    public init() {}

    /// One table as its last check saw it.
    public struct TableState: Codable, Sendable, Equatable {
        /// The database, its password redacted.
        public var database: String
        public var table: String
        public var keyColumns: [String]
        public var columns: [String]
        public var checkedAt: Date
        public var recordCount: Int
        /// The greatest key (the last in key order).
        public var maxId: String?
        /// The file of its row hashes, in the state folder.
        public var hashesFile: String

        /// How the state names a table: its database and its name.
        public var id: String { Self.id(database: database, table: table) }

        static func id(database: String, table: String) -> String { "\(database)#\(table)" }
    }

    /// What a running monitor writes for `monitor status`.
    public struct RunInfo: Codable, Sendable, Equatable {
        public var pid: Int32
        public var startedAt: Date
        public var intervalSeconds: Double
        public var lastCheck: Date?
        public var nextCheck: Date?

        public init(pid: Int32, startedAt: Date, intervalSeconds: Double, lastCheck: Date? = nil, nextCheck: Date? = nil) {
            self.pid = pid
            self.startedAt = startedAt
            self.intervalSeconds = intervalSeconds
            self.lastCheck = lastCheck
            self.nextCheck = nextCheck
        }
    }
}
