import ArgumentParser
import Cron
import DatabaseUpdater
import Foundation

/// Ends a command with a one-line message on stderr and a chosen exit status:
/// 2 for bad input (unknown updater, bad tenant, malformed value), 1 for work that failed.
enum CommandFailure {
    static let badInput: Int32 = 2
    static let failed: Int32 = 1

    static func exit(_ message: String, status: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
        return ExitCode(status)
    }

    /// The one error channel of the executable: bad input that reached `main` ends the command
    /// as `Error: <one line>` (or the configuration's list of problems) on stderr with status 2.
    /// Everything else keeps ArgumentParser's handling: usage errors with the usage, other
    /// errors (a database that fails, …) as `Error: <description>` with status 1.
    static func exitCode(for error: any Error) -> ExitCode? {
        switch error {
        case let error as BadInput: exit(error.description, status: badInput)
        case let error as CronParseError: exit(error.description, status: badInput)
        case let error as ConfigurationError: exit(error.description, status: badInput)
        case let error as UpdaterError: exit(error.description, status: badInput)
        case let error as BacklogError: exit(error.description, status: error.kind == .notOldest ? failed : badInput)
        default: nil
        }
    }
}

/// Input the command cannot use, in one line (exit status 2).
struct BadInput: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
