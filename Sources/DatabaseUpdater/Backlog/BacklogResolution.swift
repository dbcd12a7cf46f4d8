import Foundation

/// What an operator's backlog action left on the history record it wrote: which action, for
/// which item, and why. A record that carries one resolves its item (see ``BacklogReader``):
/// the item's fire then has a later record than the one that left it pending.
public struct BacklogResolution: Codable, Sendable, Equatable {
    /// The operator's action.
    public enum Action: String, Codable, Sendable, CaseIterable {
        /// Run now through the executor (the record is the execution's).
        case retry
        /// Recorded as skipped, not run (`backlog clear`).
        case clear
        /// Recorded as skipped because the operator says it is done (`backlog mark-done`).
        case markDone = "mark_done"
    }

    public var action: Action
    /// The ``BacklogItem/id`` the action resolved.
    public var item: String
    /// The operator's reason (clear, mark-done); nil for a retry.
    public var reason: String?

    public init(action: Action, item: String, reason: String? = nil) {
        self.action = action
        self.item = item
        self.reason = reason
    }
}
