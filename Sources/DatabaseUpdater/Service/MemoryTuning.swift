import Foundation
#if canImport(Glibc)
import CMalloc
#endif

/// Process-wide allocator settings for the service's workload; the executables apply them
/// once at startup.
public enum MemoryTuning {
    /// How much free memory glibc keeps at the top of each heap before giving it back.
    public static let trimThreshold: Int32 = 16 << 20
    /// At most this many malloc arenas: one per core (glibc's default is eight per core).
    public static var arenaLimit: Int32 { Int32(max(2, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Keeps up to ``trimThreshold`` of freed memory per heap instead of returning it to the
    /// kernel at once.
    ///
    /// glibc's default (128 KiB, adjusted as large blocks come and go) made each thread's heap
    /// shrink with `madvise` and grow again on nearly every execution: `perf` showed the page
    /// faults and the cross-CPU TLB flushes at about a fifth of a SQLite execution's CPU, and in
    /// every burst of scheduled fires. With this, SQLite executions ran about 20 % faster, for a
    /// few MB more resident memory. Elsewhere than glibc, this does nothing.
    ///
    /// The trim threshold applies to each arena, and glibc gives threads up to eight arenas per
    /// core: with the API under load, requests and executions spread over a dozen arenas, each
    /// keeping its own freed memory (the soak saw 10 MB in use, 48 MB held, still rising after
    /// 40 minutes). One arena per core keeps that to a few MB; at most one thread per core runs
    /// executions anyway (``DatabaseExecutor``). Measured cost: about 4 % of SQLite executions
    /// at concurrency 2, on a shared machine.
    public static func apply() {
        #if canImport(Glibc)
        _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
        _ = mallopt(M_ARENA_MAX, arenaLimit)
        #endif
    }
}
