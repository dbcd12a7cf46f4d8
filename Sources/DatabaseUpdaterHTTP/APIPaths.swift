import HTTPTypes

/// The routes the API serves: the single list both the router and the OpenAPI consistency
/// test read.
public enum APIPaths {
    /// Every control route lives under this prefix.
    public static let base = "/api/database-updater"

    /// One route: method and path in OpenAPI form (`/api/database-updater/execute/{updaterName}`).
    public struct Route: Hashable, Sendable {
        public let method: HTTPRequest.Method
        public let path: String
        /// Whether the bearer token is required (always for POST and PUT).
        public var mutating: Bool { method == .post || method == .put }
    }

    /// Every route, in the order the OpenAPI document lists them.
    public static let routes: [Route] = [
        Route(method: .get, path: "\(base)/status"),
        Route(method: .post, path: "\(base)/start"),
        Route(method: .post, path: "\(base)/stop"),
        Route(method: .post, path: "\(base)/execute/{updaterName}"),
        Route(method: .post, path: "\(base)/dry-run/{updaterName}"),
        Route(method: .put, path: "\(base)/config"),
        Route(method: .get, path: "\(base)/logs"),
        Route(method: .get, path: "\(base)/metrics"),
        Route(method: .get, path: "\(base)/health"),
        Route(method: .get, path: "\(base)/simulation"),
        Route(method: .post, path: "\(base)/simulation/advance"),
        Route(method: .get, path: "\(base)/invariants"),
        Route(method: .get, path: "\(base)/backlog"),
        Route(method: .get, path: "\(base)/backlog/status"),
        Route(method: .post, path: "\(base)/backlog/retry"),
        Route(method: .post, path: "\(base)/backlog/clear"),
        Route(method: .post, path: "\(base)/backlog/items/{itemId}/done"),
        Route(method: .get, path: "\(base)/events"),
        Route(method: .get, path: "\(base)/events/ws"),
        // Events from outside the change log (APIController+Ingest.swift).
        Route(method: .post, path: "\(base)/events"),
        Route(method: .get, path: "\(base)/events/activity"),
        Route(method: .get, path: "\(base)/executions"),
        Route(method: .get, path: "/metrics"),
        Route(method: .get, path: "/openapi.yaml"),
        // The live browser view (LiveView/).
        Route(method: .get, path: "/"),
        Route(method: .get, path: "/live/view.js"),
        Route(method: .get, path: "/live/view.css"),
    ]

    /// A route's path in Hummingbird's form (`:updaterName`).
    static func routerPath(_ path: String) -> String {
        path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
    }
}
