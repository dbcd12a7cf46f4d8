/// A database setting: the location as users write it, which is what ``UpdaterConfig`` encodes,
/// and the ``DatabaseLocation`` it names, parsed once whenever the text is set rather than by
/// every reader (the manager opening it, banners and status printing it redacted).
@propertyWrapper
public struct DatabaseLocationText: Sendable, Equatable, Codable {
    /// The location's text (`sqlite:data/updater.sqlite`, `postgres://…`); it may hold a password.
    public var wrappedValue: String {
        didSet { location = try? DatabaseLocation(parsing: wrappedValue) }
    }
    /// The location, or nil when the text is not one (validation reports why).
    public private(set) var location: DatabaseLocation?
    /// `$database`: the location.
    public var projectedValue: DatabaseLocation? { location }

    /// A setting naming `wrappedValue`.
    public init(wrappedValue: String) {
        self.wrappedValue = wrappedValue
        location = try? DatabaseLocation(parsing: wrappedValue)
    }

    /// Decodes the text alone, as it is encoded.
    public init(from decoder: any Decoder) throws {
        self.init(wrappedValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the text alone: the configuration's shape stays `database: sqlite:…`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }

    /// Settings are equal when their text is.
    public static func == (lhs: DatabaseLocationText, rhs: DatabaseLocationText) -> Bool { lhs.wrappedValue == rhs.wrappedValue }
}

/// A scenario setting: the name, which is what ``UpdaterConfig`` encodes, and the scenario it
/// names in ``ScenarioRegistry/builtIn``, looked up once whenever the name is set.
@propertyWrapper
public struct ScenarioName: Sendable, Equatable, Codable {
    /// The scenario's name (`office`, `factory`).
    public var wrappedValue: String {
        didSet { scenario = Self.scenario(named: wrappedValue) }
    }
    /// The scenario named, or the office when the name is unknown (validation rejects unknown names).
    public private(set) var scenario: any Scenario
    /// `$scenario`: the scenario.
    public var projectedValue: any Scenario { scenario }

    /// A setting naming `wrappedValue`.
    public init(wrappedValue: String) {
        self.wrappedValue = wrappedValue
        scenario = Self.scenario(named: wrappedValue)
    }

    /// Decodes the name alone, as it is encoded.
    public init(from decoder: any Decoder) throws {
        self.init(wrappedValue: try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the name alone: the configuration's shape stays `scenario: factory`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }

    /// Settings are equal when they name the same scenario.
    public static func == (lhs: ScenarioName, rhs: ScenarioName) -> Bool { lhs.wrappedValue == rhs.wrappedValue }

    private static func scenario(named name: String) -> any Scenario {
        (try? ScenarioRegistry.builtIn.scenario(named: name)) ?? OfficeScenario()
    }
}
