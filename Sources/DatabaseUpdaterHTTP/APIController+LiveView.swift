import DatabaseUpdater
import Foundation
import Hummingbird

/// What the live view reads besides the stream and the status: `GET executions` (the latest
/// execution records, `?count=` 1–500, default 20; `?outcome=` outcomes, e.g. failed,timed_out) and
/// `GET events/activity` (the change log's entries per table and minute, `?minutes=` 1–1440,
/// default 60: the view's heatmap).
extension APIController {
    func addLiveViewRoutes(to router: Router<BasicRequestContext>) {
        let base = APIPaths.base
        router.get("\(base)/executions") { request, _ in
            let query = request.uri.queryParameters
            let count = try Self.wholeNumber(query["count"].map(String.init), name: "count", in: 1...500) ?? 20
            var outcomes: Set<ExecutionRecord.Outcome>?
            if let text = query["outcome"].map(String.init) {
                outcomes = []
                for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let parsed = ExecutionRecord.Outcome(rawValue: String(name)) else {
                        throw APIError(.badRequest, "outcome '\(name.prefix(40))' is not one of "
                            + ExecutionRecord.Outcome.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    outcomes?.insert(parsed)
                }
            }
            return try JSONResponse.make(try await manager(for: request).history.recent(limit: count, outcomes: outcomes))
        }
        router.get("\(base)/events/activity") { request, _ in
            let minutes = try Self.wholeNumber(request.uri.queryParameters["minutes"].map(String.init), name: "minutes", in: 1...1_440) ?? 60
            let manager = try await manager(for: request)
            // Whole minutes, the current one last.
            let since = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - Double(minutes - 1) * 60)
            do {
                return try JSONResponse.make(try await ChangeLog.activity(since: since, buckets: minutes, bucketSeconds: 60,
                                                                          in: manager.database))
            } catch let error as DatabaseError {
                throw EventStreamRoutes.logUnreadable(error)
            }
        }
    }
}
