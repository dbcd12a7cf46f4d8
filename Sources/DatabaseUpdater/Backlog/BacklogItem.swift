import Crypto
import Foundation

/// One piece of pending work: a fire that should have run and did not, or whose execution
/// failed and has not run since.
///
/// Its ``id`` is derived from the fire alone (tenant, updater, fire time), so it stays the same
/// while the item is pending, across processes and restarts, and whether the fire is still
/// unrecorded, recorded as missed, or failed again after a retry.
public struct BacklogItem: Codable, Sendable, Equatable, Identifiable {
    /// Why the item is pending.
    public enum Reason: String, Codable, Sendable, CaseIterable {
        /// A due fire that did not run: not handled yet (no service was running, scheduling was
        /// paused), or recorded as missed by the misfire policy and not run since.
        case missed
        /// A fire whose latest execution failed or timed out.
        case failed
    }

    /// 12 hex digits, stable while the item is pending (``id(tenant:updater:fire:)``).
    public var id: String
    public var reason: Reason
    public var tenant: UUID
    public var updater: String
    /// The fire time; for a range of missed fires, its first.
    public var scheduledAt: Date
    /// When the item stands for more missed fires than `misfireLimit + 1`: the earlier ones of a
    /// schedule, passed over as one item (`backlog retry` records them, it does not run them).
    public var missedRange: ExecutionRecord.MissedRange?
    /// Whether the history holds a record of the fire (false: a due fire no one handled yet).
    public var recorded: Bool
    /// The record that left it pending: the failed execution, or the missed-fire record.
    public var execution: UUID?
    /// That record's error.
    public var error: String?

    public init(reason: Reason, tenant: UUID, updater: String, scheduledAt: Date, missedRange: ExecutionRecord.MissedRange? = nil,
                recorded: Bool, execution: UUID? = nil, error: String? = nil) {
        self.id = Self.id(tenant: tenant, updater: updater, fire: scheduledAt)
        self.reason = reason
        self.tenant = tenant
        self.updater = updater
        self.scheduledAt = scheduledAt
        self.missedRange = missedRange
        self.recorded = recorded
        self.execution = execution
        self.error = error
    }

    /// How many fires the item stands for.
    public var fires: Int { missedRange?.count ?? 1 }

    /// The item id of a fire: the first 12 hex digits of SHA-256 over `tenant|updater|fire time`.
    /// Short enough to type, and 48 bits make a collision among one installation's pending
    /// items practically impossible.
    public static func id(tenant: UUID, updater: String, fire: Date) -> String {
        let text = "\(tenant.lowercaseString)|\(updater)|\(DatabaseValue.formatTimestamp(fire))"
        return SHA256.hash(data: Data(text.utf8)).prefix(6).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
