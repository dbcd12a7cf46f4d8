import Foundation

/// Service requests from the tenant's customer: 1–2 new tickets per run (`ST-1000`, `ST-1001`, …,
/// gapless per tenant), earlier ones moved along open → in_progress → resolved → closed as their
/// time in each status is up, and, with retention on, old closed tickets deleted.
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
        try context.applyRetention(to: "service_tickets", status: "closed", timeColumn: "closed_at")
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

    /// Moves every earlier ticket whose time in its status is up one step along its lifecycle.
    ///
    /// How long a ticket stays in each status is drawn once for the ticket and the status (see
    /// ``SeededRandom/init(row:stage:)``), so its life does not depend on how often this runs:
    /// - **open → in_progress** (a technician is dispatched): a median of 2 hours for critical
    ///   tickets, 5 for high, 12 for medium, a day for low;
    /// - **in_progress → resolved**: a median of 7 hours for a fix without parts, a day when
    ///   parts must come, shorter for urgent tickets, log-normal: a long tail of tickets that
    ///   wait for back-ordered parts or a second visit;
    /// - **resolved → closed**: when the customer confirms, a median of a day, or automatically
    ///   after ``autoCloseDays``.
    ///
    /// The first two count service days: weekday time whole, weekend time at
    /// ``weekendStaffing`` (an on-call crew). Together they give a median resolution of about
    /// one and a half business days, and a backlog that settles where arrivals and departures
    /// balance instead of growing with every run.
    ///
    /// Reads the tenant's tickets still moving, oldest update first through the partial index
    /// `service_tickets_open`, up to ``lifecycleReadLimit`` (a settled tenant has a few dozen).
    private func advanceLifecycle(_ context: inout UpdaterContext) throws {
        let candidates = try context.query(
            """
            SELECT id, status, category, priority, required_parts, updated_at, resolved_at FROM service_tickets
            WHERE tenant_id = $1 AND status <> 'closed' AND updated_at < $2
            ORDER BY updated_at, id LIMIT \(Self.lifecycleReadLimit)
            """, .uuid(context.tenant.id), .timestamp(context.fireTime))
        let now = DatabaseValue.timestamp(context.fireTime)
        for row in candidates {
            guard let id = row["id"].uuidValue, let status = row["status"].stringValue,
                  let since = (status == "resolved" ? row["resolved_at"] : row["updated_at"]).dateValue else { continue }
            var dwell = SeededRandom(row: id, stage: status)
            let priority = row["priority"].stringValue ?? "medium"
            switch status {
            case "open":
                let median = Self.dispatchHours[priority] ?? 12
                guard serviceDays(since, context) >= dwell.logNormal(median: median / 24, sigma: 0.7) else { continue }
                try context.update("service_tickets", id: id, set: [
                    "status": .text("in_progress"),
                    "assigned_technician": .text(context.random.pick(ServiceProblems.technicians)),
                    "updated_at": now,
                ])
            case "in_progress":
                let needsParts = (row["required_parts"].stringValue ?? "[]") != "[]"
                let median = (needsParts ? 24.0 : 7.0) * (Self.urgency[priority] ?? 1)
                guard serviceDays(since, context) >= dwell.logNormal(median: median / 24, sigma: 0.9) else { continue }
                let resolution = TicketGenerator.resolution(&context.random, category: row["category"].stringValue ?? "",
                                                            tray: context.random.int(in: 1...4))
                try context.update("service_tickets", id: id, set: [
                    "status": .text("resolved"), "resolution": .text(resolution), "resolved_at": now, "updated_at": now,
                ])
            default:
                let confirmed = min(dwell.logNormal(median: 1, sigma: 0.8), Self.autoCloseDays)
                guard context.fireTime.timeIntervalSince(since) >= confirmed * 86_400 else { continue }
                try context.update("service_tickets", id: id, set: ["status": .text("closed"), "closed_at": now, "updated_at": now])
            }
        }
    }

    /// Most tickets one run reads to advance.
    static let lifecycleReadLimit = 500
    /// Weekend time counts this much toward a ticket's work: an on-call crew, half the team.
    static let weekendStaffing = 0.5
    /// A resolved ticket the customer has not confirmed is closed this many days after it was resolved.
    static let autoCloseDays = 5.0
    /// Median hours from report to dispatch, by priority.
    private static let dispatchHours: [String: Double] = ["critical": 2, "high": 5, "medium": 12, "low": 24]
    /// How much of the usual repair time a ticket of each priority takes: urgent ones get the
    /// senior technician and the courier.
    private static let urgency: [String: Double] = ["critical": 0.5, "high": 0.75, "medium": 1, "low": 1.25]

    /// Service days from `since` to the fire time (see ``weekendStaffing``).
    private func serviceDays(_ since: Date, _ context: UpdaterContext) -> Double {
        WorkingWeek.days(from: since, to: context.fireTime, weekend: Self.weekendStaffing)
    }
}
