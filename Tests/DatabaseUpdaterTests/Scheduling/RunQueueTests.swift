import Foundation
import Synchronization
import Testing
@testable import DatabaseUpdater

struct RunQueueTests {
    private func job(_ updater: String, _ tenant: Int) -> RunQueue.Job {
        RunQueue.Job(keys: [key(updater, tenant)], requests: [])
    }

    private func key(_ updater: String, _ tenant: Int) -> ExecutionKey {
        ExecutionKey(updater: updater, tenant: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", tenant))!)
    }

    @Test func startsNoMoreRunnersThanItsLimit() {
        let queue = RunQueue(runnerLimit: 2)
        #expect(queue.submit(job("a", 1)))
        #expect(queue.submit(job("a", 2)))
        #expect(!queue.submit(job("a", 3)))
    }

    @Test func runnersDrainInDispatchOrderAndEndWhenTheQueueIsEmpty() {
        let queue = RunQueue(runnerLimit: 1)
        _ = queue.submit(job("a", 1))
        _ = queue.submit(job("a", 2))
        #expect(queue.next()?.keys == [key("a", 1)])
        #expect(!queue.submit(job("a", 3)))  // the runner is still going
        #expect(queue.next()?.keys == [key("a", 2)])
        #expect(queue.next()?.keys == [key("a", 3)])
        #expect(queue.next() == nil)  // empty: the runner ends
        #expect(queue.submit(job("a", 1)))  // so a new one is needed
    }

    @Test func theRegistryLetsOneHolderClaimAKeyAtATime() {
        let running = RunningExecutions()
        #expect(running.claim(key("a", 1)))
        #expect(!running.claim(key("a", 1)))
        #expect(running.claim(key("b", 1)) && running.claim(key("a", 2)))
        #expect(running.count == 3 && running.contains(key("a", 1)) && !running.contains(key("b", 2)))
        running.release(key("a", 1))
        #expect(!running.contains(key("a", 1)) && running.claim(key("a", 1)))
    }

    /// Many tasks racing for a few keys: at every moment at most one holder per key, and every
    /// claim is released.
    @Test func underContentionEachKeyHasAtMostOneHolder() async {
        let running = RunningExecutions()
        let holders = (0..<4).map { _ in Counter() }
        let violations = Counter(), wins = Counter()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for round in 0..<2_000 {
                        let slot = (worker + round) % 4
                        guard running.claim(self.key("u", slot)) else { continue }
                        if holders[slot].increment() != 1 { violations.add() }
                        wins.add()
                        if round % 7 == 0 { await Task.yield() }
                        holders[slot].decrement()
                        running.release(self.key("u", slot))
                    }
                }
            }
        }
        #expect(violations.value == 0)
        #expect(wins.value > 4)
        #expect(running.count == 0)
    }
}

/// A shared counter for the stress test.
private final class Counter: Sendable {
    private let count = Mutex(0)
    @discardableResult func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    func decrement() { count.withLock { $0 -= 1 } }
    func add() { increment() }
    var value: Int { count.withLock { $0 } }
}
