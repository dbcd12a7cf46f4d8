import Hummingbird

/// `GET /` (the live browser view) and its files, with caching headers: the page is revalidated
/// on every load (`no-cache` + `ETag`, 304 when unchanged); a file asked for with its current
/// `?v=` version never changes and is cached for a year (`immutable`), any other request for it
/// is revalidated like the page.
struct LiveViewRoutes {
    func addRoutes(to router: Router<some RequestContext>) {
        for asset in LiveViewAsset.all {
            router.get(RouterPath(stringLiteral: "/\(asset.path)")) { request, _ in Self.response(asset, to: request) }
        }
    }

    static func response(_ asset: LiveViewAsset, to request: Request) -> Response {
        let etag = "\"\(asset.version)\""
        let versioned = !asset.path.isEmpty && request.uri.queryParameters["v"].map(String.init) == asset.version
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .eTag: etag,
            .cacheControl: versioned ? "public, max-age=31536000, immutable" : "no-cache",
            .xContentTypeOptions: "nosniff",
        ]
        if asset.path.isEmpty {
            // Everything the page uses comes from this server; nothing may frame it.
            headers[.contentSecurityPolicy] = "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        }
        // A proxy that compressed the body weakens the tag (`W/"…"`); for If-None-Match the weak comparison applies.
        if let match = request.headers[.ifNoneMatch],
           match.split(separator: ",").contains(where: { candidate in
               let tag = candidate.trimmingCharacters(in: .whitespaces)
               return tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
           }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(asset.body.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
    }
}
