import ArgumentParser
import DatabaseUpdater
import DatabaseUpdaterHTTP
import Foundation
import Synchronization

extension Updater {
    /// `updater capture`: every committed change of any writer to a PostgreSQL database, from
    /// logical decoding, to the running service's streams or as JSON lines.
    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stream every committed row change of any writer to a PostgreSQL database (logical decoding, wal2json).",
            discussion: """
                With a service running on the data folder, the changes are posted to its API (POST /events, source capture) \
                so its live streams and webhooks carry them; with --json, or when no service runs, each is printed as one \
                JSON line. The slot is advanced past changes only once they were posted or printed (at least once). \
                The slot must exist: --create-slot creates it, `updater slot drop NAME` drops it. A slot keeps the \
                server's WAL from its position on, so drop it when no capture will read it again. \
                SIGINT or SIGTERM stop the capture cleanly.
                """
        )

        @Option(help: ArgumentHelp("The logical replication slot to read.", valueName: "name"))
        var slot = "updater_capture"

        @Flag(help: "Create the slot if it does not exist (it keeps the server's WAL until `updater slot drop NAME`).")
        var createSlot = false

        @Option(help: ArgumentHelp("Only these tables, comma-separated, named as the change log names them (schema.table unless public).",
                                   valueName: "a,b"))
        var tables: String?

        @Flag(help: "Also capture the updater's own tables (schema updater: change log, fire log, counter; schema_migrations).")
        var includeBookkeeping = false

        @Flag(help: "Print each change as one JSON line, even when a service runs.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            if let problem = WALSlot.nameProblem(slot) { throw BadInput("--slot '\(slot)': \(problem)") }
            let config = try configOptions.load().config
            guard let location = config.databaseLocation, location.dialect == .postgres else {
                throw BadInput("capture reads PostgreSQL's logical decoding: \(config.databaseLocation?.description ?? config.database) is "
                    + "SQLite, which has none (its writes by the updater are in the change log: updater watch, updater ledger export)")
            }
            let client = json ? nil : try ServiceClient.forService(of: config, anyDatabase: true)
            let database = try await failing("cannot open \(location)") { try await DatabaseFactory.open(location, poolSize: 1) }
            defer { Task { await database.close() } }
            try await prepareSlot(in: database)
            let names = (tables ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let capture = try WALCapture(database: database, options: .init(slot: slot, tables: Set(names),
                                                                               includeBookkeeping: includeBookkeeping))
            let stop = StopRequest()
            let interrupts = InterruptHandler { stop.request() }
            let output = CaptureOutput(client: client, config: config, stop: stop)
            Console.note("capturing the changes of \(location) through slot \(slot) to "
                + (client.map { "the service at \($0.baseURL.absoluteString)" } ?? "standard output") + "; SIGINT or SIGTERM stops")
            try await failing("capture through slot \(slot) failed") {
                try await capture.run(stopped: { stop.isRequested }) { events in try await output.deliver(events) }
            }
            withExtendedLifetime(interrupts) {}
            Console.note("capture stopped: \(output.delivered) events delivered")
        }

        /// Checks that the slot exists, or creates it with --create-slot; a missing one is bad input.
        private func prepareSlot(in database: any Database) async throws {
            if createSlot {
                if try await failing("replication slot \(slot)", { try await WALSlot.create(slot, in: database) }) {
                    Console.note("replication slot \(slot) created: it keeps the server's WAL until `updater slot drop \(slot)`")
                }
            } else if try await !failing("replication slot \(slot)", { try await WALSlot.exists(slot, in: database) }) {
                throw BadInput("no replication slot \(slot): pass --create-slot to create it (and drop it with updater slot drop \(slot) when done)")
            }
        }

        /// Runs `body`; a database failure becomes one line and exit 1.
        private func failing<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
            do {
                return try await body()
            } catch let error as DatabaseError {
                throw CommandFailure.exit("\(what): \(error.message)", status: CommandFailure.failed)
            }
        }
    }
}

/// Set once by SIGINT or SIGTERM; the capture checks it between rounds.
private final class StopRequest: Sendable {
    private let flag = Atomic(false)
    func request() { flag.store(true, ordering: .relaxed) }
    var isRequested: Bool { flag.load(ordering: .relaxed) }
}

/// Where captured events go: the service's `POST events` in batches, retried until it takes them
/// (or the capture is stopped), or standard output as JSON lines.
private final class CaptureOutput: Sendable {
    /// Events per request, well under the API's limit.
    static let eventsPerRequest = 1_000

    private let client: Mutex<ServiceClient?>
    private let posting: Bool
    private let config: UpdaterConfig
    private let stop: StopRequest
    private let count = Atomic(0)

    init(client: ServiceClient?, config: UpdaterConfig, stop: StopRequest) {
        self.client = Mutex(client)
        posting = client != nil
        self.config = config
        self.stop = stop
    }

    var delivered: Int { count.load(ordering: .relaxed) }

    /// Hands `events` over; false when the capture was stopped before the service took them.
    func deliver(_ events: [ChangeEvent]) async throws -> Bool {
        if posting {
            var start = 0
            while start < events.count {
                let end = min(start + Self.eventsPerRequest, events.count)
                guard try await post(events[start..<end]) else { return false }
                start = end
            }
        } else {
            FileHandle.standardOutput.write(Data(events.map { $0.jsonLine + "\n" }.joined().utf8))
        }
        count.add(events.count, ordering: .relaxed)
        return true
    }

    /// Posts one batch, retrying every second while the service cannot be reached or fails
    /// (looking it up again: a restarted service listens on another port). A refusal (4xx) ends
    /// the capture: sending the same events again would not change the answer.
    private func post(_ events: ArraySlice<ChangeEvent>) async throws -> Bool {
        let body = Data(("{\"source\":\"\(WALCapture.source)\",\"events\":[" + events.map(\.jsonLine).joined(separator: ",") + "]}").utf8)
        var warned = false
        while !stop.isRequested {
            do {
                guard let client = client.withLock({ $0 }) else { throw ServiceGone() }
                try await client.post("\(APIPaths.base)/events", json: body)
                if warned { Console.note("the service takes events again") }
                return true
            } catch let refused as ServiceClient.Refused where (400..<500).contains(refused.status) {
                throw CommandFailure.exit(refused.description, status: CommandFailure.failed)
            } catch {
                if !warned { Console.note("warning: cannot post events to the service (\(error)); retrying every second, the slot keeps them") }
                warned = true
                try await Task.sleep(for: .seconds(1))
                let found = try? ServiceClient.forService(of: config, anyDatabase: true)
                client.withLock { $0 = found }
            }
        }
        return false
    }

    private struct ServiceGone: Error, CustomStringConvertible {
        var description: String { "no service runs on the data folder" }
    }
}
