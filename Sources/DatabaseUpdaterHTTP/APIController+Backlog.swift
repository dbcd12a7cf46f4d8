import DatabaseUpdater
import Foundation
import Hummingbird

/// The backlog routes (`updater backlog` over HTTP): `GET backlog` (the schedules with their
/// pending items), `GET backlog/status` (counts), and, with the token, `POST backlog/retry`,
/// `POST backlog/clear` and `POST backlog/items/{itemId}/done`. Filters (`updater`, `tenant`)
/// and `dryRun` come from the query or the JSON body (the body wins); `?target=` picks the target.
extension APIController {
    func addBacklogRoutes(to router: Router<BasicRequestContext>) {
        let base = APIPaths.base
        router.get("\(base)/backlog") { request, _ in
            let filter = try Self.backlogFilter(BacklogParameters(query: request.uri.queryParameters))
            return try JSONResponse.make(try await backlogCall { try await manager(for: request).backlog(filter) })
        }
        router.get("\(base)/backlog/status") { request, _ in
            let filter = try Self.backlogFilter(BacklogParameters(query: request.uri.queryParameters))
            return try JSONResponse.make(try await backlogCall { try await manager(for: request).backlogStatus(filter) })
        }
        router.post("\(base)/backlog/retry") { request, _ in
            let parameters = try await backlogParameters(request, allowed: ["dryRun", "updater", "tenant"])
            let filter = try Self.backlogFilter(parameters)
            return try JSONResponse.make(try await backlogCall {
                try await manager(for: request).retryBacklog(filter, dryRun: parameters.dryRun ?? false)
            })
        }
        router.post("\(base)/backlog/clear") { request, _ in
            let parameters = try await backlogParameters(request, allowed: ["updater", "tenant", "reason"])
            let filter = try Self.backlogFilter(parameters)
            return try JSONResponse.make(try await backlogCall { try await manager(for: request).clearBacklog(filter, reason: parameters.reason) })
        }
        router.post(RouterPath(stringLiteral: APIPaths.routerPath("\(base)/backlog/items/{itemId}/done"))) { request, context in
            let parameters = try await backlogParameters(request, allowed: ["reason"])
            let id = context.parameters.get("itemId") ?? ""
            return try JSONResponse.make(try await backlogCall { try await manager(for: request).markBacklogDone(id, reason: parameters.reason) })
        }
    }

    /// What a backlog request may say, from its query and then its body.
    struct BacklogParameters: Decodable {
        var dryRun: Bool?
        var updater: String?
        var tenant: String?
        var reason: String?

        init(dryRun: Bool? = nil, updater: String? = nil, tenant: String? = nil, reason: String? = nil) {
            self.dryRun = dryRun
            self.updater = updater
            self.tenant = tenant
            self.reason = reason
        }

        init(query: Parameters) throws {
            updater = query["updater"].map(String.init)
            tenant = query["tenant"].map(String.init)
            if let text = query["dryRun"] {
                guard text == "true" || text == "false" else { throw APIError(.badRequest, "dryRun must be true or false") }
                dryRun = text == "true"
            }
        }
    }

    /// The query's parameters overridden by the body's, refusing fields outside `allowed` and
    /// values of the wrong type with 400.
    private func backlogParameters(_ request: Request, allowed: Set<String>) async throws -> BacklogParameters {
        var parameters = try BacklogParameters(query: request.uri.queryParameters)
        let data = try await bodyData(request)
        guard !data.isEmpty else { return parameters }
        for key in try jsonObject(data).keys where !allowed.contains(key) {
            throw APIError(.badRequest, "unknown field '\(key)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        let body: BacklogParameters
        do {
            body = try JSONDecoder().decode(BacklogParameters.self, from: data)
        } catch {
            throw APIError(.badRequest, "dryRun must be a boolean; updater, tenant and reason strings")
        }
        parameters.dryRun = body.dryRun ?? parameters.dryRun
        parameters.updater = body.updater ?? parameters.updater
        parameters.tenant = body.tenant ?? parameters.tenant
        parameters.reason = body.reason ?? parameters.reason
        return parameters
    }

    private static func backlogFilter(_ parameters: BacklogParameters) throws -> BacklogFilter {
        var tenant: UUID?
        if let text = parameters.tenant {
            guard let id = UUID(uuidString: text) else { throw APIError(.badRequest, "tenant must be a UUID string") }
            tenant = id
        }
        return BacklogFilter(updater: parameters.updater, tenant: tenant)
    }

    /// Runs a backlog call, answering its refusals with the right status: an unknown item 404,
    /// an item that must wait for earlier ones 409, a bad reason 400, a database that cannot be
    /// read 503 (nothing was written in any of these cases).
    private func backlogCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BacklogError {
            switch error.kind {
            case .unknownItem: throw APIError(.notFound, error.message)
            case .notOldest: throw APIError(.conflict, error.message)
            case .badReason: throw APIError(.badRequest, error.message)
            }
        } catch let error as DatabaseError {
            throw APIError(.serviceUnavailable, "the target database cannot be read: \(error.message)")
        }
    }
}
