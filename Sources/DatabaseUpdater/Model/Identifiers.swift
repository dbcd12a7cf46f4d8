import Foundation
import Synchronization

/// Identifiers for executions, schedule runs and subscribers: random-looking version-4 UUIDs.
///
/// Not `UUID()`: swift-corelibs-foundation opens and reads `/dev/urandom` for each one, a
/// system call pair per execution on the hot path. Not a shared generator behind a lock either:
/// the scheduler and every execution thread take ids at once, and that lock was the most
/// contended one in `perf`. Each id is a counter, taken atomically, passed through SplitMix64's
/// finalizer (a bijection) under two keys drawn once from the system generator: distinct within
/// the process by construction, unpredictable enough to be unique across processes, and not
/// meant for secrets.
enum Identifiers {
    private static let counter = Atomic<UInt64>(0)
    private static let keys = (UInt64.random(in: 0...UInt64.max), UInt64.random(in: 0...UInt64.max))

    /// A new identifier.
    static func next() -> UUID {
        let n = counter.wrappingAdd(1, ordering: .relaxed).oldValue
        let high = mix(n &+ keys.0)
        return SeededRandom.uuid(high, mix(high ^ keys.1))
    }

    /// The identifier of a simulated fire's execution, derived from the fire alone (its run
    /// seed, tenant, updater and fire time), so that a repeated simulation writes the same fire
    /// log, byte for byte. Distinct from the updater's own draws: a separate stream of the seed.
    static func forFire(_ request: Executor.Request) -> UUID {
        var random = SeededRandom(runSeed: request.seed ^ 0x5EED_F1DE_0000_0001, tenant: request.tenant.id,
                                  updater: request.updater.name, fireTime: request.scheduledAt)
        return random.uuid()
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
