import DatabaseUpdater
import Foundation

/// `monitor start --detach`: starts this same command without `--detach` in a session of its
/// own (it outlives the terminal), its output in `monitor.out` in the state folder, and returns
/// once its first check is done, or with the child's last words when it ends before that.
enum MonitorDetach {
    static func start(store: MonitorStateStore) async throws {
        try store.createDirectory()
        let outputPath = store.directory.appendingPathComponent("monitor.out").path
        let arguments = ["/proc/self/exe"] + CommandLine.arguments.dropFirst().filter { $0 != "--detach" }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let pid = try spawn(executable, arguments: arguments, output: outputPath)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
                let last = output.split(separator: "\n").last(where: { $0.hasPrefix("Error:") }).map { String($0.dropFirst(7)) }
                throw CommandFailure.exit("the monitor ended before its first check: \(last ?? "see \(outputPath)")", status: CommandFailure.failed)
            }
            if let run = try? store.load().run, run.pid == pid, run.nextCheck != nil {
                Console.line("monitor: started (pid \(pid)); output in \(outputPath); updater monitor status / stop")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Console.line("monitor: started (pid \(pid)), its first check is not done yet; output in \(outputPath)")
    }

    /// glibc's `POSIX_SPAWN_SETSID` (since 2.26), which the Glibc module does not export.
    private static let setsidFlag: Int16 = 0x80

    /// Spawns `executable` with `arguments` (argv[0] first) in a new session, stdin from
    /// /dev/null, stdout and stderr appended to `output`.
    private static func spawn(_ executable: String, arguments: [String], output: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else is inherited: a pipe or socket of whoever started us (Foundation's
        // Process watches one for its child's end) would otherwise stay open for the monitor's
        // life. (glibc's posix_spawn_file_actions_addclosefrom_np is not exported to Swift.)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, setsidFlag)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else { throw CommandFailure.exit("cannot start the monitor in the background: \(String(cString: strerror(rc)))", status: CommandFailure.failed) }
        return pid
    }
}
