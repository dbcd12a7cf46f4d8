import Crypto
import Foundation

/// The live browser view's files (`LiveView/Assets/`), embedded in the binary by SwiftPM's
/// `embedInCode` rule: the service serves them with no file next to it and nothing fetched from
/// a network. `index.html` names the others with a `?v=` version (a hash of their bytes), so a
/// browser may keep those for good and asks again only for the page.
public struct LiveViewAsset: Sendable {
    /// The path it is served at, relative to the server's root (`live/view.js`; the page is `""`).
    public let path: String
    public let contentType: String
    public let body: [UInt8]
    /// A strong validator: the first 16 hex digits of the SHA-256 of the body.
    public let version: String

    init(path: String, contentType: String, body: [UInt8]) {
        self.path = path
        self.contentType = contentType
        self.body = body
        version = SHA256.hash(data: body).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// The page and the files it loads.
    public static let all: [LiveViewAsset] = {
        let script = LiveViewAsset(path: "live/view.js", contentType: "text/javascript; charset=utf-8", body: PackageResources.view_js)
        let style = LiveViewAsset(path: "live/view.css", contentType: "text/css; charset=utf-8", body: PackageResources.view_css)
        // The page refers to its files by relative URLs carrying their versions, so it works
        // behind a reverse proxy's path prefix and a new build is never mixed with cached files.
        let page = String(decoding: PackageResources.index_html, as: UTF8.self)
            .replacingOccurrences(of: "live/view.js\"", with: "live/view.js?v=\(script.version)\"")
            .replacingOccurrences(of: "live/view.css\"", with: "live/view.css?v=\(style.version)\"")
        return [LiveViewAsset(path: "", contentType: "text/html; charset=utf-8", body: Array(page.utf8)), script, style]
    }()

    /// Whether `path` (as requested, with its leading `/`) is one of the view's files, which
    /// hold no data and are served without a token wherever the API listens.
    static func isAsset(_ path: String) -> Bool { paths.contains(path) }

    /// The paths the files are served at, as requests name them.
    private static let paths = Set(all.map { "/\($0.path)" })
}
