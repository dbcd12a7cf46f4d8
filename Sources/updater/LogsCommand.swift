import ArgumentParser
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation

extension Updater {
    /// `updater logs`: the last entries across the daily log files.
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the last log entries, newest last, across day files.")

        @Option(parsing: .unconditional, help: "How many entries (0 to \(Self.maxCount)).")
        var count = 50

        @Option(help: "Only entries at this level or above: debug, info, warn, error.")
        var level = "debug"

        @Flag(help: "Keep printing new entries as they are written (Ctrl-C to stop).")
        var follow = false

        @Flag(help: "Print entries as JSON lines, as they are stored.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func validate() throws {
            guard (0...Self.maxCount).contains(count) else {
                throw ValidationError("--count: out of range: must be from 0 to \(Self.maxCount), got \(count)")
            }
            guard LogEntry.levels.contains(level) else { throw ValidationError("--level must be one of debug, info, warn, error") }
        }

        /// The most entries one call prints (the API's own limit).
        static let maxCount = 10_000

        func run() async throws {
            let config = try configOptions.load().config
            let directory = URL(fileURLWithPath: config.logDirectory)
            let entries: [LogEntry]
            if let client = try ServiceClient.forService(of: config) {
                entries = try await client.send("GET", "\(APIPaths.base)/logs",
                                                query: [.init(name: "count", value: "\(count)"), .init(name: "level", value: level)],
                                                as: [LogEntry].self)
            } else {
                entries = try LogReader.last(count, minimumLevel: level, in: directory)
            }
            for entry in entries { Console.line(render(entry)) }
            guard follow else { return }
            var file = LogReader.dayFiles(in: directory).last
            var seen = file.map { (try? LogReader.entries(in: $0).count) ?? 0 } ?? 0
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                if let newest = LogReader.dayFiles(in: directory).last, newest != file {
                    file = newest
                    seen = 0
                }
                guard let file else { continue }
                let entries = (try? LogReader.entries(in: file)) ?? []
                for entry in entries.dropFirst(seen) where entry.isAtLeast(level) { Console.line(render(entry)) }
                seen = max(seen, entries.count)
            }
        }

        private func render(_ entry: LogEntry) -> String {
            if json { return String(decoding: (try? JSONCoding.encoder().encode(entry)) ?? Data(), as: UTF8.self) }
            let fields = entry.metadata.keys.sorted().map { "\($0)=\(entry.metadata[$0]!)" }.joined(separator: " ")
            return "\(entry.time) \(entry.level.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)) [\(entry.label)] \(entry.message)"
                + (fields.isEmpty ? "" : " " + fields)
        }
    }
}
