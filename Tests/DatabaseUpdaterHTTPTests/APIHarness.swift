import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import UpdaterTestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A manager and its API on an ephemeral loopback port, with a light client.
final class APIHarness: Sendable {
    static let token = "test-token-0123456789abcdef"

    let manager: DatabaseUpdaterManager
    let port: Int
    let folder: URL
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(manager: DatabaseUpdaterManager, port: Int, folder: URL, group: ServiceGroup, running: Task<Void, any Error>) {
        self.manager = manager
        self.port = port
        self.folder = folder
        self.group = group
        self.running = running
    }

    /// - Parameter targets: further targets' managers, served under `?target=NAME`.
    /// - Parameter host: where the API listens; beyond loopback (`0.0.0.0`) reads need the token too.
    static func start(
        _ engine: Engine = .sqlite, registry updaters: UpdaterRegistry? = nil, targets: [String: DatabaseUpdaterManager] = [:],
        host: String = "127.0.0.1", configure: (inout UpdaterConfig) -> Void = { _ in }
    ) async throws -> APIHarness {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("updater-api-\(UUID().uuidString)")
        var config = UpdaterConfig(database: try await TestDatabases.freshLocation(engine),
                                   dataDirectory: folder.appendingPathComponent("data").path,
                                   logDirectory: folder.appendingPathComponent("logs").path, seed: 42)
        config.api = .init(enabled: true, host: "127.0.0.1", port: 0, token: token)
        configure(&config)
        // The default schedules fire at fixed hours (tickets every six hours, on the hour): a test
        // running across one met an execution it did not make. Unless a test sets its own, once a year.
        for updater in (updaters ?? config.scenarioValue.updaters).all where config.scheduleConfig[updater.configKey] == nil {
            config.scheduleConfig[updater.configKey] = "0 0 0 1 1 *"
        }
        let registry = PrometheusCollectorRegistry()
        let manager = try await DatabaseUpdaterManager.start(configuration: config, registry: updaters,
                                                             metricsFactory: PrometheusMetricsFactory(registry: registry))
        return try await serve(manager, targets: targets, registry: registry, config: config, folder: folder, host: host)
    }

    /// A step-mode simulation (not yet running) of `days` from `start`, and its API.
    static func simulation(start: Date, days: Int, scenario: String = "office") async throws -> (APIHarness, Simulation) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("updater-api-\(UUID().uuidString)")
        var config = UpdaterConfig(database: try await TestDatabases.freshLocation(.sqlite),
                                   dataDirectory: folder.appendingPathComponent("data").path,
                                   logDirectory: folder.appendingPathComponent("logs").path, seed: 42)
        config.scenario = scenario
        config.api = .init(enabled: true, host: "127.0.0.1", port: 0, token: token)
        let registry = PrometheusCollectorRegistry()
        let simulation = try await Simulation.open(
            configuration: config, options: .init(start: start, end: start.addingTimeInterval(Double(days) * 86_400), step: true, seed: 42),
            metricsFactory: PrometheusMetricsFactory(registry: registry))
        return (try await serve(simulation.manager, registry: registry, config: config, folder: folder), simulation)
    }

    private static func serve(_ manager: DatabaseUpdaterManager, targets: [String: DatabaseUpdaterManager] = [:],
                              registry: PrometheusCollectorRegistry, config: UpdaterConfig, folder: URL,
                              host: String = "127.0.0.1") async throws -> APIHarness {
        let bound = Mutex<Int?>(nil)
        let server = APIServer.make(manager: manager, targets: targets, registry: registry, token: try APIToken.resolve(config: config),
                                    host: host, port: 0, streams: config.streams) { port in bound.withLock { $0 = port } }
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        for _ in 0..<500 where bound.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        guard let port = bound.withLock({ $0 }) else { throw HarnessError("the API did not start") }
        // Reachable once migrated: tests read the change log's table right away.
        for _ in 0..<6_000 where await !(manager.health.state.reachable) { try await Task.sleep(for: .milliseconds(10)) }
        guard await manager.health.state.reachable else { throw HarnessError("the database was not reachable (migrated) within 60 s") }
        return APIHarness(manager: manager, port: port, folder: folder, group: group, running: running)
    }

    struct Reply {
        let status: Int
        let data: Data
        let contentType: String?
        /// Every response header, by lower-cased name.
        var headers: [String: String] = [:]
        var text: String { String(decoding: data, as: UTF8.self) }
        func json() -> [String: Any]? { try? JSONSerialization.jsonObject(with: data) as? [String: Any] }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONCoding.decoder().decode(type, from: data) }
    }

    /// Sends a request over a real socket. `token: nil` sends no Authorization header.
    /// `headers` are added as given; nothing is answered from a cache.
    func send(_ method: String, _ path: String, body: Data? = nil, token: String? = APIHarness.token,
              headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.cachePolicy = .reloadIgnoringLocalCacheData
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for case let (name as String, value as String) in http.allHeaderFields { fields[name.lowercased()] = value }
        return Reply(status: http.statusCode, data: data, contentType: http.value(forHTTPHeaderField: "Content-Type"), headers: fields)
    }

    func send(_ method: String, _ path: String, json: String, token: String? = APIHarness.token) async throws -> Reply {
        try await send(method, path, body: Data(json.utf8), token: token)
    }

    func stop() async throws {
        try await stopServing()
        try await manager.stop()
    }

    /// Stops the server only (a simulation closes its manager itself).
    func stopServing() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
