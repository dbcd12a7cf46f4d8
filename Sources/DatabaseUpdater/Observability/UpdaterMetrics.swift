import Foundation
import Metrics
import Synchronization

/// Per-updater execution metrics (real executions; dry runs are not counted).
public struct UpdaterMetrics: Codable, Sendable, Equatable {
    public var updater: String
    /// Executions that ran (succeeded + failed + timed out).
    public var totalExecutions: Int
    public var successfulExecutions: Int
    public var failedExecutions: Int
    public var timedOutExecutions: Int
    /// Fires not run: missed (each fire of a missed range counted), overlapping a running
    /// execution, or found already committed.
    public var skippedExecutions: Int
    public var averageDurationSeconds: Double?
    public var lastDurationSeconds: Double?
    public var lastExecutionTime: Date?
    public var lastOutcome: ExecutionRecord.Outcome?
    public var lastError: String?
}

/// Reports executions to swift-metrics through an injected factory (Prometheus in the
/// service; the process-wide one otherwise).
///
/// Each metric object is made once per label set and kept: making one asks the factory, which
/// for Prometheus means a registry lookup under its lock with the dimensions hashed as strings,
/// and every execution reports three or four.
final class ExecutionMetricsReporter: Sendable {
    private struct OutcomeLabels: Hashable {
        let updater: String
        let tenant: UUID
        let outcome: ExecutionRecord.Outcome
    }

    private struct RowKey: Hashable {
        let table: String
        let operation: RowChange.Operation
    }

    /// The metric objects one record reports to.
    private struct Handles {
        let executions: Counter
        /// Nil for skipped fires, which never ran.
        let duration: Timer?
        let startLateness: Recorder?
        let rows: [(Counter, Int)]
    }

    private struct Made {
        var executions: [OutcomeLabels: Counter] = [:]
        var durations: [String: Timer] = [:]
        var startLateness: [String: Recorder] = [:]
        var rows: [RowKey: Counter] = [:]

        mutating func handles(for record: ExecutionRecord, factory: any MetricsFactory) -> Handles {
            let key = OutcomeLabels(updater: record.updater, tenant: record.tenant, outcome: record.outcome)
            let executions: Counter
            if let made = self.executions[key] {
                executions = made
            } else {
                executions = Counter(label: "updater_executions_total", dimensions: [
                    ("updater", record.updater), ("tenant", record.tenant.lowercaseString), ("outcome", record.outcome.rawValue),
                ], factory: factory)
                self.executions[key] = executions
            }
            guard record.outcome != .skipped else { return Handles(executions: executions, duration: nil, startLateness: nil, rows: []) }
            let duration: Timer
            if let made = durations[record.updater] {
                duration = made
            } else {
                duration = Timer(label: "updater_execution_duration_seconds", dimensions: [("updater", record.updater)], factory: factory)
                durations[record.updater] = duration
            }
            let lateness: Recorder
            if let made = startLateness[record.updater] {
                lateness = made
            } else {
                lateness = Recorder(label: "updater_execution_start_lateness_seconds", dimensions: [("updater", record.updater)],
                                    factory: factory)
                startLateness[record.updater] = lateness
            }
            var written: [(Counter, Int)] = []
            for count in record.rows where record.outcome == .succeeded {
                let key = RowKey(table: count.table, operation: count.operation)
                if let made = rows[key] {
                    written.append((made, count.count))
                } else {
                    let counter = Counter(label: "updater_rows_written_total",
                                          dimensions: [("table", count.table), ("operation", count.operation.rawValue)], factory: factory)
                    rows[key] = counter
                    written.append((counter, count.count))
                }
            }
            return Handles(executions: executions, duration: duration, startLateness: lateness, rows: written)
        }
    }

    private let factory: any MetricsFactory
    private let made = Mutex(Made())

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func report(_ record: ExecutionRecord) {
        guard !record.dryRun else { return }
        let factory = factory
        let handles = made.withLock { $0.handles(for: record, factory: factory) }
        handles.executions.increment()
        handles.duration?.recordNanoseconds(Int64(record.durationSeconds * 1e9))
        if record.trigger == .scheduled {
            // From the fire time to the start inside a concurrency slot: the scheduler's dispatch
            // plus the wait for a slot. Catch-up runs are late by design and not counted.
            handles.startLateness?.record(record.startedAt.timeIntervalSince(record.scheduledAt))
        }
        for (counter, count) in handles.rows { counter.increment(by: count) }
    }
}
