// libyaml itself, from Yams' own C target: the events let a document be checked before Yams
// composes it (see `prescan`). No second copy of libyaml is built or linked.
import CYaml
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
///   nine aliases each (the "billion laughs" shape) are 342 bytes of YAML and 387 million values.
///   The count is taken on libyaml's events, before Yams composes anything (``prescan(_:)``).
/// - **Keys** are plain scalars: a list, a mapping or an alias as a key is refused (Yams hashes
///   keys with aliases expanded, and traps converting a list key).
/// - **Merge keys** (`<<`) are not resolved: a chain of them costs cubic time to construct.
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
        try prescan(text)
        let node: Node?
        do {
            // Without the merge rule, `<<` is an ordinary (unknown) key: a chain of merges costs
            // Yams' construction cubic time, and a configuration has no use for them.
            node = try Yams.compose(yaml: text, Resolver.default.removing(.merge), .default, .utf8)
        } catch let error as YamlError {
            throw Problem("invalid YAML: \(describe(error))")
        } catch {
            throw Problem("invalid YAML: \(DatabaseError.oneLine("\(error)"))")
        }
        return node.map(value)
    }

    /// The Swift value of a composed node, for the loader's typed reads: mappings, lists, and
    /// for scalars the YAML type their resolved tag names — converted here rather than by Yams'
    /// constructor, which traps on what it cannot hold (a base-60 integer such as
    /// `-922337203685477580:9` overflows its `Int` arithmetic: found by FuzzConfig). A number no
    /// type can hold stays text, and the loader's typed read says what is wrong with it.
    static func value(_ node: Node) -> Any {
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar.string, tag: node.tag.rawValue)
        case .alias(let alias):
            return alias.anchor.rawValue
        case .sequence(let sequence):
            return sequence.map(value)
        case .mapping(let mapping):
            var result: [String: Any] = [:]
            for (key, element) in mapping {
                // Keys are scalars (``prescan(_:)``), and duplicates are a composing error.
                if case .scalar(let scalar) = key { result[scalar.string] = value(element) }
            }
            return result
        }
    }

    private static func scalarValue(_ text: String, tag: String) -> Any {
        switch tag {
        case Tag.Name.null.rawValue:
            return NSNull()
        case Tag.Name.bool.rawValue:
            return ["true", "yes", "on"].contains(text.lowercased())
        case Tag.Name.int.rawValue:
            let digits = text.replacingOccurrences(of: "_", with: "")
            let negative = digits.hasPrefix("-")
            let unsigned = digits.hasPrefix("-") || digits.hasPrefix("+") ? String(digits.dropFirst()) : digits
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where unsigned.hasPrefix(prefix) {
                guard let magnitude = Int(unsigned.dropFirst(2), radix: radix) else { return text }
                return negative ? -magnitude : magnitude
            }
            return Int(digits) ?? text
        case Tag.Name.float.rawValue:
            switch text.lowercased() {
            case ".inf", "+.inf": return Double.infinity
            case "-.inf": return -Double.infinity
            case ".nan": return Double.nan
            default: return Double(text.replacingOccurrences(of: "_", with: "")) ?? text
            }
        default:
            return text
        }
    }

    /// Reads the document's events with libyaml before Yams composes it, since composing can
    /// already take exponential time: Yams checks mapping keys for duplicates by hashing them
    /// with aliases expanded. Refuses, in one pass and in linear time, a document of more than
    /// ``maxValues`` values once aliases are expanded (an anchored node's expanded size is
    /// known when it ends), and a key that is not a plain scalar (a list, a mapping or an alias:
    /// besides the hashing, Yams' conversion traps on a list as a key). Syntax errors are
    /// reported here too, in one line.
    static func prescan(_ text: String) throws(Problem) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Problem("cannot be read: out of memory") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        /// An open sequence or mapping.
        struct Frame {
            let isMapping: Bool
            /// For a mapping: whether its next node is a key.
            var expectsKey = true
            /// Values counted before it opened, and its anchor.
            let start: Int
            let anchor: String?
        }
        var stack: [Frame] = []
        var anchors: [String: Int] = [:]
        var count = 0
        func anchorName(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
        func add(_ values: Int) throws(Problem) {
            count += values
            if count > maxValues {
                throw Problem("expands to more than \(maxValues) values (aliases nested inside aliases?); a configuration is much smaller")
            }
        }
        /// A node begins: refused in a key's place unless it is a scalar.
        func begin(_ kind: String, at mark: yaml_mark_t, scalar: Bool) throws(Problem) {
            guard let parent = stack.last, parent.isMapping, parent.expectsKey, !scalar else { return }
            throw Problem("invalid YAML for a configuration: the key at line \(mark.line + 1), column \(mark.column + 1) is \(kind); keys are plain names")
        }
        /// A node ended: the next node of a mapping switches between key and value.
        func ended() {
            if let last = stack.indices.last, stack[last].isMapping { stack[last].expectsKey.toggle() }
        }
        try bytes.withUnsafeBufferPointer { (buffer) throws(Problem) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var done = false
            while !done {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { throw Problem("invalid YAML: \(parserProblem(parser))") }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    done = true
                case YAML_SCALAR_EVENT:
                    try begin("a scalar", at: event.start_mark, scalar: true)
                    try add(1)
                    if let anchor = anchorName(event.data.scalar.anchor) { anchors[anchor] = 1 }
                    ended()
                case YAML_ALIAS_EVENT:
                    try begin("an alias", at: event.start_mark, scalar: false)
                    try add(anchorName(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1)
                    ended()
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let mapping = event.type == YAML_MAPPING_START_EVENT
                    try begin(mapping ? "a mapping" : "a list", at: event.start_mark, scalar: false)
                    let anchor = anchorName(mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
                    stack.append(Frame(isMapping: mapping, start: count, anchor: anchor))
                    try add(1)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    if let frame = stack.popLast(), let anchor = frame.anchor { anchors[anchor] = count - frame.start }
                    ended()
                default:
                    break  // stream and document starts and ends
                }
            }
        }
    }

    /// libyaml's error, in one line with a 1-based position.
    private static func parserProblem(_ parser: yaml_parser_t) -> String {
        var problem = parser.problem.map { String(cString: $0) } ?? "unreadable input"
        if problem.hasPrefix("Maximum nesting level reached") {
            problem = "nested deeper than 1000 levels"
        }
        let mark = parser.problem_mark
        var text = "\(problem) at line \(mark.line + 1), column \(mark.column + 1)"
        if let context = parser.context.map({ String(cString: $0) }) { text += " (\(context))" }
        return text
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
