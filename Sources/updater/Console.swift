import Foundation

/// Writes whole lines to stdout at once, unbuffered, so a long-running command's output reaches
/// a pipe (a log collector, a test) as it happens.
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// A whole line on stderr: the progress and warnings of a command whose stdout is data.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Whether standard output is a terminal.
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether to colour standard output: only on a terminal, and never when `NO_COLOR` is set
    /// to anything but the empty string (https://no-color.org).
    static var coloured: Bool { isTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty }

    /// An SGR style for terminal text.
    enum Style: String {
        case bold = "1", red = "31", yellow = "33"
    }

    /// `text` in `style` when `enabled`, else `text` unchanged.
    static func styled(_ text: String, _ style: Style, enabled: Bool) -> String {
        enabled ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}
