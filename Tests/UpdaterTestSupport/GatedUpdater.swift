import DatabaseUpdater
import Foundation
import Synchronization

/// Lets a test hold an execution inside its transaction until it opens the gate.
public final class Gate: Sendable {
    private let state = Mutex((entered: false, open: false))

    public init() {}

    /// Whether an execution has reached the gate (see ``enter()``).
    public var entered: Bool { state.withLock { $0.entered } }
    public func open() { state.withLock { $0.open = true } }

    public func enter() { state.withLock { $0.entered = true } }
    public func waitUntilOpen() { while !state.withLock({ $0.open }) { Thread.sleep(forTimeInterval: 0.005) } }
}

/// An updater that waits at a ``Gate`` inside its transaction and writes nothing.
public struct GatedUpdater: BaseUpdater {
    let gate: Gate
    public let name = "gated"
    public let summary = "waits for the test"
    public let configKey = "gated"
    /// Once a year: tests that want it scheduled say so in their configuration.
    public let defaultSchedule = "0 0 0 1 1 *"
    public let newRowsPerRun = 0...0

    public init(gate: Gate) { self.gate = gate }

    public func run(_ context: inout UpdaterContext) throws {
        gate.enter()
        gate.waitUntilOpen()
    }
}
