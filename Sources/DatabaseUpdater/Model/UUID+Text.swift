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
