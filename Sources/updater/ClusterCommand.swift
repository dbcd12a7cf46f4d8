import ArgumentParser
import DatabaseUpdater
import Foundation

extension Updater {
    /// `updater cluster replicas|forget`: the replicas of the configured cluster, from the target
    /// PostgreSQL database's `updater.replicas`.
    struct Cluster: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the replicas of the configured cluster, or forget one that will not come back.",
            discussion: """
                A replica silent for three heartbeats is dead: its tenants move to the live ones at once, without \
                `forget`. Forgetting only removes its row (and its count of fires) from the list.
                """,
            subcommands: [Replicas.self, Forget.self]
        )

        struct Replicas: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The replicas: id, host, pid, started, last heartbeat, fires, alive.")
            @Flag(help: "As JSON.") var json = false
            @OptionGroup var configOptions: ConfigOptions

            func run() async throws {
                let replicas = try await Cluster.with(configOptions) { try await $0.replicas() }
                if json {
                    print(String(decoding: try JSONCoding.encoder().encode(replicas), as: UTF8.self))
                    return
                }
                if replicas.isEmpty { print("no replica has joined this cluster"); return }
                for replica in replicas {
                    print("\(replica.id.lowercaseString)  \(replica.alive ? "alive" : "dead ")  \(replica.host) pid \(replica.pid)  "
                        + "started \(DatabaseValue.formatTimestamp(replica.startedAt))  "
                        + "last heartbeat \(DatabaseValue.formatTimestamp(replica.lastHeartbeat))  fires \(replica.firesClaimed)"
                        + (replica.api.map { "  api \($0)" } ?? ""))
                }
            }
        }

        struct Forget: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a replica that will not come back from the list.")
            @Argument(help: "The replica's id (from `updater cluster replicas`).") var id: String
            @OptionGroup var configOptions: ConfigOptions

            func run() async throws {
                guard let replica = UUID(uuidString: id) else { throw BadInput("'\(id)' is not a replica id (a UUID)") }
                let forgotten = try await Cluster.with(configOptions) { try await $0.forget(replica) }
                guard forgotten else { throw CommandFailure.exit("no replica \(id) in this cluster", status: CommandFailure.failed) }
                print("replica \(id) forgotten")
            }
        }

        /// Runs `body` on the configured cluster's registry; bad input (no cluster configured, a
        /// SQLite target) is exit 2, a database failure one line and exit 1.
        static func with<T>(_ options: ConfigOptions, _ body: (ReplicaRegistry) async throws -> T) async throws -> T {
            let config = try options.load().config
            guard config.cluster.enabled else { throw BadInput("cluster mode is off in this configuration (cluster.enabled: false)") }
            let database = try await DatabaseFactory.openExisting(config.database, databases: config.scenarioValue.databases)
            defer { Task { await database.close() } }
            guard database.dialect == .postgres else { throw BadInput(ReplicaRegistry.unsupported.description) }
            do {
                // Read and delete only: a cluster no replica joined has no registry, and gets none from here.
                let registry = ReplicaRegistry(cluster: config.cluster.name, heartbeatSeconds: config.cluster.heartbeatSeconds,
                                               database: database)
                return try await body(registry)
            } catch let error as DatabaseError {
                throw CommandFailure.exit("cluster \(config.cluster.name): \(error.message)", status: CommandFailure.failed)
            }
        }
    }
}
