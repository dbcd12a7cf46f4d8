import Foundation

/// What redraws a full-screen view (the dashboards): a key, a timer tick, or a signal to stop.
enum TerminalEvents {
    enum Event: Sendable {
        case key(Character)
        case tick
        case stop
    }

    /// Keys from the terminal, a tick every `refresh` seconds, and SIGTERM/SIGINT as `.stop`.
    static func stream(refresh: Double) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(0, &byte, 1) == 1 { continuation.yield(.key(Character(UnicodeScalar(byte)))) }
            continuation.yield(.stop)
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(refresh * 1000)))
                continuation.yield(.tick)
            }
        }
        let (signals, signalContinuation) = MonitorProcess.events()
        let forwarder = Task {
            for await event in signals { if case .stop = event { continuation.yield(.stop) } }
        }
        continuation.onTermination = { _ in
            ticker.cancel()
            forwarder.cancel()
            signalContinuation.finish()
        }
        return stream
    }
}
