import Cron
import Foundation
import Testing
@testable import DatabaseUpdater

struct MisfirePlannerTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)
    private func seconds(ago: [Int]) -> [Date] { ago.map { now.addingTimeInterval(-Double($0)) } }

    @Test func anOnTimeFireJustRuns() {
        let plan = MisfirePlanner.plan(due: seconds(ago: [0]), now: now, policy: .runOnce, limit: 10)
        #expect(plan == .init(onTime: now, catchUp: [], missed: []))
    }

    @Test func policiesForTenMissedSeconds() {
        let due = seconds(ago: Array((0...9).reversed()))  // 9 s ago … now
        let skip = MisfirePlanner.plan(due: due, now: now, policy: .skip, limit: 10)
        #expect(skip.onTime == now && skip.catchUp.isEmpty && skip.missed == Array(due.dropLast()))
        let once = MisfirePlanner.plan(due: due, now: now, policy: .runOnce, limit: 10)
        #expect(once.onTime == now && once.catchUp == [due[8]] && once.missed == Array(due.prefix(8)))
        let all = MisfirePlanner.plan(due: due, now: now, policy: .runAll, limit: 5)
        #expect(all.catchUp == Array(due[4...8]) && all.missed == Array(due.prefix(4)))
    }

    @Test func aLateFireIsMissedToo() {
        let plan = MisfirePlanner.plan(due: seconds(ago: [60]), now: now, policy: .skip, limit: 10)
        #expect(plan.onTime == nil && plan.missed.count == 1)
    }

    @Test func missedFiresBeyondTheLimitAreOneRangeWithTheEarlierOnes() {
        let due = seconds(ago: Array((11...40).reversed()))  // all late past the tolerance
        let earlier = ExecutionRecord.MissedRange(first: now.addingTimeInterval(-500), last: now.addingTimeInterval(-41), count: 100)
        let plan = MisfirePlanner.plan(due: due, now: now, policy: .skip, limit: 10, passedOver: earlier)
        #expect(plan.missed == Array(due.suffix(10)))
        #expect(plan.missedRange == .init(first: earlier.first, last: due[19], count: 120))
        #expect(plan.notRun == 130)  // every due fire accounted for
    }

    @Test func dueFiresKeepTheMostRecentAndCountTheRest() throws {
        let schedule = try CronSchedule("* * * * * *")
        let (fires, passedOver) = MisfirePlanner.dueFires(of: schedule, after: now.addingTimeInterval(-1000), now: now, limit: 10)
        #expect(fires.count == 11 && fires.first == now.addingTimeInterval(-10) && fires.last == now)
        #expect(passedOver == .init(first: now.addingTimeInterval(-999), last: now.addingTimeInterval(-11), count: 989))
        let none = MisfirePlanner.dueFires(of: schedule, after: now, now: now, limit: 10)
        #expect(none.fires.isEmpty && none.passedOver == nil)
        let few = MisfirePlanner.dueFires(of: schedule, after: now.addingTimeInterval(-3), now: now.addingTimeInterval(0.5), limit: 10)
        #expect(few.fires == seconds(ago: [2, 1, 0]) && few.passedOver == nil)
    }

    /// An outage longer than the counting limit: the latest fires are still found (walking back
    /// from now), and the count stops at the limit, saying so.
    @Test func aVeryLongOutageIsCountedUpToTheLimit() throws {
        let schedule = try CronSchedule("* * * * * *")
        let after = now.addingTimeInterval(-100_000)
        let (fires, passedOver) = MisfirePlanner.dueFires(of: schedule, after: after, now: now, limit: 3, countLimit: 1_000)
        #expect(fires == seconds(ago: [3, 2, 1, 0]))
        #expect(passedOver?.countIsExact == false && passedOver?.count == 1_000)
        #expect(passedOver?.first == after.addingTimeInterval(1) && passedOver?.last == now.addingTimeInterval(-4))
    }
}
