import Foundation
import Testing
@testable import DatabaseUpdater

struct SeededRandomTests {
    @Test func isXoshiro256StarStarSeededBySplitMix64() {
        // Reference values from an independent implementation of the published algorithms.
        var rng = SeededRandom(seed: 0)
        #expect([rng.next(), rng.next(), rng.next()] == [11_091_344_671_253_066_420, 13_793_997_310_169_335_082, 1_900_383_378_846_508_768])
    }

    @Test func sameInputsSameSequenceDifferentInputsDifferentSequence() {
        let tenant = Tenant.default.id, at = Date(timeIntervalSince1970: 1_795_515_200)
        var a = SeededRandom(runSeed: 1, tenant: tenant, updater: "service_tickets", fireTime: at)
        var b = SeededRandom(runSeed: 1, tenant: tenant, updater: "service_tickets", fireTime: at.addingTimeInterval(0.4))
        var c = SeededRandom(runSeed: 1, tenant: tenant, updater: "business_records", fireTime: at)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })  // same whole second
        #expect(first != (0..<8).map { _ in c.next() })
    }

    @Test func rangesStayInBoundsAndCoverThem() {
        var rng = SeededRandom(seed: 9)
        var seen = Set<Int>()
        for _ in 0..<2_000 {
            let v = rng.int(in: -3...3)
            #expect((-3...3).contains(v))
            seen.insert(v)
            let d = rng.unit()
            #expect(d >= 0 && d < 1)
        }
        #expect(seen == Set(-3...3))
        #expect(rng.int(in: 5...5) == 5)
        _ = rng.int(in: Int.min...Int.max)
    }

    @Test func uuidsAreVersion4AndReproducible() {
        var a = SeededRandom(seed: 3), b = SeededRandom(seed: 3)
        let id = a.uuid()
        #expect(id == b.uuid())
        #expect(id.uuidString.lowercased().dropFirst(14).first == "4")
    }

    @Test func lowercaseTextMatchesFoundationsFormLowercased() {
        var rng = SeededRandom(seed: 11)
        let ids = (0..<500).map { _ in rng.uuid() } + [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
                                                         UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        for id in ids { #expect(id.lowercaseString == id.uuidString.lowercased()) }
        #expect(ids[500].lowercaseString == "00000000-0000-0000-0000-000000000000")
    }
}
