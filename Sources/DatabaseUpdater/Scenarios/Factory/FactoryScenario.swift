import Foundation

/// A manufacturer of workshop and warehouse equipment selling to business customers, over five
/// databases (``FactorySchema``): orders are received (`crm`), take parts from stock
/// (`inventory`), go through production stages (`mes`), ship and get paid (`erp`); parts are
/// restocked every three days and payroll runs on Fridays.
///
/// An execution that writes several of the databases commits in all of them or none: on
/// PostgreSQL they are schemas of one database, written in one transaction; on SQLite they are
/// files attached to one connection in rollback-journal mode (see ``SQLiteAttachment``).
public struct FactoryScenario: Scenario {
    public let name = "factory"
    public let summary = "A factory over five databases: orders, stock, production, payments and payroll"
    public let updaters = try! UpdaterRegistry([  // distinct names: cannot throw
        OrderGenerationUpdater(),
        OrderProcessingUpdater(),
        ManufacturingUpdater(),
        RestockUpdater(),
        PayrollUpdater(),
        CustomerMaintenanceUpdater(),
    ])
    public let migrations = FactorySchema.migrations
    public let databases = FactorySchema.databases
    public var invariants: [Invariant] { FactoryInvariants.all }

    public init() {}

    public let trackedTables = FactorySchema.trackedTables

    public func prepare(_ tenants: [Tenant], on connection: any SQLConnection, now: Date) throws -> [UUID: [RowChange]] {
        try FactorySeed.ensure(tenants, on: connection, now: now)
    }
}
