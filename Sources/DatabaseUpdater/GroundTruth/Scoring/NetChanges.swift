import Foundation

/// The change log as a polling (snapshot-diff) monitor can see it: per row and polling interval,
/// only the net effect of its changes. A monitor that compares snapshots every N seconds cannot
/// see a row inserted and deleted between two snapshots, nor tell three updates from one.
///
/// Windows are aligned to `floor(commit time / interval)`. Within a window, a row's changes
/// (in log order) collapse by whether the row existed before the first and after the last:
///
/// | first \ last | insert or update | delete |
/// |---|---|---|
/// | insert | insert | nothing |
/// | update or delete | update | delete |
///
/// So insert then updates is one insert, several updates one update, update(s) then delete a
/// delete, delete then insert an update, insert then delete nothing.
public enum NetChanges {
    /// `entries` (in log order, see ``Scorer/logOrder(_:)``) collapsed per row (tenant, table,
    /// key) and window of `interval` seconds. A collapsed change is its row's last entry in the
    /// window with the net operation and the first entry's `before`: its commit time and
    /// sequence number are the last entry's. The result is in log order of those last entries.
    public static func collapse(_ entries: [ChangeEvent], interval: Double) -> [ChangeEvent] {
        precondition(interval > 0, "a polling interval is positive")
        struct Row: Hashable {
            var tenant: String, table: String, key: String, window: Double
        }
        struct Net {
            var first: ChangeEvent
            var last: ChangeEvent
            var lastPosition: Int
        }
        var nets: [Row: Net] = [:]
        for (position, entry) in entries.enumerated() {
            let row = Row(tenant: entry.tenant, table: entry.table, key: entry.key, window: (entry.timestamp / interval).rounded(.down))
            if nets[row] == nil {
                nets[row] = Net(first: entry, last: entry, lastPosition: position)
            } else {
                nets[row]?.last = entry
                nets[row]?.lastPosition = position
            }
        }
        return nets.values.sorted { $0.lastPosition < $1.lastPosition }.compactMap { net in
            guard let operation = netOperation(first: net.first.operation, last: net.last.operation) else { return nil }
            var change = net.last
            change.operation = operation
            change.before = net.first.before
            return change
        }
    }

    /// The net effect of a row's changes that began with `first` and ended with `last` (nil: none).
    public static func netOperation(first: RowChange.Operation, last: RowChange.Operation) -> RowChange.Operation? {
        let existedBefore = first != .insert
        let existsAfter = last != .delete
        switch (existedBefore, existsAfter) {
        case (false, true): return .insert
        case (false, false): return nil
        case (true, true): return .update
        case (true, false): return .delete
        }
    }

    /// The polling interval a monitor's detections suggest: the median gap between their
    /// distinct `detected_at` values (a snapshot's detections share one), at least 1 second.
    public static func inferredInterval(_ detections: [Detection]) -> Double {
        let times = Array(Set(detections.map(\.detectedAt))).sorted()
        guard times.count >= 2 else { return 1 }
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.sorted()
        let middle = gaps.count / 2
        let median = gaps.count % 2 == 1 ? gaps[middle] : (gaps[middle - 1] + gaps[middle]) / 2
        return max(1, ChangeEvent.milliseconds(median))
    }
}
