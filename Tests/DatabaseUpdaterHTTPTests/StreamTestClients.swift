import Foundation
import Synchronization
import UpdaterTestSupport

/// One Server-Sent Events frame as a client parses it.
struct SSEFrame: Equatable {
    var id: String?
    var event: String?
    var data: String?
    var comment: String?

    /// The complete frames of a stream's text (a trailing partial frame is left out).
    static func parse(_ text: String) -> [SSEFrame] {
        text.components(separatedBy: "\n\n").dropLast().map { block in
            var frame = SSEFrame()
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)) }
                else if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                else if line.hasPrefix("data: ") { frame.data = String(line.dropFirst(6)) }
                else if line.hasPrefix(": ") { frame.comment = String(line.dropFirst(2)) }
            }
            return frame
        }
    }
}

/// `curl -N` reading an SSE stream, as a real client: the test reads its frames as they arrive,
/// and can stall it (SIGSTOP: it stops reading, the socket fills up) and let it go on (SIGCONT).
final class CurlStream: Sendable {
    /// What curl printed so far, filled by the pipe's reader thread.
    private final class Output: Sendable {
        let text = Mutex("")
    }

    private let process: Process
    private let output = Output()

    init(port: Int, path: String, headers: [String] = []) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sN"] + headers.flatMap { ["-H", $0] } + ["http://127.0.0.1:\(port)\(path)"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        let output = output
        try process.run()
        drainOnOwnThread(out.fileHandleForReading) { chunk in output.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) } }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// Every complete frame so far.
    var frames: [SSEFrame] {
        let all = output.text.withLock { $0 }
        return SSEFrame.parse(all)
    }

    /// The sequence numbers of the change-log events received, in order.
    var sequences: [Int64] { frames.filter { $0.event == nil && $0.id != nil }.compactMap { $0.id.flatMap { Int64($0) } } }

    /// Waits until `predicate` holds for the frames (false after `timeout`).
    func waitUntil(timeout: Duration = .seconds(20), _ predicate: ([SSEFrame]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(frames) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return predicate(frames)
    }

    func pause() { kill(process.processIdentifier, SIGSTOP) }
    func resume() { kill(process.processIdentifier, SIGCONT) }

    /// Ends curl (without waiting for it: a test must not block its thread); the frames stay readable.
    func stop() {
        kill(process.processIdentifier, SIGCONT)
        kill(process.processIdentifier, SIGKILL)
    }
}

/// A minimal WebSocket client over a raw socket (RFC 6455: the handshake, masked text frames
/// out, unmasked frames in, pongs for pings), blocking: call it from ``onOwnThread(_:)``.
final class WebSocketTestClient: Sendable {
    private let fd: Int32
    /// Bytes received and not yet parsed into frames.
    private let pending = Mutex<[UInt8]>([])

    /// Connects and upgrades; throws with the server's answer when it does not switch protocols.
    init(port: Int, path: String) throws {
        fd = try LoopbackSocket.connect(port: port)
        try send(Array(("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        // The answer's head may arrive with the first frames behind it in one read; those are
        // binary, so the head is split off as bytes, never through a decoded string.
        var received: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let bytes = try receive(timeout: 10)
            guard !bytes.isEmpty, received.count < 65_536 else { break }
            received += bytes
            headEnd = received.indices.dropLast(3).first { received[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
        }
        let head = String(decoding: received[..<(headEnd ?? received.count)], as: UTF8.self)
        guard let headEnd else { throw HarnessError("no handshake answer: \(head)") }
        pending.withLock { $0 = Array(received[(headEnd + 4)...]) }
        guard head.hasPrefix("HTTP/1.1 101") else { throw HarnessError("not upgraded: \(head.prefix(200))") }
    }

    deinit { close(fd) }

    /// Ends the connection at once (the server sees it closed), before the test stops the server.
    func hangUp() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// The next text message, or nil when the server closes (or `timeout` seconds pass).
    func readText(timeout: Double = 10) throws -> String? {
        while true {
            if let frame = takeFrame() {
                switch frame.opcode {
                case 0x1: return String(decoding: frame.payload, as: UTF8.self)
                case 0x8: return nil
                case 0x9: try sendFrame(opcode: 0xA, payload: frame.payload)
                default: continue
                }
                continue
            }
            let bytes = try receive(timeout: timeout)
            if bytes.isEmpty { return nil }
            pending.withLock { $0 += bytes }
        }
    }

    func sendText(_ text: String) throws { try sendFrame(opcode: 0x1, payload: Array(text.utf8)) }

    private func takeFrame() -> (opcode: UInt8, payload: [UInt8])? {
        pending.withLock { buffer in
            guard buffer.count >= 2 else { return nil }
            var length = Int(buffer[1] & 0x7F), offset = 2
            if length == 126 {
                guard buffer.count >= 4 else { return nil }
                length = Int(buffer[2]) << 8 | Int(buffer[3])
                offset = 4
            } else if length == 127 {
                guard buffer.count >= 10 else { return nil }
                length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
                offset = 10
            }
            guard buffer.count >= offset + length else { return nil }
            let frame = (buffer[0] & 0x0F, Array(buffer[offset..<(offset + length)]))
            buffer.removeFirst(offset + length)
            return frame
        }
    }

    private func sendFrame(opcode: UInt8, payload: [UInt8]) throws {
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        var frame: [UInt8] = [0x80 | opcode]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        }
        frame += mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try send(frame)
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HarnessError("send failed") }
            sent += n
        }
    }

    /// Some bytes, waiting up to `timeout` seconds; empty at the end of the stream or on timeout.
    private func receive(timeout: Double) throws -> [UInt8] {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) > 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer[0..<n]) : []
    }
}

/// An SSE client over a raw socket with a tiny receive buffer, which the test can leave unread:
/// the server's writes then back up at once, as behind a stalled consumer. Blocking: call it
/// from ``onOwnThread(_:)``.
final class StalledSSEConnection: Sendable {
    private let fd: Int32

    init(port: Int, path: String) throws {
        fd = try LoopbackSocket.connect(port: port) { fd in
            var size: Int32 = 4_096
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            throw HarnessError("cannot send the request")
        }
    }

    deinit { close(fd) }

    /// Ends the connection at once (the server sees it closed), before the test stops the server.
    func hangUp() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Reads (de-chunking the body) until a frame has id `sequence`, or `timeout` seconds pass;
    /// the frames read.
    func read(untilSequence sequence: Int64, timeout: Double) -> [SSEFrame] {
        var raw: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // The last frame's id line, looked for in what just arrived (parsing all of it each time would be quadratic).
        let marker = Array("\nid: \(sequence)\n".utf8)
        while Date() < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            raw += buffer[0..<n]
            let recent = raw.suffix(n + marker.count)
            if recent.indices.contains(where: { recent[$0...].starts(with: marker) }) { break }
        }
        // The frame itself may still be arriving: read what follows for a moment.
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, 200) > 0 {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            raw += buffer[0..<n]
        }
        return Self.frames(Self.body(raw))
    }

    /// The chunked body's bytes so far, after the head.
    private static func body(_ raw: [UInt8]) -> [UInt8] {
        guard let headEnd = raw.indices.dropLast(3).first(where: { raw[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) else { return [] }
        var position = headEnd + 4, body: [UInt8] = []
        while let lineEnd = raw[position...].indices.dropLast().first(where: { raw[$0] == 13 && raw[$0 + 1] == 10 }),
              let size = Int(String(decoding: raw[position..<lineEnd], as: UTF8.self), radix: 16), size > 0,
              raw.count >= lineEnd + 2 + size {
            body += raw[(lineEnd + 2)..<(lineEnd + 2 + size)]
            position = lineEnd + 2 + size + 2
            if position > raw.count { break }
        }
        return body
    }

    private static func frames(_ body: [UInt8]) -> [SSEFrame] {
        SSEFrame.parse(String(decoding: body, as: UTF8.self))
    }
}

/// A TCP connection to the API on loopback, for the tests' raw-socket clients.
enum LoopbackSocket {
    /// A connected socket's descriptor; `configure` runs on the socket before it connects.
    static func connect(port: Int, configure: (Int32) -> Void = { _ in }) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket: \(errno)") }
        configure(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw HarnessError("cannot connect to port \(port): \(errno)")
        }
        return fd
    }
}
