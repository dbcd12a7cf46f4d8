import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater ledger export`: the change log, from the target database, on stdout.
    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The change log: export it as JSON lines or as an Elle history.",
            subcommands: [Export.self]
        )

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print the change log from the target database, in sequence order.",
                discussion: """
                    jsonl: one entry per line, as data/changes.jsonl holds them. elle: one EDN map per transaction in \\
                    commit order, `{:index N, :type :ok, :process 0, :f :txn, :value [[:w "table/key" "after-hash"] …]}` \\
                    (a delete writes nil), for Jepsen's Elle rw-register checker.
                    """
            )

            enum Format: String, ExpressibleByArgument, CaseIterable {
                case jsonl, elle
            }

            @Option(help: ArgumentHelp("Only entries after this sequence number.", valueName: "seq"))
            var since: Int64 = 0

            @Option(help: "jsonl or elle.")
            var format: Format = .jsonl

            @OptionGroup var configOptions: ConfigOptions

            func run() async throws {
                let config = try configOptions.load().config
                let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
                defer { Task { await database.close() } }
                var after = max(0, since), index = 0
                var pendingTransaction: [ChangeEvent] = []
                let output = FileHandle.standardOutput
                func flushTransaction() {
                    guard !pendingTransaction.isEmpty else { return }
                    output.write(Data((Self.elle(pendingTransaction, index: index) + "\n").utf8))
                    index += 1
                    pendingTransaction = []
                }
                do {
                    while true {
                        let page = try await ChangeLog.read(after: after, limit: 5_000, in: database)
                        guard let end = page.last?.seq else { break }
                        switch format {
                        case .jsonl:
                            output.write(Data(page.map { $0.jsonLine + "\n" }.joined().utf8))
                        case .elle:
                            for event in page {
                                if let last = pendingTransaction.last, last.transaction != event.transaction { flushTransaction() }
                                pendingTransaction.append(event)
                            }
                        }
                        after = end
                    }
                    flushTransaction()
                } catch let error as DatabaseError {
                    throw CommandFailure.exit("cannot read the change log of the target database: \(error.message)", status: CommandFailure.failed)
                }
            }

            /// One transaction as an Elle history operation (rw-register writes).
            static func elle(_ events: [ChangeEvent], index: Int) -> String {
                let writes = events.map { event in
                    "[:w \(JSONCoding.quoted("\(event.table)/\(event.key)")) \(event.after.map(JSONCoding.quoted) ?? "nil")]"
                }
                return "{:index \(index), :type :ok, :process 0, :f :txn, :value [\(writes.joined(separator: " "))]}"
            }
        }
    }

    /// `updater slot create|drop NAME`: the PostgreSQL replication slot `verify --wal` reads.
    struct Slot: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or drop a logical replication slot (wal2json): the one updater verify --wal reads, or a capture's.",
            discussion: """
                For verify --wal, create it before traffic starts: the WAL comparison covers what committed after. A slot \
                keeps the server's WAL until it is dropped (or advanced, as updater capture does): drop it when nothing \
                will read it again.
                """,
            subcommands: [Create.self, Drop.self]
        )

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Create the slot (nothing if it exists).")
            @Argument(help: "The slot's name.") var name: String
            @OptionGroup var configOptions: ConfigOptions

            func run() async throws {
                let created = try await Slot.with(configOptions, name) { try await WALSlot.create(name, in: $0) }
                print(created ? "replication slot \(name) created" : "replication slot \(name) already exists")
            }
        }

        struct Drop: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Drop the slot (nothing if it does not exist).")
            @Argument(help: "The slot's name.") var name: String
            @OptionGroup var configOptions: ConfigOptions

            func run() async throws {
                let dropped = try await Slot.with(configOptions, name) { try await WALSlot.drop(name, in: $0) }
                print(dropped ? "replication slot \(name) dropped" : "no replication slot \(name)")
            }
        }

        /// Runs `body` on the target database; a database failure is one line and exit 1.
        static func with(_ options: ConfigOptions, _ name: String, _ body: (any Database) async throws -> Bool) async throws -> Bool {
            if let problem = WALSlot.nameProblem(name) { throw BadInput("slot name '\(name)': \(problem)") }
            let config = try options.load().config
            let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
            defer { Task { await database.close() } }
            do {
                return try await body(database)
            } catch let error as DatabaseError {
                throw CommandFailure.exit("replication slot \(name): \(error.message)", status: CommandFailure.failed)
            }
        }
    }
}
