import Foundation

/// Writes whole lines to stdout at once, unbuffered, so a long-running command's output reaches
/// a pipe (a log collector, a test) as it happens.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
