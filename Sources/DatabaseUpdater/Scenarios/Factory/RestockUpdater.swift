import Foundation

/// Every three days, parts below their reorder point are brought back to their order-up-to
/// level in `inventory` (a `restock` movement each), with one `purchase` transaction per part in
/// `erp` whose quantity and amount match the stock increase.
public struct RestockUpdater: BaseUpdater {
    public let name = "restock"
    public let summary = "Parts below their reorder point replenished (inventory), with purchases booked (erp)"
    public let configKey = "restock"
    /// Every three days from the schedule anchor (midnight).
    public let defaultSchedule = "@every 3d"
    public let newRowsPerRun = 0...0

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        let now = DatabaseValue.timestamp(context.fireTime)
        try FactoryValues.lockParts(context)
        let low = try context.query(
            """
            SELECT id, part_number, name, unit_cost, stock_level, order_up_to, supplier FROM inventory.parts
            WHERE tenant_id = $1 AND stock_level < reorder_point ORDER BY part_number
            """, .uuid(context.tenant.id))
        for part in low {
            guard let id = part["id"].uuidValue, let stock = part["stock_level"].intValue, let target = part["order_up_to"].intValue,
                  let cost = FactoryValues.cents(part["unit_cost"]), target > stock else { continue }
            let quantity = target - stock
            let movement = context.random.uuid()
            try context.update("inventory.parts", id: id, set: ["stock_level": .integer(target), "updated_at": now])
            try context.insert(into: "inventory.stock_movements", id: movement, [
                "part_id": .uuid(id), "movement_type": .text("restock"), "quantity": .integer(quantity), "stock_after": .integer(target),
                "order_id": .null, "occurred_at": now, "created_at": now, "updated_at": now,
            ])
            try context.insert(into: "erp.financial_transactions", id: context.random.uuid(), [
                "transaction_type": .text("purchase"), "amount": FactoryValues.money(cost * quantity),
                "transaction_date": .text(FactoryValues.businessDate(context.fireTime, in: context.timeZone)),
                "order_id": .null, "part_id": .uuid(id), "stock_movement_id": .uuid(movement), "employee_id": .null,
                "quantity": .integer(quantity),
                "description": .text("PO \(part["part_number"].stringValue ?? ""): \(quantity) × \(part["name"].stringValue ?? "") from \(part["supplier"].stringValue ?? "supplier")"),
                "occurred_at": now, "created_at": now, "updated_at": now,
            ])
        }
    }
}
