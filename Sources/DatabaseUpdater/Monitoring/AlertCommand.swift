import Foundation

/// `--alert-command`: a shell command run for each alert with the ``TableCheck`` as JSON on
/// its standard input. It runs to its end (or ``timeout``) before the monitor goes on, so
/// alerts arrive in order; its output goes to the monitor's own output.
public struct AlertCommand: Sendable {
    public let command: String
    /// A command still running after this long is stopped (SIGTERM) and counted as failed.
    public var timeout: Duration = .seconds(30)

    public init(_ command: String) {
        self.command = command
    }

    /// Runs the command with `check` on stdin; returns why it failed, or nil.
    func run(_ check: TableCheck) async -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let input = Pipe()
        process.standardInput = input
        let ended = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { ended.continuation.yield($0.terminationStatus) }
        do {
            try process.run()
        } catch {
            return "cannot run the alert command: \(error.localizedDescription)"
        }
        // A command that exits without reading its input closes the pipe: the write below must
        // fail with EPIPE, not end the monitor by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let json = (try? JSONCoding.encoder().encode(check)) ?? Data()
        let writer = input.fileHandleForWriting
        // A command that does not read its input must not block the monitor: write off-thread.
        Thread.detachNewThread {
            try? writer.write(contentsOf: json + Data("\n".utf8))
            try? writer.close()
        }
        let timeout = self.timeout
        let watchdog = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled, process.isRunning { process.terminate() }
        }
        defer { watchdog.cancel() }
        var status: Int32 = -1
        for await code in ended.stream {
            status = code
            break
        }
        return status == 0 ? nil : "the alert command exited with status \(status)"
    }
}
