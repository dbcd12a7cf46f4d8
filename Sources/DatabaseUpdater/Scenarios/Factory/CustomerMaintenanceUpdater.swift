import Foundation

/// The customer pool's rare changes, once a business day: sometimes a new customer, sometimes a
/// changed address, now and then a duplicate record that never ordered removed (a delete), and
/// an account manager's call logged in `crm`.
public struct CustomerMaintenanceUpdater: BaseUpdater {
    public let name = "customer_maintenance"
    public let summary = "Rare changes to the customer pool: a new customer, a changed address, a duplicate removed"
    public let configKey = "customerMaintenance"
    /// 11:00 on weekdays.
    public let defaultSchedule = "0 0 11 * * 1-5"
    public let newRowsPerRun = 0...1

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        let tenant = DatabaseValue.uuid(context.tenant.id)
        let now = DatabaseValue.timestamp(context.fireTime)
        let customers = try context.query("SELECT COUNT(*) AS n FROM customers.customers WHERE tenant_id = $1", tenant).first?["n"].intValue ?? 0
        if context.random.chance(0.25) {
            let number = try FactoryValues.nextNumber(context, table: "customers.customers", column: "CAST(SUBSTR(customer_number, 3) AS INTEGER)",
                                                      first: FactorySeed.firstCustomerNumber)
            let customer = GeneratedCustomer.make(&context.random)
            try context.insert(into: "customers.customers", id: customer.id, customer.columns(number: number, now: context.fireTime))
        }
        if customers > 0, context.random.chance(0.25),
           let moved = try randomCustomer(&context, count: customers), let id = moved["id"].uuidValue {
            let city = context.random.pick(Places.cities)
            try context.update("customers.customers", id: id, set: [
                "street": .text(Places.street(&context.random)), "city": .text(city.name), "state": .text(city.state),
                "postal_code": .text(city.zipPrefix + context.random.digits(2)), "contact_phone": .text(Places.phone(in: city, &context.random)),
                "updated_at": now,
            ])
        }
        if customers > 0, context.random.chance(0.05) { try removeDuplicate(&context) }
        if customers > 0, context.random.chance(0.5), let customer = try randomCustomer(&context, count: customers),
           let id = customer["id"].uuidValue {
            let (channel, template) = context.random.pick(FactoryCatalog.interactionSubjects)
            let month = Int(FactoryValues.businessDate(context.fireTime, in: context.timeZone).dropFirst(5).prefix(2)) ?? 1
            let quarter = (month - 1) / 3 + 1
            try context.insert(into: "crm.customer_interactions", id: context.random.uuid(), [
                "customer_id": .uuid(id), "order_id": .null, "channel": .text(channel),
                "subject": .text(Template.fill(template, ["quarter": String(quarter)])),
                "notes": .text("Spoke with \(customer["contact_name"].stringValue ?? "the buyer") at \(customer["company_name"].stringValue ?? "the customer")."),
                "occurred_at": now, "created_at": now, "updated_at": now,
            ])
        }
    }

    /// Deletes one customer that never ordered nor was contacted (a duplicate record merged away):
    /// never the highest-numbered one, so a customer number is never given out twice. On
    /// PostgreSQL the candidate is locked first and checked again, so an order written for it
    /// meanwhile (which reads its customer `FOR SHARE`) either commits first and saves it, or
    /// waits and finds it gone.
    private func removeDuplicate(_ context: inout UpdaterContext) throws {
        let tenant = DatabaseValue.uuid(context.tenant.id)
        let unused = """
            NOT EXISTS (SELECT 1 FROM crm.orders o WHERE o.customer_id = c.id)
            AND NOT EXISTS (SELECT 1 FROM crm.customer_interactions i WHERE i.customer_id = c.id)
            """
        guard let candidate = try context.query(
            """
            SELECT c.id FROM customers.customers c
            WHERE c.tenant_id = $1 AND \(unused)
              AND c.customer_number < (SELECT MAX(customer_number) FROM customers.customers WHERE tenant_id = $1)
            ORDER BY c.customer_number DESC LIMIT 1
            """, tenant).first?["id"].uuidValue else { return }
        if context.dialect == .postgres {
            _ = try context.query("SELECT id FROM customers.customers WHERE id = $1 FOR UPDATE", .uuid(candidate))
            guard !(try context.query("SELECT 1 FROM customers.customers c WHERE c.id = $1 AND \(unused)", .uuid(candidate))).isEmpty else { return }
        }
        try context.delete(from: "customers.customers", id: candidate)
    }

    private func randomCustomer(_ context: inout UpdaterContext, count: Int64) throws -> DatabaseRow? {
        try context.query(
            "SELECT id, company_name, contact_name FROM customers.customers WHERE tenant_id = $1 ORDER BY customer_number LIMIT 1 OFFSET $2",
            .uuid(context.tenant.id), .integer(Int64(context.random.int(in: 0...Int(count - 1))))).first
    }
}
