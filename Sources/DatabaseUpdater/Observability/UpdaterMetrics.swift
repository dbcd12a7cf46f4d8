import Foundation
import Metrics

/// Per-updater execution metrics (real executions; dry runs are not counted).
public struct UpdaterMetrics: Codable, Sendable, Equatable {
    public var updater: String
    /// Executions that ran (succeeded + failed + timed out).
    public var totalExecutions: Int
    public var successfulExecutions: Int
    public var failedExecutions: Int
    public var timedOutExecutions: Int
    /// Fires not run because the previous one was still running.
    public var skippedExecutions: Int
    public var averageDurationSeconds: Double?
    public var lastDurationSeconds: Double?
    public var lastExecutionTime: Date?
    public var lastOutcome: ExecutionRecord.Outcome?
    public var lastError: String?
}

/// Reports executions to swift-metrics through an injected factory (Prometheus in the
/// service; the process-wide one otherwise).
struct ExecutionMetricsReporter: Sendable {
    let factory: any MetricsFactory

    func report(_ record: ExecutionRecord) {
        guard !record.dryRun else { return }
        let tenant = record.tenant.lowercaseString
        Counter(label: "updater_executions_total",
                dimensions: [("updater", record.updater), ("tenant", tenant), ("outcome", record.outcome.rawValue)],
                factory: factory).increment()
        guard record.outcome != .skipped else { return }
        Timer(label: "updater_execution_duration_seconds", dimensions: [("updater", record.updater)], factory: factory)
            .recordNanoseconds(Int64(record.durationSeconds * 1e9))
        if record.trigger == .scheduled {
            // From the fire time to the start inside a concurrency slot: the scheduler's dispatch
            // plus the wait for a slot. Catch-up runs are late by design and not counted.
            Recorder(label: "updater_execution_start_lateness_seconds", dimensions: [("updater", record.updater)], factory: factory)
                .record(record.startedAt.timeIntervalSince(record.scheduledAt))
        }
        for count in record.rows where record.outcome == .succeeded {
            Counter(label: "updater_rows_written_total",
                    dimensions: [("table", count.table), ("operation", count.operation.rawValue)], factory: factory)
                .increment(by: count.count)
        }
    }
}
