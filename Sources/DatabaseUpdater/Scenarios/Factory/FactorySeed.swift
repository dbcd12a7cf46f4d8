import Foundation

/// The factory's reference data for a tenant, created once before its first execution: 500
/// customers, the product catalogue with prices, parts at their order-up-to level (each with an
/// `opening` stock movement), bills of materials, and 200 employees with stable salaries.
///
/// Generated from the tenant's id alone, so every run of the same tenant starts from the same
/// business. Seeding is set-up, not traffic: it is written when the database is prepared, not by
/// an execution; but its rows are in tables the updaters change, so it writes them through an
/// ``UpdaterContext`` and they go to the change log (as updater `seed`) like any other row.
enum FactorySeed {
    /// Customers in the pool at the start.
    static let customerCount = 500
    /// The first customer number (`C-10001`).
    static let firstCustomerNumber: Int64 = 10_001

    /// Seeds every tenant that has no catalogue yet; tenants already seeded are left as they are.
    /// - Returns: the rows written, by tenant.
    static func ensure(_ tenants: [Tenant], on conn: any SQLConnection, now: Date) throws -> [UUID: [RowChange]] {
        var written: [UUID: [RowChange]] = [:]
        for tenant in tenants {
            let seeded = try conn.query("SELECT COUNT(*) AS n FROM crm.products WHERE tenant_id = $1", .uuid(tenant.id)).first?["n"].intValue ?? 0
            if seeded == 0 { written[tenant.id] = try seed(tenant, on: conn, now: now) }
        }
        return written
    }

    private static func seed(_ tenant: Tenant, on conn: any SQLConnection, now: Date) throws -> [RowChange] {
        var rng = SeededRandom(runSeed: 0, tenant: tenant.id, updater: "factory.seed", fireTime: Date(timeIntervalSince1970: 0))
        var context = UpdaterContext(tenant: tenant, fireTime: now, random: rng, dryRun: false, retentionDays: nil,
                                     timeZone: TimeZone(identifier: "UTC")!, connection: conn)
        func insert(_ table: String, _ id: UUID, _ columns: KeyValuePairs<String, DatabaseValue>) throws {
            try context.insert(into: table, id: id, columns)
        }
        let stamp = DatabaseValue.timestamp(now)

        var partIDs: [String: UUID] = [:]
        for part in FactoryCatalog.parts {
            let id = rng.uuid()
            partIDs[part.number] = id
            let levels = stockLevels(part.number)
            try insert("inventory.parts", id, [
                "part_number": .text(part.number), "name": .text(part.name), "unit": .text(part.unit),
                "unit_cost": FactoryValues.money(part.unitCostCents), "stock_level": .integer(Int64(levels.orderUpTo)),
                "reorder_point": .integer(Int64(levels.reorderPoint)), "order_up_to": .integer(Int64(levels.orderUpTo)),
                "supplier": .text(part.supplier), "created_at": stamp, "updated_at": stamp,
            ])
            try insert("inventory.stock_movements", rng.uuid(), [
                "part_id": .uuid(id), "movement_type": .text("opening"), "quantity": .integer(Int64(levels.orderUpTo)),
                "stock_after": .integer(Int64(levels.orderUpTo)), "order_id": .null, "occurred_at": stamp,
                "created_at": stamp, "updated_at": stamp,
            ])
        }
        for product in FactoryCatalog.products {
            let id = rng.uuid()
            try insert("crm.products", id, [
                "sku": .text(product.sku), "name": .text(product.name), "category": .text(product.category),
                "unit_price": FactoryValues.money(FactoryCatalog.unitPriceCents(product)), "created_at": stamp, "updated_at": stamp,
            ])
            for line in product.bom {
                guard let part = partIDs[line.part] else { continue }
                try insert("inventory.bom", rng.uuid(), [
                    "product_id": .uuid(id), "part_id": .uuid(part), "quantity_per_unit": .integer(Int64(line.quantity)),
                    "created_at": stamp, "updated_at": stamp,
                ])
            }
        }
        for number in 0..<Int64(customerCount) {
            let customer = GeneratedCustomer.make(&rng)
            try insert("customers.customers", customer.id, customer.columns(number: firstCustomerNumber + number, now: now))
        }
        var employee = 1_001
        for department in FactoryCatalog.departments {
            for _ in 0..<department.headCount {
                let yearly = (rng.double(in: department.pay) / 500).rounded() * 500
                let hired = now.addingTimeInterval(-Double(rng.int(in: 30...(12 * 365))) * 86_400)
                try insert("erp.employees", rng.uuid(), [
                    "employee_number": .text("E-\(employee)"),
                    "name": .text("\(rng.pick(People.firstNames)) \(rng.pick(People.lastNames))"),
                    "department": .text(department.name), "title": .text(rng.pick(department.titles)),
                    "weekly_salary": FactoryValues.money(Int64((yearly * 100 / 52).rounded())),
                    "hired_on": .text(FactoryValues.businessDate(hired, in: TimeZone(identifier: "UTC")!)),
                    "created_at": stamp, "updated_at": stamp,
                ])
                employee += 1
            }
        }
        try context.resolveImages()
        return context.changes
    }

    /// A part's reorder point and order-up-to level, from its expected consumption: the reorder
    /// point covers five business days and the largest single order (a part just above it at one
    /// restock is checked again three days later), and a restock brings the level five business
    /// days above it. Stock so oscillates between them
    /// instead of drifting, and an order rarely waits for parts.
    static func stockLevels(_ part: String) -> (reorderPoint: Int, orderUpTo: Int) {
        let daily = FactoryCatalog.meanDailyUsage(of: part)
        let reorderPoint = Int((daily * 5).rounded(.up)) + FactoryCatalog.largestOrderNeed(of: part)
        return (reorderPoint, reorderPoint + Int((daily * 5).rounded(.up)))
    }
}
