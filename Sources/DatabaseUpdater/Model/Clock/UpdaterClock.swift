import Foundation

/// The only source of "now" and of waiting in the library, so that a simulated clock can drive
/// the scheduler and executor in tests and simulations.
public protocol UpdaterClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline` (or throws `CancellationError`).
    func sleep(until deadline: Date) async throws
}

extension UpdaterClock {
    /// Suspends for `duration`.
    public func sleep(for duration: Duration) async throws {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try await sleep(until: now().addingTimeInterval(seconds))
    }
}

/// The real clock.
public struct SystemClock: UpdaterClock {
    /// Seconds added to the machine's time: 0, except to inject the skew of a machine whose
    /// clock is wrong (``fromEnvironment()``).
    public let offset: TimeInterval

    public init(offset: TimeInterval = 0) { self.offset = offset }

    /// The environment variable that makes ``fromEnvironment()`` skew the clock (seconds, may be
    /// negative): a fault injection for tests of clock skew between cluster replicas.
    public static let offsetVariable = "UPDATER_CLOCK_OFFSET_SECONDS"

    /// The real clock, skewed by ``offsetVariable`` when it is set to a number.
    public static func fromEnvironment() -> SystemClock {
        SystemClock(offset: ProcessInfo.processInfo.environment[offsetVariable].flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil } ?? 0)
    }

    public func now() -> Date { offset == 0 ? Date() : Date().addingTimeInterval(offset) }

    public func sleep(until deadline: Date) async throws {
        let interval = min(deadline.timeIntervalSince(now()), 86_400 * 365)  // keeps the nanoseconds in range
        if interval > 0 {
            try await Task.sleep(for: .nanoseconds(Int64(interval * 1e9)), tolerance: .zero)
        } else {
            try Task.checkCancellation()
        }
    }
}

extension Duration {
    /// `seconds` as a duration, clamped to 0 through 100 years (NaN gives 0): a conversion that
    /// cannot trap, whatever the number.
    public static func seconds(clamping seconds: Double) -> Duration {
        let bounded = seconds.isNaN ? 0 : min(max(seconds, 0), 100 * 365 * 86_400)
        return .milliseconds(Int64((bounded * 1000).rounded()))
    }
}
