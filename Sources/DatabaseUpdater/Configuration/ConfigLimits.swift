/// The allowed range of every numeric setting. Validation checks them whatever the value came
/// from (file, environment, flag, live update), so no later conversion (to a `Duration`, a
/// thread count, an `Int64` of milliseconds) can meet a value it cannot hold.
public enum ConfigLimits {
    /// `executionConfig.maxConcurrentExecutions`: each slot holds a database connection and a
    /// thread; past a few hundred, executions only queue on the database's own locks.
    public static let maxConcurrentExecutions = 1...256
    /// `executionConfig.executionTimeoutMinutes`: greater than 0, at most a day.
    public static let executionTimeoutMinutes = 0.0...1440.0
    /// `executionConfig.retentionDays`: at most a hundred years.
    public static let retentionDays = 1...36_500
    /// `misfireLimit`.
    public static let misfireLimit = 1...10_000
    /// `shutdownGracePeriodSeconds`: at most an hour.
    public static let shutdownGracePeriodSeconds = 0.0...3600.0
    /// `api.port` (0 picks a free one).
    public static let apiPort = 0...65_535
    /// Streaming clients (SSE and WebSocket) at once.
    public static let streamClients = 1...10_000
    /// Live events buffered per streaming client.
    public static let streamClientBuffer = 10...1_000_000
    /// `cluster.heartbeatSeconds`.
    public static let clusterHeartbeatSeconds = 0.5...300.0
}
