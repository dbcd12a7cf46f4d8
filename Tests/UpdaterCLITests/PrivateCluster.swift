import Foundation

/// A PostgreSQL cluster of the test's own, which it may stop and start at will without
/// disturbing the shared test cluster. Uses the binaries `scripts/with-test-postgres.sh`
/// found; as root, the server runs as `postgres`.
final class PrivateCluster {
    let directory: URL
    let port: Int
    private let bindir: String
    private let asServer: [String]

    init() throws {
        guard let bindir = ProcessInfo.processInfo.environment["UPDATER_TEST_POSTGRES_BINDIR"] else {
            throw CLITestError("UPDATER_TEST_POSTGRES_BINDIR is not set: run the suite with `make test`")
        }
        self.bindir = bindir
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("updater-private-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        asServer = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if getuid() == 0 { try Self.run(["/bin/chown", "postgres", directory.path]) }
        port = Int.random(in: 20_000...29_999)
        try Self.run(asServer + ["\(bindir)/initdb", "-D", "\(directory.path)/data", "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
        try start()
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication).
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    func start() throws {
        try Self.run(asServer + ["\(bindir)/pg_ctl", "-D", "\(directory.path)/data", "-l", "\(directory.path)/log", "-w", "-t", "30",
                                 "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c fsync=off", "start"])
    }

    func stop() throws {
        try Self.run(asServer + ["\(bindir)/pg_ctl", "-D", "\(directory.path)/data", "-m", "fast", "-w", "stop"])
    }

    deinit {
        try? stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a command to completion without Foundation's `Process`: on Linux, `Process` learns
    /// that a child exited when a socket it shares with the child closes, and the postgres daemon
    /// that `pg_ctl start` leaves behind would inherit that socket and hold it open forever. The
    /// child first closes every descriptor above stderr, so the daemon holds nobody's pipes.
    private static func run(_ command: [String]) throws {
        let wrapper = #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done 2>/dev/null; exec "$@" </dev/null >/dev/null 2>&1"#
        let argv = ["/bin/bash", "-c", wrapper, "private-cluster"] + command
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", nil, nil, &cArgs, environ)
        guard spawned == 0 else { throw CLITestError("cannot run \(command[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            if errno == EINTR { continue }
            return  // ECHILD: someone else reaped it; the caller's next step will tell
        }
        let exitCode = (status >> 8) & 0xFF
        guard status & 0x7F == 0, exitCode == 0 else {
            throw CLITestError("\(command.joined(separator: " ")) failed (status \(status))")
        }
    }
}
