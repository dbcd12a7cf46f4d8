import Foundation
import MetricsTestKit
import Testing
@testable import DatabaseUpdater

struct ExecutionMetricsReporterTests {
    private func record(_ trigger: ExecutionRecord.Trigger, startedAfter delay: TimeInterval, outcome: ExecutionRecord.Outcome = .succeeded,
                        dryRun: Bool = false) -> ExecutionRecord {
        let fire = Date(timeIntervalSince1970: 1_800_000_000)
        return ExecutionRecord(id: UUID(), updater: "service_tickets", tenant: Tenant.default.id, scheduledAt: fire,
                               startedAt: fire.addingTimeInterval(delay), finishedAt: fire.addingTimeInterval(delay + 0.1),
                               outcome: outcome, trigger: trigger, dryRun: dryRun, seed: 1, rows: [], error: nil, sample: nil)
    }

    @Test func startLatenessIsRecordedForScheduledRunsOnly() throws {
        let metrics = TestMetrics()
        let reporter = ExecutionMetricsReporter(factory: metrics)
        reporter.report(record(.scheduled, startedAfter: 0.25))
        reporter.report(record(.catchUp, startedAfter: 90))  // late by design
        reporter.report(record(.manual, startedAfter: 7))
        reporter.report(record(.scheduled, startedAfter: 3, dryRun: true))  // dry runs are not counted
        reporter.report(record(.scheduled, startedAfter: 5, outcome: .skipped))  // never started
        let recorder = try metrics.expectRecorder("updater_execution_start_lateness_seconds", [("updater", "service_tickets")])
        #expect(recorder.values.count == 1)
        #expect(abs((recorder.lastValue ?? 0) - 0.25) < 1e-6)
    }

    @Test func repeatedLabelsReuseOneMetricAndEveryReportCounts() throws {
        let metrics = TestMetrics()
        let reporter = ExecutionMetricsReporter(factory: metrics)
        var succeeded = record(.manual, startedAfter: 0)
        succeeded.rows = [.init(table: "service_tickets", operation: .insert, count: 2)]
        for _ in 0..<3 { reporter.report(succeeded) }
        reporter.report(record(.manual, startedAfter: 0, outcome: .failed))
        let tenant = Tenant.default.description
        let ok = metrics.counters(label: "updater_executions_total",
                                  dimensions: [("updater", "service_tickets"), ("tenant", tenant), ("outcome", "succeeded")])
        #expect(ok.count == 1)
        #expect(ok.first?.totalValue == 3)
        #expect(try metrics.expectCounter("updater_executions_total",
                                          [("updater", "service_tickets"), ("tenant", tenant), ("outcome", "failed")]).totalValue == 1)
        #expect(try metrics.expectCounter("updater_rows_written_total", [("table", "service_tickets"), ("operation", "insert")])
            .totalValue == 6)
        #expect(try metrics.expectTimer("updater_execution_duration_seconds", [("updater", "service_tickets")]).values.count == 4)
    }
}
