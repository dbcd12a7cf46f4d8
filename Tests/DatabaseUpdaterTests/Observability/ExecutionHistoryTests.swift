import Foundation
import Testing
@testable import DatabaseUpdater

/// The history's metrics are running totals: after any sequence of writes, restores and reads
/// they equal the totals counted from scratch.
struct ExecutionHistoryTests {
    private let start = Date(timeIntervalSince1970: 1_767_571_200)

    private func record(_ n: Int, updater: String, outcome: ExecutionRecord.Outcome, error: String? = nil,
                        missed: Int? = nil, dryRun: Bool = false) -> ExecutionRecord {
        let scheduled = start.addingTimeInterval(Double(n))
        return ExecutionRecord(
            id: UUID(), updater: updater, tenant: Tenant.default.id, scheduledAt: scheduled, startedAt: scheduled,
            finishedAt: scheduled.addingTimeInterval(Double(n % 4) / 10), outcome: outcome, trigger: .scheduled, dryRun: dryRun,
            seed: UInt64(n), rows: [], error: error, sample: nil,
            missedRange: missed.map { .init(first: scheduled.addingTimeInterval(-100), last: scheduled, count: $0) })
    }

    @Test func runningTotalsEqualTotalsCountedFromScratch() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)")
        let history = try await ExecutionHistory(directory: directory)
        let outcomes: [ExecutionRecord.Outcome] = [.succeeded, .failed, .succeeded, .timedOut, .skipped]
        var failedOne: ExecutionRecord?
        for round in 0..<3 {
            for n in (round * 20)..<(round * 20 + 20) {
                let outcome = outcomes[n % outcomes.count]
                let record = record(n, updater: n % 3 == 0 ? "a" : "b", outcome: outcome,
                                    error: outcome == .succeeded ? nil : "error \(n)", missed: outcome == .skipped && n % 2 == 0 ? 7 : nil,
                                    dryRun: n % 11 == 0)
                if outcome == .failed && !record.dryRun { failedOne = record }
                history.record(record)
            }
            _ = try await history.metrics()  // read between rounds: the totals advance
        }
        // A restore corrects a record in place: the totals start over.
        var committed = try #require(failedOne)
        committed.outcome = .succeeded
        committed.error = nil
        #expect(try await history.restore(committed: [committed]) == 1)
        let running = try await history.metrics()
        await history.close()
        let fresh = try await ExecutionHistory(directory: directory)
        let scratch = try await fresh.metrics()
        await fresh.close()
        #expect(running == scratch)
        let a = try #require(scratch.first { $0.updater == "a" })
        #expect(a.totalExecutions + a.skippedExecutions > 0 && a.lastError != nil)
        #expect(scratch.reduce(0) { $0 + $1.skippedExecutions } > scratch.count)  // ranges count each fire
    }
}
