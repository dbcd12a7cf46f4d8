import Foundation

/// Where an endpoint's delivery got to, kept in the data folder (`DATA/webhooks/KEY.json`,
/// `{"url":"…","deliveredThrough":42}`) so that a restarted service resumes after the last
/// entry delivered instead of skipping what committed while it was down.
struct WebhookCursor: Sendable {
    private struct Saved: Codable {
        let url: String
        let deliveredThrough: Int64
    }

    let file: URL
    let url: String

    init(directory: URL, endpoint: WebhookConfig) {
        file = directory.appendingPathComponent("webhooks").appendingPathComponent("\(endpoint.key).json")
        url = endpoint.displayURL
    }

    /// The last entry delivered, or nil for an endpoint never delivered to (or an unreadable file).
    func read() -> Int64? {
        guard let data = try? Data(contentsOf: file) else { return nil }
        return (try? JSONDecoder().decode(Saved.self, from: data))?.deliveredThrough
    }

    /// Records `seq` as delivered (written whole, then renamed: a crash leaves the old file or the new one).
    func write(_ seq: Int64) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(Saved(url: url, deliveredThrough: seq)).write(to: file, options: .atomic)
    }
}
