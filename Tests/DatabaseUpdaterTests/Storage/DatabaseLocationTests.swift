import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct DatabaseLocationTests {
    @Test func sqliteForms() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:data/updater.sqlite") == .sqliteFile(path: "data/updater.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite:///var/lib/u.sqlite") == .sqliteFile(path: "/var/lib/u.sqlite"))
        #expect(try DatabaseLocation(parsing: "sqlite::memory:") == .sqliteMemory)
        #expect(try DatabaseLocation(parsing: DatabaseLocation.defaultURL).dialect == .sqlite)
    }

    @Test func postgresURLsAreRedacted() throws {
        let location = try DatabaseLocation(parsing: "postgres://app:s3cr3t-pw@db.internal:5433/crm?sslmode=require")
        #expect(location.dialect == .postgres)
        #expect(location.description == "postgres://app:***@db.internal:5433/crm?sslmode=require")
        #expect(!String(reflecting: location).contains("s3cr3t-pw"))
        let postgresql = try DatabaseLocation(parsing: "postgresql://app@localhost/crm")
        #expect(postgresql.description == "postgres://app@localhost/crm")
    }

    @Test func conninfoIsRedacted() throws {
        let location = try DatabaseLocation(parsing: "host=/run/pg user=app password='s3cr3t pw' dbname=crm")
        #expect(location.description == "postgres://app:***@/crm?host=/run/pg")
        #expect(!"\(location)".contains("s3cr3t"))
    }

    @Test func scrubbingRemovesThePasswordFromEngineMessages() throws {
        let connection = try ConnectionString("postgres://app:p%40ss@localhost/crm")
        #expect(connection.password == "p@ss")
        #expect(connection.scrub("failed for p@ss and p%40ss") == "failed for *** and ***")
    }

    @Test func sqlitePlaceholdersAreRewrittenOutsideQuotes() {
        #expect(SQLiteConnection.sqlitePlaceholders("SELECT $1, '$2', \"$3\", $10") == "SELECT ?1, '$2', \"$3\", ?10")
        #expect(SQLiteConnection.sqlitePlaceholders("SELECT 1") == "SELECT 1")
    }
}
