import Foundation

/// How a ``ParsedSetting`` reads its text once: what the text means, for readers that would
/// otherwise parse it again each time.
public protocol SettingParser {
    /// What the text means.
    associatedtype Parsed: Sendable
    /// The meaning of `text`; a fallback when the text is invalid (validation reports why).
    static func parse(_ text: String) -> Parsed
}

/// A configuration value kept as the text users write, which is what ``UpdaterConfig`` encodes
/// (so its YAML and JSON shape is the text alone), and its meaning, parsed once whenever the
/// text is set. `$name` is the meaning.
@propertyWrapper
public struct ParsedSetting<Parser: SettingParser>: Sendable, Equatable, Codable {
    /// The text as written.
    public var wrappedValue: String {
        didSet { parsed = Parser.parse(wrappedValue) }
    }
    /// The text's meaning.
    public private(set) var parsed: Parser.Parsed
    /// `$name`: the text's meaning.
    public var projectedValue: Parser.Parsed { parsed }

    /// A setting holding `wrappedValue`.
    public init(wrappedValue: String) {
        self.wrappedValue = wrappedValue
        parsed = Parser.parse(wrappedValue)
    }

    /// Decodes the text alone, as it is encoded.
    public init(from decoder: any Decoder) throws {
        self.init(wrappedValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the text alone.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }

    /// Settings are equal when their text is.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
}

/// A time zone's IANA name, and the zone (UTC when the name is unknown).
public enum TimeZoneSetting: SettingParser {
    public static func parse(_ text: String) -> TimeZone { TimeZone(identifier: text) ?? TimeZone(identifier: "UTC")! }
}

/// A database location's text (it may hold a password), and the location (nil when it is none).
public enum DatabaseLocationSetting: SettingParser {
    public static func parse(_ text: String) -> DatabaseLocation? { try? DatabaseLocation(parsing: text) }
}

/// A scenario's name, and the scenario (the office when the name is unknown).
public enum ScenarioSetting: SettingParser {
    public static func parse(_ text: String) -> any Scenario { (try? ScenarioRegistry.builtIn.scenario(named: text)) ?? OfficeScenario() }
}

/// `timezone`, looked up once.
public typealias TimeZoneName = ParsedSetting<TimeZoneSetting>
/// `database`, parsed once.
public typealias DatabaseLocationText = ParsedSetting<DatabaseLocationSetting>
/// `scenario`, looked up once.
public typealias ScenarioName = ParsedSetting<ScenarioSetting>
