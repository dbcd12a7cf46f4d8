import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The monitor's state folder (`data/monitor` by default): `STATE.json`, the row-hash files it
/// names, the log, and the lock that makes checks take turns.
///
/// Every write is a new file renamed into place, hashes first and `STATE.json` last, so a crash
/// at any point leaves the previous state or the new one, never a mix. Old hash files are
/// removed once the new `STATE.json` no longer names them.
public struct MonitorStateStore: Sendable {
    public let directory: URL

    public init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    var stateURL: URL { directory.appendingPathComponent("STATE.json") }

    /// The state, empty when there is none yet.
    /// - Throws: ``MonitorError`` when `STATE.json` exists but is not a monitor state.
    public func load() throws -> MonitorState {
        guard let data = FileManager.default.contents(atPath: stateURL.path) else { return MonitorState() }
        do {
            return try JSONCoding.decoder().decode(MonitorState.self, from: data)
        } catch {
            throw MonitorError.unreadableState(stateURL.path, "not a monitor state")
        }
    }

    /// Replaces `STATE.json` with `state`, atomically, then removes hash files it no longer names.
    public func save(_ state: MonitorState) throws {
        try createDirectory()
        try write(Array(try JSONCoding.encoder(pretty: true).encode(state)), to: stateURL)
        let named = Set(state.tables.values.map(\.hashesFile))
        let hashes = directory.appendingPathComponent("hashes")
        for file in (try? FileManager.default.contentsOfDirectory(atPath: hashes.path)) ?? [] where !named.contains("hashes/" + file) {
            try? FileManager.default.removeItem(at: hashes.appendingPathComponent(file))
        }
    }

    /// Changes the running monitor's ``MonitorState/RunInfo`` in `STATE.json`, between checks.
    public func updateRun(_ change: @escaping @Sendable (inout MonitorState.RunInfo?) -> Void) async throws {
        try await withCheckLock {
            var state = try load()
            change(&state.run)
            try save(state)
        }
    }

    /// The row hashes of `table` as its last check left them; nil when it has none.
    func hashes(of table: MonitorState.TableState) throws -> TableHashes? {
        let url = directory.appendingPathComponent(table.hashesFile)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let hashes = TableHashes(decoding: Array(data)) else { throw MonitorError.unreadableState(url.path, "truncated or not a hash file") }
        return hashes
    }

    /// Writes `hashes` to a new file and returns its name relative to the folder.
    func write(_ hashes: TableHashes, table: String) throws -> String {
        let slug = String(table.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "-" }.prefix(60))
        let name = "hashes/\(slug)-\(UUID().uuidString.prefix(8).lowercased()).bin"
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("hashes"), withIntermediateDirectories: true)
        try write(hashes.encoded(), to: directory.appendingPathComponent(name))
        return name
    }

    /// Runs `body` holding the folder's check lock (`check.lock`, `flock`): two checks of one
    /// state — a running monitor's and a `monitor check` beside it — take turns instead of each
    /// saving over the other's state. Waits on a dedicated thread, never the caller's.
    func withCheckLock<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try createDirectory()
        let path = directory.appendingPathComponent("check.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MonitorError("cannot open \(path): \(String(cString: strerror(errno)).lowercased())") }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    _ = flock(fd, LOCK_EX)
                    continuation.resume()
                }
            }
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }

    public func createDirectory() throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw MonitorError("cannot create the monitor's state folder \(directory.path)")
        }
    }

    /// Writes `bytes` to a temporary file beside `url`, syncs it, and renames it over `url`.
    private func write(_ bytes: [UInt8], to url: URL) throws {
        let temporary = url.path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MonitorError("cannot write \(temporary): \(String(cString: strerror(errno)).lowercased())") }
        var written = 0
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n <= 0 { return false }
                written += n
            }
            return fsync(fd) == 0
        }
        close(fd)
        guard ok, rename(temporary, url.path) == 0 else {
            unlink(temporary)
            throw MonitorError("cannot write \(url.path): \(String(cString: strerror(errno)).lowercased())")
        }
    }
}
