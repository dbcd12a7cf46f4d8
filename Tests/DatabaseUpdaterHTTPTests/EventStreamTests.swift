import DatabaseUpdater
import Foundation
import Testing
import UpdaterTestSupport

/// The live streams through a real socket: SSE read by curl, WebSocket by a raw-socket client;
/// what they deliver is compared with the change log.
struct EventStreamTests {
    /// `count` service-ticket executions (one insert each), every one succeeded. Each draws its
    /// own seed: the harness's fixed seed would make executions in one millisecond write one row.
    private func tickets(_ api: APIHarness, _ count: Int) async throws {
        for _ in 0..<count {
            let record = try await api.manager.execute("service_tickets", seed: .random(in: 1...UInt64.max))
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
        }
    }

    private func logSequences(_ api: APIHarness) async throws -> [Int64] {
        try await ChangeLog.read(after: 0, limit: 1_000_000, in: api.manager.database).compactMap(\.seq)
    }

    /// The log's last sequence number (an execution may write more than one row).
    private func last(_ api: APIHarness) async throws -> Int64 {
        try await ChangeLog.lastSequence(in: api.manager.database)
    }

    @Test(arguments: Engine.allCases)
    func sseDeliversLiveAndResumesAfterADisconnectWithoutLossOrDuplicate(engine: Engine) async throws {
        let api = try await APIHarness.start(engine)
        try await tickets(api, 3)
        let first = try CurlStream(port: api.port, path: "/api/database-updater/events?after=1")
        #expect(await first.waitUntil { $0.first?.comment == "connected" })
        // Replayed from the log (after the first entry), then live.
        try await tickets(api, 4)
        var end = try await last(api)
        #expect(await first.waitUntil { _ in first.sequences.last == end }, "\(first.frames.suffix(2))")
        first.stop()
        let seen = first.sequences
        #expect(seen == Array(2...end))

        // Written while no client listened, then live again after reconnecting with Last-Event-ID.
        try await tickets(api, 3)
        end = try await last(api)
        let second = try CurlStream(port: api.port, path: "/api/database-updater/events?after=1", headers: ["Last-Event-ID: \(seen.last!)"])
        #expect(await second.waitUntil { _ in second.sequences.last == end }, "\(second.frames.suffix(2))")
        try await tickets(api, 2)
        end = try await last(api)
        #expect(await second.waitUntil { _ in second.sequences.last == end }, "\(second.frames.suffix(2))")
        second.stop()
        let log = try await logSequences(api)
        #expect([1] + seen + second.sequences == log, "with the first entry, both connections together are the log exactly once")

        // Each data line is the log's own JSON for that entry.
        let entries = try await ChangeLog.read(after: seen.last!, limit: 100, in: api.manager.database)
        #expect(second.frames.filter { $0.id != nil }.compactMap(\.data) == entries.map(\.jsonLine))
        try await api.stop()
    }

    @Test func filtersAndBadParametersAndACapOnClients() async throws {
        let api = try await APIHarness.start { $0.streams.maxClients = 2 }
        let plain = try await api.send("GET", "/api/database-updater/events/ws")
        #expect(plain.status == 400 && plain.text.contains("streams over WebSocket"), "\(plain.text)")
        try await tickets(api, 2)
        _ = try await api.manager.execute("business_records", seed: .random(in: 1...UInt64.max))
        let filtered = try CurlStream(port: api.port, path: "/api/database-updater/events?after=0&table=business_records&operation=insert")
        #expect(await filtered.waitUntil { _ in filtered.sequences.count == 1 }, "\(filtered.frames)")
        let onlyEntry = try #require(filtered.frames.first { $0.id != nil }?.data)
        #expect(onlyEntry.contains(#""table":"business_records""#))

        // Another client is served (two stream: the filtered one and this), a third is refused while two stream.
        let second = try CurlStream(port: api.port, path: "/api/database-updater/events")
        #expect(await second.waitUntil { $0.first?.comment == "connected" })
        let third = try await api.send("GET", "/api/database-updater/events")
        #expect(third.status == 503 && third.text.contains("2 streaming clients already"), "\(third.text)")
        second.stop()
        filtered.stop()

        // Past the log's end (another database, or one recreated): start over, told so. The stopped
        // clients' places are given back at their next write, so events are written until one is free.
        var reset: CurlStream?
        for _ in 0..<20 where reset == nil {
            try await tickets(api, 1)
            let candidate = try CurlStream(port: api.port, path: "/api/database-updater/events?after=500")
            if await candidate.waitUntil(timeout: .seconds(1), { $0.contains { $0.event == "reset" } }) { reset = candidate } else { candidate.stop() }
        }
        let restarted = try #require(reset, "a place came free and the client was told to start over")
        let frame = try #require(restarted.frames.first { $0.event == "reset" })
        let lastSequence = try #require(frame.id.flatMap { Int64($0) })
        #expect(frame.data == #"{"type":"reset","lastSequence":\#(lastSequence)}"#)
        try await tickets(api, 1)
        let after = try await last(api)
        #expect(await restarted.waitUntil { _ in restarted.sequences == Array((lastSequence + 1)...after) }, "\(restarted.frames)")
        restarted.stop()

        for (query, message) in [("after=-1", "after '-1' is not a sequence number"), ("after=abc", "after 'abc' is not a sequence number"),
                                 ("operation=upsert", "operation 'upsert' is not insert, update or delete"),
                                 ("target=nope", "unknown target 'nope'")] {
            // Refused before a client's place is taken: bad parameters are 4xx even with every place taken.
            let reply = try await api.send("GET", "/api/database-updater/events?\(query)")
            #expect((400...404).contains(reply.status) && reply.text.contains(message), "\(query): \(reply.status) \(reply.text)")
        }
        try await api.stop()
    }

    @Test func aStalledClientGetsAGapAndEverythingWhileExecutionsKeepTheirPace() async throws {
        // Row images make each event about 1.5 KB, so a few thousand overflow any socket buffer.
        let api = try await APIHarness.start {
            $0.streams.clientBuffer = 20
            $0.ledger.rowImages = true
        }
        let port = api.port
        let client = try await onOwnThread { try StalledSSEConnection(port: port, path: "/api/database-updater/events?after=0") }
        // Far more than the client's buffer and the sockets hold, written while it does not read.
        let started = ContinuousClock.now
        try await tickets(api, 2_000)
        let stalledFor = ContinuousClock.now - started
        let end = try await last(api)
        let frames = try await onOwnThread { client.read(untilSequence: end, timeout: 60) }
        let sequences = frames.filter { $0.event == nil && $0.id != nil }.compactMap { $0.id.flatMap { Int64($0) } }
        #expect(sequences == Array(1...end), "every entry once, in order (\(sequences.count) of \(end))")
        let gaps = frames.filter { $0.event == "gap" }
        #expect(!gaps.isEmpty, "the stalled client was told it fell behind")
        #expect(gaps.allSatisfy { $0.data?.hasPrefix(#"{"type":"gap","from":"#) == true })
        // The executions did not wait for the client: a blocked writer would have held them for good.
        #expect(stalledFor < .seconds(120))
        client.hangUp()
        try await api.stop()
    }

    @Test func webSocketStreamsResumesAndChangesItsFilter() async throws {
        let api = try await APIHarness.start()
        try await tickets(api, 1)
        let port = api.port
        let client = try await onOwnThread { try WebSocketTestClient(port: port, path: "/api/database-updater/events/ws?after=0") }
        let replayedCount = Int(try await last(api))
        let replayed = try await onOwnThread { try (0..<replayedCount).map { _ in try client.readText() } }
        #expect(replayed.enumerated().allSatisfy { $0.element?.contains(#""seq":\#($0.offset + 1),"#) == true }, "\(replayed)")

        try await onOwnThread { try client.sendText(#"{"filter":{"tables":["business_records"]}}"#) }
        let ack = try await onOwnThread { try client.readText() }
        #expect(ack == #"{"type":"filter","filter":{"tables":["business_records"],"tenants":[],"operations":[]}}"#)
        try await tickets(api, 2)
        let ticketsEnd = try await last(api)
        _ = try await api.manager.execute("business_records", seed: .random(in: 1...UInt64.max))
        let next = try await onOwnThread { try client.readText() }
        #expect(next?.contains(#""table":"business_records""#) == true && next?.contains(#""seq":\#(ticketsEnd + 1),"#) == true, "\(next ?? "nil")")

        try await onOwnThread { try client.sendText("not json") }
        let error = try await onOwnThread { try client.readText() }
        #expect(error?.hasPrefix(#"{"type":"error","message":"expected {"#) == true, "\(error ?? "nil")")

        // Refusals arrive as one error message, then the connection closes.
        let refused = try await onOwnThread { try WebSocketTestClient(port: port, path: "/api/database-updater/events/ws?operation=upsert") }
        let refusal = try await onOwnThread { [try refused.readText(), try refused.readText()] }
        #expect(refusal[0] == #"{"type":"error","status":400,"message":"operation: operation 'upsert' is not insert, update or delete"}"#,
                "\(refusal)")
        #expect(refusal[1] == nil, "closed after the error")
        refused.hangUp()

        // Resume on a new connection after the last sequence seen.
        let resumed = try await onOwnThread { try WebSocketTestClient(port: port, path: "/api/database-updater/events/ws?after=\(ticketsEnd)") }
        let following = try await onOwnThread { try resumed.readText() }
        #expect(following?.contains(#""seq":\#(ticketsEnd + 1),"#) == true, "\(following ?? "nil")")
        client.hangUp()
        resumed.hangUp()
        try await api.stop()
    }
}
