import Foundation
import Testing
@testable import DatabaseUpdater

struct RunQueueTests {
    private func job(_ updater: String, _ tenant: Int) -> RunQueue.Job {
        let id = UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", tenant))!
        return RunQueue.Job(key: .init(updater: updater, tenant: id), requests: [])
    }

    @Test func startsNoMoreRunnersThanItsLimitAndRefusesAnEntryAlreadyInFlight() {
        let queue = RunQueue(runnerLimit: 2)
        #expect(queue.submit(job("a", 1)) == .queued(startRunner: true))
        #expect(queue.submit(job("a", 2)) == .queued(startRunner: true))
        #expect(queue.submit(job("a", 3)) == .queued(startRunner: false))
        #expect(queue.submit(job("a", 1)) == .refused)  // queued, not yet finished
        #expect(queue.inFlightCount == 3)
        #expect(queue.isInFlight(job("a", 3).key))
        #expect(!queue.isInFlight(job("b", 3).key))
    }

    @Test func runnersDrainInDispatchOrderAndReleaseEachEntryWhenItsRunFinishes() {
        let queue = RunQueue(runnerLimit: 1)
        _ = queue.submit(job("a", 1))
        _ = queue.submit(job("a", 2))
        let first = queue.next(finished: nil)
        #expect(first?.key == job("a", 1).key)
        #expect(queue.submit(job("a", 1)) == .refused)  // still running
        let second = queue.next(finished: first?.key)
        #expect(second?.key == job("a", 2).key)
        #expect(!queue.isInFlight(job("a", 1).key))
        #expect(queue.submit(job("a", 1)) == .queued(startRunner: false))  // the runner is still going
        #expect(queue.next(finished: second?.key)?.key == job("a", 1).key)
        #expect(queue.next(finished: job("a", 1).key) == nil)  // empty: the runner ends
        #expect(queue.inFlightCount == 0)
        #expect(queue.submit(job("a", 2)) == .queued(startRunner: true))  // so a new one is needed
    }
}
