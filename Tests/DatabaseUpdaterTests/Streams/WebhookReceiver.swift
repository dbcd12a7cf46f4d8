import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import UpdaterTestSupport

/// `scripts/webhook_receiver.py` as a child process: a real HTTP receiver on a loopback port that
/// answers as planned, records every request and checks its signature on its own (Python's
/// `hmac`, following the Standard Webhooks text, not our signer).
final class WebhookReceiver: Sendable {
    /// One recorded request.
    struct Request: Decodable, Sendable {
        let received: Double
        let id: String?
        let timestamp: String?
        let signature: String?
        /// Whether the signature checked out; nil when the receiver has no secret.
        let valid: Bool?
        /// What the receiver answered: `200`, `500`, `429:1`, `delay:2`, `stall`, …
        let action: String
        let body: Body
    }

    struct Body: Decodable, Sendable {
        let events: [Entry]
    }

    /// An element of `events`: a change event, or a `gap`, `external_dropped` or `reset` record.
    struct Entry: Decodable, Sendable {
        let type: String
        let seq: Int64?
        let table: String?
        let operation: String?
        let timestamp: Double?
        let source: String?
        let from: Int64?
        let to: Int64?
        let count: Int?
    }

    private static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/webhook_receiver.py")

    private let process: Process
    private let input: Pipe
    let port: Int

    /// The URL webhooks post to.
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Starts a receiver (checking signatures with `secret`, if given) and waits until it listens.
    init(secret: String? = nil) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script.path] + (secret.map { ["--secret", $0] } ?? [])
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = try await onOwnThread {
            var bytes = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5)) else {
            process.terminate()
            throw ReceiverFailed(message: "the receiver did not start: '\(line)'")
        }
        self.process = process
        self.input = input
        self.port = port
    }

    struct ReceiverFailed: Error {
        let message: String
    }

    /// Answers the next requests with `actions` in turn, then with `otherwise`.
    func plan(_ actions: [String], otherwise: String = "200") async throws {
        _ = try await control("plan", body: ["plan": actions, "default": otherwise])
    }

    /// Answers every held (`stall`) request, and holds no more.
    func release() async throws {
        _ = try await control("release", body: [:])
    }

    /// Every request so far, in arrival order.
    func requests() async throws -> [Request] {
        try JSONDecoder().decode([Request].self, from: try await control("requests", body: nil))
    }

    /// Waits (polling, up to `timeout`) until `condition` holds for the requests; returns them.
    func requests(within timeout: Duration = .seconds(20), until condition: ([Request]) -> Bool) async throws -> [Request] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let requests = try await requests()
            if condition(requests) || ContinuousClock.now > deadline { return requests }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Ends the receiver (it exits when its input closes).
    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }

    private func control(_ route: String, body: [String: Any]?) async throws -> Data {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/_control/\(route)")!)
        request.timeoutInterval = 10
        if let body {
            request.httpMethod = "POST"
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        return try await URLSession.shared.data(for: request).0
    }
}

extension [WebhookReceiver.Request] {
    /// The requests the receiver accepted (answered 2xx), each batch once.
    var accepted: [WebhookReceiver.Request] {
        var seen = Set<String>()
        return filter { ["200", "delay", "stall"].contains($0.action.split(separator: ":").first.map(String.init) ?? "") && seen.insert($0.id ?? "").inserted }
    }

    /// The change-log entries delivered, in delivery order.
    var logEvents: [WebhookReceiver.Entry] {
        accepted.flatMap(\.body.events).filter { $0.type == "db_write" && $0.seq != nil }
    }
}
