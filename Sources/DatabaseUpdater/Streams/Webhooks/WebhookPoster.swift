import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends one batch to one endpoint with Foundation's URLSession (no further HTTP client to
/// build), signed when the endpoint has a secret, and says what the answer means for delivery.
struct WebhookPoster: Sendable {
    /// What one attempt came to.
    enum Outcome: Sendable, Equatable {
        /// 2xx.
        case delivered
        /// A network error, a timeout, 5xx, 408 or 429: send again, not before `after` if the
        /// receiver said (`Retry-After`).
        case retry(String, after: Duration?)
        /// Another 4xx: sending again would not help.
        case rejected(String)
        /// 410 Gone: the receiver wants no more.
        case gone(String)
    }

    let url: URL
    let signer: WebhookSigner?
    let session: URLSession

    init(url: URL, signer: WebhookSigner?, timeoutSeconds: Double) {
        self.url = url
        self.signer = signer
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        session = URLSession(configuration: configuration)
    }

    /// POSTs `body` as message `id`, with a fresh timestamp (and signature) per attempt.
    func post(_ body: Data, id: String, now: Date = Date()) async -> Outcome {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(id, forHTTPHeaderField: "webhook-id")
        let timestamp = Int(now.timeIntervalSince1970)
        request.setValue(String(timestamp), forHTTPHeaderField: "webhook-timestamp")
        if let signer {
            request.setValue(signer.signature(id: id, timestamp: timestamp, body: body), forHTTPHeaderField: "webhook-signature")
        }
        let response: URLResponse
        do {
            (_, response) = try await session.data(for: request)
        } catch {
            return .retry(Self.describe(error), after: nil)
        }
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 0
        switch status {
        case 200..<300:
            return .delivered
        case 410:
            return .gone("HTTP 410 Gone")
        case 408, 429, 500..<600:
            let after = (http?.value(forHTTPHeaderField: "Retry-After")).flatMap { Self.retryAfter($0, now: now) }
            return .retry("HTTP \(status)", after: after)
        default:
            return .rejected("HTTP \(status)")
        }
    }

    /// A `Retry-After` value: whole seconds, or an HTTP date; at most ten minutes.
    static func retryAfter(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        var seconds: Double?
        if let whole = Int(text) {
            seconds = Double(whole)
        } else {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            seconds = formatter.date(from: text).map { $0.timeIntervalSince(now) }
        }
        return seconds.map { .milliseconds(Int64(min(max($0, 0), 600) * 1000)) }
    }

    /// An error in one line, without the URL (which may carry a user and password).
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "\(type(of: error))" }
        return switch error.code {
        case .timedOut: "timed out"
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "connection lost"
        case .cannotFindHost: "unknown host"
        default: "network error \(error.code.rawValue)"
        }
    }
}
