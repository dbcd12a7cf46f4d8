import Foundation
import Testing
import UpdaterTestSupport
@testable import DatabaseUpdater

struct MigrationTests {
    private static let tables = ["business_record_activities", "business_records", "customers", "service_tickets", "tenants", "ticket_counters"]

    private func tableNames(_ db: any Database) async throws -> [String] {
        let sql = db.dialect == .sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
        return try await db.withConnection { conn in try conn.query(sql).compactMap { $0["name"].stringValue } }
    }

    @Test(arguments: Engine.allCases)
    func migrationsAreIdempotent(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        let first = try await Migrator.migrate(db, migrations: OfficeSchema.migrations)
        #expect(first.applied == OfficeSchema.migrations.map(\.version))
        let tablesAfterFirst = try await tableNames(db)
        #expect(Set(tablesAfterFirst).isSuperset(of: Self.tables))
        let second = try await Migrator.migrate(db, migrations: OfficeSchema.migrations)
        #expect(second.applied.isEmpty)
        #expect(second.currentVersion == first.currentVersion)
        #expect(try await tableNames(db) == tablesAfterFirst)
        let counts = try await db.withConnection { conn in
            try (conn.query("SELECT COUNT(*) AS n FROM tenants")[0]["n"].intValue,
                 conn.query("SELECT COUNT(*) AS n FROM schema_migrations")[0]["n"].intValue)
        }
        #expect(counts.0 == 1)
        #expect(counts.1 == Int64(OfficeSchema.migrations.count))
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func defaultTenantAndCustomerAreSeeded(engine: Engine) async throws {
        let db = try await TestDatabases.migrated(engine)
        let rows = try await db.withConnection { conn in
            try conn.query("SELECT t.id AS tenant, c.id AS customer, k.next_number AS next FROM tenants t "
                + "JOIN customers c ON c.tenant_id = t.id JOIN ticket_counters k ON k.tenant_id = t.id")
        }
        #expect(rows.count == 1)
        #expect(rows.first?["tenant"].uuidValue == UUID(uuidString: OfficeSchema.defaultTenantID))
        #expect(rows.first?["customer"].stringValue == OfficeSchema.defaultCustomerID)
        #expect(rows.first?["next"].intValue == OfficeSchema.firstTicketNumber)
        await db.close()
    }

    @Test(arguments: Engine.allCases)
    func concurrentMigrationsSerialise(engine: Engine) async throws {
        let location = try await TestDatabases.freshLocation(engine)
        let a = try await DatabaseFactory.open(location, poolSize: 1)
        let b = try await DatabaseFactory.open(location, poolSize: 1)
        async let first = Migrator.migrate(a, migrations: OfficeSchema.migrations)
        async let second = Migrator.migrate(b, migrations: OfficeSchema.migrations)
        let reports = try await [first, second]
        #expect(reports.flatMap(\.applied).sorted() == OfficeSchema.migrations.map(\.version))
        await a.close()
        await b.close()
    }

    @Test(arguments: Engine.allCases)
    func schemaEnforcesForeignKeysAndChecks(engine: Engine) async throws {
        let db = try await TestDatabases.migrated(engine)
        let now = Date()
        await #expect(throws: DatabaseError.self) {
            // An activity on a lead that does not exist.
            try await db.transaction { conn in
                try conn.execute("""
                    INSERT INTO business_record_activities (id, tenant_id, business_record_id, activity_type, subject,
                        activity_date, status, created_at, updated_at) VALUES ($1, $2, $3, 'call', 'x', $4, 'planned', $4, $4)
                    """, .uuid(UUID()), .uuid(UUID(uuidString: OfficeSchema.defaultTenantID)!), .uuid(UUID()), .timestamp(now))
            }
        }
        await #expect(throws: DatabaseError.self) {
            // A ticket for a customer the tenant does not have.
            try await db.transaction { conn in
                try conn.execute("""
                    INSERT INTO service_tickets (id, tenant_id, customer_id, ticket_number, sequence_number, category, title,
                        description, priority, status, created_at, updated_at)
                    VALUES ($1, $2, 'nobody', 'ST-1', 1, 'x', 'x', 'x', 'low', 'open', $3, $3)
                    """, .uuid(UUID()), .uuid(UUID(uuidString: OfficeSchema.defaultTenantID)!), .timestamp(now))
            }
        }
        await db.close()
    }

    /// Migration 5 rebuilds SQLite's fire log (and swaps PostgreSQL's check): fires recorded
    /// before it keep their rows, and simulated fires are accepted after it; the seeded rows
    /// carry the migrating clock's time, not the server's.
    @Test(arguments: Engine.allCases)
    func theFireLogKeepsItsRowsAndAcceptsSimulatedFires(engine: Engine) async throws {
        let db = try await TestDatabases.fresh(engine)
        let then = Date(timeIntervalSince1970: 1_772_409_600)
        _ = try await Migrator.migrate(db, migrations: OfficeSchema.migrations.filter { $0.version < 5 }, now: then)
        let table = FireLog.table(engine == .sqlite ? .sqlite : .postgres)
        func insert(_ trigger: String, at seconds: Double) async throws {
            _ = try await db.withConnection { conn in
                try conn.execute("""
                    INSERT INTO \(table) (target, tenant_id, updater, scheduled_at, manual_execution, execution_id, trigger, seed,
                                          started_at, finished_at, row_counts)
                    VALUES ('default', $1, 'service_tickets', $2, '', $3, $4, '1', $2, $2, '[]')
                    """, .uuid(Tenant.default.id), .timestamp(then.addingTimeInterval(seconds)), .uuid(UUID()), .text(trigger))
            }
        }
        try await insert("scheduled", at: 1)
        await #expect(throws: DatabaseError.self) { try await insert("simulation", at: 2) }
        #expect(try await Migrator.migrate(db, migrations: OfficeSchema.migrations).applied == [5, 6, 7])
        try await insert("simulation", at: 3)
        await #expect(throws: DatabaseError.self) { try await insert("sideways", at: 4) }
        let rows = try await db.withConnection { conn in
            try conn.query("SELECT trigger FROM \(table) ORDER BY scheduled_at").compactMap { $0["trigger"].stringValue }
        }
        #expect(rows == ["scheduled", "simulation"])
        let created = try await db.withConnection { conn in try conn.query("SELECT created_at FROM tenants").first?["created_at"].dateValue }
        #expect(created == then)
        await db.close()
    }
}
