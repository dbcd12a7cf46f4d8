import Foundation

/// What one check found in one table, compared with the previous check: the alert's content,
/// the JSON an `--alert-command` reads, and the source of the detections `updater score` reads.
public struct TableCheck: Codable, Sendable, Equatable {
    public var table: String
    /// The database, its password redacted.
    public var database: String
    /// When the snapshot was taken: what the detections give as `detected_at`.
    public var checkedAt: Date
    /// The first check of a table records its rows as the baseline and reports no change.
    public var baseline: Bool
    public var keyColumns: [String]
    /// The count at the previous check; nil for a baseline.
    public var previousCount: Int?
    public var currentCount: Int
    /// The greatest key (the last in key order).
    public var maxId: String?
    public var inserted: [ChangedRow] = []
    public var deleted: [ChangedRow] = []
    public var modified: [ChangedRow] = []
    /// Columns that appeared or disappeared since the previous check.
    public var columnsAdded: [String] = []
    public var columnsRemoved: [String] = []

    /// Any new, deleted or modified row, or a column change.
    public var hasChanges: Bool {
        !inserted.isEmpty || !deleted.isEmpty || !modified.isEmpty || !columnsAdded.isEmpty || !columnsRemoved.isEmpty
    }

    /// One row the check found new, deleted or modified.
    public struct ChangedRow: Codable, Sendable, Equatable {
        /// The key as the change log writes it.
        public var key: String
        /// A few of the row's current values to recognise it by (for the first rows listed;
        /// none for deleted rows: the monitor keeps no values).
        public var fields: [Field]?
        /// For a modified row: the columns whose value changed.
        public var changedColumns: [String]?

        public init(key: String, fields: [Field]? = nil, changedColumns: [String]? = nil) {
            self.key = key
            self.fields = fields
            self.changedColumns = changedColumns
        }
    }

    /// A column and its value, shortened for display.
    public struct Field: Codable, Sendable, Equatable {
        public var column: String
        public var value: String?

        public init(column: String, value: String?) {
            self.column = column
            self.value = value
        }
    }

    /// The check's changes as detections for `updater score` (one per row).
    public var detections: [Detection] {
        let at = checkedAt.timeIntervalSince1970
        return inserted.map { Detection(operation: .insert, table: table, key: $0.key, detectedAt: at) }
            + modified.map { Detection(operation: .update, table: table, key: $0.key, detectedAt: at) }
            + deleted.map { Detection(operation: .delete, table: table, key: $0.key, detectedAt: at) }
    }
}
