/// The updaters the tool knows, in a fixed order, and which of them are enabled.
///
/// Names are unique (a duplicate is rejected, as swift-jobs' JobRegistry does); looking up an
/// unknown name is an ``UpdaterError`` that lists the known ones.
public struct UpdaterRegistry: Sendable {
    /// The default scenario's updaters (``OfficeScenario``). A scenario's updaters are listed
    /// in its type: a new updater is one new type and one line there.
    public static var builtIn: UpdaterRegistry { OfficeScenario().updaters }

    /// Every registered updater, in registration order.
    public private(set) var all: [any BaseUpdater] = []
    private var disabled: Set<String> = []

    /// A registry of `updaters`, all enabled.
    /// - Throws: ``UpdaterError`` when two share a name or a configuration key.
    public init(_ updaters: [any BaseUpdater]) throws(UpdaterError) {
        for updater in updaters { try register(updater) }
    }

    /// Adds an updater, enabled.
    public mutating func register(_ updater: any BaseUpdater) throws(UpdaterError) {
        if all.contains(where: { $0.name == updater.name || $0.configKey == updater.configKey }) {
            throw UpdaterError(.duplicateUpdater, "an updater named '\(updater.name)' (or keyed '\(updater.configKey)') is already registered")
        }
        all.append(updater)
    }

    /// The names of every registered updater.
    public var names: [String] { all.map(\.name) }

    /// The enabled updaters, in registration order.
    public var enabled: [any BaseUpdater] { all.filter { !disabled.contains($0.name) } }

    /// Whether `name` is enabled.
    public func isEnabled(_ name: String) -> Bool { !disabled.contains(name) }

    /// The updater called `name` (its name, or its configuration key).
    public func updater(named name: String) throws(UpdaterError) -> any BaseUpdater {
        if let found = all.first(where: { $0.name == name || $0.configKey == name }) { return found }
        throw UpdaterError(.unknownUpdater, "unknown updater '\(name)' (known: \(names.joined(separator: ", ")))")
    }

    /// Enables or disables `name`.
    public mutating func setEnabled(_ name: String, _ enabled: Bool) throws(UpdaterError) {
        let updater = try updater(named: name)
        if enabled { disabled.remove(updater.name) } else { disabled.insert(updater.name) }
    }
}

/// A request about updaters or tenants that cannot be honoured; one line, for users.
public struct UpdaterError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unknownUpdater, duplicateUpdater, unknownTenant, alreadyRunning, unknownScenario, unknownTarget
    }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
