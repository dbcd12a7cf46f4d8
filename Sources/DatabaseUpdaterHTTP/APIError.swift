import DatabaseUpdater
import Foundation
import Hummingbird

/// An error as the API returns it: the right status and `{"error": "...", "details": [...]}`.
/// Never a stack trace, never a secret.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let details: [String]

    public init(_ status: HTTPResponse.Status, _ message: String, details: [String] = []) {
        self.status = status
        self.message = message
        self.details = details
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(ErrorBody(error: message, details: details), status: status)
    }
}

/// The JSON shape of every error.
struct ErrorBody: Codable {
    let error: String
    let details: [String]
}

/// JSON responses written with the tool's encoder (ISO 8601 timestamps with milliseconds).
enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Turns every error a route throws into an ``APIError`` response: Hummingbird's own
/// (404 for unknown routes, 413 for oversized bodies), the library's, and anything else as a
/// 500 that says only that something failed (details go to the log).
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as any HTTPResponseError {
            // Hummingbird's own: HTTPError (404 for unknown routes), NIOTooManyBytesError (413), …
            let message = switch error.status {
            case .notFound: "no such route: \(request.method) \(request.uri.path)"
            case .contentTooLarge: "request body too large (the limit is 1 MiB)"
            default: (error as? HTTPError)?.body ?? error.status.reasonPhrase
            }
            throw APIError(error.status, message)
        } catch let error as UpdaterError {
            switch error.kind {
            case .unknownUpdater: throw APIError(.notFound, error.message)
            case .unknownTenant, .unknownScenario, .unknownTarget: throw APIError(.badRequest, error.message)
            case .alreadyRunning: throw APIError(.conflict, error.message)
            case .duplicateUpdater: throw APIError(.internalServerError, error.message)
            }
        } catch let error as ConfigurationError {
            throw APIError(.unprocessableContent, "invalid configuration", details: error.problems)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            throw APIError(.internalServerError, "internal error; see the service log")
        }
    }
}
