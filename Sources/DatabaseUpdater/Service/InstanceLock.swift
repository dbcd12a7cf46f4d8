import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One service per data folder: `data/updater.lock`, held with `flock` for the life of the
/// process and holding its pid, start time and API port. A lock left by a dead process is
/// free (the kernel drops `flock` locks with their process), so it is simply taken over.
public final class InstanceLock: Sendable {
    /// What the lock file says about its holder.
    public struct Holder: Codable, Sendable, Equatable {
        public var pid: Int32
        public var startedAt: Date
        /// The HTTP API's port, when it serves one.
        public var apiPort: Int?
        public var apiHost: String?
        /// The target database, redacted (as ``DatabaseLocation/description`` prints it), so a
        /// command naming another database is not silently sent to this service.
        public var database: String?

        public init(pid: Int32, startedAt: Date, apiPort: Int? = nil, apiHost: String? = nil, database: String? = nil) {
            self.pid = pid
            self.startedAt = startedAt
            self.apiPort = apiPort
            self.apiHost = apiHost
            self.database = database
        }
    }

    /// Another live process holds the lock.
    public struct Held: Error, CustomStringConvertible {
        public let path: String
        public let holder: Holder?
        public var description: String {
            let who = holder.map { "pid \($0.pid), started \(DatabaseValue.formatTimestamp($0.startedAt))" } ?? "another process"
            return "another updater is already running with this data folder (\(who)); lock file \(path)"
        }
    }

    /// The service's lock file in its data folder.
    public static let serviceFile = "updater.lock"

    public let path: String
    private let descriptor: Int32

    /// The data folder cannot be used (missing and not creatable, or not writable).
    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Takes the lock in `directory` or throws ``Held`` (another service runs) or ``Unusable``.
    /// - Parameter fileName: the lock file's name; the snapshot monitor's is `monitor.pid`.
    public init(directory: String, holder: Holder, fileName: String = InstanceLock.serviceFile) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Unusable(description: "cannot create the data folder \(directory): \(String(cString: strerror(EACCES)).lowercased())")
        }
        path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno)).lowercased()
            throw Unusable(description: "cannot use the data folder \(directory): \(path): \(reason) (the service needs to write there)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw Held(path: path, holder: Self.read(directory: directory, fileName: fileName))
        }
        descriptor = fd
        try write(holder)
    }

    /// Rewrites the holder details (e.g. once the API port is known).
    public func write(_ holder: Holder) throws {
        let data = try JSONCoding.encoder().encode(holder)
        guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else { return }
        _ = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }

    /// The holder recorded in `directory`, if a live process holds the lock; nil otherwise.
    public static func runningHolder(directory: String, fileName: String = InstanceLock.serviceFile) -> Holder? {
        let path = URL(fileURLWithPath: directory).appendingPathComponent(fileName).path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // If we can take a shared lock, nobody holds the exclusive one: no service runs.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return read(directory: directory, fileName: fileName)
    }

    private static func read(directory: String, fileName: String) -> Holder? {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(fileName)
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONCoding.decoder().decode(Holder.self, from: data)
    }

    /// Releases the lock. The file stays: removing it could let two processes lock different
    /// files of the same name, and a stale file is harmless (liveness comes from `flock`).
    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
