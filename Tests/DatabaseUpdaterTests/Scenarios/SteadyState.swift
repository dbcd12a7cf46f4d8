import Foundation
import Logging
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// Whether a scenario settles: runs a configuration over simulated days with ``Simulation`` in
/// step mode (a period a day) and, in each pause — the day's executions committed — reads a set
/// of counts from the target database, giving one series per count.
///
/// ```swift
/// let config = try await SteadyState.configuration(.sqlite) { $0.scenario = "factory" }
/// let run = try await SteadyState.simulate(config, days: 90, probes: [
///     .init("open orders", "SELECT count(*) FROM crm.orders WHERE status <> 'shipped'"),
/// ])
/// #expect(run["open orders"].settled(), "\(run["open orders"])")
/// ```
///
/// The queries run on the manager's own database (the scenario's further databases attached or
/// its schemas on the path, as its updaters see them); each returns one row whose first column is
/// the value.
enum SteadyState {
    /// A count read after every simulated day.
    struct Probe: Sendable {
        /// The series' name.
        let name: String
        /// One row, the value first.
        let sql: String

        init(_ name: String, _ sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    /// One probe's daily values, oldest first: value `d` is read at the end of day `d + 1`.
    struct Series: CustomStringConvertible {
        let name: String
        let values: [Double]

        /// The last `days` values.
        func tail(_ days: Int) -> ArraySlice<Double> { values.suffix(days) }

        /// The mean of the last `days` values.
        func mean(last days: Int) -> Double {
            let tail = tail(days)
            return tail.isEmpty ? 0 : tail.reduce(0, +) / Double(tail.count)
        }

        /// The largest relative distance of one of the last `days` values from their mean
        /// (0.3 = 30 %); infinite when the mean is zero and a value is not.
        func spread(last days: Int) -> Double {
            let mean = mean(last: days)
            let largest = tail(days).map { abs($0 - mean) }.max() ?? 0
            return largest == 0 ? 0 : largest / abs(mean)
        }

        /// Whether each of the last `days` values stays within `tolerance` (0.3 = ±30 %) of
        /// their mean: the count neither grows nor drains, whatever it swings by day to day.
        func settled(last days: Int = 30, within tolerance: Double = 0.3) -> Bool {
            values.count >= days && spread(last: days) <= tolerance
        }

        /// `open tickets: last 30 days mean 41.2, 33…49 (±19 %)`, for failure messages and logs.
        var description: String { summary(last: 30) }

        func summary(last days: Int) -> String {
            let tail = tail(days)
            let low = tail.min() ?? 0, high = tail.max() ?? 0
            return "\(name): last \(tail.count) days mean \(String(format: "%.1f", mean(last: days))), "
                + "\(Self.number(low))…\(Self.number(high)) (±\(Int((spread(last: days) * 100).rounded())) %)"
        }

        private static func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
        }
    }

    /// What one simulation gave.
    struct Run {
        /// One series per probe, in the probes' order.
        let series: [Series]
        /// The simulation's totals.
        let final: SimulationState
        /// Wall-clock seconds the simulation and the sampling took.
        let seconds: Double

        /// The series of the probe named `name` (an empty one if there is none).
        subscript(_ name: String) -> Series {
            series.first { $0.name == name } ?? Series(name: name, values: [])
        }
    }

    /// 2026-01-05T00:00:00Z, a Monday.
    static let defaultStart = Date(timeIntervalSince1970: 1_767_571_200)

    /// A configuration on a fresh database of `engine` with its own data and log folders, at the
    /// default schedules unless `customize` changes them.
    static func configuration(_ engine: Engine, _ customize: (inout UpdaterConfig) -> Void = { _ in }) async throws -> UpdaterConfig {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("steady-\(UUID().uuidString)")
        var config = UpdaterConfig(database: try await TestDatabases.freshLocation(engine),
                                   dataDirectory: folder.appendingPathComponent("data").path,
                                   logDirectory: folder.appendingPathComponent("logs").path)
        customize(&config)
        return config
    }

    /// Simulates `days` days of `configuration` from `start` and reads every probe after each.
    /// - Parameters:
    ///   - tenants: how many tenants (``SimulationOptions/tenants(_:count:seed:)``); nil: the configured ones.
    /// - Throws: what opening, running or a probe throws; the simulation is ended first.
    static func simulate(_ configuration: UpdaterConfig, days: Int, start: Date = defaultStart, seed: UInt64 = 42,
                         tenants: Int? = nil, probes: [Probe]) async throws -> Run {
        let began = ContinuousClock.now
        let options = SimulationOptions(start: start, end: start.addingTimeInterval(Double(days) * 86_400), period: .day,
                                        step: true, seed: seed)
        var logger = Logger(label: "updater")
        logger.logLevel = .warning  // not a line per execution
        let simulation = try await Simulation.open(configuration: configuration, options: options, tenants: tenants, logger: logger)
        let running = Task { try await simulation.run() }
        var values = Array(repeating: [Double](), count: probes.count)
        do {
            var reports = simulation.reports.makeAsyncIterator()
            // Each report comes as its period ends; the simulation then pauses until advanced.
            while await reports.next() != nil {
                let database = await simulation.manager.database
                let sample = try await database.withConnection { connection in
                    try probes.map { probe in
                        let value = try connection.query(probe.sql, []).first?.values.first
                        return value?.doubleValue ?? .nan
                    }
                }
                for (index, value) in sample.enumerated() { values[index].append(value) }
                _ = await simulation.advance(periods: 1)
            }
        } catch {
            await simulation.quit()
            _ = try? await running.value
            throw error
        }
        let final = try await running.value
        let elapsed = ContinuousClock.now - began
        return Run(series: zip(probes, values).map { Series(name: $0.name, values: $1) }, final: final,
                   seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
