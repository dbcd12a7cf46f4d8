import DatabaseUpdater
import Foundation
import Synchronization
import UpdaterTestSupport

/// `updater start` (or any long-running command) as a child process whose output the test
/// can watch as it arrives.
final class ServiceProcess: Sendable {
    /// Output collected so far, filled by the pipes' reader threads.
    private final class Buffer: Sendable {
        let text = Mutex((stdout: "", stderr: ""))
    }

    private let process: Process
    private let output = Buffer()

    /// - Parameter executable: the program to run; `updater` by default (a shell wrapping it, say).
    init(_ arguments: [String], in folder: URL, environment: [String: String] = [:], executable: URL = CommandRunner.executable) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_UPDATER_DATABASE_URL")
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let output = output
        try process.run()
        drainOnOwnThread(out.fileHandleForReading) { chunk in output.text.withLock { $0.stdout += String(decoding: chunk, as: UTF8.self) } }
        drainOnOwnThread(err.fileHandleForReading) { chunk in output.text.withLock { $0.stderr += String(decoding: chunk, as: UTF8.self) } }
    }

    /// A test that fails (or throws) before stopping its service must not leave it running.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var stdout: String { output.text.withLock { $0.stdout } }
    var stderr: String { output.text.withLock { $0.stderr } }
    var isRunning: Bool { process.isRunning }
    /// Its process id (how a cluster's registry names the replica's process).
    var pid: Int32 { process.processIdentifier }

    /// Waits until stdout has `count` lines matching `predicate`; false on timeout or exit.
    func waitForLines(_ count: Int = 1, timeout: Duration = .seconds(20), where predicate: (Substring) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stdout.split(separator: "\n").filter(predicate).count >= count { return true }
            if !process.isRunning { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit and returns its status (nil on timeout, after killing it).
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            return nil
        }
        try? await Task.sleep(for: .milliseconds(100))  // let the pipes drain
        return process.terminationStatus
    }
}

/// Helpers shared by the service tests.
enum ServiceFixture {
    /// A fresh PostgreSQL database in the test cluster, as a URL.
    static func freshPostgres() async throws -> String { try await TestDatabases.freshLocation(.postgres) }

    /// Writes `Config/test.yaml` into `folder` and returns its path.
    static func writeConfig(_ yaml: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent("test.yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The execution history of a service that ran in `folder`.
    static func history(in folder: URL) async throws -> [ExecutionRecord] {
        let history = try await ExecutionHistory(directory: folder.appendingPathComponent("data"))
        let records = try await history.recent(limit: 10_000)
        await history.close()
        return records
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
