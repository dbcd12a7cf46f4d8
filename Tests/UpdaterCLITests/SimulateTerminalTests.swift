import Foundation
import Testing

/// `updater simulate` in a real terminal (tmux): the progress bar is drawn and redrawn in place
/// on one line, carries no colour, and gives way to the summary at the end.
struct SimulateTerminalTests {
    private static let tmux = "/usr/bin/tmux"

    private func tmux(_ arguments: [String]) async throws -> CommandRunner.Output {
        try await CommandRunner.runCommand([Self.tmux] + arguments)
    }

    @Test func theProgressBarIsRedrawnInPlaceWithoutColour() async throws {
        let folder = try CommandRunner.temporaryFolder()
        let session = "updater-sim-\(UUID().uuidString.prefix(8))"
        defer {
            _ = try? Process.run(URL(fileURLWithPath: Self.tmux), arguments: ["kill-session", "-t", session])
            try? FileManager.default.removeItem(at: folder)
        }
        // A day per second: three seconds of bar.
        let command = "cd '\(folder.path)' && NO_COLOR=1 '\(CommandRunner.executable.path)' simulate 3 2026-03-02 --speed 86400 --seed 1 "
            + "--database sqlite:sim.sqlite; echo EXIT=$?; sleep 60"
        let started = try await tmux(["new-session", "-d", "-s", session, "-x", "150", "-y", "40", command])
        #expect(started.status == 0, "\(started.stderr)")
        var sawBar = false
        var final = ""
        for _ in 0..<200 {
            let pane = try await tmux(["capture-pane", "-p", "-e", "-t", session]).stdout
            let bars = pane.split(separator: "\n").filter { $0.firstMatch(of: /^\[[#-]{24}\] 2026-03-0[2-5] \d\d:\d\d +\d+%  \d+ executions  \d+ rows/) != nil }
            if !bars.isEmpty {
                sawBar = true
                #expect(bars.count == 1, "redrawn in place, not scrolled: \(pane)")
                #expect(!pane.contains("\u{1B}["), "no colour or other attributes: \(pane.debugDescription)")
            }
            if pane.contains("EXIT=") {
                final = pane
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(sawBar)
        #expect(final.contains("EXIT=0"), "\(final)")
        #expect(final.contains("simulated 2026-03-02T00:00:00Z → 2026-03-05T00:00:00Z (3/3 days)"), "\(final)")
        #expect(!final.contains("] 2026-03-0") && !final.contains("day 1/3"), "the bar is cleared; no per-day lines on a terminal: \(final)")
    }
}
