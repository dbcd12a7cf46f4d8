import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Logging

/// What `start` and `simulate` both do before opening anything: check the API's address, take
/// the data folder's instance lock, and send the log to the day files and the console.
enum ServiceSetup {
    /// A one-line bad-input error when the API cannot listen where configured.
    static func checkAPIAddress(_ config: UpdaterConfig) throws {
        do {
            try APIServer.checkAddress(host: config.api.host, port: config.api.port)
        } catch {
            throw BadInput("cannot serve the API: \(error)")
        }
    }

    /// The instance lock of `config`'s data folder; refused (exit 1) while another process holds it.
    /// - Parameter why: appended to the refusal.
    static func lock(_ config: UpdaterConfig, why: String = "") throws -> InstanceLock {
        do {
            return try InstanceLock(directory: config.dataDirectory, holder: .init(pid: getpid(), startedAt: Date()))
        } catch let held as InstanceLock.Held {
            throw CommandFailure.exit(held.description + why, status: CommandFailure.failed)
        } catch let unusable as InstanceLock.Unusable {
            throw CommandFailure.exit(unusable.description, status: CommandFailure.failed)
        }
    }

    /// Bootstraps logging: JSON lines in the day files at the configured level, the console at
    /// `consoleLevel` (the configured one when nil).
    static func bootstrapLogging(_ config: UpdaterConfig, consoleLevel: Logger.Level? = nil) throws -> DailyLogFile {
        let logFile: DailyLogFile
        do {
            logFile = try DailyLogFile(directory: URL(fileURLWithPath: config.logDirectory), timeZone: config.timeZone)
        } catch {
            throw CommandFailure.exit("cannot use the log folder \(config.logDirectory): it cannot be created or written", status: CommandFailure.failed)
        }
        let level = LogEntry.loggerLevel(config.logLevel)
        LoggingSystem.bootstrap { label in
            MultiplexLogHandler([JSONFileLogHandler(label: label, file: logFile, level: level),
                                 ConsoleLogHandler(label: label, level: consoleLevel ?? level)])
        }
        return logFile
    }
}
