import DatabaseUpdater
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
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
    ///   - targets: the managers of further targets, by name, which `?target=` selects.
    ///   - registry: the Prometheus registry the manager's metrics factory writes to.
    ///   - streams: the streaming clients' cap and buffer (`streams.*`).
    ///   - onRunning: called with the bound port once the server listens (useful with port 0).
    public static func make(
        manager: DatabaseUpdaterManager, targets: [String: DatabaseUpdaterManager] = [:], registry: PrometheusCollectorRegistry,
        token: APIToken, host: String, port: Int, streams: UpdaterConfig.StreamsConfig = .init(),
        logger: Logger = Logger(label: "updater.api"), onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some Service {
        let router = Router(context: BasicRequestContext.self)
        let guardReads = !isLoopback(host)
        router.middlewares.add(ErrorMiddleware())
        router.middlewares.add(TokenMiddleware(token: token, guardReads: guardReads))
        let controller = APIController(manager: manager, targets: targets, registry: registry)
        controller.addRoutes(to: router)
        let streamRoutes = EventStreamRoutes(resolve: { try await controller.manager(named: $0) }, clients: StreamClients(limit: streams.maxClients),
                                             bufferLimit: streams.clientBuffer)
        streamRoutes.addRoutes(to: router)
        LiveViewRoutes().addRoutes(to: router)
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in
                UpgradableHTTPChannel(inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder,
                    configuration: .init(http1: .init(additionalChannelHandlers: [MalformedRequestHandler()]),
                                         ws: .init(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: .seconds(15))))
                ) { head, _, _ in
                    await streamRoutes.webSocketUpgrade(head, token: token, guardReads: guardReads)
                })
            },
            configuration: .init(address: .hostname(host, port: port), serverName: "updater"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// Why the API cannot listen where it was asked to.
    public struct AddressProblem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Checks, before anything else starts, that the API can listen on `host`:`port`: the host
    /// resolves to an address of this machine and the port is free (bound and released at once).
    /// - Throws: ``AddressProblem`` saying which.
    public static func checkAddress(host: String, port: Int) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        let shown = String(host.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, let first = found else {
            throw AddressProblem(description: "--host '\(shown)' does not resolve to an address (\(String(cString: gai_strerror(status))))")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw AddressProblem(description: "cannot open a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let reason = errno == EADDRINUSE ? "the port is already in use"
                : errno == EADDRNOTAVAIL ? "the address is not one of this machine's" : String(cString: strerror(errno))
            throw AddressProblem(description: "cannot listen on \(shown):\(port): \(reason)")
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
