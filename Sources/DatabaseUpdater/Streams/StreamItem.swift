import Foundation

/// What a live stream hands its client: events, and the markers that keep it honest about what
/// it did not hand over.
public enum StreamItem: Sendable, Equatable {
    /// A change-log entry (with its `seq`), or an event from outside the log (with its `source`).
    case event(ChangeEvent)
    /// The client fell behind: these log entries were dropped from its buffer, and follow now,
    /// read back from the log. Nothing is lost; the marker says the stream slowed down.
    case gap(ClosedRange<Int64>)
    /// The position asked for is not in the log (past its end: another database, or one
    /// recreated). The client must start over: the stream goes on live from `lastSequence`.
    case reset(lastSequence: Int64)
    /// Events from outside the log lost to a full buffer: they cannot be read back.
    case externalDropped(Int)
}
