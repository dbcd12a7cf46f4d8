import Foundation
import Synchronization
import UpdaterTestSupport
@testable import DatabaseUpdater

/// A manager over a fresh database of one engine, with its own data folder.
struct UpdaterFixture {
    let manager: DatabaseUpdaterManager
    let dataDirectory: URL

    static let secondTenant = Tenant(id: UUID(uuidString: "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d")!, customerId: "cust-2")

    static func make(
        _ engine: Engine, tenants: [Tenant] = [.default], registry: UpdaterRegistry = .builtIn, seed: UInt64? = 42,
        maxConcurrent: Int = 2, timeoutSeconds: Double = 600, retentionDays: Int? = nil, location: String? = nil,
        dataDirectory: URL? = nil, webhooks: [WebhookConfig] = [], cluster: UpdaterConfig.ClusterConfig = .init()
    ) async throws -> UpdaterFixture {
        let data = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("updater-data-\(UUID().uuidString)")
        var database = location
        if database == nil { database = try await TestDatabases.freshLocation(engine) }
        var config = UpdaterConfig(
            database: database!,
            executionConfig: .init(maxConcurrentExecutions: maxConcurrent, executionTimeoutMinutes: timeoutSeconds / 60,
                                   retentionDays: retentionDays),
            tenants: tenants, dataDirectory: data.path, seed: seed)
        config.webhooks = webhooks
        config.cluster = cluster
        return UpdaterFixture(manager: try await DatabaseUpdaterManager.open(configuration: config, registry: registry),
                              dataDirectory: data)
    }

    var database: any Database { get async { await manager.database } }

    func query(_ sql: String, _ parameters: DatabaseValue...) async throws -> [DatabaseRow] {
        try await database.withConnection { conn in try conn.query(sql, parameters) }
    }

    func count(_ table: String) async throws -> Int {
        Int(try await query("SELECT COUNT(*) AS n FROM \(table)")[0]["n"].intValue ?? -1)
    }

    func ledger() async throws -> [ChangeEvent] { try await manager.ledger.readAll() }

    func close() async { await manager.close() }
}

/// Fire times a few hours apart, from a fixed start (a Monday).
func fireTimes(_ count: Int, from start: Date = Date(timeIntervalSince1970: 1_795_515_200), every hours: Double = 6) -> [Date] {
    (0..<count).map { start.addingTimeInterval(Double($0) * hours * 3600) }
}

/// Counts how many test executions run at once.
final class ConcurrencyProbe: Sendable {
    private let state = Mutex((current: 0, peak: 0))

    func enter() { state.withLock { $0.current += 1; $0.peak = max($0.peak, $0.current) } }
    func leave() { state.withLock { $0.current -= 1 } }
    var peak: Int { state.withLock { $0.peak } }
}

/// Inserts one lead, then fails: nothing of it may survive.
struct FailingUpdater: BaseUpdater {
    struct Injected: Error, CustomStringConvertible { var description: String { "injected failure after the first row" } }
    let name = "failing"
    let summary = "fails after its first row"
    let configKey = "failing"
    let defaultSchedule = "* * * * * *"
    let newRowsPerRun = 1...1

    func run(_ context: inout UpdaterContext) throws {
        try BusinessRecordsUpdater.insertLead(LeadGenerator.make(&context.random), &context)
        throw Injected()
    }
}

/// Holds its slot for a while and reports how many run at once.
struct SlowUpdater: BaseUpdater {
    let probe: ConcurrencyProbe
    let name = "slow"
    let summary = "sleeps inside its transaction"
    let configKey = "slow"
    let defaultSchedule = "* * * * * *"
    let newRowsPerRun = 0...0

    func run(_ context: inout UpdaterContext) throws {
        probe.enter()
        defer { probe.leave() }
        _ = try context.query("SELECT 1 AS one")
        Thread.sleep(forTimeInterval: 0.15)
    }
}
