import Foundation

/// What a monitor of the factory would validate, across its five databases (see
/// ``FactoryScenario``). Each reads whole tables and compares in Swift, so money is compared
/// in exact cents whatever the engine's type.
enum FactoryInvariants {
    static let all: [Invariant] = [shippedOrdersPaid, payrollOnFridays, purchasesMatchRestocks, noNegativeStock,
                                   stockMatchesMovements, statusesMatchProduction, usageMatchesBOM]

    private static func key(_ table: String, _ row: DatabaseRow, _ column: String = "id") -> String {
        "\(table):\(row[column].stringValue ?? "?")"
    }

    /// Every shipped order has exactly one customer payment of its amount; no other order has one.
    static let shippedOrdersPaid = Invariant(
        "shipped_orders_paid", "every shipped order has exactly one customer payment of its amount, and no other order has any"
    ) { context in
        let orders = try context.query("SELECT id, tenant_id, order_number, status, amount FROM crm.orders ORDER BY order_number, id")
        let payments = try context.query(
            "SELECT id, tenant_id, order_id, amount FROM erp.financial_transactions WHERE transaction_type = 'customer_payment' ORDER BY id")
        var byOrder: [String: [DatabaseRow]] = [:]
        for payment in payments { byOrder[payment["order_id"].stringValue ?? "", default: []].append(payment) }
        var violations: [InvariantViolation] = []
        var known = Set<String>()
        for order in orders {
            let id = order["id"].stringValue ?? "?", number = order["order_number"].stringValue ?? "?"
            known.insert(id)
            let paid = byOrder[id] ?? []
            let rows = [key("crm.orders", order)] + paid.map { key("erp.financial_transactions", $0) }
            if order["status"].stringValue == "shipped" {
                if paid.count != 1 {
                    violations.append(.init("shipped order \(number) has \(paid.count) customer payments (expected 1)", rows: rows))
                } else if paid[0]["tenant_id"].stringValue != order["tenant_id"].stringValue {
                    violations.append(.init("order \(number) was paid in another tenant's books", rows: rows))
                } else if FactoryValues.cents(paid[0]["amount"]) != FactoryValues.cents(order["amount"]) {
                    violations.append(.init("order \(number) amount \(FactoryValues.dollars(FactoryValues.cents(order["amount"]) ?? 0)) was paid "
                        + FactoryValues.dollars(FactoryValues.cents(paid[0]["amount"]) ?? 0), rows: rows))
                }
            } else if !paid.isEmpty {
                violations.append(.init("order \(number) is \(order["status"].stringValue ?? "?") but has a customer payment", rows: rows))
            }
        }
        for payment in payments where !known.contains(payment["order_id"].stringValue ?? "") {
            violations.append(.init("customer payment for an order that does not exist", rows: [key("erp.financial_transactions", payment)]))
        }
        return violations
    }

    /// Payroll falls only on Fridays, once per employee, every employee paid their salary.
    static let payrollOnFridays = Invariant(
        "payroll_fridays", "payroll transactions fall only on Fridays, one per employee of the tenant on each payroll day, each the employee's weekly salary"
    ) { context in
        var employees: [String: [String: Int64]] = [:]  // tenant → employee → salary
        for row in try context.query("SELECT id, tenant_id, weekly_salary FROM erp.employees") {
            employees[row["tenant_id"].stringValue ?? "", default: [:]][row["id"].stringValue ?? ""] = FactoryValues.cents(row["weekly_salary"])
        }
        let payroll = try context.query(
            """
            SELECT id, tenant_id, employee_id, amount, transaction_date FROM erp.financial_transactions
            WHERE transaction_type = 'payroll' ORDER BY tenant_id, transaction_date, employee_id, id
            """)
        var days: [String: [DatabaseRow]] = [:]
        for row in payroll { days["\(row["tenant_id"].stringValue ?? "")|\(row["transaction_date"].stringValue ?? "")", default: []].append(row) }
        var violations: [InvariantViolation] = []
        for (day, rows) in days.sorted(by: { $0.key < $1.key }) {
            let tenant = String(day.split(separator: "|").first ?? ""), date = String(day.split(separator: "|").last ?? "")
            let staff = employees[tenant] ?? [:]
            if !FactoryValues.isFriday(date) {
                violations.append(.init("\(rows.count) payroll transaction(s) on \(date), which is not a Friday",
                                        rows: rows.prefix(5).map { key("erp.financial_transactions", $0) }))
            }
            let paid = Dictionary(grouping: rows) { $0["employee_id"].stringValue ?? "" }
            if rows.count != staff.count || paid.count != staff.count {
                // The rows involved: payments beyond one per employee (or to no employee of the
                // tenant), and the employees left unpaid.
                let extra = paid.filter { $0.value.count > 1 || staff[$0.key] == nil }.flatMap { $0.value }
                    .map { key("erp.financial_transactions", $0) }.sorted()
                let unpaid = staff.keys.filter { paid[$0] == nil }.sorted().map { "erp.employees:\($0)" }
                violations.append(.init("payroll of \(date): \(rows.count) payments to \(paid.count) employees, expected one to each of \(staff.count)",
                                        rows: Array((extra + unpaid).prefix(20))))
            }
            for row in rows where staff[row["employee_id"].stringValue ?? ""] != FactoryValues.cents(row["amount"]) {
                violations.append(.init("payroll of \(date) pays \(FactoryValues.dollars(FactoryValues.cents(row["amount"]) ?? 0)), not the employee's weekly salary",
                                        rows: [key("erp.financial_transactions", row)]))
            }
        }
        return violations
    }

    /// Each purchase is one restock of the same part and quantity, at the part's cost.
    static let purchasesMatchRestocks = Invariant(
        "purchases_match_restocks", "each purchase matches one restock movement of the same part and quantity, at the part's unit cost, and each restock has its purchase"
    ) { context in
        var costs: [String: Int64] = [:]
        for row in try context.query("SELECT id, unit_cost FROM inventory.parts") { costs[row["id"].stringValue ?? ""] = FactoryValues.cents(row["unit_cost"]) }
        var restocks: [String: DatabaseRow] = [:]
        for row in try context.query("SELECT id, part_id, quantity FROM inventory.stock_movements WHERE movement_type = 'restock'") {
            restocks[row["id"].stringValue ?? ""] = row
        }
        var violations: [InvariantViolation] = []
        var purchased: [String: Int] = [:]
        for purchase in try context.query(
            "SELECT id, part_id, quantity, amount, stock_movement_id FROM erp.financial_transactions WHERE transaction_type = 'purchase' ORDER BY id") {
            let movementID = purchase["stock_movement_id"].stringValue ?? ""
            purchased[movementID, default: 0] += 1
            let rows = [key("erp.financial_transactions", purchase)] + (restocks[movementID] == nil ? [] : ["inventory.stock_movements:\(movementID)"])
            guard let movement = restocks[movementID] else {
                violations.append(.init("purchase without a matching restock movement", rows: rows))
                continue
            }
            let part = purchase["part_id"].stringValue ?? "", quantity = purchase["quantity"].intValue
            if movement["part_id"].stringValue != part || movement["quantity"].intValue != quantity {
                violations.append(.init("purchase of \(quantity ?? 0) does not match its restock of \(movement["quantity"].intValue ?? 0) (same part: \(movement["part_id"].stringValue == part))",
                                        rows: rows))
            } else if let cost = costs[part], let quantity, FactoryValues.cents(purchase["amount"]) != cost * quantity {
                violations.append(.init("purchase amount \(FactoryValues.dollars(FactoryValues.cents(purchase["amount"]) ?? 0)) is not \(quantity) × \(FactoryValues.dollars(cost))",
                                        rows: rows))
            }
        }
        for (id, _) in restocks.sorted(by: { $0.key < $1.key }) where purchased[id, default: 0] != 1 {
            violations.append(.init("restock movement has \(purchased[id, default: 0]) purchases (expected 1)", rows: ["inventory.stock_movements:\(id)"]))
        }
        return violations
    }

    /// No stock level, now or after any movement, is negative.
    static let noNegativeStock = Invariant("no_negative_stock", "no part's stock level is negative, now or after any movement") { context in
        try context.query("SELECT id, part_number, stock_level FROM inventory.parts WHERE stock_level < 0 ORDER BY part_number").map {
            InvariantViolation("part \($0["part_number"].stringValue ?? "?") has stock \($0["stock_level"].intValue ?? 0)", rows: [key("inventory.parts", $0)])
        } + context.query("SELECT id, part_id, stock_after FROM inventory.stock_movements WHERE stock_after < 0 ORDER BY id").map {
            InvariantViolation("a movement left stock at \($0["stock_after"].intValue ?? 0)", rows: [key("inventory.stock_movements", $0)])
        }
    }

    /// A part's stock is the sum of its movements.
    static let stockMatchesMovements = Invariant(
        "stock_matches_movements", "each part's stock level equals the sum of its stock movements"
    ) { context in
        try context.query(
            """
            SELECT p.id, p.part_number, p.stock_level, COALESCE(SUM(m.quantity), 0) AS moved
            FROM inventory.parts p LEFT JOIN inventory.stock_movements m ON m.part_id = p.id
            GROUP BY p.id, p.part_number, p.stock_level ORDER BY p.part_number
            """
        ).filter { $0["stock_level"].intValue != $0["moved"].intValue }.map {
            InvariantViolation("part \($0["part_number"].stringValue ?? "?") has stock \($0["stock_level"].intValue ?? 0) but its movements add up to \($0["moved"].intValue ?? 0)",
                               rows: [key("inventory.parts", $0)])
        }
    }

    /// An order's status, its timestamps, its production order and the stages completed agree,
    /// and stages were completed in order.
    static let statusesMatchProduction = Invariant(
        "statuses_match_production",
        "order statuses only move forward (their timestamps in order) and match mes: received → no production order, processing → queued, in production → started with fewer than 4 stages, shipped → all 4 stages completed in order"
    ) { context in
        var production: [String: DatabaseRow] = [:]
        for row in try context.query("SELECT id, order_id, status, stages_completed FROM mes.production_orders") {
            production[row["order_id"].stringValue ?? ""] = row
        }
        var stages: [String: [DatabaseRow]] = [:]
        for row in try context.query("SELECT id, production_order_id, stage_number, stage, completed_at FROM mes.stage_completions ORDER BY production_order_id, stage_number") {
            stages[row["production_order_id"].stringValue ?? "", default: []].append(row)
        }
        var violations: [InvariantViolation] = []
        var orderIDs = Set<String>()
        for order in try context.query(
            "SELECT id, order_number, status, ordered_at, processed_at, production_started_at, shipped_at FROM crm.orders ORDER BY order_number, id") {
            let id = order["id"].stringValue ?? "", number = order["order_number"].stringValue ?? "?"
            orderIDs.insert(id)
            let status = order["status"].stringValue ?? ""
            let rank = FactorySchema.orderStatuses.firstIndex(of: status) ?? -1
            let times = ["ordered_at", "processed_at", "production_started_at", "shipped_at"].map { order[$0].dateValue }
            var rows = [key("crm.orders", order)]
            // Timestamps: exactly those of the statuses reached, in order.
            let reached = times.indices.map { $0 <= rank }
            let present = times.map { $0 != nil }
            let stamped = times.compactMap { $0 }
            if reached != present || zip(stamped, stamped.dropFirst()).contains(where: { $0 > $1 }) {
                violations.append(.init("order \(number) is \(status) but its timestamps say otherwise (moved backwards?)", rows: rows))
            }
            let job = production[id]
            if let job { rows.append(key("mes.production_orders", job)) }
            let done = stages[job?["id"].stringValue ?? ""] ?? []
            let expected: (status: String?, stages: ClosedRange<Int>) = switch status {
            case "order_received": (nil, 0...0)
            case "order_processing": ("queued", 0...0)
            case "in_production": ("in_progress", 0...(FactorySchema.stages.count - 1))
            default: ("completed", FactorySchema.stages.count...FactorySchema.stages.count)
            }
            if job?["status"].stringValue != expected.status || !expected.stages.contains(done.count)
                || (job.map { $0["stages_completed"].intValue != Int64(done.count) } ?? false) {
                violations.append(.init("order \(number) is \(status) but mes has \(job?["status"].stringValue ?? "no production order") with \(done.count) stage(s) completed",
                                        rows: rows + done.map { key("mes.stage_completions", $0) }))
            }
            let inOrder = done.enumerated().allSatisfy { index, stage in
                stage["stage_number"].intValue == Int64(index + 1) && stage["stage"].stringValue == FactorySchema.stages[index]
                    && (index == 0 || (done[index - 1]["completed_at"].dateValue ?? .distantFuture) <= (stage["completed_at"].dateValue ?? .distantPast))
            }
            if !inOrder {
                violations.append(.init("order \(number): stages were not completed in order", rows: done.map { key("mes.stage_completions", $0) }))
            }
        }
        for (orderID, job) in production.sorted(by: { $0.key < $1.key }) where !orderIDs.contains(orderID) {
            violations.append(.init("production order for an order that does not exist", rows: [key("mes.production_orders", job)]))
        }
        return violations
    }

    /// Each processed order took its bill of materials from stock and booked its cost once.
    static let usageMatchesBOM = Invariant(
        "usage_matches_bom",
        "each processed order consumed exactly its bill of materials times its quantity, and has one inventory-usage transaction of their cost; a received order has neither"
    ) { context in
        var bom: [String: [String: Int64]] = [:]  // product → part → per unit
        for row in try context.query("SELECT product_id, part_id, quantity_per_unit FROM inventory.bom") {
            bom[row["product_id"].stringValue ?? "", default: [:]][row["part_id"].stringValue ?? ""] = row["quantity_per_unit"].intValue
        }
        var costs: [String: Int64] = [:]
        for row in try context.query("SELECT id, unit_cost FROM inventory.parts") { costs[row["id"].stringValue ?? ""] = FactoryValues.cents(row["unit_cost"]) }
        var consumed: [String: [String: Int64]] = [:]  // order → part → quantity taken
        for row in try context.query("SELECT order_id, part_id, quantity FROM inventory.stock_movements WHERE movement_type = 'consumption'") {
            consumed[row["order_id"].stringValue ?? "", default: [:]][row["part_id"].stringValue ?? "", default: 0] -= row["quantity"].intValue ?? 0
        }
        var usage: [String: [DatabaseRow]] = [:]
        for row in try context.query("SELECT id, order_id, amount FROM erp.financial_transactions WHERE transaction_type = 'inventory_usage'") {
            usage[row["order_id"].stringValue ?? "", default: []].append(row)
        }
        var violations: [InvariantViolation] = []
        let orderIDs = Set(try context.query("SELECT id FROM crm.orders").compactMap { $0["id"].stringValue })
        for (order, rows) in usage.sorted(by: { $0.key < $1.key }) where !orderIDs.contains(order) {
            violations.append(.init("inventory usage booked for an order that does not exist", rows: rows.map { key("erp.financial_transactions", $0) }))
        }
        for order in consumed.keys.sorted() where !orderIDs.contains(order) {
            violations.append(.init("parts taken from stock for an order that does not exist (\(order))", rows: []))
        }
        for order in try context.query("SELECT id, order_number, status, product_id, quantity FROM crm.orders ORDER BY order_number, id") {
            let id = order["id"].stringValue ?? "", number = order["order_number"].stringValue ?? "?"
            let rows = [key("crm.orders", order)] + (usage[id] ?? []).map { key("erp.financial_transactions", $0) }
            let taken = consumed[id] ?? [:], booked = usage[id] ?? []
            if order["status"].stringValue == "order_received" {
                if !taken.isEmpty || !booked.isEmpty {
                    violations.append(.init("order \(number) is still received but parts were taken or their cost booked", rows: rows))
                }
                continue
            }
            let needed = (bom[order["product_id"].stringValue ?? ""] ?? [:]).mapValues { $0 * (order["quantity"].intValue ?? 0) }
            if taken != needed {
                violations.append(.init("order \(number) took parts that are not its bill of materials × \(order["quantity"].intValue ?? 0)", rows: rows))
            }
            let cost = taken.reduce(Int64(0)) { $0 + (costs[$1.key] ?? 0) * $1.value }
            if booked.count != 1 || FactoryValues.cents(booked[0]["amount"]) != cost {
                violations.append(.init("order \(number) has \(booked.count) inventory-usage transaction(s); expected one of \(FactoryValues.dollars(cost))",
                                        rows: rows))
            }
        }
        return violations
    }
}
