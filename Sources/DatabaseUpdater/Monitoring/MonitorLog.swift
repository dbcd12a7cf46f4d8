import Foundation

/// The monitor's log, `monitor.log` in its state folder: one JSON object per line (time,
/// level, message and, for a check, the ``TableCheck``), as the service's logs are.
public struct MonitorLog: Sendable {
    /// One line of the log.
    public struct Entry: Codable, Sendable, Equatable {
        public var time: Date
        public var level: String
        public var message: String
        public var check: TableCheck?

        public init(time: Date, level: String, message: String, check: TableCheck? = nil) {
            self.time = time
            self.level = level
            self.message = message
            self.check = check
        }
    }

    public let url: URL

    public init(store: MonitorStateStore) {
        url = store.directory.appendingPathComponent("monitor.log")
    }

    /// Appends `entry` as one line (a failure to write is not the check's failure: ignored).
    public func append(_ entry: Entry) {
        guard var line = try? JSONCoding.encoder().encode(entry) else { return }
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        guard let handle = try? FileHandle(forWritingTo: url) else { return }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: line)
    }

    /// The last `count` entries, oldest first (lines that are not entries are skipped).
    public func last(_ count: Int) -> [Entry] {
        guard count > 0, let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = JSONCoding.decoder()
        var entries: [Entry] = []
        for line in data.split(separator: UInt8(ascii: "\n")).reversed() {
            if let entry = try? decoder.decode(Entry.self, from: Data(line)) { entries.append(entry) }
            if entries.count == count { break }
        }
        return entries.reversed()
    }
}
