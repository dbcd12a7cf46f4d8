import DatabaseUpdater
import Foundation
import Testing

/// What a careless or hostile user types: a clear one-line error, a non-zero exit, and nothing
/// created, started or migrated.
struct BadInputTests {
    /// Runs a command as `nobody` when the tests run as root, for whom every folder is writable.
    private static let unprivileged = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []

    /// A configuration whose database and folders all live in `folder`, so a test can check
    /// that nothing was created there.
    private func isolatedConfig(in folder: URL) throws -> String {
        try ServiceFixture.writeConfig("""
            database: "sqlite:\(folder.path)/target/db.sqlite"
            dataDirectory: "\(folder.path)/data"
            logDirectory: "\(folder.path)/logs"
            """, in: folder)
    }

    private func created(in folder: URL) -> [String] {
        ["target", "data", "logs"].filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path) }
    }

    @Test(arguments: [
        ["execute", "no_such_updater"],
        ["execute", "service_tickets", "--tenant", "11111111-2222-4333-8444-555555555555"],
        ["execute", "service_tickets", "--tenant", "not-a-uuid"],
        ["start", "--host", "256.1.1.1"],
        ["start", "--host", "no-such-host.invalid"],
    ])
    func badInputTouchesNothing(arguments: [String]) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(arguments + ["--config", try isolatedConfig(in: folder)], in: folder)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: ") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(created(in: folder).isEmpty, "\(arguments) created \(created(in: folder))")
    }

    @Test func aDatabaseThatIsDownLeavesNoFilesBehind() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(["execute", "service_tickets", "--config", try isolatedConfig(in: folder),
                                            "--database", "postgres://nobody:Secret-Pw@127.0.0.1:1/none"], in: folder)
        #expect(result.status == 1, "\(result.stderr)")
        #expect(!result.stderr.contains("Secret-Pw"))
        #expect(created(in: folder).isEmpty, "created \(created(in: folder))")
    }

    /// Negative numbers are values, not options: the range check gets to say what is wrong.
    @Test(arguments: [
        (["logs", "--count", "-1"], "--count: out of range: must be from 0 to 10000, got -1"),
        (["cron", "next", "* * * * * *", "--count", "-5"], "--count: out of range: must be from 1 to 10000, got -5"),
        (["start", "--port", "-1"], "--port: out of range: must be from 0 to 65535, got -1"),
        (["execute", "service_tickets", "--seed", "-1"], "out of range: must be a whole number from 0 to 18446744073709551615"),
    ])
    func negativeNumbersAreOutOfRange(arguments: [String], expected: String) async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await CommandRunner.run(arguments, in: folder)
        #expect(result.status != 0)
        #expect(result.stderr.contains(expected), "\(result.stderr)")
        #expect(!result.stderr.contains("Missing value"), "\(result.stderr)")
    }

    @Test func configurationFileProblemsAreWords() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = try await CommandRunner.run(["config", "validate", folder.path])
        #expect(directory.status == 2 && directory.stderr == "Error: \(folder.path): invalid configuration: is a directory, not a configuration file\n")
        let binary = folder.appendingPathComponent("binary.yaml")
        try Data([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff, 0xfe]).write(to: binary)
        let binaryResult = try await CommandRunner.run(["config", "validate", binary.path])
        #expect(binaryResult.status == 2 && binaryResult.stderr.contains("is not a text file"), "\(binaryResult.stderr)")
        let broken = folder.appendingPathComponent("broken.yaml")
        try "scheduleConfig: [unclosed\n".write(to: broken, atomically: true, encoding: .utf8)
        let yaml = try await CommandRunner.run(["config", "validate", broken.path])
        #expect(yaml.status == 2 && yaml.stderr.components(separatedBy: broken.path).count == 2, "named once: \(yaml.stderr)")
        #expect(yaml.stderr.split(separator: "\n").count == 1, "\(yaml.stderr)")
        // start names the file as validate does, and starts nothing.
        let invalid = folder.appendingPathComponent("invalid.yaml")
        try "dataDirectory: \(folder.path)/data\nmisfireLimit: 0\n".write(to: invalid, atomically: true, encoding: .utf8)
        let start = try await CommandRunner.run(["start", "--config", invalid.path], in: folder)
        #expect(start.status == 2 && start.stderr.hasPrefix("Error: \(invalid.path): invalid configuration: misfireLimit: out of range"),
                "\(start.stderr)")
        #expect(created(in: folder).isEmpty)
    }

    /// 342 bytes of nested aliases expand to 387 million values: refused at once.
    @Test func aBillionLaughsFileIsRefusedQuickly() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var yaml = "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for level in 1...8 {
            let previous = "*a\(level - 1)"
            yaml += "a\(level): &a\(level) [\(Array(repeating: previous, count: 9).joined(separator: ","))]\n"
        }
        let file = folder.appendingPathComponent("laughs.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let result = try await CommandRunner.run(["config", "validate", file.path])
        #expect(result.status == 2 && result.stderr.contains("expands to more than 100000 values"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(30), "took \(ContinuousClock.now - started)")
    }

    @Test func controlBytesInACronExpressionAreEscaped() async throws {
        let result = try await CommandRunner.run(["cron", "next", "0 0 \u{1B}[31m * * *"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(!result.stderr.contains("\u{1B}"))
        #expect(result.stderr.contains("\\u{1B}[31m"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// A command naming another database than the running service's is refused, never
    /// silently answered about the service's database; naming the same one goes to the service.
    @Test func aRunningServiceOnAnotherDatabaseIsNotSilentlyUsed() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try isolatedConfig(in: folder)
        let service = try ServiceProcess(["start", "--config", config, "--port", "0"], in: folder)
        #expect(await service.waitForLines(where: { $0.hasPrefix("API listening") }), "\(service.stderr)")
        let other = "sqlite:\(folder.path)/other.sqlite"
        for arguments in [["status"], ["logs"], ["execute", "service_tickets"]] {
            let flag = try await CommandRunner.run(arguments + ["--config", config, "--database", other], in: folder)
            #expect(flag.status == 2 && flag.stderr.contains("is running with the data folder") && flag.stderr.contains("not on \(other)"),
                    "\(arguments): \(flag.stderr)")
            let environment = try await CommandRunner.run(arguments + ["--config", config], environment: ["DATABASE_UPDATER_DATABASE_URL": other], in: folder)
            #expect(environment.status == 2, "\(arguments): \(environment.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/other.sqlite"))
        let same = try await CommandRunner.run(["status", "--config", config], in: folder)
        #expect(same.status == 0 && same.stdout.contains("service: running"), "\(same.stdout)\(same.stderr)")
        service.signal(SIGTERM)
        #expect(await service.waitForExit() == 0)
    }

    /// `start` on a data folder it cannot write, or with a history file that is not a database:
    /// one line naming the folder or file, a non-zero exit, nothing started.
    @Test func startSaysWhatIsWrongWithItsDataFolder() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer {
            _ = chmod(folder.appendingPathComponent("data").path, 0o755)
            try? FileManager.default.removeItem(at: folder)
        }
        let config = try isolatedConfig(in: folder)
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try Data("not a database, only text in the history's place".utf8).write(to: data.appendingPathComponent("state.sqlite"))
        let corrupt = try await CommandRunner.run(["start", "--no-api", "--config", config], in: folder)
        #expect(corrupt.status == 1 && corrupt.stderr.contains("cannot use the execution history \(data.path)/state.sqlite"), "\(corrupt.stderr)")
        #expect(corrupt.stderr.split(separator: "\n").count == 1, "\(corrupt.stderr)")
        try FileManager.default.removeItem(at: data.appendingPathComponent("state.sqlite"))
        _ = chmod(data.path, 0o555)
        _ = chmod(folder.path, 0o777)  // the log folder may be made; the data folder may not be written
        let readOnly = try await CommandRunner.runCommand(Self.unprivileged + [CommandRunner.executable.path, "start", "--no-api", "--config", config], in: folder)
        #expect(readOnly.status == 1 && readOnly.stderr.hasPrefix("Error: cannot use the data folder \(data.path)"), "\(readOnly.stderr)")
        #expect(readOnly.stderr.split(separator: "\n").count == 1, "\(readOnly.stderr)")
    }

    /// `status` on a data folder it cannot write: it reads the history and says so; it creates
    /// nothing. (As root every folder is writable, so the command runs as `nobody` then.)
    @Test func statusWorksOnAReadOnlyDataFolder() async throws {
        let folder = try CommandRunner.temporaryFolder()
        defer {
            _ = chmod(folder.appendingPathComponent("data").path, 0o755)
            try? FileManager.default.removeItem(at: folder)
        }
        let config = try isolatedConfig(in: folder)
        let executed = try await CommandRunner.run(["execute", "service_tickets", "--config", config], in: folder)
        #expect(executed.status == 0, "\(executed.stderr)")
        for path in [folder.path, "\(folder.path)/data", "\(folder.path)/target"] { _ = chmod(path, 0o555) }
        for file in ["data/state.sqlite", "target/db.sqlite", "test.yaml"] { _ = chmod("\(folder.path)/\(file)", 0o444) }
        let status = try await CommandRunner.runCommand(Self.unprivileged + [CommandRunner.executable.path, "status", "--config", config], in: folder)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("service: not running"), "\(status.stdout)")
        #expect(status.stdout.contains("service_tickets"), "\(status.stdout)")
        #expect(status.stdout.contains("— reachable"), "\(status.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(folder.path)/logs"))
    }
}
