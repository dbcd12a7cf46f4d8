import Foundation

/// A further target of one service (`targets:` in the configuration): a database, the scenario
/// simulated in it, and its own schedules and enabled updaters. The top-level keys are the first
/// target (named by ``UpdaterConfig/target``, `default` unless set); everything else — tenants,
/// time zone, seed, cap, timeout, misfire policy — each target shares with it, except `webhooks`,
/// which deliver the top-level target's change log only.
///
/// ```yaml
/// database: postgres://app@db/crm        # the office, target "default"
/// targets:
///   - name: plant
///     database: "sqlite:databases/"
///     scenario: factory
///     scheduleConfig: { payroll: "0 0 16 * * 5" }
/// ```
public struct TargetConfig: Sendable, Equatable, Codable {
    /// The target's name: in the fire log, the log, `--target` and `?target=`.
    public var name: String
    /// Its database (see ``DatabaseLocation``).
    @DatabaseLocationText public var database: String
    /// Its scenario.
    @ScenarioName public var scenario: String
    /// Schedules by the scenario's updater keys; an updater not named uses its default.
    public var scheduleConfig: [String: String]
    /// Enabled flags by the scenario's updater keys; an updater not named runs.
    public var enabledUpdaters: [String: Bool]

    public init(name: String, database: String, scenario: String = ScenarioRegistry.defaultName,
                scheduleConfig: [String: String] = [:], enabledUpdaters: [String: Bool] = [:]) {
        self.name = name
        self.database = database
        self.scenario = scenario
        self.scheduleConfig = scheduleConfig
        self.enabledUpdaters = enabledUpdaters
    }
}

extension UpdaterConfig {
    /// The names of every target: the top-level one first, then ``targets`` in order.
    public var targetNames: [String] { [target] + targets.map(\.name) }

    /// The configuration of the target called `name`: this one for the top-level target;
    /// for a further target, this one with the target's database, scenario, schedules and
    /// enabled updaters, and its own data folder (`DATA/targets/NAME`: its history and ledger).
    /// - Throws: ``UpdaterError`` of kind ``UpdaterError/Kind/unknownTarget`` naming the targets.
    public func configuration(forTarget name: String) throws(UpdaterError) -> UpdaterConfig {
        if name == target { return self }
        guard let entry = targets.first(where: { $0.name == name }) else {
            throw UpdaterError(.unknownTarget, "unknown target '\(name)' (configured: \(targetNames.joined(separator: ", ")))")
        }
        var derived = self
        derived.target = entry.name
        derived.targets = []
        derived.webhooks = []  // webhooks deliver the top-level target's log (one sequence of ids)
        derived.database = entry.database
        derived.scenario = entry.scenario
        derived.scheduleConfig = entry.scheduleConfig
        derived.executionConfig.enabledUpdaters = entry.enabledUpdaters
        derived.tenants = tenants.map { Tenant(id: $0.id, customerId: $0.customerId) }  // overrides name the top-level scenario's keys
        derived.dataDirectory = URL(fileURLWithPath: dataDirectory).appendingPathComponent("targets").appendingPathComponent(entry.name).path
        return derived
    }
}
