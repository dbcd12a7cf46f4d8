import Foundation

/// A tenant the updaters write for. Every row carries its id; no updater touches another
/// tenant's rows.
public struct Tenant: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The tenant's id (`tenant_id` on every row).
    public var id: UUID
    /// The customer its service tickets belong to.
    public var customerId: String

    public init(id: UUID, customerId: String) {
        self.id = id
        self.customerId = customerId
    }

    /// The default tenant `550e8400-e29b-41d4-a716-446655440000` with customer `cust-1`.
    public static let `default` = Tenant(id: UUID(uuidString: Schema.defaultTenantID)!, customerId: Schema.defaultCustomerID)

    public var description: String { id.uuidString.lowercased() }
}
