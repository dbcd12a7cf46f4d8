import Foundation
import Synchronization

/// Identifiers for executions, schedule runs and subscribers: random version-4 UUIDs.
///
/// Not `UUID()`: swift-corelibs-foundation opens and reads `/dev/urandom` for each one, a
/// system call pair per execution on the hot path. These come from one xoshiro256** stream
/// seeded once from the system generator: unique for practical purposes, not for secrets.
enum Identifiers {
    private static let source = Mutex(SeededRandom(seed: UInt64.random(in: 0...UInt64.max)))

    /// A new random identifier.
    static func next() -> UUID {
        source.withLock { $0.uuid() }
    }
}
