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
            // Following reads the files here, so its first entries come from them too, up to the
            // place the follow starts from (nothing written meanwhile is lost or printed twice).
            var position = follow ? try LogReader.end(in: directory) : nil
            let entries: [LogEntry]
            if !follow, let client = try ServiceClient.forService(of: config) {
                entries = try await client.send("GET", "\(APIPaths.base)/logs",
                                                query: [.init(name: "count", value: "\(count)"), .init(name: "level", value: level)],
                                                as: [LogEntry].self)
            } else if follow && position == nil {
                entries = []  // no day file yet: the follow prints the first one from its start
            } else {
                entries = try LogReader.last(count, minimumLevel: level, in: directory, upTo: position)
            }
            for entry in entries { Console.line(render(entry)) }
            guard follow else { return }
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(250))
                if position == nil {
                    position = LogReader.dayFiles(in: directory).first.map { LogPosition(file: $0, offset: 0) }
                }
                guard var current = position else { continue }
                let entries = (try? LogReader.entries(after: &current, in: directory)) ?? []
                position = current
                for entry in entries where entry.isAtLeast(level) { Console.line(render(entry)) }
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
