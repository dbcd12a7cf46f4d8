import Crypto
import Foundation

/// One webhook endpoint (`webhooks:` in the configuration): where committed changes are POSTed,
/// in batches, as `{"events":[…]}`.
///
/// ```yaml
/// webhooks:
///   - url: http://127.0.0.1:8000/api/viz/emit
///     batchSize: 50          # events per POST at most
///     intervalMs: 100        # and at least this often while events wait
///     secret: whsec_…        # optional: Standard Webhooks signatures
///     filter: { tables: [service_tickets], operations: [insert, update] }
/// ```
public struct WebhookConfig: Sendable, Equatable, Codable {
    /// The receiver: an `http` or `https` URL.
    public var url: String
    /// Events per POST at most (1 to 1,000).
    public var batchSize: Int
    /// Events wait at most this long for a batch to fill (at least 10 ms).
    public var intervalMs: Int
    /// The Standard Webhooks signing secret (`whsec_` and base64 of 24 to 64 bytes); nil sends
    /// unsigned requests. Never shown: ``UpdaterConfig/redacted`` hides it.
    public var secret: String?
    /// Which events the endpoint gets.
    public var filter: StreamFilter
    /// Entries held for the endpoint while it is slow (10 to 1,000,000); past them, log entries
    /// are read back from the log later (a gap record says so) and outside events are dropped.
    public var queueLimit: Int
    /// One request's timeout, in seconds.
    public var timeoutSeconds: Double

    public static let batchSizes: ClosedRange<Int> = 1...1_000
    public static let queueLimits: ClosedRange<Int> = 10...1_000_000
    public static let timeouts: ClosedRange<Double> = 0.1...300
    public static let minimumIntervalMs = 10

    public init(url: String, batchSize: Int = 50, intervalMs: Int = 100, secret: String? = nil, filter: StreamFilter = .all,
                queueLimit: Int = 10_000, timeoutSeconds: Double = 10) {
        self.url = url
        self.batchSize = batchSize
        self.intervalMs = intervalMs
        self.secret = secret
        self.filter = filter
        self.queueLimit = queueLimit
        self.timeoutSeconds = timeoutSeconds
    }

    /// ``intervalMs`` as a duration.
    public var interval: Duration { .milliseconds(intervalMs) }

    /// The URL as logs, metrics and the status show it: without user, password or query, which
    /// may carry credentials.
    public var displayURL: String {
        guard var components = URLComponents(string: url) else { return "(invalid URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(invalid URL)"
    }

    /// A copy for printing: the secret and the URL's password hidden.
    public var redacted: WebhookConfig {
        var copy = self
        if copy.secret != nil { copy.secret = "***" }
        if var components = URLComponents(string: url), components.password != nil {
            components.password = "***"
            copy.url = components.string ?? copy.url
        }
        return copy
    }

    /// Twelve hex digits naming the endpoint (its URL and filter) in message ids and the file of
    /// its position: another filter is another endpoint.
    var key: String {
        let filter = [filter.tables.sorted(), filter.tenants.sorted(), filter.operations.map(\.rawValue).sorted()]
            .map { $0.joined(separator: ",") }.joined(separator: ";")
        return SHA256.hash(data: Data("\(url) \(filter)".utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// Every problem with the endpoint, one line each, starting with `path` (`webhooks[0]`).
    public func problems(at path: String) -> [String] {
        var problems: [String] = []
        let parsed = URL(string: url)
        if !["http", "https"].contains(parsed?.scheme?.lowercased() ?? "") || (parsed?.host ?? "").isEmpty {
            problems.append("\(path).url: '\(url)' is not an http or https URL")
        }
        if !Self.batchSizes.contains(batchSize) {
            problems.append("\(path).batchSize: out of range: must be from 1 to 1000, got \(batchSize)")
        }
        if intervalMs < Self.minimumIntervalMs {
            problems.append("\(path).intervalMs: out of range: must be at least 10, got \(intervalMs)")
        }
        if !Self.queueLimits.contains(queueLimit) {
            problems.append("\(path).queueLimit: out of range: must be from 10 to 1000000, got \(queueLimit)")
        }
        if !Self.timeouts.contains(timeoutSeconds) {
            problems.append("\(path).timeoutSeconds: out of range: must be from 0.1 to 300, got \(timeoutSeconds)")
        }
        if let secret, let problem = WebhookSigner.secretProblem(secret) {
            problems.append("\(path).secret: \(problem)")
        }
        return problems
    }
}
