import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// `updater capture` against the test cluster, with the real `psql` as the other writer.
struct CaptureCommandTests {
    /// The test cluster's `psql`, running `sql` in `database`, one transaction per statement.
    private func psql(_ database: String, _ statements: String...) async throws {
        let bindir = ProcessInfo.processInfo.environment["UPDATER_TEST_POSTGRES_BINDIR"] ?? "/usr/bin"
        let output = try await CommandRunner.runCommand(["\(bindir)/psql", database, "-qAt", "-v", "ON_ERROR_STOP=1"]
                                                        + statements.flatMap { ["-c", $0] })
        guard output.status == 0 else { throw CLITestError("psql: \(output.stderr)") }
    }

    private func slotName() -> String { "t_cap_\(UUID().uuidString.prefix(8).lowercased())" }

    /// Waits until the process's stderr contains `text` (60 s at most: a migration on a loaded machine).
    private func waitForStderr(_ process: ServiceProcess, containing text: String) async -> Bool {
        for _ in 0..<1_200 {
            if process.stderr.contains(text) { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func capturePrintsTheWritesOfPsqlAsJSONLines() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ServiceFixture.freshPostgres()
        let slot = slotName()
        // Dropped at the end; this only for a test that stops early.
        defer { Task { _ = try? await CommandRunner.run(["slot", "drop", slot, "--database", database], in: folder) } }
        try await psql(database, "CREATE TABLE gadgets (id integer PRIMARY KEY, tenant_id text, name text)")

        let capture = try ServiceProcess(["capture", "--database", database, "--create-slot", "--slot", slot, "--json"], in: folder)
        #expect(await waitForStderr(capture, containing: "capturing the changes"), "\(capture.stderr)")
        #expect(!capture.stderr.contains(URLComponents(string: database)?.password ?? "-"), "the password is never printed")
        try await psql(database, "INSERT INTO gadgets VALUES (1, 'tenant-x', 'a')", "UPDATE gadgets SET name = 'b' WHERE id = 1",
                       "DELETE FROM gadgets WHERE id = 1")
        #expect(await capture.waitForLines(3, where: { $0.contains(#""table":"gadgets""#) }), "\(capture.stdout)\(capture.stderr)")
        let events = try capture.stdout.split(separator: "\n").map { try JSONDecoder().decode(ChangeEvent.self, from: Data($0.utf8)) }
        #expect(events.map(\.operation) == [.insert, .update, .delete])
        #expect(events.allSatisfy { $0.key == "1" && $0.source == "capture" && $0.updater == "capture" && $0.transaction != nil })
        #expect(events.map(\.tenant) == ["tenant-x", "tenant-x", ""])

        // The slot lags (nothing consumes it once capture stops): status lists it.
        capture.signal(SIGTERM)
        #expect(await capture.waitForExit() == 0, "\(capture.stderr)")
        #expect(capture.stderr.contains("capture stopped: 3 events delivered"), "\(capture.stderr)")
        try await psql(database, "INSERT INTO gadgets VALUES (2, NULL, 'c')")
        let status = try await CommandRunner.run(["status", "--database", database], in: folder)
        #expect(status.stdout.contains("replication slot \(slot): "), "\(status.stdout)\(status.stderr)")

        // Started again, it goes on after what it acknowledged: only the new row.
        let again = try ServiceProcess(["capture", "--database", database, "--slot", slot, "--json"], in: folder)
        #expect(await again.waitForLines(where: { $0.contains(#""table":"gadgets""#) }), "\(again.stderr)")
        again.signal(SIGINT)
        #expect(await again.waitForExit() == 0)
        #expect(again.stdout.split(separator: "\n").map { $0.contains(#""key":"2""#) } == [true], "\(again.stdout)")
        let drop = try await CommandRunner.run(["slot", "drop", slot, "--database", database], in: folder)
        #expect(drop.stdout == "replication slot \(slot) dropped\n", "\(drop.stderr)")
    }

    @Test func aMissingSlotAndSQLiteAreOneLineErrors() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ServiceFixture.freshPostgres()
        let missing = try await CommandRunner.run(["capture", "--database", database, "--slot", "t_cap_nowhere", "--json"], in: folder)
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(missing.stderr == "Error: no replication slot t_cap_nowhere: pass --create-slot to create it "
                + "(and drop it with updater slot drop t_cap_nowhere when done)\n")
        let sqlite = try await CommandRunner.run(["capture", "--database", "sqlite:\(folder.path)/s.sqlite", "--create-slot"], in: folder)
        #expect(sqlite.status == 2 && sqlite.stderr.hasPrefix("Error: capture reads PostgreSQL's logical decoding")
                && sqlite.stderr.split(separator: "\n").count == 1, "\(sqlite.stderr)")
        let badName = try await CommandRunner.run(["capture", "--database", database, "--slot", "Bad-Name"], in: folder)
        #expect(badName.status == 2 && badName.stderr.split(separator: "\n").count == 1, "\(badName.stderr)")
    }

    /// With a service running on the data folder, capture posts to its `POST /events`: the
    /// service's live stream (read here by curl over SSE) carries the psql write, marked capture.
    @Test func captureForwardsToTheRunningServicesStreams() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = try await ServiceFixture.freshPostgres()
        let slot = slotName()
        let config = try ServiceFixture.writeConfig("database: \"\(database)\"\nenableScheduling: false\n", in: folder)
        // Dropped at the end; this only for a test that stops early.
        defer { Task { _ = try? await CommandRunner.run(["slot", "drop", slot, "--config", config], in: folder) } }
        try await psql(database, "CREATE TABLE gadgets (id integer PRIMARY KEY, tenant_id text, name text)")
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("API listening on http://127.0.0.1:") }), "\(service.stdout)\(service.stderr)")
        // The banner comes out while the database is still being migrated; the change log is
        // readable (an SSE request no longer answered 503) once the service logs it reachable.
        #expect(await waitForStderr(service, containing: "database reachable"), "\(service.stdout)\(service.stderr)")
        let listening = service.stdout.split(separator: "\n").first { $0.hasPrefix("API listening on ") } ?? ""
        let api = listening.dropFirst("API listening on ".count).split(separator: " ").first.map(String.init) ?? ""
        let stream = try ServiceProcess(["-sN", "\(api)/events?table=gadgets"], in: folder,
                                        executable: URL(fileURLWithPath: "/usr/bin/curl"))
        let capture = try ServiceProcess(["capture", "--config", config, "--create-slot", "--slot", slot, "--tables", "gadgets"], in: folder)
        #expect(await waitForStderr(capture, containing: "to the service at http://127.0.0.1:"), "\(capture.stderr)")
        try await psql(database, "INSERT INTO gadgets VALUES (5, 'tenant-y', 'a')")
        #expect(await stream.waitForLines(where: { $0.hasPrefix("data:") && $0.contains(#""source":"capture""#) && $0.contains(#""key":"5""#) }),
                "\(stream.stdout)\(capture.stderr)")
        #expect(capture.stdout.isEmpty, "posted, not printed")
        capture.signal(SIGTERM)
        #expect(await capture.waitForExit() == 0, "\(capture.stderr)")
        stream.signal(SIGTERM)
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
        let drop = try await CommandRunner.run(["slot", "drop", slot, "--config", config], in: folder)
        #expect(drop.stdout == "replication slot \(slot) dropped\n", "\(drop.stderr)")
    }
}
