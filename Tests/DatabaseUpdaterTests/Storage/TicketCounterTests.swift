import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct TicketCounterTests {
    private let tenant = UUID(uuidString: OfficeSchema.defaultTenantID)!

    @Test(arguments: Engine.allCases)
    func numbersStartAt1000AndRollbackReturnsTheNumber(engine: Engine) async throws {
        struct Abort: Error {}
        let db = try await TestDatabases.migrated(engine)
        let tenant = tenant
        let first = try await db.transaction { conn in try TicketCounter.next(tenant: tenant, on: conn, now: Date()) }
        await #expect(throws: Abort.self) {
            try await db.transaction { conn in
                _ = try TicketCounter.next(tenant: tenant, on: conn, now: Date())
                throw Abort()
            }
        }
        let second = try await db.transaction { conn in try TicketCounter.next(tenant: tenant, on: conn, now: Date()) }
        #expect(first == 1000)
        #expect(second == 1001)
        #expect(TicketCounter.ticketNumber(first) == "ST-1000")
        await db.close()
    }

    @Test func concurrentNumberingOnPostgresHasNoDuplicateAndNoGap() async throws {
        struct Abort: Error {}
        let db = try await TestDatabases.migrated(.postgres, poolSize: 2)
        let tenant = tenant
        let perWriter = 40
        let numbers = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<2 {
                group.addTask {
                    var mine: [Int64] = []
                    for i in 0..<perWriter {
                        // Every fifth transaction rolls back after taking a number.
                        if i % 5 == writer {
                            _ = try? await db.transaction { conn in
                                _ = try TicketCounter.next(tenant: tenant, on: conn, now: Date())
                                throw Abort()
                            }
                        }
                        mine.append(try await db.transaction { conn in try TicketCounter.next(tenant: tenant, on: conn, now: Date()) })
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(numbers.count == 2 * perWriter)
        #expect(Set(numbers).count == numbers.count)
        #expect(numbers.sorted() == Array(1000..<(1000 + Int64(2 * perWriter))))
        await db.close()
    }
}
