import Hummingbird

/// Requires `Authorization: Bearer <token>` on mutating requests (POST, PUT) — and on every
/// request when the server listens beyond loopback, but for the live view's files, which hold
/// no data (the page asks for the token itself). 401 without a token, 403 with a wrong one.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: APIToken
    let guardReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let mutating = request.method == .post || request.method == .put || request.method == .delete || request.method == .patch
        guard mutating || (guardReads && !LiveViewAsset.isAsset(request.uri.path)) else { return try await next(request, context) }
        try Self.check(authorization: request.headers[.authorization], against: token)
        return try await next(request, context)
    }

    /// Checks an `Authorization` header against the token: 401 without one, 403 with a wrong
    /// one. Shared with the WebSocket upgrade, which is decided before the router runs.
    static func check(authorization header: String?, against token: APIToken) throws(APIError) {
        guard let header else {
            throw APIError(.unauthorized, "missing Authorization: Bearer <token> (see data/api-token or DATABASE_UPDATER_API_TOKEN)")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), token.matches(String(header.dropFirst(prefix.count))) else {
            throw APIError(.forbidden, "wrong API token")
        }
    }
}
