import Foundation

/// Delivers values to in-process subscribers as they are published.
///
/// Each subscriber gets its own stream; a slow subscriber loses its oldest values past
/// ``bufferLimit`` rather than holding up the publisher.
public actor Broadcaster<Element: Sendable> {
    /// Values buffered per subscriber before the oldest are dropped.
    public static var bufferLimit: Int { 10_000 }

    private var subscribers: [UUID: AsyncStream<Element>.Continuation] = [:]

    public init() {}

    /// A stream of every value published from now on; it ends when the caller stops iterating.
    public func subscribe() -> AsyncStream<Element> {
        let id = Identifiers.next()
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(Self.bufferLimit))
        continuation.onTermination = { [weak self] _ in
            Task { await self?.remove(id) }
        }
        subscribers[id] = continuation
        return stream
    }

    /// Sends `values` to every subscriber, in order.
    public func publish(_ values: [Element]) {
        for continuation in subscribers.values {
            for value in values { continuation.yield(value) }
        }
    }

    /// Ends every subscriber's stream.
    public func finish() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers = [:]
    }

    private func remove(_ id: UUID) { subscribers[id] = nil }
}

/// Change events as they are committed.
public typealias ChangeEventBus = Broadcaster<ChangeEvent>
