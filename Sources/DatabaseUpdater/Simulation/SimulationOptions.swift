import Foundation

/// What `updater simulate` runs: a span of simulated time, how it is cut into periods, how fast
/// it goes, and the seed every execution draws from.
public struct SimulationOptions: Sendable {
    /// The first simulated instant; fires at it are included.
    public var start: Date
    /// The end of the span, excluded.
    public var end: Date
    /// Where it pauses: after each period in step mode; without step mode periods still cut
    /// the progress and ``SimulationPeriodReport``s.
    public var period: SimulationPeriod
    /// Whether to pause after each period until advanced.
    public var step: Bool
    public var speed: SimulationSpeed
    /// The run seed of every execution (with the tenant, updater and fire time it fixes the rows).
    public var seed: UInt64

    public init(start: Date, end: Date, period: SimulationPeriod = .day, step: Bool = false, speed: SimulationSpeed = .max,
                seed: UInt64) {
        self.start = start
        self.end = end
        self.period = period
        self.step = step
        self.speed = speed
        self.seed = seed
    }

    /// The period boundaries from ``start`` to ``end``: `[start, b1, …, end]` (the last period
    /// may be shorter). Days and weeks are calendar days in `timeZone` (23 or 25 hours across a
    /// daylight-saving change).
    public func boundaries(in timeZone: TimeZone) -> [Date] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var result = [start]
        var index = 1
        while let last = result.last, last < end {
            let next: Date
            switch period {
            case .day: next = calendar.date(byAdding: .day, value: index, to: start) ?? end
            case .week: next = calendar.date(byAdding: .day, value: 7 * index, to: start) ?? end
            case .duration(let seconds): next = start.addingTimeInterval(Double(index) * Double(seconds))
            }
            result.append(min(max(next, last.addingTimeInterval(1)), end))
            index += 1
        }
        return result
    }

    /// `count` tenants: the configured ones first, then tenants whose ids derive from `seed` (all
    /// the configured ones when `count` is nil). Derived tenants take the global schedules and
    /// enabled flags, and the first tenant's customer id.
    public static func tenants(_ configured: [Tenant], count: Int?, seed: UInt64) -> [Tenant] {
        guard let count else { return configured }
        guard count > configured.count else { return Array(configured.prefix(max(1, count))) }
        var tenants = configured
        var random = SeededRandom(seed: seed ^ 0x7E4A_4775_0000_0001)
        let customer = configured.first?.customerId ?? Tenant.default.customerId
        while tenants.count < count {
            let id = random.uuid()
            if !tenants.contains(where: { $0.id == id }) { tenants.append(Tenant(id: id, customerId: customer)) }
        }
        return tenants
    }
}

/// How long a simulation period is.
public enum SimulationPeriod: Sendable, Equatable, CustomStringConvertible {
    /// A calendar day in the configured time zone.
    case day
    /// Seven calendar days.
    case week
    /// A fixed number of seconds (`hour` is 3600).
    case duration(seconds: Int)

    public static let hour = SimulationPeriod.duration(seconds: 3600)

    /// `day`, `hour`, `week`, or a duration such as `6h`, `90m`, `2d`, `1w`, `45s`.
    /// - Throws: ``SimulationInputError`` for anything else.
    public init(parsing text: String) throws(SimulationInputError) {
        switch text.lowercased() {
        case "day", "daily", "1d": self = .day
        case "week", "weekly", "1w", "7d": self = .week
        case "hour", "hourly": self = .hour
        default:
            guard let seconds = Self.seconds(text), seconds >= 1 else {
                throw SimulationInputError("--step: not a period: \(text) (day, hour, week, or a duration such as 6h, 90m, 2d)")
            }
            self = .duration(seconds: seconds)
        }
    }

    /// `6h` → 21600: a number and a unit (s, m, h, d, w), up to a year.
    static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0 else { return nil }
        let scale: Int
        switch unit {
        case "s": scale = 1
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86_400
        case "w": scale = 604_800
        default: return nil
        }
        guard number <= 366 * 86_400 / scale else { return nil }
        return number * scale
    }

    /// The word the pause line uses: `day 3/30`, `hour 5/24`, `period 2/8`.
    public var noun: String {
        switch self {
        case .day: "day"
        case .week: "week"
        case .duration(3600): "hour"
        case .duration: "period"
        }
    }

    public var description: String {
        switch self {
        case .day: "day"
        case .week: "week"
        case .duration(let seconds): seconds == 3600 ? "hour" : "\(seconds) s"
        }
    }
}

/// How fast simulated time passes.
public enum SimulationSpeed: Sendable, Equatable, CustomStringConvertible {
    /// As fast as the database allows.
    case max
    /// This many simulated seconds per real second (3600: an hour a second).
    case factor(Double)

    /// `max`, or a positive number.
    /// - Throws: ``SimulationInputError``.
    public init(parsing text: String) throws(SimulationInputError) {
        if text.lowercased() == "max" {
            self = .max
        } else if let factor = Double(text), factor.isFinite, factor > 0 {
            self = .factor(factor)
        } else {
            throw SimulationInputError("--speed: not a speed: \(text) (max, or simulated seconds per real second such as 3600)")
        }
    }

    public var description: String {
        switch self {
        case .max: "max"
        case .factor(let factor): "\(String(format: "%g", factor))×"
        }
    }
}

/// A bad simulation argument: a one-line message for the user.
public struct SimulationInputError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
