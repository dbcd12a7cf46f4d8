/// A backlog request that cannot be carried out; nothing was written.
public struct BacklogError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No pending item has the id (never had, or already resolved).
        case unknownItem
        /// A missed fire no one handled yet, with earlier ones of its schedule still pending:
        /// marking it done first would move the schedule past the earlier ones unrecorded.
        case notOldest
        /// An operator's reason that is empty after trimming, too long, or not one line.
        case badReason
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The longest reason an operator may give.
    public static let maxReasonLength = 500

    /// `reason` checked: one line of at most ``maxReasonLength`` characters, trimmed; nil when absent.
    static func checkedReason(_ reason: String?) throws(BacklogError) -> String? {
        guard let reason else { return nil }
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw BacklogError(.badReason, "the reason is empty") }
        guard trimmed.count <= maxReasonLength else {
            throw BacklogError(.badReason, "the reason is longer than \(maxReasonLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw BacklogError(.badReason, "the reason must be one line without control characters")
        }
        return trimmed
    }
}
