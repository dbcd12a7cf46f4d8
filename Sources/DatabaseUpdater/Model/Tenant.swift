import Foundation

/// A tenant the updaters write for, with optional per-tenant schedules and enabled flags.
/// Every row carries its id; no updater touches another tenant's rows.
public struct Tenant: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The tenant's id (`tenant_id` on every row).
    public var id: UUID
    /// The customer its service tickets belong to.
    public var customerId: String
    /// Cron expressions for this tenant by updater configuration key, overriding the global ones.
    public var scheduleConfig: [String: String]?
    /// Enabled flags for this tenant by updater configuration key, overriding the global ones.
    public var enabledUpdaters: [String: Bool]?

    public init(id: UUID, customerId: String, scheduleConfig: [String: String]? = nil, enabledUpdaters: [String: Bool]? = nil) {
        self.id = id
        self.customerId = customerId
        self.scheduleConfig = scheduleConfig
        self.enabledUpdaters = enabledUpdaters
    }

    /// The default tenant's id.
    public static let defaultID = "550e8400-e29b-41d4-a716-446655440000"
    /// The default tenant's customer, owner of its service tickets in the office scenario.
    public static let defaultCustomerID = "cust-1"
    /// The default tenant `550e8400-e29b-41d4-a716-446655440000` with customer `cust-1`.
    public static let `default` = Tenant(id: UUID(uuidString: defaultID)!, customerId: defaultCustomerID)

    public var description: String { id.lowercaseString }
}
