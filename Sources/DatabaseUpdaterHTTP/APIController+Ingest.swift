import DatabaseUpdater
import Foundation
import Hummingbird

/// `POST events` (with the token): change events from programs outside the service — a
/// visualisation server's emit endpoint, `updater capture` — broadcast to the streams and
/// webhooks of the target `?target=` names, marked with their source, never written to the
/// change log. Every event is checked before any is broadcast (``ExternalEvents``); 202 with
/// the count.
extension APIController {
    /// Request bodies of `POST events` larger than this get 413: room for ``ExternalEvents/maxEvents``
    /// events of about 1 KiB (other routes take 1 MiB).
    static let maxEventsBodyBytes = 16 << 20

    func addIngestRoutes(to router: Router<BasicRequestContext>) {
        router.post("\(APIPaths.base)/events") { request, _ in try await ingestEvents(request) }
    }

    private func ingestEvents(_ request: Request) async throws -> Response {
        let target = try await manager(for: request)
        let data = try await eventsBody(request)
        guard !data.isEmpty else { throw APIError(.badRequest, #"a JSON body is required: {"events": [...]}"#) }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            let reason = ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
            throw APIError(.badRequest, "the body is not valid JSON: \(DatabaseError.oneLine(reason))")
        }
        guard let body = parsed as? [String: Any] else { throw APIError(.badRequest, #"the body must be a JSON object {"events": [...]}"#) }
        let batch: ExternalEvents.Batch
        do {
            batch = try ExternalEvents.validate(body)
        } catch {
            throw APIError(.badRequest, error.description)
        }
        target.publishExternal(batch.events, source: batch.source)
        struct Accepted: Encodable { let accepted: Int }
        return try JSONResponse.make(Accepted(accepted: batch.events.count), status: .accepted)
    }

    /// The body, at most ``maxEventsBodyBytes`` (413 beyond, saying the limit).
    private func eventsBody(_ request: Request) async throws -> Data {
        var request = request
        do {
            return Data(try await request.collectBody(upTo: Self.maxEventsBodyBytes).readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "request body too large (the limit for events is \(Self.maxEventsBodyBytes >> 20) MiB)")
        }
    }
}
