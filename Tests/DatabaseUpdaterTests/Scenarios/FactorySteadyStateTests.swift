import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The factory at its default schedules settles: over 90 simulated days its open orders stop
/// growing, stock oscillates between the reorder points and the order-up-to levels (never at
/// zero, never piling up), orders ship within about a week, and few wait for parts (the bands
/// are in README's "Scenarios" section).
struct FactorySteadyStateTests {
    static let probes: [SteadyState.Probe] = [
        .init("open orders", "SELECT count(*) FROM crm.orders WHERE status <> 'shipped'"),
        .init("orders waiting for parts", "SELECT count(*) FROM crm.orders WHERE status = 'order_received'"),
        .init("units in stock", "SELECT sum(stock_level) FROM inventory.parts"),
        .init("lowest stock", "SELECT min(stock_level) FROM inventory.parts"),
        .init("stock over order-up-to", "SELECT count(*) FROM inventory.parts WHERE stock_level > order_up_to"),
    ]

    @Test(arguments: Engine.allCases)
    func ordersShipStockOscillatesAndBacklogsSettle(engine: Engine) async throws {
        let config = try await SteadyState.configuration(engine) { $0.scenario = "factory" }
        let run = try await SteadyState.simulate(config, days: 90, probes: Self.probes)
        #expect(run.final.totals.unsuccessful == 0)
        let open = run["open orders"]
        #expect(open.settled(), "\(open)")
        #expect((25...60).contains(open.mean(last: 30)), "\(open)")
        let stock = run["units in stock"]
        #expect(stock.settled(), "\(stock)")
        #expect(run["lowest stock"].values.allSatisfy { $0 > 0 }, "a part ran out: \(run["lowest stock"].values)")
        #expect(run["stock over order-up-to"].values.allSatisfy { $0 == 0 })
        #expect(run["orders waiting for parts"].mean(last: 30) < 3, "\(run["orders waiting for parts"])")

        let database = try await DatabaseFactory.open(config.database, poolSize: 1, databases: FactoryScenario().databases)
        defer { Task { await database.close() } }
        let leadTimes = try await database.withConnection { conn in
            try conn.query("SELECT ordered_at, shipped_at FROM crm.orders WHERE shipped_at IS NOT NULL").compactMap { row -> Double? in
                guard let ordered = row["ordered_at"].dateValue, let shipped = row["shipped_at"].dateValue else { return nil }
                return shipped.timeIntervalSince(ordered) / 86_400
            }.sorted()
        }
        #expect(leadTimes.count > 500)
        let median = leadTimes[leadTimes.count / 2]
        #expect((3...7).contains(median), "median order-to-shipment \(median) days")
        #expect((leadTimes.last ?? 0) < 14, "the slowest order took \(leadTimes.last ?? 0) days")
        let summary = Self.probes.map { run[$0.name].description }.joined(separator: "; ")
        print("factory steady state (\(engine)): \(summary); median lead time \(String(format: "%.1f", median)) days, "
              + "slowest \(String(format: "%.1f", leadTimes.last ?? 0)); \(String(format: "%.1f", run.seconds)) s")
    }
}
