/// Finds each key of a scan among the previous check's keys. Both scans read the table in key
/// order, so a row is nearly always the one after the last found: that is one comparison. A key
/// out of that order (a row inserted, or rows deleted before it) is looked up in a hash index
/// of the previous keys, built at the first such key: open addressing over row positions,
/// cheaper to build than a `[String: Int]` of a million keys (no per-key allocation, FNV-1a
/// instead of SipHash).
struct KeyMatcher {
    private let keys: [String]
    /// The position after the last key found.
    private var next = 0
    /// Row positions by hash, -1 for an empty slot; empty until needed.
    private var slots: [Int32] = []

    init(keys: [String]) {
        self.keys = keys
    }

    /// The position of `key` among the previous keys, nil when it is new.
    mutating func position(of key: String) -> Int? {
        if next < keys.count, keys[next] == key {
            next += 1
            return next - 1
        }
        if keys.isEmpty { return nil }
        if slots.isEmpty { buildIndex() }
        let mask = slots.count - 1
        var slot = Self.hash(key) & mask
        while slots[slot] >= 0 {
            let position = Int(slots[slot])
            if keys[position] == key {
                next = position + 1
                return position
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private mutating func buildIndex() {
        var capacity = 16
        while capacity < keys.count * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        for (position, key) in keys.enumerated() {
            var slot = Self.hash(key) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(position)
        }
    }

    /// FNV-1a (64-bit) of the key's UTF-8, its bits mixed so that the low ones vary.
    private static func hash(_ key: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 29
        return Int(truncatingIfNeeded: hash)
    }
}
