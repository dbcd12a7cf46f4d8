import Foundation

/// The default scenario: a CRM office with service tickets, activities on leads, and new leads
/// (``OfficeSchema``), one database.
public struct OfficeScenario: Scenario {
    public let name = "office"
    public let summary = "A CRM office: service tickets, activities on leads, and new leads"
    public let updaters = try! UpdaterRegistry([  // distinct names: cannot throw
        BusinessRecordActivitiesUpdater(),
        ServiceTicketsUpdater(),
        BusinessRecordsUpdater(),
    ])
    public let migrations = OfficeSchema.migrations
    public let databases: [String] = []
    public var invariants: [Invariant] { OfficeInvariants.all }

    public init() {}

    /// Leads, activities and tickets; tenants, customers and ticket counters are set-up and bookkeeping.
    public let trackedTables = ["business_records", "business_record_activities", "service_tickets"]

    /// Seeds tenants, customers and counters, none of them tracked: nothing to log.
    public func prepare(_ tenants: [Tenant], on connection: any SQLConnection, now: Date) throws -> [UUID: [RowChange]] {
        try OfficeTenants.ensure(tenants, on: connection, now: now)
        return [:]
    }
}
