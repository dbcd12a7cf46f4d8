import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct ConnectionErrorTests {
    private func expectOneLineWithoutSecret(_ error: any Error, secret: String) {
        let text = "\(error)"
        #expect(!text.contains("\n"), "\(text)")
        #expect(!text.contains(secret), "\(text)")
        #expect(!String(reflecting: error).contains(secret))
    }

    @Test(arguments: ["mysql://root:hunter2-secret@localhost/db", "ftp:thing", "just-a-word", "sqlite:"])
    func badLocationsAreRejectedInOneLine(location: String) async throws {
        do {
            _ = try await DatabaseFactory.open(location)
            Issue.record("opened \(location)")
        } catch let error as DatabaseError {
            #expect(error.kind == .invalidLocation)
            expectOneLineWithoutSecret(error, secret: "hunter2-secret")
        }
    }

    @Test func malformedConninfoIsRejectedWithoutItsPassword() async throws {
        do {
            _ = try await DatabaseFactory.open("host=localhost password=hunter2-secret nonsense_option=1")
            Issue.record("opened a malformed conninfo")
        } catch let error as DatabaseError {
            #expect(error.kind == .invalidLocation)
            expectOneLineWithoutSecret(error, secret: "hunter2-secret")
        }
    }

    @Test func wrongPasswordIsAOneLineErrorWithoutThePassword() async throws {
        var url = URLComponents(string: try TestDatabases.postgresBaseURL())!
        url.password = "wrong-S3cret-pw"
        do {
            _ = try await DatabaseFactory.open(url.string!)
            Issue.record("connected with a wrong password")
        } catch let error as DatabaseError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("password authentication failed"))
            #expect(error.message.contains("postgres://updater:***@127.0.0.1"))
            expectOneLineWithoutSecret(error, secret: "wrong-S3cret-pw")
        }
    }

    @Test func unreachableHostIsAOneLineErrorWithoutThePassword() async throws {
        do {
            // Port 1 on loopback: nothing listens, the connection is refused at once.
            _ = try await DatabaseFactory.open("postgres://someone:Unreachable-S3cret@127.0.0.1:1/db?connect_timeout=2")
            Issue.record("connected to port 1")
        } catch let error as DatabaseError {
            #expect(error.kind == .connection)
            expectOneLineWithoutSecret(error, secret: "Unreachable-S3cret")
        }
    }

    @Test func aDroppedConnectionIsReplacedOnNextUse() async throws {
        let location = try await TestDatabases.freshLocation(.postgres)
        let db = try await DatabaseFactory.open(location, poolSize: 1)
        let pid = try await db.withConnection { conn in try conn.query("SELECT pg_backend_pid() AS pid")[0]["pid"].intValue }
        let admin = try await DatabaseFactory.open(try TestDatabases.postgresBaseURL(), poolSize: 1)
        _ = try await admin.withConnection { conn in try conn.query("SELECT pg_terminate_backend($1::int)", .integer(pid!)) }
        await admin.close()
        try await Task.sleep(for: .milliseconds(100))
        let newPid = try await db.withConnection { conn in try conn.query("SELECT pg_backend_pid() AS pid")[0]["pid"].intValue }
        #expect(newPid != nil && newPid != pid)
        await db.close()
    }

    @Test func sqliteInAFolderThatCannotBeCreatedFailsClearly() async throws {
        do {
            _ = try await DatabaseFactory.open("sqlite:/proc/no-such-place/updater.sqlite")
            Issue.record("opened a database under /proc")
        } catch let error as DatabaseError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("/proc/no-such-place"))
        }
    }
}
