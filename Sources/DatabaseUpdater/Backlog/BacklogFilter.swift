import Foundation

/// Which backlog items an operation concerns: all, or one updater's, or one tenant's, or both.
public struct BacklogFilter: Sendable, Equatable {
    /// An updater's name (as ``UpdaterRegistry/updater(named:)`` accepts it: name or configuration key).
    public var updater: String?
    public var tenant: UUID?

    public init(updater: String? = nil, tenant: UUID? = nil) {
        self.updater = updater
        self.tenant = tenant
    }

    /// The filter with the updater's canonical name, after checking both against the configuration.
    /// - Throws: ``UpdaterError`` for an unknown updater or tenant.
    func resolved(in config: UpdaterConfig, registry: UpdaterRegistry) throws(UpdaterError) -> BacklogFilter {
        var resolved = self
        if let updater { resolved.updater = try registry.updater(named: updater).name }
        if let tenant, !config.tenants.contains(where: { $0.id == tenant }) {
            let known = config.tenants.map(\.description).joined(separator: ", ")
            throw UpdaterError(.unknownTenant, "unknown tenant \(tenant.lowercaseString) (configured: \(known))")
        }
        return resolved
    }

    func includes(updater name: String, tenant id: UUID) -> Bool {
        (updater == nil || updater == name) && (tenant == nil || tenant == id)
    }
}
