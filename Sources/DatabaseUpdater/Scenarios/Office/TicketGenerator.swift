import Foundation

/// A service request as a customer reports it.
public struct GeneratedTicket: Sendable, Equatable {
    public var id: UUID
    public var category: String
    public var title: String
    public var description: String
    public var errorCode: String?
    public var equipmentModel: String
    public var serialNumber: String
    /// JSON array of part names, matching the problem.
    public var requiredParts: String
    public var priority: String
    public var reportedBy: String
}

/// Makes tickets whose error code, parts and priority belong to the problem described.
public enum TicketGenerator {
    /// One ticket, from `rng`.
    public static func make(_ rng: inout SeededRandom) -> GeneratedTicket {
        let problem = rng.pick(ServiceProblems.all)
        let (model, serialPrefix) = rng.pick(ServiceProblems.equipmentModels)
        let values = [
            "model": model, "floor": rng.pick(ServiceProblems.floors), "tray": "\(rng.int(in: 1...4))",
            "meter": "\(rng.int(in: 6...48) * 10_000)", "color": rng.pick(ServiceProblems.colors),
        ]
        let code = rng.pick(problem.errorCodes)
        let parts = rng.pick(problem.parts).map { Template.fill($0, values) }
        return GeneratedTicket(
            id: rng.uuid(),
            category: problem.category,
            title: Template.fill(problem.title, values),
            description: Template.fill(rng.pick(problem.descriptions), values),
            errorCode: code == "none" ? nil : code,
            equipmentModel: model,
            serialNumber: serialPrefix + rng.digits(7),
            requiredParts: Template.jsonArray(parts),
            priority: rng.pick(problem.priority),
            reportedBy: "\(rng.pick(People.firstNames)) \(rng.pick(People.lastNames))"
        )
    }

    /// The resolution a technician writes for a ticket of `category`.
    static func resolution(_ rng: inout SeededRandom, category: String, tray: Int) -> String {
        let problem = ServiceProblems.all.first { $0.category == category } ?? ServiceProblems.all[0]
        return Template.fill(rng.pick(problem.resolutions), ["tray": "\(tray)"])
    }

}
