#if canImport(Glibc)
import CMalloc
#endif

/// Process-wide allocator settings for the service's workload; the executables apply them
/// once at startup.
public enum MemoryTuning {
    /// How much free memory glibc keeps at the top of each heap before giving it back.
    public static let trimThreshold: Int32 = 16 << 20

    /// Keeps up to ``trimThreshold`` of freed memory per heap instead of returning it to the
    /// kernel at once.
    ///
    /// glibc's default (128 KiB, adjusted as large blocks come and go) made each thread's heap
    /// shrink with `madvise` and grow again on nearly every execution: `perf` showed the page
    /// faults and the cross-CPU TLB flushes at about a fifth of a SQLite execution's CPU, and in
    /// every burst of scheduled fires. With this, SQLite executions ran about 20 % faster, for a
    /// few MB more resident memory. Elsewhere than glibc, this does nothing.
    public static func apply() {
        #if canImport(Glibc)
        _ = mallopt(M_TRIM_THRESHOLD, trimThreshold)
        #endif
    }
}
