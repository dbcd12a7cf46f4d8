import Cron
import Foundation
import Testing
@testable import DatabaseUpdater

struct MisfirePlannerTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)
    private func seconds(ago: [Int]) -> [Date] { ago.map { now.addingTimeInterval(-Double($0)) } }

    @Test func anOnTimeFireJustRuns() {
        let plan = MisfirePlanner.plan(due: seconds(ago: [0]), now: now, policy: .runOnce, limit: 10)
        #expect(plan == .init(onTime: now, catchUp: [], missed: [], unrecorded: 0))
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

    @Test func recordingIsBounded() {
        let due = seconds(ago: Array((11...40).reversed()))  // all late past the tolerance
        let plan = MisfirePlanner.plan(due: due, now: now, policy: .skip, limit: 10, totalMissedBefore: 100)
        #expect(plan.missed.count == 10 && plan.unrecorded == 120)
    }

    @Test func dueFiresKeepTheMostRecentAndCountTheRest() throws {
        let schedule = try CronSchedule("* * * * * *")
        let (fires, passedOver) = MisfirePlanner.dueFires(of: schedule, after: now.addingTimeInterval(-1000), now: now, limit: 10)
        #expect(fires.count == 11 && fires.last == now && passedOver == 989)
        let none = MisfirePlanner.dueFires(of: schedule, after: now, now: now, limit: 10)
        #expect(none.fires.isEmpty && none.passedOver == 0)
    }
}
