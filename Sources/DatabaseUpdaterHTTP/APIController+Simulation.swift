import DatabaseUpdater
import Foundation
import Hummingbird

/// `GET /simulation` and `POST /simulation/advance`: a step-mode `updater simulate` driven over
/// HTTP (404 when the process runs no simulation); `GET /invariants`, what a program driving it
/// checks at each pause (also served by `updater start`).
extension APIController {
    func addSimulationRoutes(to router: Router<BasicRequestContext>) {
        let base = APIPaths.base
        router.get("\(base)/simulation") { _, _ in try JSONResponse.make(await simulation().state()) }
        router.post("\(base)/simulation/advance") { request, _ in try await advanceSimulation(request) }
        router.get("\(base)/invariants") { request, _ in
            do {
                return try JSONResponse.make(await manager(for: request).checkInvariants())
            } catch let error as DatabaseError where error.kind == .migration {
                throw APIError(.conflict, error.message)
            } catch let error as DatabaseError {
                throw APIError(.serviceUnavailable, "the target database cannot be read: \(error.message)")
            }
        }
    }

    private func simulation() async throws -> Simulation {
        guard let simulation = await manager.simulation else {
            throw APIError(.notFound, "no simulation is running in this process (updater simulate --step --api)")
        }
        return simulation
    }

    /// `{"periods": N}` (1 to 100000) or `{"until": ISO8601}`; an empty body advances one period.
    /// Answers once the requested periods are complete, with the simulation's state.
    private func advanceSimulation(_ request: Request) async throws -> Response {
        let simulation = try await simulation()
        let data = try await bodyData(request)
        let object = data.isEmpty ? [:] : try jsonObject(data)
        for key in object.keys where key != "periods" && key != "until" {
            throw APIError(.badRequest, "unknown field '\(key)' (allowed: periods, until)")
        }
        struct Body: Decodable {
            var periods: Int?
            var until: String?
        }
        let body: Body
        do {
            body = data.isEmpty ? Body() : try JSONDecoder().decode(Body.self, from: data)
        } catch {
            throw APIError(.badRequest, "periods must be a whole number and until an ISO 8601 date-time string")
        }
        switch (body.periods, body.until) {
        case (nil, nil):
            return try JSONResponse.make(await simulation.advance(periods: 1))
        case (let count?, nil):
            guard (1...100_000).contains(count) else { throw APIError(.badRequest, "periods must be a whole number from 1 to 100000") }
            return try JSONResponse.make(await simulation.advance(periods: count))
        case (nil, let text?):
            guard let instant = ISO8601.parse(text) else {
                throw APIError(.badRequest, "until must be an ISO 8601 date-time such as 2026-03-05T00:00:00Z")
            }
            return try JSONResponse.make(await simulation.advance(until: instant))
        default:
            throw APIError(.badRequest, "give periods or until, not both")
        }
    }
}
