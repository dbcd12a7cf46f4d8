import Foundation
import UpdaterTestSupport

/// Runs the built `updater` executable as a user would, capturing its output and exit status.
struct CommandRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `updater` binary next to the test bundle in the build folder.
    static let executable: URL = {
        let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for folder in [bundleFolder, bundleFolder.deletingLastPathComponent()] {
            let candidate = folder.appendingPathComponent("updater")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: ".build/debug/updater")
    }()

    static func run(_ arguments: [String], environment: [String: String] = [:], in folder: URL? = nil) async throws -> Output {
        try await runCommand([executable.path] + arguments, environment: environment, in: folder)
    }

    /// Runs `command` (a program and its arguments; `updater` wrapped in another program, say)
    /// in the same way, waiting for it on a thread of its own (see ``onOwnThread(_:)``).
    static func runCommand(_ command: [String], environment: [String: String] = [:], in folder: URL? = nil) async throws -> Output {
        try await onOwnThread { try runBlocking(command, environment: environment, in: folder) }
    }

    private static func runBlocking(_ command: [String], environment: [String: String], in folder: URL?) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "DATABASE_UPDATER_DATABASE_URL")
        env.removeValue(forKey: "DATABASE_UPDATER_TIMEZONE")
        env.removeValue(forKey: "DATABASE_UPDATER_SCHEDULE_ANCHOR")
        env.removeValue(forKey: "DATABASE_UPDATER_SCENARIO")
        env.merge(environment) { $1 }
        process.environment = env
        if let folder { process.currentDirectoryURL = folder }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// A new empty folder to run in.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("updater-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
