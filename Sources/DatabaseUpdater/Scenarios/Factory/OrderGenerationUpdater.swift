import Foundation

/// New orders in `crm.orders` from existing customers, about 5–15 per business day (busier on
/// Mondays, quieter on Fridays), each with a confirmation in `crm.customer_interactions`.
/// Customers are not equally loyal: a few order far more often than the rest.
public struct OrderGenerationUpdater: BaseUpdater {
    public let name = "order_generation"
    public let summary = "New orders from existing customers (crm.orders), with their confirmations"
    public let configKey = "orderGeneration"
    /// Hourly from 09:00 to 16:00 on weekdays: eight runs.
    public let defaultSchedule = "0 0 9-16 * * 1-5"
    public let newRowsPerRun = 0...3

    /// Relative order volume by weekday (1 = Sunday … 7 = Saturday).
    static let weekdayFactor: [Int: Double] = [2: 1.2, 3: 1.1, 4: 1.0, 5: 1.0, 6: 0.7]

    /// Orders per run on an average weekday.
    static let ordersPerRun = 1.2

    /// The first order number (`SO-100001`).
    static let firstOrderNumber: Int64 = 100_001

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        // 1.2 orders per run scaled by weekday, rounded up or down at random: 9.6 per business
        // day at the default schedule (``FactoryCatalog/meanOrdersPerBusinessDay``), varying by a
        // few orders a day, as a steady customer base does.
        let factor = Self.weekdayFactor[FactoryValues.weekday(context.fireTime, in: context.timeZone)] ?? 0.5
        let count = min(newRowsPerRun.upperBound, Int(Self.ordersPerRun * factor + context.random.unit()))
        guard count > 0 else { return }
        let customers = try context.query("SELECT COUNT(*) AS n FROM customers.customers WHERE tenant_id = $1",
                                          .uuid(context.tenant.id)).first?["n"].intValue ?? 0
        let products = try context.query("SELECT id, sku, name, unit_price FROM crm.products WHERE tenant_id = $1 ORDER BY sku",
                                         .uuid(context.tenant.id))
        guard customers > 0, !products.isEmpty else { return }
        var number = try FactoryValues.nextNumber(context, table: "crm.orders", column: "sequence_number", first: Self.firstOrderNumber)
        let now = DatabaseValue.timestamp(context.fireTime)
        for _ in 0..<count {
            // Squaring the uniform draw favours the customers at the front of the list.
            let u = context.random.unit()
            let offset = Int64(Double(customers) * u * u)
            guard let customer = try context.query(
                "SELECT id, company_name, contact_name FROM customers.customers WHERE tenant_id = $1 ORDER BY customer_number LIMIT 1 OFFSET $2"
                    + FactoryValues.forShare(context),  // not deleted as a duplicate while this order is written
                .uuid(context.tenant.id), .integer(offset)).first,
                let customerID = customer["id"].uuidValue else { continue }
            let product = context.random.pick(products)
            guard let productID = product["id"].uuidValue, let sku = product["sku"].stringValue,
                  let catalogue = FactoryCatalog.products.first(where: { $0.sku == sku }),
                  let price = FactoryValues.cents(product["unit_price"]) else { continue }
            let quantity = context.random.int(in: catalogue.quantities)
            let orderID = context.random.uuid()
            let orderNumber = "SO-\(number)"
            try context.insert(into: "crm.orders", id: orderID, [
                "order_number": .text(orderNumber), "sequence_number": .integer(number), "customer_id": .uuid(customerID),
                "product_id": .uuid(productID), "quantity": .integer(Int64(quantity)), "unit_price": FactoryValues.money(price),
                "amount": FactoryValues.money(price * Int64(quantity)), "status": .text("order_received"),
                "ordered_at": now, "processed_at": .null, "production_started_at": .null, "shipped_at": .null,
                "created_at": now, "updated_at": now,
            ])
            let contact = customer["contact_name"].stringValue ?? "the buyer"
            try context.insert(into: "crm.customer_interactions", id: context.random.uuid(), [
                "customer_id": .uuid(customerID), "order_id": .uuid(orderID), "channel": .text("email"),
                "subject": .text("Order confirmation \(orderNumber)"),
                "notes": .text("Confirmed \(quantity) × \(product["name"].stringValue ?? sku) for \(contact), total \(FactoryValues.dollars(price * Int64(quantity)))."),
                "occurred_at": now, "created_at": now, "updated_at": now,
            ])
            number += 1
        }
    }
}
