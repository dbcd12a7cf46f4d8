import DatabaseUpdater
import Foundation
import Synchronization
import Testing

/// `updater start` as a user runs it.
struct StartCommandTests {
    private static func everySecond(_ database: String, extra: String = "") -> String {
        """
        database: "\(database)"
        scheduleConfig:
          businessActivities: "* * * * * *"
          serviceTickets: "* * * * * *"
          newLeads: "* * * * * *"
        shutdownGracePeriodSeconds: 5
        \(extra)
        """
    }

    @Test(arguments: ["sqlite", "postgres"])
    func firesAtWholeSecondsForFiveSecondsThenStopsCleanly(engine: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        let database = engine == "sqlite" ? "sqlite:data/target.sqlite" : try await ServiceFixture.freshPostgres()
        let config = try ServiceFixture.writeConfig(Self.everySecond(database), in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(15, where: { $0.contains("succeeded") }), "\(service.stdout)\n\(service.stderr)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0, "\(service.stderr)")
        #expect(service.stdout.contains("database"))
        // Every cron time is accounted for exactly once. On a loaded machine a fire may start late
        // enough that the next one finds it still running (recorded `skipped`), or the first ones
        // may be missed during start-up (recorded `skipped`, then one catch-up): those are records
        // too, so no second is left out and none has two.
        let records = try await ServiceFixture.history(in: folder).filter { $0.trigger == .scheduled || $0.trigger == .catchUp }
        for updater in ["business_record_activities", "service_tickets", "business_records"] {
            let mine = records.filter { $0.updater == updater }
            #expect(mine.filter { $0.outcome == .succeeded }.count >= 4, "\(updater): \(mine.map { ($0.scheduledAt, $0.outcome) })")
            let times = mine.map(\.scheduledAt).sorted()
            // Exactly the cron times: whole seconds, one record per second, none missing in between.
            #expect(times.allSatisfy { $0.timeIntervalSince1970.rounded() == $0.timeIntervalSince1970 })
            #expect(zip(times, times.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 1 }, "\(updater): \(times)")
        }
    }

    @Test func aSecondStartOnTheSameDataFolderIsRefused() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig("database: sqlite:data/target.sqlite\n", in: folder)
        let first = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await first.waitForLines(where: { $0.hasPrefix("Press Ctrl-C") }))
        let second = try await CommandRunner.run(["start", "--config", config, "--port", "0"], in: folder)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another updater is already running with this data folder (pid"), "\(second.stderr)")
        first.signal(SIGINT)
        #expect(await first.waitForExit() == 0)
        // Once it is gone, the lock is free again.
        let third = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await third.waitForLines(where: { $0.hasPrefix("Press Ctrl-C") }))
        third.signal(SIGTERM)
        #expect(await third.waitForExit() == 0)
    }

    @Test func aMalformedConfigListsEveryProblemAndTouchesNothing() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/config/invalid.yaml").path
        let result = try await CommandRunner.run(["start", "--config", fixture], in: folder)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("invalid configuration (7 problems)"), "\(result.stderr)")
        for key in ["timezone:", "scheduleConfig.serviceTickets:", "scheduleConfig.invoices:", "maxConcurrentExecutions:",
                    "executionTimeoutMinutes:", "enabledUpdaters.newLeads:", "tenants[1].id:"] {
            #expect(result.stderr.contains(key), "missing \(key)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)  // no data/, no logs/, no database
        let validate = try await CommandRunner.run(["config", "validate", fixture], in: folder)
        #expect(validate.status == 2)
        #expect(validate.stderr.contains("7 problems"))
    }

    @Test(arguments: ["sqlite", "postgres"])
    func sigtermDuringAnExecutionLeavesNoPartialRows(engine: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        let location = engine == "sqlite" ? "sqlite:\(folder.path)/data/target.sqlite" : try await ServiceFixture.freshPostgres()
        // A lead with a planned activity that is due: the activities updater inserts new
        // activities, then completes that one. On PostgreSQL the test locks that activity's row,
        // so the execution blocks with its new rows written but not committed. SQLite has one
        // writer: there the test takes the write lock once the service runs.
        let setup = try await DatabaseUpdaterManager.open(configuration: .init(database: location, dataDirectory: folder.appendingPathComponent("setup").path))
        _ = try await setup.execute("business_records")
        await setup.close()
        let database = try await DatabaseFactory.open(location, poolSize: 1)
        let activity = UUID()
        _ = try await database.withConnection { conn in
            let lead = try conn.query("SELECT id FROM business_records")[0]["id"]
            try conn.execute("""
                INSERT INTO business_record_activities (id, tenant_id, business_record_id, activity_type, subject, activity_date,
                    status, created_at, updated_at) VALUES ($1, $2, $3, 'call', 'Planned call', $4, 'planned', $4, $4)
                """, .uuid(activity), .uuid(Tenant.default.id), lead, .timestamp(Date(timeIntervalSinceNow: -3600)))
        }
        let release = LockRelease()
        let holdLock = {
            Task {
                try await database.withConnection { conn in
                    try conn.transaction(rollback: true) {
                        if conn.dialect == .postgres {
                            _ = try conn.query("SELECT id FROM business_record_activities WHERE id = $1 FOR UPDATE", .uuid(activity))
                        } else {
                            try conn.execute("UPDATE ticket_counters SET next_number = next_number")  // SQLite's write lock
                        }
                        release.locked()
                        release.waitUntilReleased(maxSeconds: 30)
                    }
                }
            }
        }
        var holder: Task<Void, any Error>?
        if engine == "postgres" { holder = holdLock() }
        let config = try ServiceFixture.writeConfig("""
            database: "\(location)"
            scheduleConfig:
              businessActivities: "* * * * * *"
            executionConfig:
              enabledUpdaters: { serviceTickets: false, newLeads: false }
            shutdownGracePeriodSeconds: 1
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("Press Ctrl-C") }))
        if engine == "sqlite" {
            #expect(await service.waitForLines(where: { $0.contains("succeeded") }))
            holder = holdLock()
        }
        while !release.isLocked { try await Task.sleep(for: .milliseconds(20)) }
        // Let an execution start and block on the lock, then stop the service under it.
        try await Task.sleep(for: .milliseconds(2500))
        service.signal(SIGTERM)
        let status = await service.waitForExit(timeout: .seconds(15))
        release.release()
        try await holder?.value
        #expect(status == 0, "\(service.stderr)")
        let records = try await ServiceFixture.history(in: folder)
        let cancelled = records.filter { $0.outcome == .failed && $0.updater == "business_record_activities" }
        #expect(!cancelled.isEmpty, "no execution was cancelled: \(records.map(\.outcome))")
        // Every row in the table is the planned one or was committed with a change event;
        // nothing of the cancelled execution survived.
        let ledger = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains(#""operation":"insert","table":"business_record_activities""#) }
        let rows = try await database.withConnection { conn in try conn.query("SELECT COUNT(*) AS n FROM business_record_activities")[0]["n"].intValue }
        #expect(rows == Int64(1 + ledger.count), "rows \(rows ?? -1), committed inserts \(ledger.count)")
        for record in cancelled { #expect(!ledger.contains { $0.contains(record.id.uuidString.lowercased()) }) }
        if engine == "postgres" {
            let planned = try await database.withConnection { conn in
                try conn.query("SELECT status FROM business_record_activities WHERE id = $1", .uuid(activity))[0]["status"].stringValue
            }
            #expect(planned == "planned")
        }
        await database.close()
    }

    @Test func runOnceAfterATenSecondPauseCatchesUpOncePerUpdater() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let config = try ServiceFixture.writeConfig(Self.everySecond("sqlite:data/target.sqlite", extra: "misfirePolicy: runOnce"), in: folder)
        let first = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await first.waitForLines(6, where: { $0.contains("succeeded") }))
        first.signal(SIGTERM)
        #expect(await first.waitForExit() == 0)
        try await Task.sleep(for: .seconds(10))
        let backlog = try await CommandRunner.run(["backlog", "--config", config], in: folder)
        // The words add up: of N due, the latest on time (or not), 1 catch-up, the rest recorded.
        for line in backlog.stdout.split(separator: "\n").filter({ $0.contains("on start:") }) {
            let numbers = line.split(separator: "on start:")[1].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let onTime = line.contains("on time and runs as scheduled") ? 1 : 0
            #expect(numbers.count == 3 && numbers[0] == onTime + numbers[1] + numbers[2], "\(line)")
            #expect(line.contains("1 runs as catch-up"), "\(line)")
        }
        let restarted = Date()
        let second = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await second.waitForLines(3, where: { $0.contains("(catch-up)") }), "\(second.stdout)")
        try await Task.sleep(for: .seconds(2))
        second.signal(SIGTERM)
        #expect(await second.waitForExit() == 0)
        let records = try await ServiceFixture.history(in: folder)
        for updater in ["business_record_activities", "service_tickets", "business_records"] {
            let mine = records.filter { $0.updater == updater }
            // The pause's fires but the latest are recorded as missed; the latest, the second
            // after the last missed one, runs as the one catch-up. (How many were missed depends
            // on how long the second start took; on a loaded machine a fire after the restart may
            // also start more than 5 s late, and rightly runs as a catch-up of its own.)
            let missed = mine.filter { $0.outcome == .skipped && ($0.error ?? "").hasPrefix("missed fire") && $0.startedAt >= restarted }
            #expect(missed.count >= 8, "\(updater): \(missed.count) missed recorded")
            let lastMissed = missed.map(\.scheduledAt).max() ?? restarted
            let pauseCatchUps = mine.filter { $0.trigger == .catchUp && $0.scheduledAt > lastMissed && $0.scheduledAt <= lastMissed.addingTimeInterval(1) }
            #expect(pauseCatchUps.count == 1, "\(updater)")
            #expect(!mine.contains { $0.trigger == .catchUp && $0.scheduledAt < lastMissed && $0.startedAt >= restarted }, "\(updater)")
        }
    }
}

/// Lets a test hold a database lock until it says so.
final class LockRelease: Sendable {
    private let released = Mutex(false)
    private let held = Mutex(false)
    var isLocked: Bool { held.withLock { $0 } }
    func locked() { held.withLock { $0 = true } }
    func release() { released.withLock { $0 = true } }
    func waitUntilReleased(maxSeconds: Double) {
        let deadline = Date(timeIntervalSinceNow: maxSeconds)
        while !released.withLock({ $0 }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    }
}

