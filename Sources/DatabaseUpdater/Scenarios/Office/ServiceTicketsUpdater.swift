import Foundation

/// Service requests from the tenant's customer: 1–2 new tickets per run (`ST-1000`, `ST-1001`, …,
/// gapless per tenant), a few existing ones moved along open → in_progress → resolved → closed,
/// and, with retention on, old closed tickets deleted.
public struct ServiceTicketsUpdater: BaseUpdater {
    public let name = "service_tickets"
    public let summary = "Service tickets: paper jams, print quality, network and maintenance requests, moved through their lifecycle"
    public let configKey = "serviceTickets"
    public let defaultSchedule = "0 0 */6 * * *"
    public let newRowsPerRun = 1...2

    public init() {}

    public func run(_ context: inout UpdaterContext) throws {
        for _ in 0..<context.random.int(in: newRowsPerRun) {
            try Self.insertNewTicket(&context)
        }
        try advanceLifecycle(&context)
        try applyRetention(&context)
    }

    /// Generates one ticket and inserts it with the tenant's next number (see
    /// ``UpdaterContext/insertNumbered(into:id:_:)``): the insert every run makes, shared with the
    /// benchmarks' insert-only mode so they measure the real path.
    public static func insertNewTicket(_ context: inout UpdaterContext) throws {
        let now = DatabaseValue.timestamp(context.fireTime)
        let ticket = TicketGenerator.make(&context.random)
        try context.insertNumbered(into: "service_tickets", id: ticket.id, [
            "customer_id": .text(context.tenant.customerId),
            "category": .text(ticket.category),
            "title": .text(ticket.title),
            "description": .text(ticket.description),
            "error_code": ticket.errorCode.map(DatabaseValue.text) ?? .null,
            "equipment_model": .text(ticket.equipmentModel),
            "serial_number": .text(ticket.serialNumber),
            "required_parts": .text(ticket.requiredParts),
            "priority": .text(ticket.priority),
            "status": .text("open"),
            "reported_by": .text(ticket.reportedBy),
            "created_at": now,
            "updated_at": now,
        ])
    }

    /// Moves up to two earlier tickets one step along their lifecycle.
    private func advanceLifecycle(_ context: inout UpdaterContext) throws {
        let candidates = try context.query(
            """
            SELECT id, status, category FROM service_tickets
            WHERE tenant_id = $1 AND status <> 'closed' AND updated_at < $2
            ORDER BY updated_at, id LIMIT 20
            """, .uuid(context.tenant.id), .timestamp(context.fireTime))
        let count = context.random.int(in: 0...min(2, candidates.count))
        let now = DatabaseValue.timestamp(context.fireTime)
        for row in context.random.sample(candidates, count: count) {
            guard let id = row["id"].uuidValue, let status = row["status"].stringValue else { continue }
            switch status {
            case "open":
                try context.update("service_tickets", id: id, set: [
                    "status": .text("in_progress"),
                    "assigned_technician": .text(context.random.pick(ServiceProblems.technicians)),
                    "updated_at": now,
                ])
            case "in_progress":
                let resolution = TicketGenerator.resolution(&context.random, category: row["category"].stringValue ?? "",
                                                            tray: context.random.int(in: 1...4))
                try context.update("service_tickets", id: id, set: [
                    "status": .text("resolved"), "resolution": .text(resolution), "resolved_at": now, "updated_at": now,
                ])
            default:
                try context.update("service_tickets", id: id, set: ["status": .text("closed"), "closed_at": now, "updated_at": now])
            }
        }
    }

    private func applyRetention(_ context: inout UpdaterContext) throws {
        guard let days = context.retentionDays else { return }
        let cutoff = context.fireTime.addingTimeInterval(-Double(days) * 86_400)
        let expired = try context.query(
            """
            SELECT id FROM service_tickets WHERE tenant_id = $1 AND status = 'closed' AND closed_at < $2
            ORDER BY closed_at, id LIMIT 100
            """, .uuid(context.tenant.id), .timestamp(cutoff))
        for row in expired {
            if let id = row["id"].uuidValue { try context.delete(from: "service_tickets", id: id) }
        }
    }
}
