import Foundation

/// Reads entries back from the daily log files, across days.
public enum LogReader {
    /// The last `count` entries at or above `minimumLevel`, oldest first, across day files.
    ///
    /// Each file is read from its end, a chunk at a time, and only until `count` entries are
    /// found: the day's file grows by an entry per execution, and reading and decoding all of it
    /// for every `GET /logs` made each request's time and transient memory grow with it (the
    /// soak saw a 9 MB log cost a second and 48 MB per request, and RSS climb 170 MB an hour).
    ///
    /// With `end`, entries written after it are left out: the newest day file is read only up
    /// to `end.offset`, and later day files not at all (``LogPosition`` says why).
    public static func last(_ count: Int, minimumLevel: String = "debug", in directory: URL,
                            upTo end: LogPosition? = nil) throws -> [LogEntry] {
        guard count > 0 else { return [] }
        var newestFirst: [LogEntry] = []
        for file in dayFiles(in: directory).reversed() {
            if let end, file.lastPathComponent > end.file.lastPathComponent { continue }
            try backwards(in: file, upTo: end?.file == file ? end?.offset : nil) { entry in
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

    /// The end of the newest day file's last whole line now, where following the log starts
    /// (a line still being written is followed, not cut); nil without a day file.
    public static func end(in directory: URL) throws -> LogPosition? {
        guard let file = dayFiles(in: directory).last else { return nil }
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        var offset = try handle.seekToEnd()
        while offset > 0 {
            let size = min(64 << 10, offset)
            try handle.seek(toOffset: offset - size)
            let chunk = [UInt8](try handle.read(upToCount: Int(size)) ?? Data())
            if let lastBreak = chunk.lastIndex(of: UInt8(ascii: "\n")) {
                return LogPosition(file: file, offset: offset - size + UInt64(lastBreak + 1))
            }
            offset -= size
        }
        return LogPosition(file: file, offset: 0)
    }

    /// The entries written since `position`, oldest first, moving `position` past them: the
    /// rest of its day file (only whole lines: a line still being written is read next time),
    /// then, once a newer day file exists, that file from its start. A file that shrank (rotated
    /// away and begun again) is read again from its start.
    public static func entries(after position: inout LogPosition, in directory: URL) throws -> [LogEntry] {
        var entries = try wholeLines(after: &position)
        if let newest = dayFiles(in: directory).last, newest.lastPathComponent > position.file.lastPathComponent {
            position = LogPosition(file: newest, offset: 0)
            entries += try wholeLines(after: &position)
        }
        return entries
    }

    /// The whole lines of `position.file` after `position.offset`, decoded (lines that do not
    /// decode are skipped); the offset moves past the last line break read.
    private static func wholeLines(after position: inout LogPosition) throws -> [LogEntry] {
        guard let handle = try? FileHandle(forReadingFrom: position.file) else { return [] }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        if size < position.offset { position.offset = 0 }
        try handle.seek(toOffset: position.offset)
        let bytes = [UInt8](try handle.readToEnd() ?? Data())
        guard let lastBreak = bytes.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        position.offset += UInt64(lastBreak + 1)
        let decoder = JSONDecoder()
        return bytes[..<lastBreak].split(separator: UInt8(ascii: "\n"))
            .compactMap { try? decoder.decode(LogEntry.self, from: Data($0)) }
    }

    /// Calls `visit` with the parseable entries of `file` (up to byte `limit`, when given), last
    /// first, reading the file backwards `chunkSize` bytes at a time, until `visit` returns false
    /// or the file's start is reached. Lines that do not decode (a torn last line) are skipped,
    /// as ``entries(in:)`` skips them.
    static func backwards(in file: URL, upTo limit: UInt64? = nil, chunkSize: Int = 64 << 10,
                          _ visit: (LogEntry) -> Bool) throws {
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var offset = min(try handle.seekToEnd(), limit ?? .max)
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

/// A place in the daily log: a day file and a byte offset in it, at a line's start.
///
/// `updater logs --follow` takes the log's end *before* printing the last entries, prints those
/// up to it, and then follows from it: an entry written in between is printed once, by the
/// follow, neither lost nor twice.
public struct LogPosition: Sendable, Equatable {
    /// The day file.
    public var file: URL
    /// Bytes of `file` before the position.
    public var offset: UInt64

    /// A position in `file`, `offset` bytes in.
    public init(file: URL, offset: UInt64) {
        self.file = file
        self.offset = offset
    }
}
