import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater watch` through the real binary: the frame on known traffic (times masked), the
/// compact and JSON shapes, bad input, a live view that outlasts a missing database, and what a
/// running service tells it.
struct WatchCommandTests {
    /// Known traffic: two rounds of the office's three updaters with a fixed seed and fire times,
    /// so keys are the same on every run and on both engines. Schedules nest (1 h, 2 h, 4 h, in
    /// registry order), so the order of the next fires does not depend on the time of day.
    private func knownTraffic(_ engine: Engine, in folder: URL) async throws -> String {
        let database = engine == .sqlite ? "sqlite:\(folder.path)/office.sqlite" : try await ServiceFixture.freshPostgres()
        let config = try ServiceFixture.writeConfig("""
            database: "\(database)"
            seed: 5
            scheduleConfig:
              businessActivities: "@every 1h"
              serviceTickets: "@every 2h"
              newLeads: "@every 4h"
            """, in: folder)
        for day in ["02", "03"] {
            for updater in ["service_tickets", "business_records", "business_record_activities"] {
                let run = try await CommandRunner.run(["execute", updater, "--config", config, "--at", "2026-03-\(day)T10:00:00Z"], in: folder)
                #expect(run.status == 0, "\(updater): \(run.stdout)\(run.stderr)")
            }
        }
        return config
    }

    /// The output with what depends on the clock and the location masked: times of day (with a
    /// date when on another day), ages and delays, the database in the header.
    private func masked(_ text: String) -> String {
        text.replacing(/(\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}/, with: "HH:MM:SS")
            .replacing(/\d+[smhd]( \d+[smhd])? ago/, with: "<t> ago")
            .replacing(/\(in \d+[smhd]( \d+[smhd])?\)/, with: "(in <t>)")
            .replacing(/fresh \d+[smhd]( \d+[smhd])?/, with: "fresh <t>")
            .replacing(/target default · .+ · HH:MM:SS/, with: "target default · <database> · HH:MM:SS")
    }

    @Test(arguments: Engine.allCases)
    func onceFrameOnKnownTrafficIsTheGoldenFrame(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try await knownTraffic(engine, in: folder)
        let watch = try await CommandRunner.run(["watch", "--once", "--window", "3600", "--config", config], in: folder)
        #expect(watch.status == 0 && watch.stderr.isEmpty, "\(watch.stderr)")
        #expect(!watch.stdout.contains("\u{1B}"), "no colour outside a terminal")
        let golden = """
            updater watch · target default · <database> · HH:MM:SS
            last 3600 s · log at seq 10 · stale after 10800 s

            TABLE                       INSERTS  UPDATES  DELETES    RATE/S  LAST WRITE
            business_record_activities        3        0        0   0.00083  <t> ago
            business_records                  2        0        0   0.00056  <t> ago
            service_tickets                   3        2        0    0.0014  <t> ago
            all                               8        2        0    0.0028  <t> ago

            LATEST KEYS (newest first)
            business_record_activities  +2bddd17a…  +79d4ddf9…  +0831dd76…
            business_records            +1450aa00…  +ab41187b…
            service_tickets             ~cde141c9…  ~9182e849…  +7d137848…

            SERVICE   not running
            RUNNING   unknown
            DUE NEXT  HH:MM:SS (in <t>)  business_record_activities 550e8400
                      HH:MM:SS (in <t>)  service_tickets 550e8400
                      HH:MM:SS (in <t>)  business_records 550e8400

            """
        #expect(masked(watch.stdout) == golden, "\(watch.stdout)")
    }

    @Test(arguments: Engine.allCases)
    func onceCompactIsOneLineAndJSONIsOneObject(engine: Engine) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try await knownTraffic(engine, in: folder)
        let compact = try await CommandRunner.run(["watch", "--once", "--compact", "--window", "3600", "--config", config], in: folder)
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(masked(compact.stdout) == "HH:MM:SS +8 ~2 -0  service_tickets 0.0014/s  business_record_activities 0.00083/s  "
                    + "business_records 0.00056/s  fresh <t>\n", "\(compact.stdout)")
        // Stale past the threshold: every table, its last write being older than a millisecond.
        let stale = try await CommandRunner.run(["watch", "--once", "--compact", "--window", "3600", "--stale", "0.001", "--config", config], in: folder)
        #expect(stale.stdout.hasSuffix("  stale business_record_activities, business_records, service_tickets\n"), "\(stale.stdout)")

        let json = try await CommandRunner.run(["watch", "--once", "--json", "--window", "3600", "--config", config], in: folder)
        #expect(json.status == 0 && json.stdout.split(separator: "\n").count == 1, "\(json.stdout)\(json.stderr)")
        let frame = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(Set(frame.keys) == ["at", "target", "database", "staleAfter", "window", "service", "running", "dueNext", "error"])
        #expect(frame["error"] is NSNull && frame["running"] is NSNull && frame["service"] as? String == "not running")
        #expect(frame["staleAfter"] as? Double == 10_800 && frame["target"] as? String == "default")
        let due = frame["dueNext"] as? [[String: Any]] ?? []
        #expect(due.compactMap { $0["updater"] as? String } == ["business_record_activities", "service_tickets", "business_records"])
        #expect(due.allSatisfy { $0["tenant"] as? String == Tenant.defaultID && $0["time"] is String })
        let window = try #require(frame["window"] as? [String: Any])
        #expect(window["windowSeconds"] as? Double == 3_600 && window["lastSequence"] as? Int == 10)
        #expect(window["totals"] as? [String: Int] == ["insert": 8, "update": 2, "delete": 0])
        let tables = window["tables"] as? [[String: Any]] ?? []
        #expect(tables.compactMap { $0["table"] as? String } == ["business_record_activities", "business_records", "service_tickets"])
        let tickets = try #require(tables.last)
        #expect(tickets["counts"] as? [String: Int] == ["insert": 3, "update": 2, "delete": 0] && tickets["stale"] as? Bool == false)
        let keys = tickets["latestKeys"] as? [[String: Any]] ?? []
        #expect(keys.compactMap { $0["key"] as? String }.first == "cde141c9-482f-4d90-ac88-5bdaee9ca8a7", "full keys in JSON")
        #expect(keys.compactMap { $0["operation"] as? String } == ["update", "update", "insert"])
    }

    @Test(arguments: [
        (["--window", "0"], "--window: 0 is not"),
        (["--window", "86401"], "--window: 86401 is not"),
        (["--interval", "0.01"], "--interval: 0.01 is not"),
        (["--stale", "0"], "--stale: 0 is not"),
        (["--compact", "--json"], "--compact and --json: choose one"),
    ])
    func badOptionsAreOneLineAndExit2(options: [String], message: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(["watch", "--once"] + options, in: folder)
        #expect(result.status == 2 && result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.hasPrefix("Error: \(message)") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func aDatabaseThatCannotBeReadIsOneLineAndExit1WithoutThePassword() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try await CommandRunner.run(["watch", "--once", "--database", "sqlite:\(folder.path)/none.sqlite"], in: folder)
        #expect(missing.status == 1 && missing.stdout.isEmpty)
        #expect(missing.stderr == "Error: cannot read the change log of sqlite:\(folder.path)/none.sqlite: no database at \(folder.path)/none.sqlite "
                    + "yet (the first execution creates it)\n", "\(missing.stderr)")
        #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent("plain.sqlite").path, contents: nil))
        let noLog = try await CommandRunner.run(["watch", "--once", "--json", "--database", "sqlite:\(folder.path)/plain.sqlite"], in: folder)
        #expect(noLog.status == 1 && noLog.stderr.contains("no change log table updater_changes"), "\(noLog.stderr)")
        let down = try await CommandRunner.run(["watch", "--once", "--compact", "--database", "postgres://app:S3cret-pw@127.0.0.1:1/crm"], in: folder)
        #expect(down.status == 1 && down.stderr.hasPrefix("Error: cannot read the change log of postgres://app:***@127.0.0.1:1/crm: "))
        #expect(down.stderr.split(separator: "\n").count == 1 && !down.stderr.contains("S3cret-pw"), "\(down.stderr)")
    }

    /// Live, a database that does not exist yet is an error in the frame, not the end: once an
    /// execution creates it, the next refresh shows its rows. Ctrl-C ends it with status 0.
    @Test func liveCompactOutlastsAMissingDatabaseAndStopsOnSIGINT() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ServiceFixture.writeConfig("database: \"sqlite:\(folder.path)/later.sqlite\"\nseed: 5\n", in: folder)
        let watch = try ServiceProcess(["watch", "--compact", "--interval", "0.2", "--config", config], in: folder)
        #expect(await watch.waitForLines(2, where: { $0.contains(" error: cannot read the change log of ") && $0.contains("no database at") }),
                "\(watch.stdout)\(watch.stderr)")
        let run = try await CommandRunner.run(["execute", "service_tickets", "--config", config, "--at", "2026-03-02T10:00:00Z"], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(await watch.waitForLines(where: { $0.contains(" +2 ~0 -0  service_tickets ") && !$0.contains("error") }), "\(watch.stdout)")
        watch.signal(SIGINT)
        #expect(await watch.waitForExit() == 0)
        #expect(watch.stderr.isEmpty, "\(watch.stderr)")
    }

    /// With a service running on the data folder, what runs and what fires next come from its API.
    @Test func aRunningServiceIsAskedWhatRunsAndWhatFiresNext() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ServiceFixture.writeConfig("""
            database: sqlite:data/target.sqlite
            scheduleConfig: { businessActivities: "@every 1d", serviceTickets: "@every 2d", newLeads: "@every 4d" }
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("API listening on http://127.0.0.1:") }), "\(service.stdout)")
        let json = try await CommandRunner.run(["watch", "--once", "--json", "--config", config], in: folder)
        #expect(json.status == 0, "\(json.stderr)")
        let frame = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((frame["service"] as? String)?.hasPrefix("running (pid ") == true, "\(json.stdout)")
        #expect((frame["running"] as? [Any])?.isEmpty == true, "known, and nothing runs: \(json.stdout)")
        #expect((frame["dueNext"] as? [[String: Any]])?.compactMap { $0["updater"] as? String }.first == "business_record_activities")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
    }
}
