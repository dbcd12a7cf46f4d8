import Foundation
import Testing
import DatabaseUpdater

/// The hand-written `ISO8601.format` prints exactly what Foundation's formatter prints, in zones
/// with whole-hour, half-hour and 45-minute offsets, across daylight-saving changes, before 1970
/// and with fractional seconds (truncated).
struct ISO8601Tests {
    @Test(arguments: ["UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kathmandu", "America/Los_Angeles", "Australia/Lord_Howe"])
    func formatsAsFoundationDoes(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = timeZone
        var random = SystemRandomNumberGenerator()
        var instants: [TimeInterval] = [0, -1, -0.5, 1_774_746_000, 1_774_746_000.999, 1_793_494_800, -2_208_988_800]
        for _ in 0..<2_000 { instants.append(Double.random(in: -2_000_000_000...4_000_000_000, using: &random)) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(ISO8601.format(date, in: timeZone) == formatter.string(from: date), "\(seconds) in \(zone)")
        }
    }
}
