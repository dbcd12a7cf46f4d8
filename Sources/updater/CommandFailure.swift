import ArgumentParser
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
}
