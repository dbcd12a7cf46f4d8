import DatabaseUpdater
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The HTTP API of a running service, as a swift-service-lifecycle `Service`.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// let manager = try await DatabaseUpdaterManager.start(configuration: config,
///                                                      metricsFactory: PrometheusMetricsFactory(registry: registry))
/// let api = try APIServer.make(manager: manager, registry: registry, token: .resolve(config: config),
///                              host: "127.0.0.1", port: 5000) { port in print("listening on \(port)") }
/// try await ServiceGroup(services: [api], logger: logger).run()
/// ```
public enum APIServer {
    /// Builds the server.
    /// - Parameters:
    ///   - registry: the Prometheus registry the manager's metrics factory writes to.
    ///   - onRunning: called with the bound port once the server listens (useful with port 0).
    public static func make(
        manager: DatabaseUpdaterManager, registry: PrometheusCollectorRegistry, token: APIToken, host: String, port: Int,
        logger: Logger = Logger(label: "updater.api"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(TokenMiddleware(token: token, guardReads: !isLoopback(host)))
        APIController(manager: manager, registry: registry).addRoutes(to: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "updater"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
