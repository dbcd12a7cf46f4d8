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
        for route in APIPaths.routes where route.method == .get {
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
}
