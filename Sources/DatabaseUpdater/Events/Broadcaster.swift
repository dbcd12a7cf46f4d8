import Foundation
import Synchronization

/// Delivers values to in-process subscribers as they are published.
///
/// Each subscriber gets its own stream; a slow subscriber loses its oldest values past
/// ``bufferLimit`` rather than holding up the publisher. Values of one ``publish(_:)`` arrive
/// in order; publishers running at the same time may interleave.
///
/// Behind a lock rather than an actor, since every execution publishes through here. The lock
/// is held only to read or change the subscriber list, never across a yield: a yield can wake
/// the subscriber's task (a system call), and with 1,000 executions a second publishing from
/// two threads, yielding under the lock made the other threads spin on it.
public final class Broadcaster<Element: Sendable>: Sendable {
    /// Values buffered per subscriber before the oldest are dropped.
    public static var bufferLimit: Int { 10_000 }

    private struct Subscribers {
        var byID: [UUID: AsyncStream<Element>.Continuation] = [:]
        /// `byID`'s values, kept ready so a publisher copies one array reference under the lock.
        var all: [AsyncStream<Element>.Continuation] = []

        mutating func set(_ id: UUID, _ continuation: AsyncStream<Element>.Continuation?) {
            byID[id] = continuation
            all = Array(byID.values)
        }
    }

    private let subscribers = Mutex(Subscribers())

    public init() {}

    /// A stream of every value published from now on; it ends when the caller stops iterating.
    /// - Parameter bufferLimit: values kept for a slow subscriber before the oldest are dropped.
    public func subscribe(bufferLimit: Int = Broadcaster.bufferLimit) -> AsyncStream<Element> {
        let id = Identifiers.next()
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self, bufferingPolicy: .bufferingNewest(max(1, bufferLimit)))
        continuation.onTermination = { [weak self] _ in
            self?.remove(id)
        }
        subscribers.withLock { $0.set(id, continuation) }
        return stream
    }

    /// Sends `values` to every subscriber, in order.
    public func publish(_ values: [Element]) {
        for continuation in subscribers.withLock({ $0.all }) {
            for value in values { continuation.yield(value) }
        }
    }

    /// Ends every subscriber's stream.
    public func finish() {
        // Finished outside the lock: finishing runs each stream's termination handler, which
        // takes the lock to remove its subscriber.
        let ended = subscribers.withLock { subscribers in
            defer { subscribers = Subscribers() }
            return subscribers.all
        }
        for continuation in ended { continuation.finish() }
    }

    private func remove(_ id: UUID) {
        subscribers.withLock { $0.set(id, nil) }
    }
}

/// Change events as they are committed.
public typealias ChangeEventBus = Broadcaster<ChangeEvent>
