import Foundation

/// Reads entries back from the daily log files, across days.
public enum LogReader {
    /// The last `count` entries at or above `minimumLevel`, oldest first, across day files.
    public static func last(_ count: Int, minimumLevel: String = "debug", in directory: URL) throws -> [LogEntry] {
        guard count > 0 else { return [] }
        var collected: [LogEntry] = []
        for file in dayFiles(in: directory).reversed() {
            let entries = try entries(in: file).filter { $0.isAtLeast(minimumLevel) }
            collected.insert(contentsOf: entries.suffix(count - collected.count), at: 0)
            if collected.count >= count { break }
        }
        return collected
    }

    /// The day files in `directory`, oldest first (their names sort by date).
    public static func dayFiles(in directory: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("database-updater-") && $0.hasSuffix(".log") }.sorted()
            .map { directory.appendingPathComponent($0) }
    }

    /// Every parseable entry of one file (a torn last line is skipped).
    public static func entries(in file: URL) throws -> [LogEntry] {
        let decoder = JSONDecoder()
        return try String(decoding: Data(contentsOf: file), as: UTF8.self)
            .split(separator: "\n")
            .compactMap { try? decoder.decode(LogEntry.self, from: Data($0.utf8)) }
    }
}
