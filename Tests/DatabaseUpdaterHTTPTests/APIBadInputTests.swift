import DatabaseUpdater
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import UpdaterTestSupport

/// Requests a hostile or careless client sends: every answer is a 4xx with the API's JSON error
/// body, nothing changes, and the service keeps running.
struct APIBadInputTests {
    private let base = "/api/database-updater"

    /// Requests NIO cannot parse never reach the router; they get JSON too.
    @Test func unparseableRequestsGetAJSONError() async throws {
        let api = try await APIHarness.start()
        let huge = String(repeating: "a", count: 100_000)
        let oversized = try await RawHTTP.send("GET \(base)/status HTTP/1.1\r\nHost: x\r\nX-Big: \(huge)\r\n\r\n", port: api.port)
        #expect(oversized.status == 400, "\(oversized.head)")
        #expect(oversized.json?["error"] as? String == "request headers too large", "\(oversized.body)")
        let conflicting = try await RawHTTP.send(
            "POST \(base)/stop HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}", port: api.port)
        #expect(conflicting.status == 400, "\(conflicting.head)")
        #expect(conflicting.json?["error"] as? String == "invalid or conflicting Content-Length header", "\(conflicting.body)")
        #expect(conflicting.head.lowercased().contains("content-type: application/json"))
        // Still serving, and nothing was paused.
        #expect(try await api.send("GET", "\(base)/health").status == 200)
        #expect(await api.manager.isScheduling())
        try await api.stop()
    }

    /// Live configuration updates with values no conversion could hold, unknown keys or wrong
    /// types: 422 naming each problem, and the running configuration unchanged.
    @Test(arguments: [
        (#"{"config": {"executionConfig": {"executionTimeoutMinutes": 1e300}}}"#, "executionConfig.executionTimeoutMinutes: out of range"),
        (#"{"config": {"shutdownGracePeriodSeconds": 1e300}}"#, "shutdownGracePeriodSeconds: out of range"),
        (#"{"config": {"seed": 1e400}}"#, "seed: out of range"),
        (#"{"config": {"seed": -1}}"#, "seed: out of range"),
        (#"{"config": {"colour": "blue"}}"#, "colour: unknown key"),
        (#"{"config": {"executionConfig": {"turbo": true}}}"#, "executionConfig.turbo: unknown key"),
        (#"{"config": {"misfireLimit": "ten"}}"#, "misfireLimit: wrong type"),
        (#"{"config": {"misfireLimit": 1e9}}"#, "misfireLimit: out of range"),
    ])
    func badLiveUpdatesAreRefusedWithReasons(body: String, expected: String) async throws {
        let api = try await APIHarness.start()
        let before = await api.manager.configuration
        let reply = try await api.send("PUT", "\(base)/config", json: body)
        #expect(reply.status == 422, "\(reply.text)")
        let details = reply.json()?["details"] as? [String] ?? []
        #expect(details.contains { $0.hasPrefix(expected) }, "\(reply.text)")
        #expect(await api.manager.configuration == before)
        // The service survived it: a request that needs the configuration still works.
        #expect(try await api.send("POST", "\(base)/dry-run/service_tickets").status == 200)
        try await api.stop()
    }
}

/// HTTP/1.1 over a plain socket, for requests URLSession refuses to send.
enum RawHTTP {
    struct Reply {
        let head: String
        let body: String
        var status: Int { Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0 }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] }
    }

    /// Sends `request` to 127.0.0.1:`port` and reads until the server closes the connection, on
    /// a thread of its own (see ``onOwnThread(_:)``).
    static func send(_ request: String, port: Int) async throws -> Reply {
        try await onOwnThread { try exchange(request, port: port) }
    }

    private static func exchange(_ request: String, port: Int) throws -> Reply {
        let fd = try LoopbackSocket.connect(port: port) { fd in
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        defer { close(fd) }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            // The server may answer and close before reading everything; that is fine.
            // MSG_NOSIGNAL: a server that already closed must not kill the test with SIGPIPE.
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        let text = String(decoding: received, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        return Reply(head: parts.first ?? "", body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }
}
