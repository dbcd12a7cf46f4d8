import Foundation

/// Colour for people, plain text for everything else: ANSI colour only when standard output is a
/// terminal and `NO_COLOR` is unset or empty (no-color.org). The status marks (✓ ✗ ⚠) are text
/// and stay either way; only their colour goes.
struct TerminalStyle {
    /// A status mark.
    enum Mark {
        case ok, failed, warning, none
    }

    let colour: Bool

    /// The style for standard output (``Console/coloured``).
    static func forStandardOutput() -> TerminalStyle {
        TerminalStyle(colour: Console.coloured)
    }

    func mark(_ mark: Mark) -> String {
        switch mark {
        case .ok: paint("✓", "32")
        case .failed: paint("✗", "31")
        case .warning: paint("⚠", "33")
        case .none: "·"
        }
    }

    func bold(_ text: String) -> String { paint(text, "1") }
    func red(_ text: String) -> String { paint(text, "31") }
    func yellow(_ text: String) -> String { paint(text, "33") }

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}
