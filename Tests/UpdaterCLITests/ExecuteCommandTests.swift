import Foundation
import Testing

struct ExecuteCommandTests {
    @Test func executeWritesTicketsAndSaysWhat() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["execute", "service_tickets", "--seed", "5", "--at", "2026-11-24T12:00:00Z"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("service_tickets for tenant 550e8400-e29b-41d4-a716-446655440000 at 2026-11-24T12:00:00.000Z: succeeded"))
        #expect(result.stdout.contains("service_tickets              insert"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/changes.jsonl").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/state.sqlite").path))
    }

    @Test func jsonIsTheExecutionRecord() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["execute", "business_records", "--json", "--seed", "1"], in: folder)
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["updater"] as? String == "business_records")
        #expect(object?["outcome"] as? String == "succeeded")
        #expect(object?["seed"] as? Int == 1)
        #expect((object?["rows"] as? [[String: Any]])?.first?["table"] as? String == "business_records")
    }

    @Test func dryRunShowsASampleAndWritesNothing() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["execute", "business_records", "--dry-run"], in: folder)
        #expect(result.status == 0)
        #expect(result.stdout.contains("dry run: rolled back, nothing written"))
        #expect(result.stdout.contains("sample of business_records:"))
        #expect(result.stdout.contains("contact_email="))
        let ledger = try String(contentsOf: folder.appendingPathComponent("data/changes.jsonl"), encoding: .utf8)
        #expect(ledger.isEmpty)
    }

    @Test func sameSeedAndTimeGiveTheSameRowsInTwoDatabases() async throws {
        var outputs: [String] = []
        for _ in 0..<2 {
            let folder = try CommandRunner.temporaryFolder()
            let result = try await CommandRunner.run(["execute", "business_records", "--dry-run", "--seed", "77", "--at", "2026-05-04T10:00:00Z"], in: folder)
            // Everything but the execution id line.
            outputs.append(result.stdout.split(separator: "\n").filter { !$0.contains("execution ") && !$0.contains(" ms") }.joined(separator: "\n"))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0].contains("company_name="))
    }

    @Test(arguments: [
        (["execute", "invoices"], "unknown updater 'invoices' (known: business_record_activities, service_tickets, business_records)"),
        (["execute", "service_tickets", "--tenant", "not-a-uuid"], "invalid tenant id 'not-a-uuid'"),
        (["execute", "service_tickets", "--tenant", "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"], "unknown tenant 7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d"),
        (["execute", "service_tickets", "--at", "noon"], "invalid --at 'noon'"),
    ])
    func badInputIsAOneLineErrorWithExitStatus2(arguments: [String], message: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(arguments, in: folder)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "Error: \(message)\n" || result.stderr.hasPrefix("Error: \(message)"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func executeAgainstPostgres() async throws {
        guard let url = ProcessInfo.processInfo.environment["UPDATER_TEST_POSTGRES_URL"] else {
            Issue.record("UPDATER_TEST_POSTGRES_URL is not set: run the suite with `make test`")
            return
        }
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["execute", "service_tickets", "--database", url], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("succeeded"))
    }

    @Test func testDryRunsEveryUpdaterAndPasses() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["test"], in: folder)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 passed, 0 failed (dry run: nothing was written)"))
        for name in ["business_record_activities", "service_tickets", "business_records"] { #expect(result.stdout.contains(name)) }
    }

    @Test func testFailsWhenTheDatabaseIsDown() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let result = try await CommandRunner.run(["test", "--database", "postgres://u:Sekr1t-pw@127.0.0.1:1/db"], in: folder)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(!result.stderr.contains("Sekr1t-pw"))
    }
}
