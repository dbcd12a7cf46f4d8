import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// Webhooks against a real receiver on a loopback port (``WebhookReceiver``), fed by real
/// executions through the manager: what arrives is compared with the change log.
struct WebhookDeliveryTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    private let start = Date(timeIntervalSince1970: 1_795_515_200)

    /// A launched manager over a fresh database delivering to `webhook`, and the log's end before any traffic.
    private func service(_ engine: Engine, _ webhook: WebhookConfig) async throws -> (UpdaterFixture, Int64) {
        let fixture = try await UpdaterFixture.make(engine, webhooks: [webhook])
        await fixture.manager.launch()
        return (fixture, try #require(await fixture.manager.feed.handedOn))
    }

    /// Runs `count` executions of the office's three updaters in turn.
    private func traffic(_ fixture: UpdaterFixture, count: Int, offset: Int = 0) async throws -> [ExecutionRecord] {
        let updaters: [any BaseUpdater] = [ServiceTicketsUpdater(), BusinessRecordsUpdater(), BusinessRecordActivitiesUpdater()]
        var records: [ExecutionRecord] = []
        for (index, time) in fireTimes(count, from: start.addingTimeInterval(Double(offset) * 7200), every: 2).enumerated() {
            let record = try await fixture.manager.execute(updaters[index % 3].name, fireTime: time)
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
            records.append(record)
        }
        return records
    }

    /// The first endpoint's status in the service's, once `condition` holds (polled, up to 20 s).
    private func webhookStatus(_ fixture: UpdaterFixture, until condition: (WebhookStatus) -> Bool) async throws -> WebhookStatus {
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            let status = try #require(await fixture.manager.status().webhooks?.first)
            if condition(status) || ContinuousClock.now > deadline { return status }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The log's entries after `seq`.
    private func log(_ fixture: UpdaterFixture, after seq: Int64) async throws -> [ChangeEvent] {
        try await ChangeLog.read(after: seq, limit: 100_000, in: await fixture.database)
    }

    @Test(arguments: Engine.allCases)
    func batchesAreSignedFilteredInOrderAndNoLargerThanTheirSize(engine: Engine) async throws {
        let receiver = try await WebhookReceiver(secret: Self.secret)
        defer { receiver.stop() }
        let filter = StreamFilter(tables: ["service_tickets"], operations: [.insert, .update])
        let (fixture, end) = try await service(engine, WebhookConfig(url: receiver.url, batchSize: 5, intervalMs: 50,
                                                                     secret: Self.secret, filter: filter))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 9)
        let expected = try await log(fixture, after: end).filter(filter.matches).compactMap(\.seq)
        try await fixture.manager.stop()  // sends what committed first
        let requests = try await receiver.requests()
        #expect(!expected.isEmpty)
        #expect(requests.allSatisfy { $0.valid == true }, "signatures checked in Python")
        #expect(requests.allSatisfy { $0.body.events.count <= 5 })
        #expect(requests.logEvents.compactMap(\.seq) == expected)
        #expect(requests.logEvents.allSatisfy { $0.table == "service_tickets" && $0.operation != "delete" })
        for request in requests {
            let seqs = request.body.events.compactMap(\.seq)
            #expect(request.id?.hasSuffix("_\(seqs.first ?? -1)_\(seqs.last ?? -1)") == true, "id from the first and last seq")
        }
        let status = try #require(fixture.manager.webhooks.status().first)
        #expect(status.delivered == expected.count && status.failed == 0 && status.dropped == 0)
        #expect(status.url == receiver.url && status.state == .active)
    }

    @Test func eventsWaitForTheIntervalButNoLonger() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        let (fixture, end) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 400))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        let entries = try await log(fixture, after: end)
        // Nothing more happens: no other event fills the batch of 1,000, and the service is not
        // stopped, so only the interval can send it. (How soon after the interval it goes out is
        // the machine's business, not a property to hold a test to: a busy CI box once took 5 s.)
        let requests = try await receiver.requests { !$0.isEmpty }
        let first = try #require(requests.first, "a batch far from full was never sent on the interval alone")
        #expect(first.body.events.compactMap(\.seq) == entries.compactMap(\.seq), "one execution, one batch")
        let waited = first.received - (entries.first?.timestamp ?? 0)
        #expect(waited >= 0.39, "sent \(waited) s after the commit, with a 0.4 s interval")
    }

    @Test func serverErrorsAreRetriedWithTheSameID() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan(["500", "503"])
        let (fixture, end) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 20))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        let requests = try await receiver.requests { $0.count >= 3 }
        #expect(requests.map(\.action) == ["500", "503", "200"])
        #expect(Set(requests.map(\.id)).count == 1, "a retry is the same message")
        #expect(requests.logEvents.compactMap(\.seq) == (try await log(fixture, after: end)).compactMap(\.seq), "delivered once")
        let status = try #require(fixture.manager.webhooks.status().first)
        #expect(status.retried == 2 && status.failed == 0 && status.lastError == nil)
    }

    @Test func tooManyRequestsWaitsForRetryAfter() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan(["429:2"])
        let (fixture, _) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 20))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        let requests = try await receiver.requests { $0.count >= 2 }
        #expect(requests.map(\.action) == ["429:2", "200"])
        #expect(requests[1].received - requests[0].received >= 1.9, "Retry-After: 2 (the backoff alone is 0.5 s at most)")
        #expect(requests[0].id == requests[1].id)
    }

    @Test func aReceiverSlowerThanTheTimeoutGetsTheBatchAgain() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan(["delay:2"])
        let (fixture, end) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 20,
                                                                      timeoutSeconds: 0.5))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        let requests = try await receiver.requests { $0.contains { $0.action == "200" } }
        #expect(requests.first?.action == "delay:2" && requests.last?.action == "200")
        #expect(Set(requests.map(\.id)).count == 1)
        #expect(requests.logEvents.compactMap(\.seq) == (try await log(fixture, after: end)).compactMap(\.seq))
        #expect(try #require(fixture.manager.webhooks.status().first).retried >= 1)
    }

    @Test func badRequestIsCountedFailedAndNotRetried() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan(["400"])
        let (fixture, _) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 20))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        _ = try await receiver.requests { !$0.isEmpty }
        _ = try await traffic(fixture, count: 1, offset: 1)
        try await fixture.manager.stop()
        let requests = try await receiver.requests()
        #expect(requests.map(\.action) == ["400", "200"], "the rejected batch is not sent again; the next one is")
        #expect(requests[0].id != requests[1].id)
        let status = try #require(fixture.manager.webhooks.status().first)
        #expect(status.failed == requests[0].body.events.count && status.failed > 0)
        #expect(status.retried == 0 && status.state == .active && status.lastError == nil)
    }

    @Test func goneDisablesTheEndpoint() async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan([], otherwise: "410")
        let (fixture, _) = try await service(.sqlite, WebhookConfig(url: receiver.url, batchSize: 1_000, intervalMs: 20))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        _ = try await receiver.requests { !$0.isEmpty }
        let status = try await webhookStatus(fixture) { $0.state == .disabled }
        _ = try await traffic(fixture, count: 2, offset: 1)
        try await fixture.manager.stop()
        #expect(try await receiver.requests().count == 1, "nothing more is sent")
        #expect(status.state == .disabled && status.reason?.contains("410") == true, "\(status)")
    }

    /// A receiver that holds every request: executions go on regardless (the queue of 10
    /// overflows into the log, outside events are dropped), and once it answers again every log
    /// entry arrives, in order, behind a gap record, and the lost outside events are counted.
    @Test(arguments: Engine.allCases)
    func aStalledReceiverNeverSlowsExecutionsAndTheOverflowFollowsFromTheLog(engine: Engine) async throws {
        let receiver = try await WebhookReceiver()
        defer { receiver.stop() }
        try await receiver.plan([], otherwise: "stall")
        // The request timeout outlasts the test: the first request stays unanswered throughout.
        let (fixture, end) = try await service(engine, WebhookConfig(url: receiver.url, batchSize: 5, intervalMs: 20, queueLimit: 10,
                                                                     timeoutSeconds: 300))
        defer { Task { await fixture.close() } }
        _ = try await traffic(fixture, count: 1)
        let first = try await receiver.requests { !$0.isEmpty }
        #expect(first.count == 1 && first.first?.action == "stall", "the first batch is held: \(first.map(\.action))")
        // Executions that waited on the delivery would wait out its timeout; they all end while
        // it is still held (the bound only turns such a wait into a failure instead of a hang).
        let elapsed = try await ContinuousClock().measure { _ = try await traffic(fixture, count: 23, offset: 1) }
        #expect(elapsed < .seconds(240), "23 executions took \(elapsed) with the receiver holding a request for 300 s")
        let outside = (0..<30).map { index in
            var event = ChangeEvent(change: RowChange(table: "sensors", operation: .insert, key: "k\(index)", after: "h"),
                                    tenant: Tenant.default.id, updater: "outside", execution: UUID(), committedAt: Date())
            event.seq = nil
            return event
        }
        fixture.manager.publishExternal(outside, source: "external")
        let held = try await receiver.requests()
        #expect(held.count == 1 && held.allSatisfy { $0.action == "stall" }, "still the one held request: \(held.map(\.action))")
        let entries = try await log(fixture, after: end)
        #expect(entries.count > 30, "more entries than the queue and the subscription's buffer hold")

        try await receiver.plan([], otherwise: "200")
        try await receiver.release()
        let expected = entries.compactMap(\.seq)
        let requests = try await receiver.requests(within: .seconds(60)) { Set($0.logEvents.compactMap(\.seq)).isSuperset(of: expected) }
        let delivered = requests.logEvents.compactMap(\.seq)
        #expect(delivered == expected, "every entry once per message id, in order")
        let records = requests.accepted.flatMap(\.body.events)
        #expect(records.contains { $0.type == "gap" }, "the overflow is announced by a gap record")
        let status = try await webhookStatus(fixture) { $0.dropped >= 30 && $0.lagSequences == 0 }
        #expect(status.dropped >= 30 && status.lagSequences == 0, "\(status)")
        try await fixture.manager.stop()
        let lost = try await receiver.requests().accepted.flatMap(\.body.events).filter { $0.type == "external_dropped" }
        let received = try await receiver.requests().accepted.flatMap(\.body.events).filter { $0.source == "external" }
        #expect(lost.compactMap(\.count).reduce(0, +) + received.count == 30, "outside events delivered or counted lost")
    }
}
