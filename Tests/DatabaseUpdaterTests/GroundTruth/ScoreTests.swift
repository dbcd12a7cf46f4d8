import Foundation
import Testing
@testable import DatabaseUpdater

/// `Scorer` against hand-built change logs: what a perfect, a lossy, a repetitive, an
/// out-of-order and a polling monitor get, and how detection lines are read.
struct ScoreTests {
    static let start = 1_780_000_000.0
    static let otherTenant = UUID(uuidString: "7d1f3c2a-9b8e-4f60-a1d2-3e4f5a6b7c8d")!

    /// One log entry: sequence `seq`, committed at `start + at`.
    static func entry(_ seq: Int64, _ operation: RowChange.Operation, _ key: String, at seconds: Double,
                      table: String = "service_tickets", tenant: UUID = Tenant.default.id) -> ChangeEvent {
        var event = ChangeEvent(change: RowChange(table: table, operation: operation, key: key), tenant: tenant,
                                updater: "service_tickets", execution: UUID(), committedAt: Date(timeIntervalSince1970: start + seconds))
        event.seq = seq
        return event
    }

    /// A detection of `entry`, `latency` seconds after its commit.
    static func detection(of entry: ChangeEvent, latency: Double = 0.5) -> Detection {
        Detection(operation: entry.operation, table: entry.table, key: entry.key, detectedAt: entry.timestamp + latency)
    }

    static func detection(_ operation: RowChange.Operation, _ key: String, at seconds: Double, table: String = "service_tickets") -> Detection {
        Detection(operation: operation, table: table, key: key, detectedAt: start + seconds)
    }

    /// 100 entries over two tables: each key inserted, updated, then (every third key) deleted.
    static let hundred: [ChangeEvent] = {
        var entries: [ChangeEvent] = []
        var key = 0
        while entries.count < 100 {
            let table = key % 2 == 0 ? "service_tickets" : "service_ticket_parts"
            let name = "k\(key)"
            let operations: [RowChange.Operation] = key % 3 == 0 ? [.insert, .update, .delete] : [.insert, .update]
            for operation in operations where entries.count < 100 {
                entries.append(entry(Int64(entries.count + 1), operation, name, at: Double(entries.count) * 2, table: table))
            }
            key += 1
        }
        return entries
    }()

    @Test func detectionsEqualToTheLogScoreOne() throws {
        let report = Scorer().score(truth: Self.hundred, detections: Self.hundred.map { Self.detection(of: $0) })
        #expect(report.overall.truth == 100 && report.overall.detections == 100 && report.overall.matched == 100)
        #expect(report.overall.recall == 1 && report.overall.precision == 1)
        #expect(report.overall.duplicates == 0 && report.overall.falsePositives == 0 && report.overall.missed == 0)
        #expect(report.inversions == 0 && report.misses.isEmpty)
        #expect(report.latency == ScoreReport.Latency(count: 100, p50: 0.5, p95: 0.5, p99: 0.5, max: 0.5))
        #expect(report.tables.keys.sorted() == ["service_ticket_parts", "service_tickets"])
        #expect(report.tables.values.allSatisfy { $0.recall == 1 && $0.precision == 1 })
        #expect(report.operations.keys.sorted() == ["delete", "insert", "update"])
        #expect(report.operations["delete"]?.truth == Self.hundred.filter { $0.operation == .delete }.count)
        #expect(report.unmet(minRecall: 1, minPrecision: 1).isEmpty)

        // The log's own lines are detections (detected when committed): still perfect.
        let lines = try Detection.parseLines(Self.hundred.map(\.jsonLine).joined(separator: "\n") + "\n")
        let own = Scorer().score(truth: Self.hundred, detections: lines)
        #expect(own.overall.recall == 1 && own.overall.precision == 1)
        #expect(own.latency?.max == 0)
    }

    @Test func tenPercentOfLinesRemovedIsRecallPointNine() {
        let kept = Self.hundred.enumerated().filter { $0.offset % 10 != 3 }.map(\.element)
        #expect(kept.count == 90)
        let report = Scorer(missLimit: 4).score(truth: Self.hundred, detections: kept.map { Self.detection(of: $0) })
        #expect(report.overall.recall == 0.9)
        #expect(report.overall.precision == 1)
        #expect(report.overall.matched == 90 && report.overall.missed == 10 && report.overall.falsePositives == 0)
        // The first four misses, in log order: the 4th, 14th, 24th and 34th entries.
        #expect(report.misses.map(\.seq) == [4, 14, 24, 34])
        #expect(report.misses.first == ScoreReport.Miss(seq: 4, table: Self.hundred[3].table, key: Self.hundred[3].key,
                                                        operation: Self.hundred[3].operation, committedAt: Self.hundred[3].timestamp))
        let perTable = report.tables.values.reduce(0) { $0 + $1.missed }
        #expect(perTable == 10)
        #expect(report.unmet(minRecall: 0.99, minPrecision: nil) == ["recall 0.9 (90 of 100) is below the minimum 0.99"])
        #expect(report.unmet(minRecall: 0.9, minPrecision: 1).isEmpty)
    }

    @Test func duplicatesAndShuffledOrderAreCountedApart() {
        var detections = Self.hundred.map { Self.detection(of: $0) }
        // Seven repeats of already reported changes, seconds later, and three changes that never happened.
        for index in [0, 5, 5, 17, 42, 63, 99] { detections.append(Self.detection(of: Self.hundred[index], latency: 3)) }
        detections.append(Self.detection(.insert, "k-none", at: 10))
        detections.append(Self.detection(.delete, "k1", at: 10, table: "service_ticket_parts"))  // k1 is never deleted
        detections.append(Self.detection(.insert, "k0", at: 10, table: "no_such_table"))
        var random = SeededRandom(seed: 11)
        for index in detections.indices.reversed() {
            detections.swapAt(index, random.int(in: 0...index))
        }
        let report = Scorer().score(truth: Self.hundred, detections: detections)
        #expect(report.overall.detections == 110)
        #expect(report.overall.matched == 100 && report.overall.recall == 1)
        #expect(report.overall.duplicates == 7 && report.overall.falsePositives == 3)
        #expect(report.overall.precision == 100.0 / 110.0)
        #expect(report.tables["no_such_table"]?.falsePositives == 1 && report.tables["no_such_table"]?.truth == 0)
        #expect(report.operations["delete"]?.falsePositives == 1)
        // The file's order does not matter: matching goes by detection time.
        #expect(report.inversions == 0)
        #expect(Scorer().score(truth: Self.hundred, detections: Array(detections.reversed())) == report)
    }

    @Test func inversionsAreDetectionPairsOfARowInTheOppositeOrderToTheLog() {
        let truth = [
            Self.entry(1, .insert, "a", at: 0), Self.entry(2, .update, "a", at: 1), Self.entry(3, .update, "a", at: 2),
            Self.entry(4, .insert, "b", at: 0), Self.entry(5, .delete, "b", at: 10),
            Self.entry(6, .insert, "c", at: 0), Self.entry(7, .update, "c", at: 1),
            Self.entry(8, .insert, "d", at: 30), Self.entry(9, .delete, "d", at: 31),
        ]
        let detections = [
            // a: both updates, then the insert: (update 2, insert 1) and (update 3, insert 1) are inverted.
            Self.detection(.update, "a", at: 3), Self.detection(.update, "a", at: 4), Self.detection(.insert, "a", at: 5),
            // b: the delete before the insert.
            Self.detection(.delete, "b", at: 11), Self.detection(.insert, "b", at: 12),
            // c: in order.
            Self.detection(.insert, "c", at: 1), Self.detection(.update, "c", at: 2),
            // d: both in one snapshot: no order, no inversion.
            Self.detection(.delete, "d", at: 40), Self.detection(.insert, "d", at: 40),
        ]
        let report = Scorer().score(truth: truth, detections: detections)
        #expect(report.overall.matched == 9 && report.overall.precision == 1)
        #expect(report.inversions == 3)
    }

    @Test func aDetectionPrefersAnEntryCommittedBeforeIt() {
        // PostgreSQL numbers entries in commit order while their commit times come from each
        // writer's clock: seq 1 may carry the later time.
        let truth = [Self.entry(1, .update, "a", at: 20), Self.entry(2, .update, "a", at: 10)]
        let report = Scorer().score(truth: truth, detections: [Self.detection(.update, "a", at: 12), Self.detection(.update, "a", at: 25)])
        #expect(report.overall.matched == 2)
        #expect(report.latency?.p50 == 2 && report.latency?.max == 5)
        #expect(report.inversions == 1)
        // Within the tolerance (1 s) an entry still counts as committed before.
        let close = Scorer().score(truth: truth, detections: [Self.detection(.update, "a", at: 19.5)])
        #expect(close.misses.map(\.seq) == [2], "seq 1, committed 0.5 s after the detection, is the earliest")
        // Nothing committed before it: the earliest unmatched, whatever the latency says.
        let early = Scorer().score(truth: truth, detections: [Self.detection(.update, "a", at: 5)])
        #expect(early.misses.map(\.seq) == [2] && early.latency?.p50 == -15)
    }

    @Test func aDetectionNamingATenantMatchesOnlyThatTenantsEntries() {
        let truth = [Self.entry(1, .insert, "shared", at: 0), Self.entry(2, .insert, "shared", at: 0, tenant: Self.otherTenant)]
        var mine = Self.detection(.insert, "shared", at: 1)
        mine.tenant = Tenant.defaultID.uppercased()
        var theirs = mine
        theirs.tenant = Self.otherTenant.uuidString
        var nobody = mine
        nobody.tenant = "11111111-2222-4333-8444-555555555555"
        let report = Scorer().score(truth: truth, detections: [mine, mine, theirs, nobody])
        #expect(report.overall.matched == 2 && report.overall.duplicates == 1 && report.overall.falsePositives == 1)
    }

    @Test func latencyPercentilesAreNearestRank() {
        let truth = (1...10).map { Self.entry(Int64($0), .insert, "k\($0)", at: 0) }
        let detections = truth.enumerated().map { Self.detection(of: $0.element, latency: Double($0.offset + 1)) }
        #expect(Scorer().score(truth: truth, detections: detections).latency
                == ScoreReport.Latency(count: 10, p50: 5, p95: 10, p99: 10, max: 10))
        let sorted = (1...200).map(Double.init)
        #expect([50, 95, 99].map { ScoreReport.Latency.nearestRank($0, in: sorted) } == [100, 190, 198])
        #expect(ScoreReport.Latency([]) == nil)
        #expect(Scorer().score(truth: truth, detections: []).latency == nil)
        #expect(Scorer().score(truth: truth, detections: []).overall.precision == 1)
        #expect(Scorer().score(truth: [], detections: []).overall.recall == 1)
    }

    // MARK: - Net mode

    /// Keys a–f over windows [0, 10) and [10, 20) of 10 s (all times relative to `start`,
    /// itself a multiple of 10).
    static let polled = [
        entry(1, .insert, "a", at: 0), entry(2, .delete, "a", at: 5),                                // nothing
        entry(3, .insert, "b", at: 1), entry(4, .update, "b", at: 3), entry(5, .update, "b", at: 4), // one insert
        entry(6, .update, "c", at: 2), entry(7, .update, "c", at: 6),                                // one update
        entry(8, .update, "d", at: 7), entry(9, .delete, "d", at: 8),                                // a delete
        entry(10, .delete, "e", at: 1), entry(11, .insert, "e", at: 9),                              // an update
        entry(12, .insert, "f", at: 9), entry(13, .update, "f", at: 11),                             // two windows: insert, update
    ]

    @Test func netModeCollapsesEachRowsChangesPerInterval() {
        let collapsed = NetChanges.collapse(Self.polled, interval: 10)
        #expect(collapsed.map { "\($0.key) \($0.operation.rawValue) \($0.seq ?? 0)" }
                == ["b insert 5", "c update 7", "d delete 9", "e update 11", "f insert 12", "f update 13"])
        #expect(collapsed.first?.timestamp == Self.start + 4, "a collapsed change is committed with its last entry")

        let snapshots = [
            Self.detection(.insert, "b", at: 10), Self.detection(.update, "c", at: 10), Self.detection(.delete, "d", at: 10),
            Self.detection(.update, "e", at: 10), Self.detection(.insert, "f", at: 10), Self.detection(.update, "f", at: 20),
        ]
        let report = Scorer(mode: .net, interval: 10).score(truth: Self.polled, detections: snapshots)
        #expect(report.mode == .net && report.interval == 10)
        #expect(report.logEntries == 13 && report.overall.truth == 6)
        #expect(report.overall.recall == 1 && report.overall.precision == 1)
        #expect(report.latency?.p50 == 2 && report.latency?.max == 9)

        // The interval, unless given, is the detections' median gap: here 10 s.
        #expect(NetChanges.inferredInterval(snapshots) == 10)
        #expect(Scorer(mode: .net).score(truth: Self.polled, detections: snapshots) == report)

        // A snapshot cannot have seen a's insert: reporting it is a false alarm in net mode.
        let withA = Scorer(mode: .net, interval: 10).score(truth: Self.polled, detections: snapshots + [Self.detection(.insert, "a", at: 10)])
        #expect(withA.overall.falsePositives == 1 && withA.overall.recall == 1)
        // Scored exactly, the same snapshots miss more than half the log.
        let exact = Scorer().score(truth: Self.polled, detections: snapshots)
        #expect(exact.overall.matched == 5 && exact.overall.falsePositives == 1 && exact.overall.missed == 8)
    }

    @Test func netOperationFollowsWhetherTheRowExistedBeforeAndAfter() {
        #expect(NetChanges.netOperation(first: .insert, last: .delete) == nil)
        #expect(NetChanges.netOperation(first: .insert, last: .update) == .insert)
        #expect(NetChanges.netOperation(first: .insert, last: .insert) == .insert)
        #expect(NetChanges.netOperation(first: .update, last: .update) == .update)
        #expect(NetChanges.netOperation(first: .update, last: .delete) == .delete)
        #expect(NetChanges.netOperation(first: .delete, last: .insert) == .update)
        #expect(NetChanges.netOperation(first: .delete, last: .delete) == .delete)
        #expect(NetChanges.inferredInterval([]) == 1)
        #expect(NetChanges.inferredInterval([Self.detection(.insert, "a", at: 0), Self.detection(.insert, "b", at: 0.2),
                                             Self.detection(.insert, "c", at: 0.4)]) == 1, "at least a second")
    }

    // MARK: - Detection lines

    @Test func detectionLinesTakeISOTimesOrSecondsAndIgnoreOtherKeys() throws {
        let text = """
            {"operation":"insert","table":"t","key":"1","detected_at":"2026-03-02T09:00:01.250Z","source":"poller"}

            {"operation":"update","table":"t","key":"1","detected_at":1772442001.5,"tenant":"\(Tenant.defaultID)","seq":7}
            {"type":"db_write","operation":"delete","table":"t","key":"1","tenant":"x","updater":"u","execution":"e","timestamp":1772442002.25}
            {"operation":"delete","table":"t","key":"2","detected_at":"2026-03-02T10:00:00+01:00","timestamp":1}
            """
        let detections = try Detection.parseLines(text)
        #expect(detections == [
            Detection(operation: .insert, table: "t", key: "1", detectedAt: 1_772_442_001.25),
            Detection(operation: .update, table: "t", key: "1", detectedAt: 1_772_442_001.5, tenant: Tenant.defaultID, seq: 7),
            Detection(operation: .delete, table: "t", key: "1", detectedAt: 1_772_442_002.25, tenant: "x"),
            Detection(operation: .delete, table: "t", key: "2", detectedAt: 1_772_442_000),
        ])
    }

    @Test(arguments: [
        ("{\"operation\":\"upsert\",\"table\":\"t\",\"key\":\"1\",\"detected_at\":1}", "line 2: operation 'upsert' is not insert, update or delete"),
        ("{\"operation\":\"insert\",\"table\":\"t\",\"key\":\"1\"}", "line 2: no detected_at (nor timestamp)"),
        ("{\"operation\":\"insert\",\"key\":\"1\",\"detected_at\":1}", "line 2: no table"),
        ("{\"operation\":\"insert\",\"table\":\"t\",\"key\":\"1\",\"detected_at\":\"yesterday\"}",
         "line 2: detected_at 'yesterday' is neither an ISO 8601 time nor seconds since 1970"),
        ("{\"operation\":\"insert\",\"table\":\"t\",\"key\":1,\"detected_at\":1}", "line 2: key has the wrong type"),
        ("not json", "line 2: not valid JSON"),
        ("[1, 2]", "line 2: not a JSON object"),
    ])
    func aBadLineIsAnErrorNamingIt(line: String, message: String) {
        let good = #"{"operation":"insert","table":"t","key":"1","detected_at":1}"#
        #expect(throws: Detection.LineError.self) { try Detection.parseLines(good + "\n" + line + "\n" + good) }
        do {
            _ = try Detection.parseLines(good + "\n" + line + "\n" + good)
        } catch {
            #expect(error.description == message)
        }
    }
}
