import Foundation

/// The effective configuration: validated once, then immutable (live updates swap it whole).
///
/// Names are the ones users know from `Config/updater.yaml`.
public struct UpdaterConfig: Sendable, Equatable, Codable {
    /// How executions run.
    public struct ExecutionConfig: Sendable, Equatable, Codable {
        /// Enabled flags by configuration key (`businessActivities`, `serviceTickets`, `newLeads`);
        /// an updater not named here is enabled.
        public var enabledUpdaters: [String: Bool]
        /// Executions allowed at once (the concurrency cap).
        public var maxConcurrentExecutions: Int
        /// An execution still running after this long is cancelled and rolled back.
        public var executionTimeoutMinutes: Double
        /// Delete closed tickets and completed activities older than this many days; nil keeps them.
        public var retentionDays: Int?

        public init(enabledUpdaters: [String: Bool] = [:], maxConcurrentExecutions: Int = 2,
                    executionTimeoutMinutes: Double = 10, retentionDays: Int? = nil) {
            self.enabledUpdaters = enabledUpdaters
            self.maxConcurrentExecutions = maxConcurrentExecutions
            self.executionTimeoutMinutes = executionTimeoutMinutes
            self.retentionDays = retentionDays
        }

        /// The timeout as a duration.
        public var timeout: Duration { .milliseconds(Int64((executionTimeoutMinutes * 60_000).rounded())) }
    }

    /// The target database (see ``DatabaseLocation``).
    public var database: String
    /// Roll back every execution: generation and SQL run against the real schema, nothing persists.
    public var dryRun: Bool
    public var executionConfig: ExecutionConfig
    /// The tenants to write for; the default tenant when empty.
    public var tenants: [Tenant]
    /// Where the history (`state.sqlite`) and the change ledger (`changes.jsonl`) live.
    public var dataDirectory: String
    /// The run seed; with the tenant, updater and fire time it determines every generated row.
    /// Nil draws a fresh seed per execution (recorded in its history, so it can be replayed).
    public var seed: UInt64?

    public init(
        database: String = DatabaseLocation.defaultURL, dryRun: Bool = false, executionConfig: ExecutionConfig = .init(),
        tenants: [Tenant] = [.default], dataDirectory: String = "data", seed: UInt64? = nil
    ) {
        self.database = database
        self.dryRun = dryRun
        self.executionConfig = executionConfig
        self.tenants = tenants
        self.dataDirectory = dataDirectory
        self.seed = seed
    }
}
