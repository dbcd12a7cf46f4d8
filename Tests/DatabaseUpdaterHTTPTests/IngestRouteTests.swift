import DatabaseUpdater
import Foundation
import Testing

/// `POST /events`: events from other programs, checked whole, broadcast with their source, never
/// in the change log.
struct IngestRouteTests {
    private let path = "/api/database-updater/events"

    /// The next events the service broadcasts beside the log, or fewer after 10 s.
    private func received(_ count: Int, from stream: AsyncStream<ChangeEvent>) async -> [ChangeEvent] {
        await withTaskGroup(of: [ChangeEvent].self) { group in
            group.addTask {
                var events: [ChangeEvent] = []
                for await event in stream {
                    events.append(event)
                    if events.count == count { break }
                }
                return events
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    private static let good = #"{"operation":"insert","table":"orders","key":"1"}"#

    @Test func badEventsAreRefusedWithTheirIndexAndFieldAndNothingIsBroadcast() async throws {
        let api = try await APIHarness.start()
        let stream = await api.manager.externalEvents.subscribe()
        let tooMany = #"{"events":["# + Array(repeating: Self.good, count: 10_001).joined(separator: ",") + "]}"
        let cases: [(body: String, reason: String)] = [
            ("", "a JSON body is required"),
            (#"{"events": ["#, "the body is not valid JSON"),
            ("[]", "the body must be a JSON object"),
            ("{}", "events: is required"),
            (#"{"events": {}}"#, "events: must be an array"),
            (#"{"events": [], "colour": 1}"#, "colour: unknown field"),
            (#"{"events": [], "source": "elsewhere"}"#, "source: must be external or capture"),
            (#"{"events": [1]}"#, "events[0]: must be a JSON object"),
            (#"{"events": [{"table":"t","key":"1"}]}"#, "events[0].operation: is required"),
            (#"{"events": [{"operation":"upsert","table":"t","key":"1"}]}"#, "events[0].operation: 'upsert' is not insert, update or delete"),
            (#"{"events": [{"operation":7,"table":"t","key":"1"}]}"#, "events[0].operation: must be a string"),
            // The first event is good: nothing of the request is broadcast all the same.
            (#"{"events": [\#(Self.good), {"operation":"insert","key":"1"}]}"#, "events[1].table: is required"),
            (#"{"events": [{"operation":"insert","table":"","key":"1"}]}"#, "events[0].table: must not be empty"),
            (#"{"events": [{"operation":"insert","table":"t"}]}"#, "events[0].key: is required"),
            (#"{"events": [{"operation":"insert","table":"t","key":1}]}"#, "events[0].key: must be a string"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","tenant":5}]}"#, "events[0].tenant: must be a string"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","timestamp":"now"}]}"#, "events[0].timestamp: must be a number"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","timestamp":true}]}"#, "events[0].timestamp: must be a number"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","timestamp":1e300}]}"#, "events[0].timestamp: must be a number"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","data_time":-1}]}"#, "events[0].data_time: must be a number"),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","type":"other"}]}"#, #"events[0].type: must be "db_write""#),
            (#"{"events": [{"operation":"insert","table":"t","key":"1","colour":"red"}]}"#, "events[0].colour: unknown field"),
            (tooMany, "events: 10001 events: at most 10000 per request"),
        ]
        for (body, reason) in cases {
            let reply = try await api.send("POST", path, json: body)
            #expect(reply.status == 400, "\(body.prefix(80)): \(reply.text)")
            let error = reply.json()?["error"] as? String ?? ""
            #expect(error.hasPrefix(reason), "\(body.prefix(80)): \(reply.text)")
        }
        let huge = try await api.send("POST", path, json: #"{"events": [], "x": ""# + String(repeating: "a", count: 17 << 20) + #""}"#)
        #expect(huge.status == 413 && huge.json()?["error"] as? String == "request body too large (the limit for events is 16 MiB)", "\(huge.text)")
        // Without the token, or with a wrong one: refused, nothing broadcast.
        let body = #"{"events": [\#(Self.good)]}"#
        #expect(try await api.send("POST", path, json: body, token: nil).status == 401)
        #expect(try await api.send("POST", path, json: body, token: "wrong").status == 403)
        // The first event broadcast is the marker sent last: none of the refused ones came before it.
        let marker = try await api.send("POST", path, json: #"{"events": [{"operation":"update","table":"marker","key":"m"}]}"#)
        #expect(marker.status == 202)
        #expect(await received(1, from: stream).map(\.table) == ["marker"])
        try await api.stop()
    }

    @Test func aGoodBatchIsBroadcastWithItsSourceAndDefaultsAndNotLogged() async throws {
        let api = try await APIHarness.start()
        let stream = await api.manager.externalEvents.subscribe()
        let before = Date().timeIntervalSince1970
        let reply = try await api.send("POST", path, json: """
            {"events": [
              {"type": "db_write", "operation": "insert", "table": "orders", "key": "42", "tenant": "T1", "updater": "shop",
               "execution": "e-1", "timestamp": 1772442001.25, "transaction": "9", "data_time": 1772442000, "seq": 99, "before": null,
               "after": "abc", "image": {"id": "42"}, "source": "capture"},
              {"operation": "delete", "table": "crm.orders", "key": "7", "tenant": null}
            ]}
            """)
        #expect(reply.status == 202 && reply.json()?["accepted"] as? Int == 2, "\(reply.text)")
        let events = await received(2, from: stream)
        #expect(events.count == 2)
        if events.count == 2 {
            let first = events[0], second = events[1]
            #expect(first.operation == .insert && first.table == "orders" && first.key == "42" && first.tenant == "T1")
            #expect(first.updater == "shop" && first.execution == "e-1" && first.timestamp == 1772442001.25)
            #expect(first.transaction == "9" && first.dataTime == 1772442000)
            #expect(first.source == "external" && first.seq == nil && first.after == nil && first.image == nil, "the request's source; no place in the log")
            #expect(second.operation == .delete && second.table == "crm.orders" && second.tenant == "" && second.updater == "external")
            #expect(second.execution == "" && second.timestamp >= before - 0.001 && second.timestamp <= Date().timeIntervalSince1970 + 0.001)
        }
        let captured = try await api.send("POST", path, json: #"{"source": "capture", "events": [\#(Self.good)]}"#)
        #expect(captured.status == 202)
        #expect(await received(1, from: stream).map { $0.source } == ["capture"])
        #expect(try await api.send("POST", path, json: #"{"events": []}"#).json()?["accepted"] as? Int == 0)
        #expect(try await api.manager.feed.lastSequence() == 0, "never in the change log")
        try await api.stop()
    }
}
