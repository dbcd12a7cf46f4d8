import Foundation

/// One POST: the body `{"events":[…]}` and its `webhook-id`, made once per batch so that every
/// retry sends the same id.
///
/// The array holds change-log entries and outside events (``ChangeEvent/jsonLine``) in order, and
/// the records of what the stream could not hand over in place:
/// `{"type":"gap","from":101,"to":250}` (those entries overflowed the queue and follow, read back
/// from the log), `{"type":"external_dropped","count":3}` (outside events lost to a full queue)
/// and `{"type":"reset","seq":42}` (the remembered position is past the log's end: delivery
/// goes on after entry 42).
struct WebhookMessage: Sendable {
    let id: String
    let body: Data
    /// Change events in the body (records not counted).
    let events: Int

    /// - Parameter endpoint: the endpoint's key (``WebhookConfig/key``), so that two endpoints
    ///   posting the same entries to one receiver do not share ids.
    init(_ items: [StreamItem], endpoint: String) {
        var body = Data(#"{"events":["#.utf8)
        var events = 0
        var seqs: [Int64] = []
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            switch item {
            case .event(let event):
                body.append(contentsOf: event.jsonLine.utf8)
                events += 1
                if let seq = event.seq { seqs.append(seq) }
            case .gap(let range):
                body.append(contentsOf: #"{"type":"gap","from":\#(range.lowerBound),"to":\#(range.upperBound)}"#.utf8)
                seqs += [range.lowerBound, range.upperBound]
            case .externalDropped(let count):
                body.append(contentsOf: #"{"type":"external_dropped","count":\#(count)}"#.utf8)
            case .reset(let last):
                body.append(contentsOf: #"{"type":"reset","seq":\#(last)}"#.utf8)
            }
        }
        body.append(contentsOf: "]}".utf8)
        self.body = body
        self.events = events
        // The log entries it spans name it; a batch of outside events only gets a fresh id.
        if let first = seqs.min(), let last = seqs.max() {
            id = "msg_\(endpoint)_\(first)_\(last)"
        } else {
            id = "msg_\(endpoint)_x\(Identifiers.next().lowercaseString.replacingOccurrences(of: "-", with: ""))"
        }
    }
}
