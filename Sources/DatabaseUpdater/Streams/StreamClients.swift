import Synchronization

/// The cap on streaming clients served at once (`streams.maxClients`): each takes a ``Slot``,
/// given back when the slot is released, so a client that goes away in any way frees its place.
public final class StreamClients: Sendable {
    public let limit: Int
    private let count = Mutex(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Clients streaming now.
    public var active: Int { count.withLock { $0 } }

    /// A place for one more client, or nil when `limit` are streaming.
    public func acquire() -> Slot? {
        let taken = count.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        return taken ? Slot(owner: self) : nil
    }

    /// One client's place, given back when the slot is deallocated.
    public final class Slot: Sendable {
        private let owner: StreamClients

        init(owner: StreamClients) {
            self.owner = owner
        }

        deinit { owner.count.withLock { $0 -= 1 } }
    }
}
