import Foundation

/// The shop floor, hourly on weekdays: production orders queued for at least the planning horizon
/// (three days) start while a workstation is free (the order goes `in_production` in `crm`), and each started one completes its next stage
/// (cutting → assembly → quality check → packaging, one `mes.stage_completions` row each) once
/// the stage's hours have passed. When packaging completes, the order is `shipped` in `crm` and
/// the customer's payment of the order's amount is booked in `erp`, in the same execution.
public struct ManufacturingUpdater: BaseUpdater {
    public let name = "manufacturing"
    public let summary = "Production stages in mes; finished orders shipped in crm and paid in erp"
    public let configKey = "manufacturing"
    /// Hourly, 08:00 to 18:00 on weekdays.
    public let defaultSchedule = "0 0 8-18 * * 1-5"
    public let newRowsPerRun = 0...0

    /// How long a processed order waits before production may start: the planning horizon in
    /// which the week's production is scheduled and material staged.
    static let planningHours = 72.0

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        let tenant = DatabaseValue.uuid(context.tenant.id)
        let now = DatabaseValue.timestamp(context.fireTime)
        let started = try context.query(
            """
            SELECT p.id, p.order_id, p.quantity, p.stages_completed, p.started_at, p.workstation,
                   (SELECT MAX(s.completed_at) FROM mes.stage_completions s WHERE s.production_order_id = p.id) AS last_stage_at
            FROM mes.production_orders p
            WHERE p.tenant_id = $1 AND p.status = 'in_progress' ORDER BY p.started_at, p.id
            """, tenant)
        var busy = Set(started.compactMap { $0["workstation"].stringValue })
        for order in started {
            guard let id = order["id"].uuidValue, let orderID = order["order_id"].uuidValue,
                  let done = order["stages_completed"].intValue, done < FactorySchema.stages.count,
                  let since = order["last_stage_at"].dateValue ?? order["started_at"].dateValue,
                  let quantity = order["quantity"].intValue else { continue }
            let hours = FactoryCatalog.stageHours[Int(done)] * (quantity > 10 ? 1.5 : 1)
            guard context.fireTime.timeIntervalSince(since) >= hours * 3_600 else { continue }
            let stage = Int(done) + 1
            try context.insert(into: "mes.stage_completions", id: context.random.uuid(), [
                "production_order_id": .uuid(id), "stage_number": .integer(Int64(stage)),
                "stage": .text(FactorySchema.stages[stage - 1]),
                "operator": .text("\(context.random.pick(People.firstNames)) \(context.random.pick(People.lastNames).prefix(1))."),
                "completed_at": now, "created_at": now, "updated_at": now,
            ])
            if stage < FactorySchema.stages.count {
                try context.update("mes.production_orders", id: id, set: ["stages_completed": .integer(Int64(stage)), "updated_at": now])
            } else {
                try context.update("mes.production_orders", id: id, set: [
                    "stages_completed": .integer(Int64(stage)), "status": .text("completed"), "completed_at": now, "updated_at": now,
                ])
                if let workstation = order["workstation"].stringValue { busy.remove(workstation) }
                try ship(orderID, &context)
            }
        }
        let free = FactoryCatalog.workstations.filter { !busy.contains($0) }
        guard !free.isEmpty else { return }
        let queued = try context.query(
            """
            SELECT id, order_id FROM mes.production_orders WHERE tenant_id = $1 AND status = 'queued' AND queued_at <= $2
            ORDER BY queued_at, id LIMIT \(free.count)
            """, tenant, .timestamp(context.fireTime.addingTimeInterval(-Self.planningHours * 3_600)))
        for (order, workstation) in zip(queued, free) {
            guard let id = order["id"].uuidValue, let orderID = order["order_id"].uuidValue else { continue }
            try context.update("mes.production_orders", id: id, set: [
                "status": .text("in_progress"), "workstation": .text(workstation), "started_at": now, "updated_at": now,
            ])
            try context.update("crm.orders", id: orderID, set: ["status": .text("in_production"), "production_started_at": now, "updated_at": now])
        }
    }

    /// Marks the order shipped and books its payment.
    private func ship(_ orderID: UUID, _ context: inout UpdaterContext) throws {
        let now = DatabaseValue.timestamp(context.fireTime)
        guard let order = try context.query("SELECT order_number, amount FROM crm.orders WHERE id = $1 AND tenant_id = $2",
                                            .uuid(orderID), .uuid(context.tenant.id)).first,
              let amount = FactoryValues.cents(order["amount"]) else { return }
        try context.update("crm.orders", id: orderID, set: ["status": .text("shipped"), "shipped_at": now, "updated_at": now])
        try context.insert(into: "erp.financial_transactions", id: context.random.uuid(), [
            "transaction_type": .text("customer_payment"), "amount": FactoryValues.money(amount),
            "transaction_date": .text(FactoryValues.businessDate(context.fireTime, in: context.timeZone)),
            "order_id": .uuid(orderID), "part_id": .null, "stock_movement_id": .null, "employee_id": .null, "quantity": .null,
            "description": .text("Payment received for \(order["order_number"].stringValue ?? "order")"),
            "occurred_at": now, "created_at": now, "updated_at": now,
        ])
    }
}
