/// The scenarios the tool knows, by name.
public struct ScenarioRegistry: Sendable {
    /// The built-in scenarios; the first is the default. A new scenario is one line here.
    public static let builtIn = ScenarioRegistry([OfficeScenario(), FactoryScenario()])

    /// The scenario used when the configuration names none.
    public static let defaultName = "office"

    /// Every scenario, in registration order.
    public let all: [any Scenario]

    init(_ scenarios: [any Scenario]) { all = scenarios }

    /// The names of every scenario.
    public var names: [String] { all.map(\.name) }

    /// The scenario called `name`.
    /// - Throws: ``UpdaterError`` of kind ``UpdaterError/Kind/unknownScenario`` listing the known ones.
    public func scenario(named name: String) throws(UpdaterError) -> any Scenario {
        if let found = all.first(where: { $0.name == name }) { return found }
        throw UpdaterError(.unknownScenario, "unknown scenario '\(name)' (known: \(names.joined(separator: ", ")))")
    }
}
