import Foundation

/// Reads entries back from the daily log files, across days.
public enum LogReader {
    /// The last `count` entries at or above `minimumLevel`, oldest first, across day files.
    ///
    /// Each file is read from its end, a chunk at a time, and only until `count` entries are
    /// found: the day's file grows by an entry per execution, and reading and decoding all of it
    /// for every `GET /logs` made each request's time and transient memory grow with it (the
    /// soak saw a 9 MB log cost a second and 48 MB per request, and RSS climb 170 MB an hour).
    public static func last(_ count: Int, minimumLevel: String = "debug", in directory: URL) throws -> [LogEntry] {
        guard count > 0 else { return [] }
        var newestFirst: [LogEntry] = []
        for file in dayFiles(in: directory).reversed() {
            try backwards(in: file) { entry in
                if entry.isAtLeast(minimumLevel) { newestFirst.append(entry) }
                return newestFirst.count < count
            }
            if newestFirst.count >= count { break }
        }
        return newestFirst.reversed()
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

    /// Calls `visit` with the parseable entries of `file`, last first, reading the file backwards
    /// `chunkSize` bytes at a time, until `visit` returns false or the file's start is reached.
    /// Lines that do not decode (a torn last line) are skipped, as ``entries(in:)`` skips them.
    static func backwards(in file: URL, chunkSize: Int = 64 << 10, _ visit: (LogEntry) -> Bool) throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var offset = try handle.seekToEnd()
        // The bytes from the current offset up to the first line break read so far: the end of a
        // line whose beginning is in the part not read yet (the whole first line at the start).
        var partial: [UInt8] = []
        func emit(_ line: ArraySlice<UInt8>) -> Bool {
            guard !line.isEmpty, let entry = try? decoder.decode(LogEntry.self, from: Data(line)) else { return true }
            return visit(entry)
        }
        while offset > 0 {
            let size = min(UInt64(chunkSize), offset)
            offset -= size
            try handle.seek(toOffset: offset)
            var chunk = [UInt8](try handle.read(upToCount: Int(size)) ?? Data())
            chunk.append(contentsOf: partial)
            var end = chunk.count
            var index = end - 1
            while index >= 0 {
                if chunk[index] == UInt8(ascii: "\n") {
                    if !emit(chunk[(index + 1)..<end]) { return }
                    end = index
                }
                index -= 1
            }
            partial = Array(chunk[0..<end])
        }
        _ = emit(partial[...])
    }
}
