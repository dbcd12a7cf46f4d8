import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Logging

/// Where the backlog commands do their work: through the running service's API when a service
/// runs on the data folder (so its executor, cap and live state apply), else locally — reading
/// the history and the target database for `list` and `status`, and through a manager opened as
/// `updater execute` opens one for the actions.
enum BacklogAccess {
    private static var path: String { "\(APIPaths.base)/backlog" }

    /// The schedules and their items, and a note when the target database could not be read
    /// locally (then what committed since the last recorded fire is unknown).
    static func list(_ config: UpdaterConfig, filter: BacklogFilter) async throws -> (schedules: [BacklogSchedule], note: String?) {
        if let client = try ServiceClient.forService(of: config) {
            return (try await client.send("GET", path, query: query(filter), as: [BacklogSchedule].self), nil)
        }
        // Read only, as `status`: nothing is created, and a folder that cannot be written works.
        let history = try await ExecutionHistory.existing(directory: URL(fileURLWithPath: config.dataDirectory))
        var committed: [ExecutionKey: Date] = [:]
        var note: String?
        do {
            let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
            let keys = config.enabledKeys(in: config.scenarioValue.updaters)
            do { committed = try await FireLog.lastFires(of: keys, in: database, target: config.target) } catch { note = "the target database has no fire log yet" }
            await database.close()
        } catch {
            note = "the target database was not read (\((error as? DatabaseError)?.message ?? "\(error)")); fires may have committed since the last recorded one"
        }
        do {
            let schedules = try await BacklogReader.schedules(config: config, registry: config.scenarioValue.updaters, history: history,
                                                              committed: committed, now: Date(), filter: filter)
            await history?.close()
            return (schedules, note)
        } catch {
            await history?.close()
            throw error
        }
    }

    static func status(_ config: UpdaterConfig, filter: BacklogFilter) async throws -> (status: BacklogStatus, note: String?) {
        if let client = try ServiceClient.forService(of: config) {
            return (try await client.send("GET", "\(path)/status", query: query(filter), as: BacklogStatus.self), nil)
        }
        let (schedules, note) = try await list(config, filter: filter)
        return (BacklogStatus(schedules), note)
    }

    static func retry(_ config: UpdaterConfig, filter: BacklogFilter, dryRun: Bool) async throws -> BacklogReport {
        if let client = try ServiceClient.forService(of: config) {
            logToConsole()
            return try await client.send("POST", "\(path)/retry", body: body(filter).merging(["dryRun": dryRun]) { $1 }, as: BacklogReport.self)
        }
        return try await locally(config) { try await $0.retryBacklog(filter, dryRun: dryRun) }
    }

    static func clear(_ config: UpdaterConfig, filter: BacklogFilter, reason: String?) async throws -> BacklogReport {
        if let client = try ServiceClient.forService(of: config) {
            logToConsole()
            var body = body(filter)
            if let reason { body["reason"] = reason }
            return try await client.send("POST", "\(path)/clear", body: body, as: BacklogReport.self)
        }
        return try await locally(config) { try await $0.clearBacklog(filter, reason: reason) }
    }

    static func markDone(_ config: UpdaterConfig, id: String, reason: String?) async throws -> BacklogReport {
        if let client = try ServiceClient.forService(of: config) {
            logToConsole()
            let item = id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
            return try await client.send("POST", "\(path)/items/\(item)/done", body: reason.map { ["reason": $0] } ?? [:], as: BacklogReport.self)
        }
        return try await locally(config) { try await $0.markBacklogDone(id, reason: reason) }
    }

    // MARK: - Internals

    /// Runs `action` on a manager opened on `config` (migrated, tenants prepared, history restored
    /// from the fire log, as for `updater execute`), logging to the day files as the service does.
    private static func locally(_ config: UpdaterConfig, _ action: (DatabaseUpdaterManager) async throws -> BacklogReport) async throws
        -> BacklogReport
    {
        _ = try ServiceSetup.bootstrapLogging(config, consoleLevel: .warning)
        let manager: DatabaseUpdaterManager
        do {
            manager = try await DatabaseUpdaterManager.open(configuration: config)
        } catch let error as DatabaseError {
            throw CommandFailure.exit("the target database cannot be used: \(error.message); nothing was written", status: CommandFailure.failed)
        }
        do {
            let report = try await action(manager)
            await manager.close()
            return report
        } catch {
            await manager.close()
            throw error
        }
    }

    /// Warnings on the console, as for every one-off command (the day files are the service's).
    private static func logToConsole() {
        LoggingSystem.bootstrap { ConsoleLogHandler(label: $0, level: .warning) }
    }

    private static func query(_ filter: BacklogFilter) -> [URLQueryItem] {
        var items: [URLQueryItem] = []
        if let updater = filter.updater { items.append(.init(name: "updater", value: updater)) }
        if let tenant = filter.tenant { items.append(.init(name: "tenant", value: tenant.lowercaseString)) }
        return items
    }

    private static func body(_ filter: BacklogFilter) -> [String: Any] {
        var body: [String: Any] = [:]
        if let updater = filter.updater { body["updater"] = updater }
        if let tenant = filter.tenant { body["tenant"] = tenant.lowercaseString }
        return body
    }
}
