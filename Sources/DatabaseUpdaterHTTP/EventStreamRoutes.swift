import AsyncAlgorithms
import DatabaseUpdater
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import ServiceLifecycle
import Synchronization

/// The live streams of change events: Server-Sent Events on `GET /api/database-updater/events`
/// and WebSocket on `/api/database-updater/events/ws`, each client one ``EventStream``.
///
/// Query parameters (both): `after=SEQ` (or the `Last-Event-ID` header, which wins) to resume
/// after a sequence number, or `since=TIME` (ISO 8601 or seconds since 1970) to start with the
/// first entry committed at or after it — without any, the stream starts live at the log's end —,
/// `table=`, `tenant=`, `operation=` (comma-separated lists) to filter, `target=` to pick a
/// target. A slow client never slows executions: its buffer is bounded, and past it the client
/// gets a `gap` marker and the skipped entries from the log. SSE sends a comment line every 15
/// seconds when idle; WebSocket pings. Beyond `streams.maxClients` clients, 503.
struct EventStreamRoutes: Sendable {
    /// The manager a `target=` value names (the top-level one when absent).
    let resolve: @Sendable (String?) async throws -> DatabaseUpdaterManager
    let clients: StreamClients
    /// Live events buffered per client (`streams.clientBuffer`).
    let bufferLimit: Int
    var heartbeat: Duration = .seconds(15)

    static let path = "\(APIPaths.base)/events"
    static let webSocketPath = "\(APIPaths.base)/events/ws"
    private static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// What a client asked for.
    struct Options: Sendable {
        var after: Int64?
        /// Where `since=` asked to start (when neither `after` nor `Last-Event-ID` was given).
        var since: Date?
        var filter: StreamFilter
        var target: String?

        /// Reads the query (and `Last-Event-ID`); throws a 400 naming the bad parameter.
        init(query: [String: String], lastEventID: String?) throws {
            let position = lastEventID ?? query["after"]
            if let position {
                guard let seq = Int64(position.trimmingCharacters(in: .whitespaces)), seq >= 0 else {
                    throw APIError(.badRequest, "\(lastEventID != nil ? "Last-Event-ID" : "after") '\(position.prefix(40))' is not a sequence number (0 or more)")
                }
                after = seq
            }
            if let text = query["since"] {
                if lastEventID == nil, query["after"] != nil { throw APIError(.badRequest, "give after or since, not both") }
                guard let date = Self.date(text) else {
                    throw APIError(.badRequest, "since '\(text.prefix(40))' is not a time (ISO 8601, or seconds since 1970)")
                }
                if lastEventID == nil { since = date }
            }
            do {
                filter = try StreamFilter(tables: query["table"], tenants: query["tenant"], operations: query["operation"])
            } catch {
                throw APIError(.badRequest, "operation: \(error.description)")
            }
            target = query["target"]
        }

        /// `text` as ISO 8601 (with or without fractional seconds) or seconds since 1970.
        private static func date(_ text: String) -> Date? {
            if let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 1e11 { return Date(timeIntervalSince1970: seconds) }
            return ISO8601.parse(text)
        }

        /// The position to resume after: `after`, or where `since` falls in `manager`'s log.
        func position(in manager: DatabaseUpdaterManager) async throws -> Int64? {
            guard let since else { return after }
            do {
                return try await ChangeLog.sequence(before: since, in: manager.database)
            } catch {
                throw EventStreamRoutes.logUnreadable(error)
            }
        }
    }

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(stringLiteral: Self.path)) { request, _ in try await serverSentEvents(request) }
        // Reached by requests that asked for no upgrade.
        router.get(RouterPath(stringLiteral: Self.webSocketPath)) { _, _ -> Response in
            throw APIError(.badRequest, "this route streams over WebSocket: send Connection: Upgrade and Upgrade: websocket")
        }
    }

    // MARK: - Server-Sent Events

    private func serverSentEvents(_ request: Request) async throws -> Response {
        let options = try Options(query: Self.query(request.uri.queryParameters), lastEventID: request.headers[Self.lastEventID])
        let manager = try await resolve(options.target)
        guard let slot = clients.acquire() else { throw Self.tooMany(clients) }
        let items = try await Self.items(of: EventStream(feed: manager.feed, external: manager.externalEvents,
                                                         after: try await options.position(in: manager), filter: options.filter,
                                                         bufferLimit: bufferLimit))
        let heartbeat = heartbeat
        let body = ResponseBody { writer in
            defer { withExtendedLifetime(slot) {} }  // the client's place, until its stream ends
            try await writer.write(ByteBuffer(string: StreamMessages.opening))
            for try await text in Self.frames(items.map { StreamMessages.sse($0) }, heartbeat: heartbeat) {
                if text == Self.end { break }
                try await writer.write(ByteBuffer(string: text))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"], body: body)
    }

    /// Follows the last of `texts` in ``frames(_:heartbeat:)``: the heartbeats do not end.
    private static let end = "\u{0}end"

    /// `texts` with a heartbeat whenever `heartbeat` passes, then ``end`` when `texts` ends (the
    /// service stops); the sequence ends at the service's graceful shutdown.
    private static func frames(_ texts: some AsyncSequence<String, any Error> & Sendable, heartbeat: Duration)
        -> some AsyncSequence<String, any Error> & Sendable {
        let beats = AsyncTimerSequence(interval: heartbeat, clock: .continuous).map { _ in StreamMessages.heartbeat }
        return merge(chain(texts, [end].async), beats).cancelOnGracefulShutdown()
    }

    // MARK: - WebSocket

    /// The upgrade decision for a request: requests for the WebSocket route are upgraded. One
    /// that cannot be served (no token where reads need one, bad parameters, an unknown target,
    /// every client place taken) gets one `{"type":"error","status":N,"message":…}` message and
    /// the connection is closed: a browser's WebSocket cannot read the body of a refused upgrade.
    func webSocketUpgrade(_ head: HTTPRequest, token: APIToken, guardReads: Bool)
        async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let target = head.path, let components = URLComponents(string: target), components.path == Self.webSocketPath else { return .dontUpgrade }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let served: Result<(DatabaseUpdaterManager, Options, StreamClients.Slot), APIError>
        do {
            if guardReads { try TokenMiddleware<BasicRequestContext>.check(authorization: head.headerFields[.authorization], against: token) }
            let options = try Options(query: query, lastEventID: head.headerFields[Self.lastEventID])
            let manager = try await resolve(options.target)
            guard let slot = clients.acquire() else { throw Self.tooMany(clients) }
            served = .success((manager, options, slot))
        } catch let error as APIError {
            served = .failure(error)
        } catch {
            served = .failure(APIError(.badRequest, "\(error)"))
        }
        let bufferLimit = bufferLimit
        return .upgrade([:]) { inbound, outbound, _ in
            switch served {
            case .failure(let refusal):
                try await outbound.write(.text(Self.errorMessage(refusal)))
            case .success(let (manager, options, slot)):
                defer { withExtendedLifetime(slot) {} }  // the client's place, until it goes
                try await Self.serveWebSocket(manager: manager, options: options, bufferLimit: bufferLimit, inbound: inbound, outbound: outbound)
            }
        }
    }

    /// Sends the stream's items as text messages; reads `{"filter":{…}}` messages that change the
    /// filter from the next event on (answered with `{"type":"filter",…}`).
    private static func serveWebSocket(manager: DatabaseUpdaterManager, options: Options, bufferLimit: Int, inbound: WebSocketInboundStream,
                                       outbound: WebSocketOutboundWriter) async throws {
        do {
            let stream = await EventStream(feed: manager.feed, external: manager.externalEvents, after: try await options.position(in: manager),
                                           filter: .all, bufferLimit: bufferLimit)
            try await relay(try await items(of: stream), filter: SharedFilter(options.filter), inbound: inbound, outbound: outbound)
        } catch let refusal as APIError {
            try await outbound.write(.text(errorMessage(refusal)))
        }
    }

    /// Writes `items` that pass `filter` while reading the client's filter changes; either side
    /// ending (the client closes, the service stops) ends both.
    private static func relay(_ items: some AsyncSequence<StreamItem, any Error> & Sendable, filter: SharedFilter,
                              inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    guard case .text(let text) = message else { continue }
                    switch FilterMessage.parse(text) {
                    case .success(let parsed):
                        filter.value.withLock { $0 = parsed }
                        try await outbound.write(.text(FilterMessage.acknowledgement(parsed)))
                    case .failure(let error):
                        try await outbound.write(.text(#"{"type":"error","message":\#(JSONCoding.quoted(error.description))}"#))
                    }
                }
            }
            group.addTask {
                for try await item in items.cancelOnGracefulShutdown() {
                    if case .event(let event) = item, !filter.value.withLock({ $0.matches(event) }) { continue }
                    try await outbound.write(.text(StreamMessages.json(item)))
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The filter one WebSocket client's two tasks share: the reader changes it, the writer reads it.
    private final class SharedFilter: Sendable {
        let value: Mutex<StreamFilter>
        init(_ filter: StreamFilter) { value = Mutex(filter) }
    }

    private static func query(_ parameters: Parameters) -> [String: String] {
        var query: [String: String] = [:]
        for (name, value) in parameters { query[String(name)] = String(value) }
        return query
    }

    /// `stream`'s items, or 503 when the log cannot be read to place its start.
    private static func items(of stream: EventStream) async throws -> some AsyncSequence<StreamItem, any Error> & Sendable {
        do {
            return try await stream.items()
        } catch {
            throw logUnreadable(error)
        }
    }

    /// `{"type":"error","status":N,"message":…}`: a refusal as a WebSocket message.
    static func errorMessage(_ error: APIError) -> String {
        #"{"type":"error","status":\#(error.status.code),"message":\#(JSONCoding.quoted(error.message))}"#
    }

    /// Where the stream starts is read from the change log: a database that does not answer (or
    /// a log not created yet) is 503, for the client to try again.
    static func logUnreadable(_ error: any Error) -> APIError {
        APIError(.serviceUnavailable, "the change log cannot be read now: \((error as? DatabaseError)?.message ?? "\(error)")")
    }

    private static func tooMany(_ clients: StreamClients) -> APIError {
        APIError(.serviceUnavailable, "\(clients.limit) streaming clients already (streams.maxClients): try again later")
    }
}
