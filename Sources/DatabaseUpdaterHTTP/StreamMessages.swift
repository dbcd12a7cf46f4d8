import DatabaseUpdater
import Foundation

/// How a ``StreamItem`` is written to a client: as a Server-Sent Events frame, or as the JSON
/// text of a WebSocket message.
///
/// A change-log entry is its change-log JSON (``ChangeEvent/jsonLine``); over SSE it carries
/// `id: SEQ`, so a client that reconnects with `Last-Event-ID` resumes after it. Events from
/// outside the log have no id (they cannot be replayed). Markers are named events over SSE and
/// objects with a `type` over WebSocket: `gap` (`{"type":"gap","from":A,"to":B}`), `reset`
/// (`{"type":"reset","lastSequence":N}`, over SSE with `id: N`) and `dropped` (`{"type":"dropped","count":N}`).
enum StreamMessages {
    /// Sent every 15 seconds on an idle stream: an SSE comment line; WebSocket pings instead.
    static let heartbeat = ": heartbeat\n\n"
    /// Sent first, so a client sees the stream open before the first event.
    static let opening = "retry: 2000\n: connected\n\n"

    static func sse(_ item: StreamItem) -> String {
        switch item {
        case .event(let event):
            return (event.seq.map { "id: \($0)\n" } ?? "event: external\n") + "data: \(event.jsonLine)\n\n"
        case .reset(let last):
            return "id: \(last)\nevent: reset\ndata: \(json(item))\n\n"
        case .gap, .externalDropped:
            return "event: \(name(item))\ndata: \(json(item))\n\n"
        }
    }

    static func json(_ item: StreamItem) -> String {
        switch item {
        case .event(let event): event.jsonLine
        case .gap(let range): #"{"type":"gap","from":\#(range.lowerBound),"to":\#(range.upperBound)}"#
        case .reset(let last): #"{"type":"reset","lastSequence":\#(last)}"#
        case .externalDropped(let count): #"{"type":"dropped","count":\#(count)}"#
        }
    }

    private static func name(_ item: StreamItem) -> String {
        switch item {
        case .event: "event"
        case .gap: "gap"
        case .reset: "reset"
        case .externalDropped: "dropped"
        }
    }
}
