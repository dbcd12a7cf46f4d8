import Foundation

/// A time zone setting: the IANA name as users write it, which is what ``UpdaterConfig`` encodes,
/// and the zone it names, looked up once whenever the name is set rather than on every schedule
/// computation that asks for it.
@propertyWrapper
public struct TimeZoneName: Sendable, Equatable, Codable {
    /// The zone's IANA name.
    public var wrappedValue: String {
        didSet { zone = Self.zone(named: wrappedValue) }
    }
    /// The zone named, or UTC if the name is unknown (validation rejects unknown names).
    public private(set) var zone: TimeZone

    /// A setting naming `wrappedValue`.
    public init(wrappedValue: String) {
        self.wrappedValue = wrappedValue
        zone = Self.zone(named: wrappedValue)
    }

    /// Decodes the name alone, as it is encoded.
    public init(from decoder: any Decoder) throws {
        self.init(wrappedValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the name alone: the configuration's shape stays `timezone: Europe/Paris`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }

    /// Settings are equal when they name the same zone.
    public static func == (lhs: TimeZoneName, rhs: TimeZoneName) -> Bool { lhs.wrappedValue == rhs.wrappedValue }

    private static func zone(named name: String) -> TimeZone { TimeZone(identifier: name) ?? TimeZone(identifier: "UTC")! }
}
