import Foundation

/// Delivers change events to in-process subscribers as they are published.
///
/// Each subscriber gets its own stream; a slow subscriber loses its oldest events past
/// ``bufferLimit`` rather than holding up executions.
public actor ChangeEventBus {
    /// Events buffered per subscriber before the oldest are dropped.
    public static let bufferLimit = 10_000

    private var subscribers: [UUID: AsyncStream<ChangeEvent>.Continuation] = [:]

    public init() {}

    /// A stream of every event published from now on; it ends when the caller stops iterating.
    public func subscribe() -> AsyncStream<ChangeEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: ChangeEvent.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        subscribers[id] = continuation
        return stream
    }

    /// Sends `events` to every subscriber, in order.
    public func publish(_ events: [ChangeEvent]) {
        for continuation in subscribers.values {
            for event in events { continuation.yield(event) }
        }
    }

    /// The number of live subscribers.
    public var subscriberCount: Int { subscribers.count }

    private func remove(_ id: UUID) { subscribers[id] = nil }
}
