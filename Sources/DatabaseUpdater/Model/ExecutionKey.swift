import Foundation

/// Which updater for which tenant: what may run only once at a time, and what a schedule fires.
/// Compared by value, never through strings.
public struct ExecutionKey: Hashable, Sendable {
    /// The updater's name (`service_tickets`).
    public let updater: String
    /// The tenant's id.
    public let tenant: UUID

    public init(updater: String, tenant: UUID) {
        self.updater = updater
        self.tenant = tenant
    }
}
