import CLibPQ
import Foundation

/// A PostgreSQL connection string (URL or conninfo), validated by libpq's own parser and
/// safe to print: every textual form of it hides the password.
public struct ConnectionString: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The parsed options libpq will connect with (non-empty values only), password included.
    let options: [String: String]

    /// Parses and validates `text` (a `postgres://`/`postgresql://` URL or a conninfo string).
    /// - Throws: ``DatabaseError`` of kind ``DatabaseError/Kind/invalidLocation``; the message
    ///   never repeats the password.
    public init(_ text: String) throws(DatabaseError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "unparseable connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            let password = Self.roughPassword(in: text)
            throw DatabaseError(.invalidLocation, "invalid PostgreSQL connection string: \(Self.scrub(reason, password: password))")
        }
        defer { PQconninfoFree(parsed) }
        var options: [String: String] = [:]
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val, value.pointee != 0 {
                options[String(cString: keyword)] = String(cString: value)
            }
            option += 1
        }
        self.options = options
    }

    /// The password, if the string has one.
    var password: String? { options["password"] }

    /// `postgres://user:***@host:port/dbname`, for banners, logs and errors.
    public var redacted: String {
        var text = "postgres://"
        if let user = options["user"] {
            text += user + (password != nil ? ":***" : "") + "@"
        } else if password != nil {
            text += ":***@"
        }
        let host = options["host"] ?? options["hostaddr"] ?? ""
        if !host.hasPrefix("/") { text += host }
        if let port = options["port"] { text += ":\(port)" }
        text += "/" + (options["dbname"] ?? "")
        var query: [String] = []
        if host.hasPrefix("/") { query.append("host=\(host)") }
        if let sslmode = options["sslmode"] { query.append("sslmode=\(sslmode)") }
        if !query.isEmpty { text += "?" + query.joined(separator: "&") }
        return text
    }

    public var description: String { redacted }
    public var debugDescription: String { "ConnectionString(\(redacted))" }
    public var customMirror: Mirror { Mirror(self, children: ["redacted": redacted]) }

    /// `message` with every occurrence of the password replaced by `***`.
    func scrub(_ message: String) -> String { Self.scrub(message, password: password) }

    static func scrub(_ message: String, password: String?) -> String {
        guard let password, !password.isEmpty else { return message }
        var result = message.replacingOccurrences(of: password, with: "***")
        if let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics), encoded != password {
            result = result.replacingOccurrences(of: encoded, with: "***")
        }
        return result
    }

    /// Best-effort password extraction from a string libpq could not parse, for scrubbing.
    private static func roughPassword(in text: String) -> String? {
        if let url = URLComponents(string: text), let password = url.password { return password }
        if let range = text.range(of: "password=") {
            return text[range.upperBound...].split(separator: " ").first.map { $0.trimmingCharacters(in: ["'"]) }
        }
        return nil
    }
}
