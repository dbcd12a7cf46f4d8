import Foundation
import Yams

/// Reads a configuration document (a file, or text given directly) into the plain values the
/// loader checks, within bounds: no input can make it run for long, use much memory or crash.
///
/// The bounds, and why:
/// - **Size**: at most ``maxBytes``. A configuration is a few kilobytes; a bigger file is a mistake.
/// - **Text**: UTF-8 without NUL bytes. A binary file given as `--config` is named as such instead
///   of producing a parser error about a "control character".
/// - **Nesting**: libyaml (inside Yams) refuses documents nested deeper than 1,000 levels.
/// - **Alias expansion**: at most ``maxValues`` values once aliases are expanded. Nine levels of
///   nine aliases each (the "billion laughs" shape) are 342 bytes of YAML and 387 million values;
///   Yams shares aliased nodes while composing, so the count is taken on the composed tree, with
///   an early exit, before anything is expanded into Swift values.
public enum ConfigDocument {
    /// The largest configuration file read.
    public static let maxBytes = 1 << 20
    /// The most values (scalars, mappings and lists, aliases expanded) a document may hold.
    public static let maxValues = 100_000

    /// A document that cannot be read; one line, without the file name (the caller adds it once).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads and parses the file at `path`.
    /// - Returns: the top-level value (nil for an empty document).
    public static func read(path: String) throws(Problem) -> Any? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Problem("no such file")
        }
        if isDirectory.boolValue { throw Problem("is a directory, not a configuration file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Problem("cannot be read (permission denied?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            // One byte more than allowed tells an oversized file without reading all of it.
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw Problem("cannot be read: \(DatabaseError.oneLine((error as NSError).localizedDescription))")
        }
        return try parse(data)
    }

    /// Parses a document held in memory.
    /// - Returns: the top-level value (nil for an empty document).
    public static func parse(_ data: Data) throws(Problem) -> Any? {
        if data.count > maxBytes {
            throw Problem("is larger than \(maxBytes / 1024) KiB; a configuration file is a few kilobytes")
        }
        if data.contains(0) { throw Problem("is not a text file (it contains NUL bytes)") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem("is not UTF-8 text")
        }
        return try parse(text)
    }

    /// Parses YAML text.
    /// - Returns: the top-level value (nil for an empty document).
    public static func parse(_ text: String) throws(Problem) -> Any? {
        if text.utf8.count > maxBytes {
            throw Problem("is larger than \(maxBytes / 1024) KiB; a configuration file is a few kilobytes")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch let error as YamlError {
            throw Problem("invalid YAML: \(describe(error))")
        } catch {
            throw Problem("invalid YAML: \(DatabaseError.oneLine("\(error)"))")
        }
        guard let node else { return nil }
        var budget = maxValues
        try check(node, budget: &budget)
        return node.any
    }

    /// Walks `node` before Yams turns it into Swift values: counts its values, aliases expanded,
    /// until the budget runs out, and refuses mapping keys that are not plain scalars (a list or
    /// mapping as a key makes Yams' conversion trap). Depth is bounded by libyaml's nesting
    /// limit, so the recursion is too.
    private static func check(_ node: Node, budget: inout Int) throws(Problem) {
        budget -= 1
        if budget < 0 {
            throw Problem("expands to more than \(maxValues) values (aliases nested inside aliases?); a configuration is much smaller")
        }
        switch node {
        case .scalar, .alias:
            return
        case .sequence(let sequence):
            for element in sequence { try check(element, budget: &budget) }
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard case .scalar = key else {
                    let line = key.mark.map { " at line \($0.line), column \($0.column)" } ?? ""
                    throw Problem("invalid YAML for a configuration: a key\(line) is a list or a mapping; keys are plain names")
                }
                try check(value, budget: &budget)
            }
        }
    }

    /// A Yams error on one line: the problem and where, without the quoted source line.
    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return "\(problem) at line \(mark.line), column \(mark.column)" + (context.map { " (\($0.text))" } ?? "")
        default:
            return DatabaseError.oneLine("\(error)")
        }
    }
}
