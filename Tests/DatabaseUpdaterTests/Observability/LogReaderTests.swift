import Foundation
import Testing
@testable import DatabaseUpdater

/// Reading the last entries of the day files from their ends: the same entries as reading
/// everything, whatever the chunk size, across days, with torn lines skipped.
struct LogReaderTests {
    private func folder(days: [String: [String]]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("logs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (day, lines) in days {
            try Data(lines.joined(separator: "\n").utf8).write(to: folder.appendingPathComponent(DailyLogFile.fileName(day: day)))
        }
        return folder
    }

    private func line(_ n: Int, level: String = "info") -> String {
        #"{"time":"2026-11-30T12:00:\#(String(format: "%02d", n % 60)).000Z","level":"\#(level)","label":"updater","message":"entry \#(n)","metadata":{}}"#
    }

    private func messages(_ entries: [LogEntry]) -> [String] { entries.map(\.message) }

    @Test(arguments: [1, 7, 100, 65_536])
    func backwardsReadsEveryEntryLastFirstWhateverTheChunkSize(chunk: Int) throws {
        let lines = (0..<50).map { line($0, level: $0 % 5 == 0 ? "error" : "info") } + ["{\"torn"]
        let directory = try folder(days: ["2026-11-30": lines])
        defer { try? FileManager.default.removeItem(at: directory) }
        var seen: [String] = []
        try LogReader.backwards(in: LogReader.dayFiles(in: directory)[0], chunkSize: chunk) { seen.append($0.message); return true }
        #expect(seen == (0..<50).reversed().map { "entry \($0)" })
    }

    @Test func lastTakesTheNewestAcrossDaysOldestFirstAndFiltersByLevel() throws {
        let directory = try folder(days: [
            "2026-11-29": (0..<10).map { line($0, level: $0 == 3 ? "error" : "info") },
            "2026-11-30": (10..<15).map { line($0, level: $0 == 12 ? "warn" : "debug") },
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(messages(try LogReader.last(7, in: directory)) == (8..<15).map { "entry \($0)" })
        #expect(messages(try LogReader.last(100, in: directory)) == (0..<15).map { "entry \($0)" })
        #expect(messages(try LogReader.last(5, minimumLevel: "warn", in: directory)) == ["entry 3", "entry 12"])
        #expect(try LogReader.last(0, in: directory).isEmpty)
        // The same as reading every entry of every file.
        let everything = try LogReader.dayFiles(in: directory).flatMap { try LogReader.entries(in: $0) }
        #expect(messages(try LogReader.last(9, in: directory)) == messages(Array(everything.suffix(9))))
    }

    /// What `updater logs --follow` does: the last entries up to the log's end, then whatever
    /// follows it: every entry once, a line still being written completed first, the next day's
    /// file from its start.
    @Test func followingFromTheEndMissesNothingAndRepeatsNothing() throws {
        let torn = line(5)
        let directory = try folder(days: ["2026-11-29": (0..<5).map { line($0) } + [String(torn.prefix(20))]])
        defer { try? FileManager.default.removeItem(at: directory) }
        var position = try #require(try LogReader.end(in: directory))
        #expect(messages(try LogReader.last(100, in: directory, upTo: position)) == (0..<5).map { "entry \($0)" })
        #expect(try LogReader.entries(after: &position, in: directory).isEmpty, "the torn line waits for its end")

        let file = LogReader.dayFiles(in: directory)[0]
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((torn.dropFirst(20) + "\n" + line(6) + "\n").utf8))
        try handle.close()
        // Written after the end was taken: not among the last entries, but followed.
        #expect(messages(try LogReader.last(100, in: directory, upTo: position)) == (0..<5).map { "entry \($0)" })
        #expect(messages(try LogReader.entries(after: &position, in: directory)) == ["entry 5", "entry 6"])
        #expect(try LogReader.entries(after: &position, in: directory).isEmpty)

        try Data((line(7) + "\n" + line(70) + "\n").utf8).write(to: directory.appendingPathComponent(DailyLogFile.fileName(day: "2026-11-30")))
        #expect(messages(try LogReader.entries(after: &position, in: directory)) == ["entry 7", "entry 70"])
        #expect(position.file.lastPathComponent == DailyLogFile.fileName(day: "2026-11-30"))
        // A file begun again (smaller than the place reached) is read from its start.
        try Data((line(8) + "\n").utf8).write(to: position.file)
        #expect(messages(try LogReader.entries(after: &position, in: directory)) == ["entry 8"])
    }
}
