import Foundation

extension UUID {
    /// The canonical lowercase text form (`8-4-4-4-12` hex digits), as stored in the
    /// databases, the ledger and the history.
    ///
    /// Not `uuidString.lowercased()`: Foundation formats `uuidString` with `snprintf` and then
    /// lowercasing copies it again; ids are formatted several times per execution (history
    /// binds, metrics dimensions, change events), where that showed as about a tenth of the
    /// CPU in `perf`.
    public var lowercaseString: String {
        String(unsafeUninitializedCapacity: 36) { buffer in writeLowercase(into: buffer) }
    }

    /// Parses the `8-4-4-4-12` hex form, in either case, as `UUID(uuidString:)` does, but
    /// straight from the UTF-8: Foundation's parses with `sscanf`, which was most of decoding a
    /// row read back from PostgreSQL (callgrind).
    public init?(text: String) {
        var text = text
        guard let bytes = text.withUTF8({ UUID.parse($0) }) else { return nil }
        self.init(uuid: bytes)
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard utf8.count == 36 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
            default: nil
            }
        }
        var result: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &result) { out -> Bool in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard utf8[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = nibble(utf8[position]), let low = nibble(utf8[position + 1]) else { return false }
                out[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return ok ? result : nil
    }

    /// Calls `body` with the UTF-8 bytes of ``lowercaseString``, without making a `String`.
    func withLowercaseUTF8<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { buffer in
            let count = writeLowercase(into: buffer)
            return try body(UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// Writes the 36 bytes of the text form at the start of `buffer`; returns 36.
    private func writeLowercase(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let digits: StaticString = "0123456789abcdef"
        let hex = digits.utf8Start
        var position = 0
        withUnsafeBytes(of: uuid) { bytes in
            for (index, byte) in bytes.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    buffer[position] = UInt8(ascii: "-")
                    position += 1
                }
                buffer[position] = hex[Int(byte >> 4)]
                buffer[position + 1] = hex[Int(byte & 0x0f)]
                position += 2
            }
        }
        return position
    }
}
