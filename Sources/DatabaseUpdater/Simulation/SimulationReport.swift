import Foundation
import Synchronization

/// What one completed simulation period wrote: emitted only once every execution due in it has
/// committed (and, on SQLite, the file is checkpointed).
public struct SimulationPeriodReport: Sendable, Codable, Equatable {
    /// 1-based.
    public var period: Int
    /// How many periods the span has.
    public var periods: Int
    public var start: Date
    public var end: Date
    /// Executions run (every outcome).
    public var executions: Int
    /// Executions that did not succeed, by outcome.
    public var unsuccessful: [String: Int]
    /// Rows written, by table and operation (`insert`, `update`, `delete`).
    public var rows: [String: [String: Int]]

    /// Every row written.
    public var totalRows: Int { rows.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
}

/// Counts of a whole simulation: rows per table × operation, executions per updater × outcome.
public struct SimulationTotals: Sendable, Codable, Equatable {
    public var executions = 0
    /// By table, then operation.
    public var rows: [String: [String: Int]] = [:]
    /// By updater, then outcome.
    public var outcomes: [String: [String: Int]] = [:]

    public init() {}

    public var totalRows: Int { rows.values.reduce(0) { $0 + $1.values.reduce(0, +) } }
    /// Executions that did not succeed.
    public var unsuccessful: Int {
        outcomes.values.reduce(0) { $0 + $1.filter { $0.key != ExecutionRecord.Outcome.succeeded.rawValue }.values.reduce(0, +) }
    }

    mutating func add(_ record: ExecutionRecord) {
        executions += 1
        outcomes[record.updater, default: [:]][record.outcome.rawValue, default: 0] += 1
        for count in record.rows { rows[count.table, default: [:]][count.operation.rawValue, default: 0] += count.count }
    }

    /// What was added since `earlier`, for one period's report.
    func subtracting(_ earlier: SimulationTotals) -> (executions: Int, rows: [String: [String: Int]], unsuccessful: [String: Int]) {
        var rows: [String: [String: Int]] = [:]
        for (table, operations) in self.rows {
            for (operation, count) in operations {
                let delta = count - (earlier.rows[table]?[operation] ?? 0)
                if delta != 0 { rows[table, default: [:]][operation] = delta }
            }
        }
        var unsuccessful: [String: Int] = [:]
        for (updater, outcomes) in self.outcomes {
            for (outcome, count) in outcomes where outcome != ExecutionRecord.Outcome.succeeded.rawValue {
                let delta = count - (earlier.outcomes[updater]?[outcome] ?? 0)
                if delta != 0 { unsuccessful[outcome, default: 0] += delta }
            }
        }
        return (executions - earlier.executions, rows, unsuccessful)
    }
}

/// Where a simulation is: what `GET /simulation` answers and the progress line shows.
public struct SimulationState: Sendable, Codable, Equatable {
    public enum Phase: String, Sendable, Codable {
        /// Running periods.
        case running
        /// Waiting after a period to be advanced (step mode).
        case paused
        /// Done: the span is over or it was quit.
        case finished
    }

    public var phase: Phase
    /// The simulated now.
    public var now: Date
    public var start: Date
    public var end: Date
    /// The period length, as in `--step` (`day`, `hour`, `week`, `21600 s`).
    public var period: String
    /// Periods completed, of ``periods``.
    public var completedPeriods: Int
    public var periods: Int
    public var step: Bool
    public var seed: String
    /// Real seconds since it started.
    public var elapsedSeconds: Double
    /// Of those, the seconds spent paused (step mode).
    public var pausedSeconds: Double
    public var totals: SimulationTotals

    /// How much of the span is done, 0 to 1.
    public var fraction: Double {
        let span = end.timeIntervalSince(start)
        return span > 0 ? min(1, max(0, now.timeIntervalSince(start) / span)) : 1
    }
}

/// The simulation's running totals, fed from the executions' records as they are made (on the
/// runner threads) and read by the driver between instants.
final class SimulationTally: Sendable {
    private let totals = Mutex(SimulationTotals())

    func add(_ record: ExecutionRecord) {
        totals.withLock { $0.add(record) }
    }

    var current: SimulationTotals { totals.withLock { $0 } }
}
