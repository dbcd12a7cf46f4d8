import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Testing
import Yams

struct APIDocumentTests {
    @Test func theServedDocumentDescribesExactlyTheServedRoutes() async throws {
        let api = try await APIHarness.start()
        let reply = try await api.send("GET", "/openapi.yaml", token: nil)
        #expect(reply.status == 200)
        #expect(reply.contentType?.hasPrefix("application/yaml") == true)
        let document = try #require(try Yams.load(yaml: reply.text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        let served = Set(APIPaths.routes.map { "\($0.method.rawValue) \($0.path)" })
        #expect(documented == served)
        // Every documented route is really routed: no router 404 (the simulation's own 404 says
        // that this process runs no simulation).
        // (The event stream stays open: EventStreamTests reads it.)
        for route in APIPaths.routes where route.method == .get && route.path != "\(APIPaths.base)/events" {
            let reply = try await api.send("GET", route.path, token: nil)
            #expect(reply.status != 404 || reply.text.contains("no simulation is running"), "\(route.path)")
        }
        // Mutating routes are documented as needing the bearer token, and list 401 and 403.
        for route in APIPaths.routes where route.mutating {
            let operation = (paths[route.path] as? [String: Any])?[route.method.rawValue.lowercased()] as? [String: Any]
            #expect(operation?["security"] != nil, "\(route.path)")
            let responses = operation?["responses"] as? [String: Any] ?? [:]
            #expect(responses["401"] != nil && responses["403"] != nil, "\(route.path)")
        }
        // The repository copy is the one served.
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DatabaseUpdaterHTTP/openapi.yaml")
        #expect(try Data(contentsOf: file) == reply.data)
        try await api.stop()
    }

    /// The configuration schema and the live-update rules documented for `PUT /config` follow the
    /// key table: every key is a property of the schema, and every key a running service refuses
    /// is named in the route's description.
    @Test func theConfigurationSchemaFollowsTheKeyTable() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DatabaseUpdaterHTTP/openapi.yaml")
        let document = try #require(try Yams.load(yaml: String(contentsOf: file, encoding: .utf8)) as? [String: Any])
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let schema = try #require(schemas?["UpdaterConfig"] as? [String: Any])
        for key in ConfigKeyTable.standard.all {
            var properties = schema["properties"] as? [String: Any]
            var found: Any?
            for part in key.path.split(separator: ".").map(String.init) {
                found = properties?[part]
                properties = (found as? [String: Any])?["properties"] as? [String: Any]
            }
            #expect(found != nil, "\(key.path) is not in the UpdaterConfig schema")
        }
        let put = ((document["paths"] as? [String: Any])?["/api/database-updater/config"] as? [String: Any])?["put"] as? [String: Any]
        let body = ((put?["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["application/json"] as? [String: Any]
        let config = ((body?["schema"] as? [String: Any])?["properties"] as? [String: Any])?["config"] as? [String: Any]
        let description = try #require(config?["description"] as? String)
        for key in ConfigKeyTable.standard.all where key.liveUpdate != .allowed {
            #expect(description.contains(key.path), "PUT /config does not say that \(key.path) cannot change")
        }
    }
}
