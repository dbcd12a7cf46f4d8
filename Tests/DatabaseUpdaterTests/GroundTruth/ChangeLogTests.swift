import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

/// The change log on real databases: numbered without gaps in commit order, hashes that are the
/// rows', kept across restarts, exported and replayed without loss, and checked by `verify`.
struct ChangeLogTests {
    private let start = Date(timeIntervalSince1970: 1_795_515_200)

    /// Runs `count` executions of the office's three updaters, in turn.
    private func traffic(_ fixture: UpdaterFixture, count: Int, tenant: Tenant = .default, from: Date? = nil) async throws {
        let updaters: [any BaseUpdater] = [ServiceTicketsUpdater(), BusinessRecordsUpdater(), BusinessRecordActivitiesUpdater()]
        for (index, time) in fireTimes(count, from: from ?? start, every: 2).enumerated() {
            let record = try await fixture.manager.execute(updaters[index % 3].name, tenant: tenant.id, fireTime: time)
            #expect(record.outcome == .succeeded, "\(record.error ?? "")")
        }
    }

    private func log(_ fixture: UpdaterFixture) async throws -> [ChangeEvent] {
        try await ChangeLog.read(after: 0, limit: 100_000, in: await fixture.database)
    }

    @Test(arguments: Engine.allCases)
    func entriesAreGaplessInCommitOrderAndHashTheRows(engine: Engine) async throws {
        let tenants = [Tenant.default, UpdaterFixture.secondTenant,
                       Tenant(id: UUID(uuidString: "3c9e8d7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f")!, customerId: "cust-3")]
        let fixture = try await UpdaterFixture.make(engine, tenants: tenants, maxConcurrent: 3)
        defer { Task { await fixture.close() } }
        // Concurrent executions (one per tenant, as the scheduler runs them): the log still
        // numbers them 1, 2, 3, … with each transaction contiguous.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for tenant in tenants {
                group.addTask { try await traffic(fixture, count: 12, tenant: tenant) }
            }
            try await group.waitForAll()
        }
        let entries = try await log(fixture)
        #expect(!entries.isEmpty)
        #expect(entries.compactMap(\.seq) == Array(1...Int64(entries.count)))
        var closed = Set<String>()
        for (previous, entry) in zip(entries, entries.dropFirst()) where previous.transaction != entry.transaction {
            #expect(closed.insert(previous.transaction ?? "").inserted, "transaction \(previous.transaction ?? "") is not contiguous")
        }
        #expect(Set(entries.map(\.transaction)).count == Set(entries.map(\.execution)).count, "one transaction per execution")
        // The last after-hash of every key is the hash of its row; each update's before-hash is the previous after-hash.
        var last: [String: String] = [:]
        for entry in entries {
            let id = "\(entry.table)/\(entry.key)"
            switch entry.operation {
            case .insert: #expect(entry.before == nil && entry.after != nil)
            case .update: #expect(entry.before == last[id] && entry.after != nil, "\(entry)")
            case .delete: #expect(entry.before == last[id] && entry.after == nil)
            }
            last[id] = entry.after
        }
        for (id, hash) in last {
            let parts = id.split(separator: "/")
            let row = try await fixture.query("SELECT * FROM \(parts[0]) WHERE id = $1", .uuid(UUID(uuidString: String(parts[1]))!)).first
            #expect(row.map { RowImage($0).hash } == hash, "\(id)")
        }
        // The export holds the same entries, in the same order.
        #expect(try await fixture.ledger() == entries)
        let report = try await LogVerifier.verify(OfficeScenario(), in: await fixture.database, scope: .init(tenants: tenants.map(\.id)))
        #expect(report.passed && report.entries == entries.count, "\(report)")
    }

    @Test(arguments: Engine.allCases)
    func sequenceNumbersStayGaplessAcrossRestartsAndTheExportCatchesUp(engine: Engine) async throws {
        let location = try await TestDatabases.freshLocation(engine)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("updater-data-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let first = try await UpdaterFixture.make(engine, location: location, dataDirectory: data)
        try await traffic(first, count: 6)
        let before = try await log(first)
        await first.close()
        // A crash between a commit and its export: the file lost its last entries, and ends in a torn line.
        let file = data.appendingPathComponent("changes.jsonl")
        var lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.removeLast(2)
        try Data((lines.joined(separator: "\n") + "\n{\"type\":\"db_wr").utf8).write(to: file)

        let second = try await UpdaterFixture.make(engine, location: location, dataDirectory: data)
        defer { Task { await second.close() } }
        #expect(try await second.ledger() == before, "the export caught up at start")
        try await traffic(second, count: 6, from: start.addingTimeInterval(30 * 86_400))
        let after = try await log(second)
        #expect(after.compactMap(\.seq) == Array(1...Int64(after.count)))
        #expect(after.count > before.count)
        #expect(try await second.ledger() == after)
    }

    @Test(arguments: Engine.allCases)
    func aSubscriberReplaysTheLogFollowsLiveAndIsToldOfEveryGap(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        defer { Task { await fixture.close() } }
        try await traffic(fixture, count: 6)
        let replayed = try await log(fixture)
        // Subscribed after 2 with room for one live entry: the replay, then live with gaps.
        let subscription = await fixture.manager.feed.subscribe(after: 2, bufferLimit: 1)
        var iterator = subscription.makeAsyncIterator()
        var received: [ChangeEvent] = []
        for _ in 0..<(replayed.count - 2) {
            if case .event(let event)? = try await iterator.next() { received.append(event) }
        }
        #expect(received == Array(replayed.dropFirst(2)))
        // One more execution, read live: the replay is over.
        try await traffic(fixture, count: 1, from: start.addingTimeInterval(20 * 86_400))
        let caughtUp = try await log(fixture)
        while received.count < caughtUp.count - 2 {
            if case .event(let event)? = try await iterator.next() { received.append(event) }
        }
        // While nobody reads, many entries commit; the one-entry buffer keeps only the newest.
        try await traffic(fixture, count: 9, from: start.addingTimeInterval(40 * 86_400))
        let all = try await log(fixture)
        var gaps: [ClosedRange<Int64>] = []
        while received.count < all.count - 2 {
            switch try await iterator.next() {
            case .event(let event)?: received.append(event)
            case .gap(let range)?: gaps.append(range)
            case nil: Issue.record("the subscription ended"); return
            }
        }
        #expect(received == Array(all.dropFirst(2)), "nothing lost, nothing repeated, in order")
        #expect(!gaps.isEmpty, "the overflow was said")
        if let gap = gaps.first { #expect(gap.lowerBound == caughtUp.count + 1) }
    }

    @Test(arguments: Engine.allCases)
    func verifyFindsEachKindOfTampering(engine: Engine) async throws {
        let fixture = try await UpdaterFixture.make(engine)
        defer { Task { await fixture.close() } }
        try await traffic(fixture, count: 9)
        let scope = LogVerifier.Scope(tenants: [Tenant.default.id])
        let database = await fixture.database
        #expect(try await LogVerifier.verify(OfficeScenario(), in: database, scope: scope).passed)
        let tickets = try await fixture.query("SELECT id FROM service_tickets ORDER BY id").compactMap { $0["id"].uuidValue }
        try #require(tickets.count >= 3)
        // Behind the tool's back: one row deleted, one changed, one inserted.
        _ = try await database.withConnection { conn in
            try conn.execute("DELETE FROM service_tickets WHERE id = $1", .uuid(tickets[0]))
            try conn.execute("UPDATE service_tickets SET title = 'changed by hand' WHERE id = $1", .uuid(tickets[1]))
            let columns = try conn.query("SELECT * FROM service_tickets WHERE id = $1", .uuid(tickets[2]))[0].columns
            let copied = columns.map { $0 == "id" ? "$1" : $0 == "sequence_number" ? "sequence_number + 100000" : $0 == "ticket_number" ? "'ST-X'" : $0 }
            try conn.execute("INSERT INTO service_tickets (\(columns.joined(separator: ", "))) SELECT \(copied.joined(separator: ", ")) "
                             + "FROM service_tickets WHERE id = $2", .uuid(UUID()), .uuid(tickets[2]))
        }
        let report = try await LogVerifier.verify(OfficeScenario(), in: database, scope: scope)
        #expect(!report.passed)
        #expect((report.missing, report.contentDiffers, report.unexpected) == (1, 1, 1), "\(report)")
        #expect(report.discrepancies.first { $0.kind == .missing }?.key == tickets[0].lowercaseString)
        #expect(report.discrepancies.first { $0.kind == .contentDiffers }?.key == tickets[1].lowercaseString)
        // A partial check looks only at keys changed in its range: the hand-made row is outside it.
        let partial = try await LogVerifier.verify(OfficeScenario(), in: database, scope: .init(tenants: [Tenant.default.id], sinceSequence: 0))
        #expect(partial.partial && partial.unexpected == 0 && partial.missing == 1)
    }

    @Test func rowImagesAreCanonicalAndTheSameOnBothEngines() async throws {
        let image = RowImage(DatabaseRow(columns: ["b", "a", "n", "t", "u", "f", "x"], values: [
            .text("q\"\\\n"), .integer(7), .null, .timestamp(Date(timeIntervalSince1970: 1.5)),
            .uuid(UUID(uuidString: "6B7D1C2E-0000-4000-8000-000000000001")!), .bool(true), .double(12.0),
        ]))
        #expect(image.canonicalText == #"{"a":"7","b":"q\"\\\n","f":"1","n":null,"t":"1970-01-01T00:00:01.500Z","u":"6b7d1c2e-0000-4000-8000-000000000001","x":"12"}"#)
        // What the documented Python one-liner gives for the same row.
        #expect(image.hash == "d007d5f41e8d0449870c80beababced1a9b8035cb5b690352b4ee86824ea10d4")
        #expect(RowImage(canonicalText: image.canonicalText) == image)
        let row = DatabaseRow(columns: ["b", "a"], values: [.text("x"), .integer(1)])
        #expect(RowImage.hash(of: row) == RowImage(row).hash && RowImage.canonicalText(of: row) == #"{"a":"1","b":"x"}"#)
        // The same execution on SQLite and PostgreSQL logs the same hashes.
        var hashes: [[String?]] = []
        for engine in Engine.allCases {
            let fixture = try await UpdaterFixture.make(engine)
            try await traffic(fixture, count: 6)
            hashes.append(try await log(fixture).map(\.after))
            await fixture.close()
        }
        #expect(hashes[0] == hashes[1])
    }
}
