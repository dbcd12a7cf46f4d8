import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Testing
import UpdaterTestSupport

/// The live view's server side through a real socket: the page and its files with their types
/// and caching, no token needed for them where reads need one, and the routes the page reads
/// besides the stream (`since=`, `executions`, `events/activity`).
struct LiveViewRouteTests {
    private func tickets(_ api: APIHarness, _ count: Int) async throws {
        for _ in 0..<count {
            let record = try await api.manager.execute("service_tickets", seed: .random(in: 1...UInt64.max))
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
        }
    }

    @Test func thePageAndItsFilesAreServedWithTheirTypesAndCaching() async throws {
        let api = try await APIHarness.start()
        defer { Task { try? await api.stop() } }
        let page = try await api.send("GET", "/", token: nil)
        #expect(page.status == 200 && page.contentType == "text/html; charset=utf-8")
        #expect(page.headers["cache-control"] == "no-cache", "the page is revalidated on every load")
        #expect(page.headers["content-security-policy"]?.contains("default-src 'self'") == true)
        #expect(page.headers["x-content-type-options"] == "nosniff")
        let etag = try #require(page.headers["etag"])
        let again = try await api.send("GET", "/", token: nil, headers: ["If-None-Match": etag])
        #expect(again.status == 304 && again.data.isEmpty)

        for (name, type) in [("view.js", "text/javascript; charset=utf-8"), ("view.css", "text/css; charset=utf-8")] {
            // The page names each file with its version, relative to itself (a path prefix keeps working).
            let reference = try #require(page.text.firstMatch(of: try Regex("\"(live/\(name)\\?v=([0-9a-f]{16}))\"")), "\(page.text)")
            let url = String(try #require(reference.output[1].substring)), version = String(try #require(reference.output[2].substring))
            let file = try await api.send("GET", "/" + url, token: nil)
            #expect(file.status == 200 && file.contentType == type && !file.data.isEmpty)
            #expect(file.headers["cache-control"] == "public, max-age=31536000, immutable", "its current version never changes")
            #expect(file.headers["etag"] == "\"\(version)\"")
            let unversioned = try await api.send("GET", "/live/\(name)", token: nil)
            #expect(unversioned.headers["cache-control"] == "no-cache" && unversioned.data == file.data)
            let stale = try await api.send("GET", "/live/\(name)?v=0000000000000000", token: nil)
            #expect(stale.headers["cache-control"] == "no-cache", "another version is not promised to stay")
            #expect(try await api.send("GET", "/live/\(name)", token: nil, headers: ["If-None-Match": "\"\(version)\""]).status == 304)
        }
        #expect(try await api.send("GET", "/", token: nil, headers: ["If-None-Match": "W/\(etag)"]).status == 304,
                "a proxy that compressed the page weakened its tag")
        #expect(try await api.send("GET", "/live/other.js", token: nil).status == 404)
    }

    /// Beyond loopback every read needs the token, but for the page's files: they hold no data,
    /// and the page asks for the token itself.
    @Test func theFilesNeedNoTokenWhereReadsDo() async throws {
        let api = try await APIHarness.start(host: "0.0.0.0")
        defer { Task { try? await api.stop() } }
        #expect(try await api.send("GET", "/", token: nil).status == 200)
        #expect(try await api.send("GET", "/live/view.js", token: nil).status == 200)
        #expect(try await api.send("GET", "/api/database-updater/status", token: nil).status == 401)
        #expect(try await api.send("GET", "/api/database-updater/executions", token: nil).status == 401)
        #expect(try await api.send("GET", "/api/database-updater/executions").status == 200)
    }

    @Test(arguments: Engine.allCases)
    func sinceStartsWithTheFirstEntryCommittedThen(engine: Engine) async throws {
        let api = try await APIHarness.start(engine)
        defer { Task { try? await api.stop() } }
        #expect(try await ChangeLog.sequence(before: Date(), in: api.manager.database) == 0, "an empty log")
        try await tickets(api, 3)
        let before = try await ChangeLog.lastSequence(in: api.manager.database)
        try await Task.sleep(for: .milliseconds(50))
        let boundary = Date()
        try await Task.sleep(for: .milliseconds(50))
        try await tickets(api, 3)
        let end = try await ChangeLog.lastSequence(in: api.manager.database)
        #expect(try await ChangeLog.sequence(before: boundary, in: api.manager.database) == before)
        #expect(try await ChangeLog.sequence(before: Date(timeIntervalSince1970: 0), in: api.manager.database) == 0)
        #expect(try await ChangeLog.sequence(before: Date().addingTimeInterval(60), in: api.manager.database) == end, "nothing since: live")

        let stream = try CurlStream(port: api.port, path: "/api/database-updater/events?since=\(boundary.timeIntervalSince1970)")
        #expect(await stream.waitUntil { _ in stream.sequences.last == end }, "\(stream.frames.suffix(3))")
        stream.stop()
        #expect(stream.sequences == Array((before + 1)...end))
        let iso = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 0))
        let all = try CurlStream(port: api.port, path: "/api/database-updater/events?since=\(iso)")
        #expect(await all.waitUntil { _ in all.sequences.last == end })
        all.stop()
        #expect(all.sequences.first == 1)

        for (query, message) in [("since=yesterday", "since 'yesterday' is not a time"), ("since=1&after=2", "give after or since, not both")] {
            let reply = try await api.send("GET", "/api/database-updater/events?\(query)")
            #expect(reply.status == 400 && (reply.json()?["error"] as? String)?.hasPrefix(message) == true, "\(reply.text)")
        }
    }

    @Test func executionsAndActivityFeedThePanels() async throws {
        let api = try await APIHarness.start()
        defer { Task { try? await api.stop() } }
        try await tickets(api, 3)
        _ = try await api.manager.execute("business_records", seed: 7)
        let latest = try await api.send("GET", "/api/database-updater/executions?count=2")
        let records = try latest.decode([ExecutionRecord].self)
        #expect(records.map(\.updater) == ["business_records", "service_tickets"], "newest first, as many as asked")
        let failed = try await api.send("GET", "/api/database-updater/executions?outcome=failed,timed_out").decode([ExecutionRecord].self)
        #expect(failed.isEmpty)
        let succeeded = try await api.send("GET", "/api/database-updater/executions?outcome=succeeded,failed&count=500")
            .decode([ExecutionRecord].self)
        #expect(succeeded.count == 4 && succeeded.allSatisfy { $0.outcome == .succeeded })
        #expect(try await api.send("GET", "/api/database-updater/executions?count=0").status == 400)
        #expect(try await api.send("GET", "/api/database-updater/executions?outcome=lost").status == 400)

        let activity = try await api.send("GET", "/api/database-updater/events/activity?minutes=5").decode(ChangeLog.Activity.self)
        #expect(activity.bucketSeconds == 60)
        let total = try await ChangeLog.read(after: 0, limit: 1_000, in: api.manager.database).count
        #expect(activity.tables.values.allSatisfy { $0.count == 5 }, "\(activity)")
        #expect(activity.tables.values.reduce(0) { $0 + $1.reduce(0, +) } == total, "every entry of the last minutes counted once")
        #expect(activity.tables["service_tickets"].map { $0.reduce(0, +) } ?? 0 >= 3)
        #expect(try await api.send("GET", "/api/database-updater/events/activity?minutes=0").status == 400)
    }
}
