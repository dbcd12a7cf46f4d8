import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater verify` (the log against the database and against PostgreSQL's WAL), `ledger
/// export` and `slot`, through the real binary.
struct GroundTruthCommandTests {
    /// Runs each office updater `rounds` times through the CLI.
    private func traffic(_ config: String, rounds: Int, in folder: URL) async throws {
        for round in 0..<rounds {
            for updater in ["service_tickets", "business_records", "business_record_activities"] {
                let run = try await CommandRunner.run(["execute", updater, "--config", config, "--at", "2026-03-0\(2 + round)T10:00:00Z"], in: folder)
                #expect(run.status == 0, "\(updater): \(run.stdout)\(run.stderr)")
            }
        }
    }

    @Test func verifyAgreesOnCleanTrafficAndNamesEachTampering() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = "sqlite:\(folder.path)/office.sqlite"
        let config = try ServiceFixture.writeConfig("database: \"\(database)\"\nseed: 5\n", in: folder)
        try await traffic(config, rounds: 3, in: folder)
        let clean = try await CommandRunner.run(["verify", "--config", config], in: folder)
        #expect(clean.status == 0 && clean.stdout.contains("missing 0   unexpected 0   content differs 0"), "\(clean.stdout)\(clean.stderr)")

        let opened = try await DatabaseFactory.open(database, poolSize: 1)
        let (gone, changed) = try await opened.withConnection { conn in
            let ids = try conn.query("SELECT id FROM service_tickets ORDER BY id LIMIT 2").compactMap { $0["id"].stringValue }
            try conn.execute("DELETE FROM service_tickets WHERE id = $1", .text(ids[0]))
            try conn.execute("UPDATE service_tickets SET priority = 'critical', title = 'by hand' WHERE id = $1", .text(ids[1]))
            return (ids[0], ids[1])
        }
        await opened.close()
        let broken = try await CommandRunner.run(["verify", "--config", config, "--json"], in: folder)
        #expect(broken.status == 1, "\(broken.stdout)\(broken.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(broken.stdout.utf8)) as? [String: Any]
        let log = report?["log"] as? [String: Any]
        #expect(log?["missing"] as? Int == 1 && log?["contentDiffers"] as? Int == 1 && log?["unexpected"] as? Int == 0, "\(broken.stdout)")
        let human = try await CommandRunner.run(["verify", "--config", config], in: folder)
        #expect(human.stdout.contains("missing: service_tickets \(gone)") && human.stdout.contains("content differs: service_tickets \(changed)"),
                "\(human.stdout)")
        let badSince = try await CommandRunner.run(["verify", "--config", config, "--since", "yesterday"], in: folder)
        #expect(badSince.status == 2 && badSince.stderr.contains("--since: 'yesterday'"), "\(badSince.stderr)")

        // The export as JSON lines equals changes.jsonl; as an Elle history, one operation per transaction.
        let exported = try await CommandRunner.run(["ledger", "export", "--config", config], in: folder)
        let file = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
        #expect(exported.status == 0 && exported.stdout == file)
        let elle = try await CommandRunner.run(["ledger", "export", "--config", config, "--format", "elle", "--since", "1"], in: folder)
        let transactions = Set(file.split(separator: "\n").dropFirst().compactMap { try? JSONDecoder().decode(ChangeEvent.self, from: Data($0.utf8)).transaction })
        #expect(elle.stdout.split(separator: "\n").count == transactions.count && elle.stdout.hasPrefix("{:index 0, :type :ok"), "\(elle.stdout)")
    }

    /// A service and one-off executions beside it, both exporting to one changes.jsonl: each
    /// entry once, in sequence order, the file equal to the log.
    /// `verify --database URL` with no configuration (so with the default tenant only) still
    /// checks every tenant the log holds: it must not pass having checked nothing.
    @Test func verifyWithoutTheConfigurationChecksEveryLoggedTenant() async throws {
        let folder = try CommandRunner.temporaryFolder(), elsewhere = try CommandRunner.temporaryFolder()
        defer { for url in [folder, elsewhere] { try? FileManager.default.removeItem(at: url) } }
        let database = "sqlite:\(folder.path)/office.sqlite"
        let tenant = "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"
        let config = try ServiceFixture.writeConfig(
            "database: \"\(database)\"\nseed: 5\ntenants:\n  - id: \(tenant)\n    customerId: cust-2\n", in: folder)
        try await traffic(config, rounds: 2, in: folder)
        let clean = try await CommandRunner.run(["verify", "--database", database, "--json"], in: elsewhere)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        let entries = ((try? JSONSerialization.jsonObject(with: Data(clean.stdout.utf8)) as? [String: Any])?["log"] as? [String: Any])?["entries"] as? Int
        #expect((entries ?? 0) > 0, "checked no entry: \(clean.stdout)")
        let opened = try await DatabaseFactory.open(database, poolSize: 1)
        _ = try await opened.withConnection { conn in try conn.execute("DELETE FROM service_tickets WHERE tenant_id = $1", .text(tenant)) }
        await opened.close()
        let broken = try await CommandRunner.run(["verify", "--database", database], in: elsewhere)
        #expect(broken.status == 1, "another tenant's deleted tickets went unnoticed: \(broken.stdout)\(broken.stderr)")
    }

    @Test func twoProcessesExportEachEntryOnceInOrder() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try ServiceFixture.writeConfig("""
            database: "sqlite:\(folder.path)/office.sqlite"
            scheduleConfig:
              serviceTickets: "* * * * * *"
              newLeads: "* * * * * *"
            shutdownGracePeriodSeconds: 5
            """, in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--no-api"], in: folder)
        #expect(await service.waitForLines(2, where: { $0.contains("succeeded") }), "\(service.stderr)")
        for day in 1...4 {
            let run = try await CommandRunner.run(["execute", "business_record_activities", "--config", config,
                                                   "--at", "2026-03-0\(day)T09:00:00Z"], in: folder)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }
        #expect(await service.waitForLines(2, where: { $0.contains("succeeded") }), "\(service.stderr)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        let exported = try await CommandRunner.run(["ledger", "export", "--config", config], in: folder)
        let file = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
        #expect(exported.status == 0 && !file.isEmpty && file == exported.stdout,
                "file \(file.split(separator: "\n").count) lines, log \(exported.stdout.split(separator: "\n").count)")
        #expect(file.contains("\"updater\":\"business_record_activities\""))
    }

    @Test func verifyWalAgreesOnCleanTrafficAndFindsAnotherClientsWrite() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ServiceFixture.freshPostgres()
        let slot = "t_\(UUID().uuidString.prefix(8).lowercased())"
        // The service creates the configured slot at start, before any traffic.
        let config = try ServiceFixture.writeConfig("""
            database: "\(database)"
            seed: 9
            groundTruth:
              walSlot: \(slot)
            """, in: folder)
        defer { Task { _ = try? await CommandRunner.run(["slot", "drop", slot, "--config", config], in: folder) } }
        try await traffic(config, rounds: 3, in: folder)
        let clean = try await CommandRunner.run(["verify", "--wal", "--config", config], in: folder)
        #expect(clean.status == 0 && clean.stdout.contains("the log and the WAL agree"), "\(clean.stdout)\(clean.stderr)")
        #expect(!clean.stdout.contains(" 0 changes"), "\(clean.stdout)")

        let opened = try await DatabaseFactory.open(database, poolSize: 1)
        let key = try await opened.withConnection { conn in
            let id = try conn.query("SELECT id FROM business_records ORDER BY id LIMIT 1").first?["id"].stringValue ?? ""
            try conn.execute("UPDATE business_records SET status = 'lost' WHERE id = $1::uuid", .text(id))
            return id
        }
        await opened.close()
        let phantom = try await CommandRunner.run(["verify", "--wal", "--config", config, "--json"], in: folder)
        #expect(phantom.status == 1, "\(phantom.stdout)\(phantom.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(phantom.stdout.utf8)) as? [String: Any]
        let counts = report?["counts"] as? [String: Int] ?? [:]
        #expect(counts["phantom"] == 1 && counts.filter { $0.key != "phantom" }.values.allSatisfy { $0 == 0 }, "\(phantom.stdout)")
        #expect(phantom.stdout.contains("update business_records \(key)"))

        // On SQLite there is no WAL to read: one line, exit 1.
        let sqlite = try await CommandRunner.run(["verify", "--wal", "--slot", "x", "--database", "sqlite:\(folder.path)/s.sqlite"], in: folder)
        #expect(sqlite.status != 0 && sqlite.stderr.split(separator: "\n").count == 1, "\(sqlite.stderr)")
    }
}
