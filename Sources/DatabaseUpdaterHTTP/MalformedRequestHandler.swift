import Foundation
import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Gives requests that fail to parse (headers too large, a conflicting `Content-Length`, bad
/// bytes) the API's JSON error body.
///
/// Such a request never reaches the router: NIO's decoder raises an `HTTPParserError`, and
/// Hummingbird answers it with a bare `400` and an empty body before closing the connection.
/// This handler sits between the two (Hummingbird's `additionalChannelHandlers`): it notes the
/// parse error on its way in, and when that bare `400` goes out, sends the same status with
/// `{"error": "...", "details": []}` instead.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The message for the parse error seen on this connection, if any.
    private var parseError: String?

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError { parseError = Self.message(for: error) }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard let message = parseError, case .head(var head) = unwrapOutboundIn(data), head.status == .badRequest,
              head.headerFields[.contentLength] == "0" else {
            context.write(data, promise: promise)
            return
        }
        parseError = nil
        let body = (try? JSONEncoder().encode(ErrorBody(error: message, details: []))) ?? Data()
        head.headerFields[.contentLength] = String(body.count)
        head.headerFields[.contentType] = "application/json; charset=utf-8"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: promise)
    }

    /// What went wrong, in words, for the parse errors a client can cause.
    static func message(for error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: "request headers too large"
        case .unexpectedContentLength, .invalidContentLength: "invalid or conflicting Content-Length header"
        case .invalidChunkSize: "invalid chunked body"
        case .invalidMethod: "invalid HTTP method"
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment, .invalidHost, .invalidPort: "invalid request target"
        case .invalidVersion: "unsupported HTTP version"
        case .invalidHeaderToken, .invalidCharactersUsed, .lfExpected: "malformed request header"
        default: "malformed HTTP request"
        }
    }
}
