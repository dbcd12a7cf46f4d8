import Foundation
import Logging
import Metrics

/// Runs the schedules over simulated time: a ``SimulatedClock`` jumps from one due instant to
/// the next, and at each the scheduler's own ``CronScheduler/step(at:)`` hands the due fires to
/// the executor — the path `updater start` uses, with its transactions, fire log, history,
/// change events and metrics. Only the driver differs.
///
/// Deterministic: every execution is seeded with ``SimulationOptions/seed`` and stamped with its
/// fire time; one instant's fires of one tenant run in entry order, and the next instant starts
/// only when they have all finished. On SQLite the fires run one at a time in that order (rows
/// land in the file in the order they are written); on PostgreSQL different tenants run in
/// parallel up to the concurrency cap.
///
/// ```swift
/// let simulation = try await Simulation.open(configuration: config, options: .init(start: start, end: end, seed: 7))
/// for await report in simulation.reports { print(report.period, report.executions) }  // in another task
/// let final = try await simulation.run()
/// ```
///
/// In step mode it pauses after every period, the last one included, until ``advance(periods:)``
/// or ``advance(until:)`` lets it go on, or ``quit()`` ends it.
public actor Simulation {
    public nonisolated let options: SimulationOptions
    /// The manager it drives (opened on the simulated clock): its records, events and status.
    public nonisolated let manager: DatabaseUpdaterManager
    /// Each completed period's report, in order; finishes when the simulation does.
    public nonisolated let reports: AsyncStream<SimulationPeriodReport>
    private let reportSink: AsyncStream<SimulationPeriodReport>.Continuation
    private let clock: SimulatedClock
    /// `[start, …, end]`: period `p` is `boundaries[p - 1] ..< boundaries[p]`.
    private let boundaries: [Date]
    private let tally = SimulationTally()
    private let logger: Logger
    /// Periods it may run before pausing (step mode); a period past the last ends the final pause.
    private var granted: Int
    private var completed = 0
    private var phase: SimulationState.Phase = .running
    private var quitting = false
    private var began: ContinuousClock.Instant?
    private var paused: Duration = .zero
    private var driver: CheckedContinuation<Void, Never>?
    private var advanceWaiters: [(target: Int, continuation: CheckedContinuation<SimulationState, Never>)] = []

    /// Opens the target database on a clock standing at the simulation's start (so migrations and
    /// tenants are stamped with it), with `tenants` expanded and every execution seeded with the
    /// options' seed.
    /// - Parameter tenants: how many tenants to simulate (``SimulationOptions/tenants(_:count:seed:)``).
    /// - Throws: ``ConfigurationError``, ``DatabaseError`` (the database is down or cannot be migrated).
    public static func open(
        configuration: UpdaterConfig, options: SimulationOptions, tenants: Int? = nil, registry: UpdaterRegistry? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, logger: Logger = Logger(label: "updater")
    ) async throws -> Simulation {
        guard !configuration.cluster.enabled else {
            throw ConfigurationError(problems: ["cluster.enabled: a simulation runs its own clock in one process; "
                + "simulate without cluster mode (another database, or cluster.enabled: false)"])
        }
        var configuration = configuration
        configuration.seed = options.seed
        configuration.tenants = SimulationOptions.tenants(configuration.tenants, count: tenants, seed: options.seed)
        let clock = SimulatedClock(options.start)
        let manager = try await DatabaseUpdaterManager.open(configuration: configuration, registry: registry, clock: clock,
                                                            metricsFactory: metricsFactory, logger: logger)
        return Simulation(manager: manager, clock: clock, options: options, timeZone: configuration.timeZone, logger: logger)
    }

    private init(manager: DatabaseUpdaterManager, clock: SimulatedClock, options: SimulationOptions, timeZone: TimeZone, logger: Logger) {
        self.manager = manager
        self.clock = clock
        self.options = options
        self.logger = logger
        boundaries = options.boundaries(in: timeZone)
        granted = options.step ? 1 : Int.max
        (reports, reportSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// How many periods the span has.
    public nonisolated var periods: Int { max(0, boundaries.count - 1) }

    /// Runs the span (pausing after each period in step mode) and closes the manager.
    /// - Returns: the final state, with the totals.
    /// - Throws: ``DatabaseError`` when the history cannot be read to build the schedules, or a
    ///   checkpoint fails; executions that fail are counted, not thrown.
    public func run() async throws -> SimulationState {
        guard began == nil else { return state() }  // runs once
        began = .now
        defer { finish() }
        let configuration = await manager.configuration
        let tally = tally
        let scheduler = await manager.makeScheduler(
            .init(trigger: .simulation, tenantInOrder: true, runners: manager.database.dialect == .sqlite ? 1 : nil,
                  startingAt: options.start),
            observe: { tally.add($0) })
        do {
            try await scheduler.configure(configuration, registry: manager.registry)
            await manager.adopt(scheduler, simulation: self)
            logger.info("simulation started", metadata: [
                "start": "\(DatabaseValue.formatTimestamp(options.start))", "end": "\(DatabaseValue.formatTimestamp(options.end))",
                "periods": "\(periods)", "seed": "\(options.seed)", "speed": "\(options.speed)",
            ])
            var pace = (wall: ContinuousClock.now, simulated: options.start)
            var before = tally.current
            for period in 1...max(1, periods) where periods > 0 {
                if period > granted {
                    await pause()
                    pace = (.now, clock.now())
                }
                if quitting || Task.isCancelled { break }
                let end = boundaries[period]
                while let next = await scheduler.nextDue(), next < end, !Task.isCancelled {
                    try await wait(for: next, pace: pace)
                    clock.advance(to: next)
                    await scheduler.step(at: next)
                    await scheduler.waitUntilIdle()
                }
                try await wait(for: end, pace: pace)
                clock.advance(to: end)
                try await manager.database.checkpoint()
                let now = tally.current
                let delta = now.subtracting(before)
                before = now
                completed = period
                reportSink.yield(SimulationPeriodReport(
                    period: period, periods: periods, start: boundaries[period - 1], end: end, executions: delta.executions,
                    unsuccessful: delta.unsuccessful, rows: delta.rows))
            }
            if options.step && !quitting && !Task.isCancelled && granted <= periods { await pause() }
        } catch {
            await manager.close()
            throw error
        }
        phase = .finished
        let final = state()
        logger.info("simulation finished", metadata: [
            "periods": "\(completed)", "executions": "\(final.totals.executions)", "rows": "\(final.totals.totalRows)",
        ])
        await manager.close()
        return final
    }

    /// Lets `count` more periods run (step mode) and returns once they are complete and it
    /// pauses again (or finishes). Past the last period it ends the final pause.
    public func advance(periods count: Int) async -> SimulationState {
        guard phase != .finished else { return state() }
        granted = granted == Int.max ? granted : max(granted, completed) + max(0, count)
        return await awaitGranted()
    }

    /// Lets the simulation run until `instant` is reached (the period holding it completes),
    /// and returns once it pauses again.
    public func advance(until instant: Date) async -> SimulationState {
        guard phase != .finished else { return state() }
        let period = boundaries.firstIndex { $0 >= instant } ?? periods
        granted = granted == Int.max ? granted : max(granted, min(max(period, completed + 1), periods))
        return await awaitGranted()
    }

    /// Ends the simulation after the period in progress; ``run()`` returns its summary.
    public func quit() {
        quitting = true
        resumeDriver()
    }

    /// Where it is now.
    public func state() -> SimulationState {
        SimulationState(
            phase: phase, now: clock.now(), start: options.start, end: options.end, period: options.period.description,
            completedPeriods: completed, periods: periods, step: options.step, seed: String(options.seed),
            elapsedSeconds: began.map { Self.seconds(ContinuousClock.now - $0) } ?? 0, pausedSeconds: Self.seconds(paused),
            totals: tally.current)
    }

    // MARK: - Internals

    private func awaitGranted() async -> SimulationState {
        resumeDriver()
        let target = granted
        if phase == .finished || (phase == .paused && completed >= target) { return state() }
        return await withCheckedContinuation { advanceWaiters.append((target, $0)) }
    }

    /// Waits (paused) until a period past the completed ones is granted, or quit.
    private func pause() async {
        phase = .paused
        let since = ContinuousClock.now
        releaseAdvanceWaiters()
        while granted <= completed && !quitting && !Task.isCancelled {
            await withCheckedContinuation { driver = $0 }
        }
        paused += ContinuousClock.now - since
        phase = .running
    }

    private func resumeDriver() {
        driver?.resume()
        driver = nil
    }

    private func releaseAdvanceWaiters() {
        let current = state()
        advanceWaiters.removeAll { waiter in
            guard phase == .finished || completed >= waiter.target else { return false }
            waiter.continuation.resume(returning: current)
            return true
        }
    }

    private func finish() {
        phase = .finished
        releaseAdvanceWaiters()
        reportSink.finish()
    }

    /// At a finite speed, sleeps until `instant` is due in real time (`pace` pairs a real and a
    /// simulated instant that correspond).
    private func wait(for instant: Date, pace: (wall: ContinuousClock.Instant, simulated: Date)) async throws {
        guard case .factor(let factor) = options.speed else { return }
        let due = pace.wall + .seconds(clamping: instant.timeIntervalSince(pace.simulated) / factor)
        if due > .now { try await Task.sleep(until: due, clock: .continuous) }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
