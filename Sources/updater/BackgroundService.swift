import Logging
import ServiceLifecycle

/// Runs a service (the HTTP API beside a simulation) in a group of its own, in the background,
/// until ``stop()``: the group's graceful shutdown, then waiting for it to end.
final class BackgroundService: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, Never>

    init(_ service: some Service, logger: Logger) {
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [],
                                                      cancellationSignals: [], logger: logger))
        self.group = group
        task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("background service ended", metadata: ["error": "\(error)"])
            }
        }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        await task.value
    }
}
