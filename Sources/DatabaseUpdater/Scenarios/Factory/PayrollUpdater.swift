import Foundation

/// Fridays: one `payroll` transaction per employee in `erp`, each the employee's stable weekly salary.
public struct PayrollUpdater: BaseUpdater {
    public let name = "payroll"
    public let summary = "Weekly payroll on Fridays: one payment per employee (erp)"
    public let configKey = "payroll"
    /// 17:00 on Fridays.
    public let defaultSchedule = "0 0 17 * * 5"
    public let newRowsPerRun = 200...200

    public init() {}

    /// Pays nothing on a day that is not a Friday in the configured zone, nor twice on one day
    /// (a manual run, a catch-up, another schedule): payroll happens on Fridays, once.
    public func run(_ context: inout UpdaterContext) throws {
        let now = DatabaseValue.timestamp(context.fireTime)
        let date = FactoryValues.businessDate(context.fireTime, in: context.timeZone)
        guard FactoryValues.isFriday(date), try context.query(
            "SELECT 1 FROM erp.financial_transactions WHERE tenant_id = $1 AND transaction_type = 'payroll' AND transaction_date = $2 LIMIT 1",
            .uuid(context.tenant.id), .text(date)).isEmpty else { return }
        let employees = try context.query(
            "SELECT id, employee_number, weekly_salary FROM erp.employees WHERE tenant_id = $1 ORDER BY employee_number",
            .uuid(context.tenant.id))
        for employee in employees {
            guard let id = employee["id"].uuidValue, let salary = FactoryValues.cents(employee["weekly_salary"]) else { continue }
            try context.insert(into: "erp.financial_transactions", id: context.random.uuid(), [
                "transaction_type": .text("payroll"), "amount": FactoryValues.money(salary), "transaction_date": .text(date),
                "order_id": .null, "part_id": .null, "stock_movement_id": .null, "employee_id": .uuid(id), "quantity": .null,
                "description": .text("Weekly pay \(employee["employee_number"].stringValue ?? ""), week ending \(date)"),
                "occurred_at": now, "created_at": now, "updated_at": now,
            ])
        }
    }
}
