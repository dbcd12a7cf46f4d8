import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The API's error body.
private struct APIErrorBody: Decodable {
    let error: String
    let details: [String]
}

/// Talks to a running service's API, found through the lock file in the data folder, so that
/// `status`, `execute` and `logs` see live state.
struct ServiceClient {
    let baseURL: URL
    let token: String?

    /// The client of the service running on `config`'s data folder; nil when none runs there
    /// (or it serves no API).
    /// - Parameter anyDatabase: accept a service that writes to another database than `config`
    ///   names (`capture` sends it events of any database).
    /// - Throws: ``BadInput`` when that service writes to another database than `config`
    ///   names (by `--database`, the environment or the file): the command is refused rather
    ///   than silently answered about the service's database.
    static func forService(of config: UpdaterConfig, anyDatabase: Bool = false) throws -> ServiceClient? {
        guard let holder = InstanceLock.runningHolder(directory: config.dataDirectory), let port = holder.apiPort else { return nil }
        let named = config.databaseLocation?.description ?? config.database
        if !anyDatabase, let serving = holder.database, serving != named {
            throw BadInput("a service (pid \(holder.pid)) is running with the data folder \(config.dataDirectory) on \(serving), "
                + "not on \(named): stop it first, or use a configuration with its own dataDirectory for \(named)")
        }
        var host = holder.apiHost ?? "127.0.0.1"
        if host == "0.0.0.0" || host == "::" { host = "127.0.0.1" }
        guard let url = URL(string: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)") else { return nil }
        return ServiceClient(baseURL: url, token: APIToken.forClient(dataDirectory: config.dataDirectory))
    }

    /// Sends a request and decodes a `T`, or throws the API's one-line error.
    func send<T: Decodable>(_ method: String, _ path: String, query: [URLQueryItem] = [], body: [String: Any]? = nil,
                            as type: T.Type) async throws -> T {
        let (status, data) = try await exchange(method, path, query: query, body: try body.map { try JSONSerialization.data(withJSONObject: $0) })
        guard (200..<300).contains(status) || (status == 503 && T.self == HealthReport.self) else {
            throw CommandFailure.exit("the running service answered: \(Self.message(status, data))",
                                      status: status == 404 || status == 400 ? CommandFailure.badInput : CommandFailure.failed)
        }
        return try JSONCoding.decoder().decode(T.self, from: data)
    }

    /// Posts a JSON body as it is, printing nothing: the caller decides what a failure means.
    /// - Throws: ``Refused`` when the service answers outside 2xx; URLSession's errors when it
    ///   cannot be reached.
    func post(_ path: String, json body: Data) async throws {
        let (status, data) = try await exchange("POST", path, body: body)
        guard (200..<300).contains(status) else { throw Refused(status: status, message: Self.message(status, data)) }
    }

    /// A service's answer outside 2xx.
    struct Refused: Error, CustomStringConvertible {
        let status: Int
        let message: String
        var description: String { "the running service answered \(status): \(message)" }
    }

    /// One request with the token; the status and body of the answer.
    private func exchange(_ method: String, _ path: String, query: [URLQueryItem] = [], body: Data?) async throws -> (Int, Data) {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        request.timeoutInterval = 600
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// The API's error in one line.
    private static func message(_ status: Int, _ data: Data) -> String {
        (try? JSONDecoder().decode(APIErrorBody.self, from: data)).map { ([$0.error] + $0.details).joined(separator: "; ") } ?? "HTTP \(status)"
    }
}
