import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation

/// What one dashboard frame shows, read afresh for each frame.
struct DashboardSnapshot {
    var time: Date
    /// The service and its schedules: from the running service, else from the history.
    var status: Result<ServiceStatus, DashboardProblem>
    var tables: Result<[TableFreshness], DashboardProblem>
    var backlog: Result<BacklogStatus, DashboardProblem>
    /// The last entries of the log files, oldest first.
    var logs: Result<[LogEntry], DashboardProblem>
}

/// Why a part of the dashboard could not be read, in one line.
struct DashboardProblem: Error {
    let message: String

    init(_ error: any Error) {
        message = (error as? DatabaseError)?.message ?? DatabaseError.oneLine("\(error)")
    }
}

/// Reads the installation for the dashboard: the service's status, backlog and logs through its
/// API when one runs (as `status`, `backlog` and `logs` do), else locally; the tables straight
/// from the target database, over a connection kept between frames.
final class DashboardReader {
    /// Log entries shown.
    static let logCount = 10

    let config: UpdaterConfig
    private var database: (any Database)?

    init(config: UpdaterConfig) {
        self.config = config
    }

    func snapshot() async -> DashboardSnapshot {
        let client: ServiceClient?
        do {
            client = try ServiceClient.forService(of: config)
        } catch {
            let problem = DashboardProblem(error)
            return DashboardSnapshot(time: Date(), status: .failure(problem), tables: .failure(problem), backlog: .failure(problem),
                                     logs: .failure(problem))
        }
        let status = await Self.attempt {
            if let client { return try await client.send("GET", "\(APIPaths.base)/status", as: ServiceStatus.self) }
            return try await Updater.Status.localStatus(self.config)
        }
        let backlog = await Self.attempt { try await BacklogAccess.status(self.config, filter: BacklogFilter()).status }
        let logs = await Self.attempt {
            if let client {
                return try await client.send("GET", "\(APIPaths.base)/logs", query: [.init(name: "count", value: "\(Self.logCount)")],
                                             as: [LogEntry].self)
            }
            return try LogReader.last(Self.logCount, minimumLevel: "debug", in: URL(fileURLWithPath: self.config.logDirectory))
        }
        return DashboardSnapshot(time: Date(), status: status, tables: await tables(), backlog: backlog, logs: logs)
    }

    /// Closes the connection to the target database.
    func close() async {
        await database?.close()
        database = nil
    }

    /// The scenario's tables; the connection is opened on first use and again after a failure.
    private func tables() async -> Result<[TableFreshness], DashboardProblem> {
        do {
            let database = try await connected()
            return .success(try await TableFreshness.read(config.scenarioValue.trackedTables, in: database))
        } catch {
            await close()
            return .failure(DashboardProblem(error))
        }
    }

    private func connected() async throws -> any Database {
        if let database { return database }
        let opened = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
        database = opened
        return opened
    }

    private static func attempt<T>(_ body: () async throws -> T) async -> Result<T, DashboardProblem> {
        do {
            return .success(try await body())
        } catch {
            return .failure(DashboardProblem(error))
        }
    }
}
