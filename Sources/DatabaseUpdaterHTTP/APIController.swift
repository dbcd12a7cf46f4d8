import DatabaseUpdater
import Foundation
import Hummingbird
import Prometheus

/// The handlers behind ``APIPaths/routes``.
struct APIController: Sendable {
    /// The top-level target's manager: configuration, logs, health and simulation are its.
    let manager: DatabaseUpdaterManager
    /// The further targets' managers, by target name (`?target=NAME` on status, execute,
    /// dry-run, metrics and invariants; start and stop act on every target).
    let targets: [String: DatabaseUpdaterManager]
    let registry: PrometheusCollectorRegistry

    /// The manager `?target=` names (the top-level one when absent).
    func manager(for request: Request) async throws -> DatabaseUpdaterManager {
        try await manager(named: request.uri.queryParameters["target"].map(String.init))
    }

    /// The manager of the target `name` (the top-level one when nil).
    func manager(named name: String?) async throws -> DatabaseUpdaterManager {
        guard let name else { return manager }
        if let other = targets[name] { return other }
        let top = await manager.configuration.target
        if name == top { return manager }
        throw APIError(.notFound, "unknown target '\(name)' (configured: \(([top] + targets.keys.sorted()).joined(separator: ", ")))")
    }

    /// Request bodies larger than this get 413.
    static let maxBodyBytes = 1 << 20

    func addRoutes(to router: Router<BasicRequestContext>) {
        let base = APIPaths.base
        router.get("\(base)/status") { request, _ in try JSONResponse.make(await manager(for: request).status()) }
        router.post("\(base)/start") { _, _ in try await setScheduling(true) }
        router.post("\(base)/stop") { _, _ in try await setScheduling(false) }
        router.post(RouterPath(stringLiteral: APIPaths.routerPath("\(base)/execute/{updaterName}"))) { request, context in
            try await execute(request, context, dryRun: false)
        }
        router.post(RouterPath(stringLiteral: APIPaths.routerPath("\(base)/dry-run/{updaterName}"))) { request, context in
            try await execute(request, context, dryRun: true)
        }
        router.put("\(base)/config") { request, _ in try await updateConfig(request) }
        router.get("\(base)/logs") { request, _ in try await logs(request) }
        router.get("\(base)/metrics") { request, _ in try JSONResponse.make(try await manager(for: request).metrics()) }
        router.get("\(base)/health") { _, _ in
            let report = await manager.health()
            return try JSONResponse.make(report, status: report.status == .unhealthy ? .serviceUnavailable : .ok)
        }
        addSimulationRoutes(to: router)
        addBacklogRoutes(to: router)
        addLiveViewRoutes(to: router)
        // Events from outside the change log, posted by other programs (APIController+Ingest.swift).
        addIngestRoutes(to: router)
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data())))
        }
    }

    private func setScheduling(_ running: Bool) async throws -> Response {
        guard await manager.configuration.enableScheduling else {
            throw APIError(.conflict, "scheduling is disabled in the configuration (enableScheduling: false)")
        }
        await manager.setScheduling(running)
        for other in targets.values { await other.setScheduling(running) }
        struct Body: Encodable { let scheduling: String }
        return try JSONResponse.make(Body(scheduling: running ? "running" : "paused"))
    }

    private func execute(_ request: Request, _ context: BasicRequestContext, dryRun: Bool) async throws -> Response {
        struct Body: Decodable {
            var tenant: String?
            var seed: UInt64?
        }
        let name = context.parameters.get("updaterName") ?? ""
        let data = try await bodyData(request)
        var body = Body()
        if !data.isEmpty {
            let keys = try jsonObject(data).keys
            for key in keys where key != "tenant" && key != "seed" {
                throw APIError(.badRequest, "unknown field '\(key)' (allowed: tenant, seed)")
            }
            do {
                body = try JSONDecoder().decode(Body.self, from: data)
            } catch {
                throw APIError(.badRequest, "tenant must be a UUID string and seed a whole number from 0 to 2^64-1")
            }
        }
        var tenant: UUID?
        if let text = body.tenant {
            guard let id = UUID(uuidString: text) else { throw APIError(.badRequest, "tenant must be a UUID string") }
            tenant = id
        }
        let record = try await manager(for: request).execute(name, tenant: tenant, dryRun: dryRun, seed: body.seed, exclusive: true)
        return try JSONResponse.make(record)
    }

    private func updateConfig(_ request: Request) async throws -> Response {
        let data = try await bodyData(request)
        guard !data.isEmpty else { throw APIError(.badRequest, "a JSON body is required") }
        guard let partial = try jsonObject(data)["config"] as? [String: Any] else {
            throw APIError(.badRequest, #"expected a body {"config": {…partial configuration…}}"#)
        }
        let config = try await manager.updateConfiguration(partial)
        struct Body: Encodable { let config: UpdaterConfig }
        return try JSONResponse.make(Body(config: config.redacted))
    }

    private func logs(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let count = try Self.wholeNumber(query["count"].map(String.init), name: "count", in: 0...10_000) ?? 50
        let level = query["level"].map(String.init) ?? "debug"
        guard LogEntry.levels.contains(level) else { throw APIError(.badRequest, "level must be one of debug, info, warn, error") }
        let directory = URL(fileURLWithPath: await manager.configuration.logDirectory)
        return try JSONResponse.make(try LogReader.last(count, minimumLevel: level, in: directory))
    }

    /// A query parameter as a whole number in `range` (nil when absent); 400 naming it otherwise.
    static func wholeNumber(_ text: String?, name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError(.badRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The request body, at most ``maxBodyBytes`` (413 beyond).
    func bodyData(_ request: Request) async throws -> Data {
        var request = request
        return Data(try await request.collectBody(upTo: Self.maxBodyBytes).readableBytesView)
    }

    /// `data` as a JSON object: 400 when it is not JSON or not an object, saying why; 422 naming
    /// the key when a number is too large for any number type (`{"seed": 1e400}`), which is a
    /// value out of range rather than broken JSON.
    func jsonObject(_ data: Data) throws -> [String: Any] {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            let reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            if let (key, number) = Self.unrepresentableNumber(in: data, reason: reason) {
                throw APIError(.unprocessableContent, "invalid configuration",
                               details: ["\(key): out of range: \(number) is beyond any number a setting can hold"])
            }
            throw APIError(.badRequest, "the body is not valid JSON: \(DatabaseError.oneLine(reason))")
        }
        guard let object = parsed as? [String: Any] else { throw APIError(.badRequest, "the body must be a JSON object") }
        return object
    }

    /// For a parse failure on a number literal no type holds: the key it belongs to and the literal.
    private static func unrepresentableNumber(in data: Data, reason: String) -> (key: String, number: String)? {
        guard reason.hasPrefix("Number "), let literal = reason.dropFirst("Number ".count).split(separator: " ").first else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: #""([^"\\]*)"\s*:\s*"# + NSRegularExpression.escapedPattern(for: String(literal)),
                                     options: .regularExpression) else { return nil }
        let match = text[range]
        guard let keyEnd = match.dropFirst().firstIndex(of: "\"") else { return nil }
        return (String(match[match.index(after: match.startIndex)..<keyEnd]), String(literal))
    }
}

/// The OpenAPI 3.1 document describing every route, embedded in the binary.
public enum OpenAPIDocument {
    /// The document's bytes.
    public static func data() -> Data { Data(PackageResources.openapi_yaml) }
}
