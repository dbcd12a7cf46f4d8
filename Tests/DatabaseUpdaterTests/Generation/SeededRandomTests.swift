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

    @Test func theExecutionSeedIsFNV1aOfTheWrittenKey() {
        // The key as it was hashed when it was built as a string: generated rows depend on it.
        func reference(_ runSeed: UInt64, _ tenant: UUID, _ updater: String, _ fireTime: Date) -> SeededRandom {
            let key = "\(runSeed)|\(tenant.uuidString.lowercased())|\(updater)|\(Int64(fireTime.timeIntervalSince1970.rounded(.down)))"
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in key.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            return SeededRandom(seed: hash)
        }
        var rng = SeededRandom(seed: 21)
        let seeds: [UInt64] = [0, 1, 9, 10, 99, 100, UInt64.max, 18_446_744_073_709_551_000] + (0..<40).map { _ in rng.next() >> (rng.next() % 64) }
        let times: [TimeInterval] = [0, -1, -0.5, -86_400.25, 9.99, 1_795_515_200.7, -9_223_372_036]
        for (index, seed) in seeds.enumerated() {
            let tenant = rng.uuid(), updater = index % 2 == 0 ? "service_tickets" : "business_records é"
            let at = Date(timeIntervalSince1970: times[index % times.count])
            var ours = SeededRandom(runSeed: seed, tenant: tenant, updater: updater, fireTime: at)
            var theirs = reference(seed, tenant, updater, at)
            #expect(ours.next() == theirs.next(), "seed \(seed), time \(at.timeIntervalSince1970)")
        }
    }
}
