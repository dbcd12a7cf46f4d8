import Foundation

/// The backlog in numbers: pending items and the fires they stand for, in all and by updater,
/// tenant and reason, and the oldest item.
public struct BacklogStatus: Codable, Sendable, Equatable {
    /// Items, and the fires they stand for (a range of missed fires is one item of many fires).
    public struct Count: Codable, Sendable, Equatable {
        public var items = 0
        public var fires = 0

        mutating func add(_ item: BacklogItem) {
            items += 1
            fires += item.fires
        }
    }

    public var total = Count()
    /// By updater name.
    public var byUpdater: [String: Count] = [:]
    /// By tenant id (lower case).
    public var byTenant: [String: Count] = [:]
    /// By ``BacklogItem/Reason`` (`missed`, `failed`).
    public var byReason: [String: Count] = [:]
    /// The item with the earliest fire; nil when nothing is pending.
    public var oldest: BacklogItem?

    /// Counts `schedules`' items.
    public init(_ schedules: [BacklogSchedule]) {
        for item in schedules.flatMap(\.items) {
            total.add(item)
            byUpdater[item.updater, default: Count()].add(item)
            byTenant[item.tenant.lowercaseString, default: Count()].add(item)
            byReason[item.reason.rawValue, default: Count()].add(item)
            if oldest.map({ item.scheduledAt < $0.scheduledAt }) ?? true { oldest = item }
        }
    }
}
