import DatabaseUpdater
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Hummingbird's HTTP/1 channel with the WebSocket upgrade (``EventStreamRoutes``), plus what
/// that channel lacks: an answer to a first request that does not parse. Until the upgrade is
/// decided, the pipeline has no error handling of its own, and such a connection would hang
/// unanswered; here it gets the API's JSON 400 (as ``MalformedRequestHandler`` gives later
/// requests) and is closed.
struct UpgradableHTTPChannel: ServerChildChannel {
    let inner: HTTP1WebSocketUpgradeChannel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1WebSocketUpgradeChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let writer = RawResponseWriter()
            let responder = EarlyParseErrorResponder(writer: writer)
            try channel.pipeline.syncOperations.addHandler(writer, position: .first)
            try channel.pipeline.syncOperations.addHandler(responder, position: .last)
            return value
        }
    }

    func handle(value: HTTP1WebSocketUpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// First in the pipeline: writes raw bytes straight to the socket, past the HTTP encoder.
private final class RawResponseWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }
}

/// After the upgrade handler: sees a parse error of the first request and answers it.
private final class EarlyParseErrorResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    let writer: RawResponseWriter
    /// Set when a request part passes (the first request parsed): from then on the upgrade is
    /// decided and Hummingbird's own handlers answer parse errors.
    var requestParsed = false

    init(writer: RawResponseWriter) {
        self.writer = writer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        requestParsed = true
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !requestParsed, let parseError = error as? HTTPParserError, let head = writer.context else {
            context.fireErrorCaught(error)
            return
        }
        let body = #"{"details":[],"error":\#(JSONCoding.quoted(MalformedRequestHandler.message(for: parseError)))}"#
        let response = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + body
        let channel = context.channel
        head.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).whenComplete { _ in channel.close(promise: nil) }
    }
}
