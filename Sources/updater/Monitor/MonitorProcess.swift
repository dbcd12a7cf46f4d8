import DatabaseUpdater
// Dispatch sources are thread-safe but not yet marked Sendable; the termination handler only cancels them.
@preconcurrency import Dispatch
import Foundation

/// The running monitor's process: its pid file (one monitor per state folder), the signals
/// that stop it (SIGTERM, SIGINT) or ask for a check now (SIGUSR1), and the checks aligned to
/// multiples of the interval.
enum MonitorProcess {
    /// The pid file in the state folder, held with `flock` while a monitor runs.
    static let pidFile = "monitor.pid"

    /// What wakes the loop.
    enum Event: Sendable {
        /// The time of the next check came.
        case due
        /// SIGUSR1 (the dashboard's `t`): check now.
        case checkNow
        /// SIGTERM or SIGINT.
        case stop
    }

    /// The loop's events: SIGTERM and SIGINT as `.stop`, SIGUSR1 as `.checkNow` (the signals'
    /// default actions are turned off for the life of the process), and whatever the caller
    /// yields (`.due`, from ``schedule(_:at:)``).
    static func events() -> (AsyncStream<Event>, AsyncStream<Event>.Continuation) {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let sources = [(SIGTERM, Event.stop), (SIGINT, .stop), (SIGUSR1, .checkNow)].map { number, event in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(event) }
            source.resume()
            return source
        }
        continuation.onTermination = { _ in sources.forEach { $0.cancel() } }
        return (stream, continuation)
    }

    /// Yields `.due` to `events` at `date`, unless the returned task is cancelled first.
    static func schedule(_ events: AsyncStream<Event>.Continuation, at date: Date) -> Task<Void, Never> {
        Task {
            let delay = date.timeIntervalSinceNow
            if delay > 0 { try? await Task.sleep(for: .milliseconds(Int64((delay * 1000).rounded(.up)))) }
            if !Task.isCancelled { events.yield(.due) }
        }
    }

    /// The first multiple of `interval` seconds since 1970 after `now`: checks fall on the same
    /// boundaries as `updater score --mode net --interval` windows (every hour on the hour).
    static func nextCheck(after now: Date, interval: Double) -> Date {
        let seconds = now.timeIntervalSince1970
        var next = (seconds / interval).rounded(.down) * interval + interval
        if next <= seconds { next += interval }
        return Date(timeIntervalSince1970: next)
    }
}
