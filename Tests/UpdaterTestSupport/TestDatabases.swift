import DatabaseUpdater
import Foundation

/// Raised when PostgreSQL tests run outside `make test`.
public struct PostgresNotConfigured: Error, CustomStringConvertible {
    public init() {}
    public var description: String {
        "UPDATER_TEST_POSTGRES_URL is not set: run the suite with `make test`, which starts a throwaway PostgreSQL cluster "
            + "(or run `scripts/with-test-postgres.sh swift test`)"
    }
}

/// The two real engines the tests run against.
public enum Engine: String, CaseIterable, Sendable {
    case sqlite
    case postgres
}

/// Fresh, isolated databases for tests: a new SQLite file, or a new PostgreSQL database in the
/// cluster that `scripts/with-test-postgres.sh` started.
public enum TestDatabases {
    /// The URL of the test cluster's bootstrap database (its user may create databases).
    public static func postgresBaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["UPDATER_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw PostgresNotConfigured()
        }
        return url
    }

    /// A location string for a brand-new empty database of `engine`.
    public static func freshLocation(_ engine: Engine) async throws -> String {
        switch engine {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("updater-tests-\(UUID().uuidString)")
            return "sqlite:\(folder.path)/test.sqlite"
        case .postgres:
            let base = try postgresBaseURL()
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
            let admin = try await DatabaseFactory.open(base, poolSize: 1)
            _ = try await admin.withConnection { conn in try conn.execute("CREATE DATABASE \(name)") }
            await admin.close()
            var components = URLComponents(string: base)!
            components.path = "/\(name)"
            return components.string!
        }
    }

    /// A brand-new empty database of `engine`.
    public static func fresh(_ engine: Engine, poolSize: Int = 2) async throws -> any Database {
        try await DatabaseFactory.open(try await freshLocation(engine), poolSize: poolSize)
    }

    /// A brand-new database of `engine` with the schema migrated.
    public static func migrated(_ engine: Engine, poolSize: Int = 2) async throws -> any Database {
        let db = try await fresh(engine, poolSize: poolSize)
        try await Migrator.migrate(db, migrations: OfficeSchema.migrations)
        return db
    }
}
