/// A connection lent by the pool to one holder at a time.
///
/// `@unchecked Sendable` because it crosses from the pool's books to the holder's task and back:
/// safe, since the pool never touches a lent connection and a holder uses it only synchronously,
/// inside one ``PooledDatabase/withConnection(_:)`` call, on its own task.
final class Lease: @unchecked Sendable {
    let connection: any PooledConnection
    init(_ connection: any PooledConnection) { self.connection = connection }
}

/// A small pool of connections: at most `capacity` open, opened on demand by the caller,
/// checked before reuse, discarded when broken; callers beyond capacity wait their turn.
///
/// The pool only keeps the books, under a lock (see ``WaitQueue``). Opening and closing
/// connections (which block) happen in the caller, on ``DatabaseExecutor``. Not generic over
/// the connection type: callers reach it through `any Database`, where a generic pool ran
/// unspecialized and looked up its type metadata on every call.
final class ConnectionPool: Sendable {
    /// What ``acquire()`` grants: an idle connection, or a reserved slot to open one in.
    enum Grant: Sendable {
        case idle(Lease)
        case openSlot
    }

    private struct Books: Sendable {
        var idle: [Lease] = []
        /// Connections open or being opened.
        var open = 0
        var closed = false
    }

    private let capacity: Int
    private let books: WaitQueue<Books, Grant>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        books = WaitQueue(Books())
    }

    /// An idle connection, or a slot to open one in (then ``release(_:)`` or ``slotFreed()``).
    func acquire() async throws -> Grant {
        try await books.acquire { [capacity] books in
            if books.closed { throw DatabaseError(.closed, "the database is closed") }
            if let lease = books.idle.popLast() { return .idle(lease) }
            guard books.open < capacity else { return nil }
            books.open += 1
            return .openSlot
        }
    }

    /// Gives a connection back for reuse. Returns it when the pool is closed: the caller closes it.
    func release(_ lease: Lease) -> Lease? {
        books.update { books, someoneWaiting in
            if books.closed {
                books.open -= 1
                return (lease, nil)
            }
            if someoneWaiting { return (nil, .idle(lease)) }
            books.idle.append(lease)
            return (nil, nil)
        }
    }

    /// A granted slot is free again: its connection failed to open, or was discarded (closed
    /// by the caller).
    func slotFreed() {
        books.update { books, someoneWaiting in
            guard someoneWaiting, !books.closed else {
                books.open -= 1
                return ((), nil)
            }
            return ((), .openSlot)
        }
    }

    /// Refuses new acquisitions and returns the idle connections for the caller to close;
    /// connections in use are returned to their holders by ``release(_:)``.
    func close() -> [Lease] {
        let leases = books.update { books, _ in
            books.closed = true
            defer { books.idle = [] }
            books.open -= books.idle.count
            return (books.idle, nil)
        }
        books.failWaiters(DatabaseError(.closed, "the database is closed"))
        return leases
    }
}
