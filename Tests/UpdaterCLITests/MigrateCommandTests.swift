import Foundation
import Testing

struct MigrateCommandTests {
    @Test func migratesTheDefaultSQLiteDatabaseInTheWorkingDirectory() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let first = try await CommandRunner.run(["migrate"], in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("sqlite:data/updater.sqlite: applied 7 migration(s), schema version 7"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("data/updater.sqlite").path))
        let second = try await CommandRunner.run(["migrate"], in: folder)
        #expect(second.status == 0)
        #expect(second.stdout.contains("schema is up to date (version 7)"))
    }

    @Test func migratesPostgresFromTheEnvironmentWithoutPrintingThePassword() async throws {
        guard let url = ProcessInfo.processInfo.environment["UPDATER_TEST_POSTGRES_URL"],
              let password = URLComponents(string: url)?.password else {
            Issue.record("UPDATER_TEST_POSTGRES_URL is not set: run the suite with `make test`")
            return
        }
        let result = try await CommandRunner.run(["migrate"], environment: ["DATABASE_UPDATER_DATABASE_URL": url])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("postgres://updater:***@127.0.0.1"))
        #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
    }

    @Test(arguments: ["mysql://root:Hunter2-Secret@db/crm", "postgres://root:Hunter2-Secret@127.0.0.1:1/crm"])
    func badDatabasesFailInOneLineWithoutTheSecret(location: String) async throws {
        let result = try await CommandRunner.run(["migrate", "--database", location])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("Hunter2-Secret"))
    }
}
