import Foundation

/// The random source every generator uses: xoshiro256** (Blackman & Vigna), seeded through
/// SplitMix64 from a 64-bit seed.
///
/// The algorithm and every derived method (ranges, doubles, picks) are written here rather than
/// taken from the standard library, whose `random(in:using:)` algorithms may change between
/// Swift releases: the same seed gives the same sequence on every platform and release.
/// Changing anything here changes generated data and must be noted in the changelog.
public struct SeededRandom: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose sequence is fully determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The generator for one execution: seeded from the run seed, the tenant, the updater and
    /// the fire time (whole seconds), hashed with FNV-1a. The same four inputs always give the
    /// same rows, whatever else runs.
    ///
    /// The key `runSeed|tenant|updater|seconds` is hashed byte by byte as it would be written
    /// (decimal numbers, the tenant's lowercase text), without building the string: one is made
    /// for every execution, and building it showed in `perf`.
    public init(runSeed: UInt64, tenant: UUID, updater: String, fireTime: Date) {
        var hash = FNV1a()
        hash.decimal(runSeed)
        hash.byte(UInt8(ascii: "|"))
        tenant.withLowercaseUTF8 { for byte in $0 { hash.byte(byte) } }
        hash.byte(UInt8(ascii: "|"))
        for byte in updater.utf8 { hash.byte(byte) }
        hash.byte(UInt8(ascii: "|"))
        let seconds = Int64(fireTime.timeIntervalSince1970.rounded(.down))
        if seconds < 0 { hash.byte(UInt8(ascii: "-")) }
        hash.decimal(seconds.magnitude)
        self.init(seed: hash.value)
    }

    /// The generator of one row in one stage of its life, seeded from the row's id and the
    /// stage's name (FNV-1a of `id|stage`). What an updater decides about a row once — how long
    /// a ticket waits for a technician, whether a lead will qualify — is drawn from it, so the
    /// answer is the same at every run that looks at the row, however often that is: a row's
    /// life does not depend on the schedule's frequency, and the same rows give the same lives.
    public init(row id: UUID, stage: String) {
        var hash = FNV1a()
        id.withLowercaseUTF8 { for byte in $0 { hash.byte(byte) } }
        hash.byte(UInt8(ascii: "|"))
        for byte in stage.utf8 { hash.byte(byte) }
        self.init(seed: hash.value)
    }

    /// 64-bit FNV-1a over bytes fed one at a time.
    private struct FNV1a {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325

        mutating func byte(_ byte: UInt8) {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01B3
        }

        /// `number`'s decimal digits, most significant first, as `"\(number)"` writes them.
        mutating func decimal(_ number: UInt64) {
            var divisor: UInt64 = 1
            while number / divisor >= 10 { divisor *= 10 }
            var rest = number
            while divisor > 0 {
                byte(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// A uniform integer in `range` (Lemire's multiply-shift with rejection, unbiased).
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let span = UInt64(bitPattern: Int64(range.upperBound) &- Int64(range.lowerBound)) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }  // the full 64-bit range
        var product = next().multipliedFullWidth(by: span)
        if product.low < span {
            let threshold = (0 &- span) % span
            while product.low < threshold { product = next().multipliedFullWidth(by: span) }
        }
        return range.lowerBound &+ Int(truncatingIfNeeded: product.high)
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in `range`.
    public mutating func double(in range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit() * (range.upperBound - range.lowerBound)
    }

    /// A log-normal draw: `median` × e^(σz) with z standard normal (Box–Muller), the shape of
    /// how long work takes — most of it near the median, a long tail of slow cases.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        let z = (-2 * log(1 - unit())).squareRoot() * cos(2 * Double.pi * unit())
        return median * exp(sigma * z)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// One element, uniformly.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(in: 0...(items.count - 1))] }

    /// One element, with the given relative weights.
    public mutating func pick<T>(_ items: [(T, Double)]) -> T {
        let total = items.reduce(0) { $0 + $1.1 }
        var r = unit() * total
        for (item, weight) in items {
            if r < weight { return item }
            r -= weight
        }
        return items[items.count - 1].0
    }

    /// `count` distinct elements in random order (partial Fisher–Yates).
    public mutating func sample<T>(_ items: [T], count: Int) -> [T] {
        var pool = items
        let n = min(count, pool.count)
        for i in 0..<n { pool.swapAt(i, int(in: i...(pool.count - 1))) }
        return Array(pool.prefix(n))
    }

    /// A random (version 4) UUID drawn from this generator, so row ids are reproducible too.
    public mutating func uuid() -> UUID {
        let a = next(), b = next()
        return Self.uuid(a, b)
    }

    /// The version 4 UUID made of 128 random bits: `a`'s bytes (least significant first), then
    /// `b`'s, with the version and variant bits set.
    static func uuid(_ a: UInt64, _ b: UInt64) -> UUID {
        func byte(_ word: UInt64, _ index: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: word >> (8 * index)) }
        return UUID(uuid: (byte(a, 0), byte(a, 1), byte(a, 2), byte(a, 3), byte(a, 4), byte(a, 5),
                           (byte(a, 6) & 0x0F) | 0x40, byte(a, 7),
                           (byte(b, 0) & 0x3F) | 0x80, byte(b, 1), byte(b, 2), byte(b, 3), byte(b, 4), byte(b, 5),
                           byte(b, 6), byte(b, 7)))
    }

    /// `count` random decimal digits.
    public mutating func digits(_ count: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count { bytes.append(UInt8(ascii: "0") + UInt8(int(in: 0...9))) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
