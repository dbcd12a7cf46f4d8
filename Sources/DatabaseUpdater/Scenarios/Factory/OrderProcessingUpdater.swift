import Foundation

/// Received orders whose parts are in stock move to `order_processing`, oldest first: the parts
/// of the bill of materials are taken from stock (`inventory.parts`, one `consumption` movement
/// per part), a production order is queued in `mes`, and the parts' cost is booked in `erp` as
/// one `inventory_usage` transaction. An order short of any part waits for a restock; stock
/// never goes negative.
public struct OrderProcessingUpdater: BaseUpdater {
    public let name = "order_processing"
    public let summary = "Received orders with parts in stock: stock taken per BoM, production queued, usage booked"
    public let configKey = "orderProcessing"
    /// Hourly at half past, 08:30 to 17:30 on weekdays.
    public let defaultSchedule = "0 30 8-17 * * 1-5"
    public let newRowsPerRun = 0...0

    /// Most orders one run processes.
    static let batch = 40

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        let tenant = DatabaseValue.uuid(context.tenant.id)
        // Stock first: a second execution waits here, then reads the orders this one processed.
        try FactoryValues.lockParts(context)
        let orders = try context.query(
            """
            SELECT id, order_number, product_id, quantity FROM crm.orders
            WHERE tenant_id = $1 AND status = 'order_received' AND ordered_at <= $2
            ORDER BY ordered_at, id LIMIT \(Self.batch)
            """, tenant, .timestamp(context.fireTime))
        guard !orders.isEmpty else { return }
        var parts: [UUID: (stock: Int64, cost: Int64, name: String)] = [:]
        for row in try context.query("SELECT id, stock_level, unit_cost, name FROM inventory.parts WHERE tenant_id = $1", tenant) {
            guard let id = row["id"].uuidValue, let stock = row["stock_level"].intValue, let cost = FactoryValues.cents(row["unit_cost"]) else { continue }
            parts[id] = (stock, cost, row["name"].stringValue ?? "")
        }
        var boms: [UUID: [(part: UUID, quantity: Int64)]] = [:]
        for row in try context.query("SELECT product_id, part_id, quantity_per_unit FROM inventory.bom WHERE tenant_id = $1 ORDER BY product_id, part_id", tenant) {
            guard let product = row["product_id"].uuidValue, let part = row["part_id"].uuidValue, let quantity = row["quantity_per_unit"].intValue else { continue }
            boms[product, default: []].append((part, quantity))
        }
        let now = DatabaseValue.timestamp(context.fireTime)
        for order in orders {
            guard let orderID = order["id"].uuidValue, let product = order["product_id"].uuidValue,
                  let quantity = order["quantity"].intValue, let bom = boms[product], !bom.isEmpty else { continue }
            let needs = bom.map { (part: $0.part, quantity: $0.quantity * quantity) }
            guard needs.allSatisfy({ (parts[$0.part]?.stock ?? 0) >= $0.quantity }) else { continue }  // waits for a restock
            var cost: Int64 = 0
            for need in needs {
                guard let part = parts[need.part] else { continue }
                let after = part.stock - need.quantity
                parts[need.part]?.stock = after
                cost += part.cost * need.quantity
                try context.update("inventory.parts", id: need.part, set: ["stock_level": .integer(after), "updated_at": now])
                try context.insert(into: "inventory.stock_movements", id: context.random.uuid(), [
                    "part_id": .uuid(need.part), "movement_type": .text("consumption"), "quantity": .integer(-need.quantity),
                    "stock_after": .integer(after), "order_id": .uuid(orderID), "occurred_at": now, "created_at": now, "updated_at": now,
                ])
            }
            try context.update("crm.orders", id: orderID, set: ["status": .text("order_processing"), "processed_at": now, "updated_at": now])
            try context.insert(into: "mes.production_orders", id: context.random.uuid(), [
                "order_id": .uuid(orderID), "product_id": .uuid(product), "quantity": .integer(quantity), "status": .text("queued"),
                "stages_completed": .integer(0), "workstation": .null, "queued_at": now, "started_at": .null, "completed_at": .null,
                "created_at": now, "updated_at": now,
            ])
            try context.insert(into: "erp.financial_transactions", id: context.random.uuid(), [
                "transaction_type": .text("inventory_usage"), "amount": FactoryValues.money(cost),
                "transaction_date": .text(FactoryValues.businessDate(context.fireTime, in: context.timeZone)),
                "order_id": .uuid(orderID), "part_id": .null, "stock_movement_id": .null, "employee_id": .null, "quantity": .null,
                "description": .text("Parts issued to production for \(order["order_number"].stringValue ?? "order")"),
                "occurred_at": now, "created_at": now, "updated_at": now,
            ])
        }
    }
}
