/// What a backlog action did: each item it handled, with the history record it wrote.
public struct BacklogReport: Codable, Sendable, Equatable {
    /// One handled item.
    public struct Entry: Codable, Sendable, Equatable {
        public var item: BacklogItem
        /// The execution's record (retry), or the `skipped` record (clear, mark-done, and the
        /// passed-over range of a retry).
        public var record: ExecutionRecord

        /// Whether its execution failed or timed out (a retry's; never for clear and mark-done).
        public var failed: Bool { record.outcome == .failed || record.outcome == .timedOut }
    }

    public var action: BacklogResolution.Action
    /// A retry's dry run: rolled back, nothing written, nothing resolved.
    public var dryRun: Bool
    public var entries: [Entry]

    /// Whether every retried item's execution succeeded (always true for clear and mark-done).
    public var allSucceeded: Bool { !entries.contains(where: \.failed) }
}
