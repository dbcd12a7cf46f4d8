/// The office scenario's schema, as versioned migrations for both dialects.
///
/// Tables: `tenants`, `customers`, `business_records` (leads), `business_record_activities`,
/// `service_tickets`, and `ticket_counters`, which numbers tickets per tenant without gaps or
/// reuse: the counter row is incremented inside the ticket's own transaction, so concurrent
/// writers queue on its row lock and a rollback returns the number.
///
/// Every business table carries `tenant_id`, `created_at` and `updated_at`. Types differ by
/// dialect only where they must: PostgreSQL has `uuid`, `timestamptz` and `numeric`; SQLite
/// stores UUIDs and ISO 8601 UTC timestamps as text and money as REAL.
public enum OfficeSchema {
    /// The default tenant, seeded by migration 2.
    public static let defaultTenantID = Tenant.defaultID
    /// The default tenant's customer, owner of its service tickets.
    public static let defaultCustomerID = Tenant.defaultCustomerID
    /// The first ticket number (`ST-1000`).
    public static let firstTicketNumber: Int64 = 1000

    /// Every migration, in order. Versions 3, 5, 6 and 7 are the updater's own bookkeeping in the
    /// target database, the fire log (``FireLog``) and the change log (``ChangeLog``); version 4
    /// indexes the updaters' repeated reads.
    public static let migrations: [Migration] = [initialSchema, seedDefaultTenant, FireLog.migration, oldestFirstIndexes,
                                                  FireLog.simulationTrigger, ChangeLog.migration, FireLog.replicaColumn]

    private static func tables(uuid: String, time: String, money: String) -> String {
        """
        CREATE TABLE tenants (
            id \(uuid) PRIMARY KEY,
            name TEXT NOT NULL,
            created_at \(time) NOT NULL,
            updated_at \(time) NOT NULL
        );
        CREATE TABLE customers (
            tenant_id \(uuid) NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            created_at \(time) NOT NULL,
            updated_at \(time) NOT NULL,
            PRIMARY KEY (tenant_id, id)
        );
        CREATE TABLE business_records (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            company_name TEXT NOT NULL,
            industry TEXT NOT NULL,
            website TEXT,
            employee_count INTEGER,
            annual_revenue_estimate \(money),
            contact_name TEXT NOT NULL,
            contact_title TEXT,
            contact_email TEXT NOT NULL,
            contact_phone TEXT NOT NULL,
            street TEXT,
            city TEXT,
            state TEXT,
            postal_code TEXT,
            lead_source TEXT,
            interest_level TEXT NOT NULL CHECK (interest_level IN ('low', 'medium', 'high')),
            lead_score INTEGER NOT NULL CHECK (lead_score BETWEEN 0 AND 100),
            estimated_deal_value \(money),
            status TEXT NOT NULL CHECK (status IN ('new', 'contacted', 'qualified', 'won', 'lost')),
            created_at \(time) NOT NULL,
            updated_at \(time) NOT NULL
        );
        CREATE INDEX business_records_tenant_status ON business_records (tenant_id, status, updated_at);
        CREATE INDEX business_records_tenant_created ON business_records (tenant_id, created_at);
        CREATE TABLE business_record_activities (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            business_record_id \(uuid) NOT NULL REFERENCES business_records (id) ON DELETE CASCADE,
            activity_type TEXT NOT NULL
                CHECK (activity_type IN ('call', 'email', 'meeting', 'demo', 'proposal', 'task', 'note')),
            subject TEXT NOT NULL,
            notes TEXT,
            outcome TEXT,
            duration_minutes INTEGER CHECK (duration_minutes IS NULL OR duration_minutes >= 0),
            activity_date \(time) NOT NULL,
            follow_up_date \(time) CHECK (follow_up_date IS NULL OR follow_up_date > activity_date),
            status TEXT NOT NULL CHECK (status IN ('planned', 'completed')),
            completed_at \(time),
            created_at \(time) NOT NULL,
            updated_at \(time) NOT NULL
        );
        CREATE INDEX business_record_activities_record ON business_record_activities (business_record_id);
        CREATE INDEX business_record_activities_tenant_status ON business_record_activities (tenant_id, status, follow_up_date);
        CREATE TABLE service_tickets (
            id \(uuid) PRIMARY KEY,
            tenant_id \(uuid) NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
            customer_id TEXT NOT NULL,
            ticket_number TEXT NOT NULL,
            sequence_number BIGINT NOT NULL,
            category TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            error_code TEXT,
            equipment_model TEXT,
            serial_number TEXT,
            required_parts TEXT,
            priority TEXT NOT NULL CHECK (priority IN ('low', 'medium', 'high', 'critical')),
            status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
            reported_by TEXT,
            assigned_technician TEXT,
            resolution TEXT,
            created_at \(time) NOT NULL,
            updated_at \(time) NOT NULL,
            resolved_at \(time),
            closed_at \(time),
            UNIQUE (tenant_id, ticket_number),
            UNIQUE (tenant_id, sequence_number),
            FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
        );
        CREATE INDEX service_tickets_tenant_status ON service_tickets (tenant_id, status, updated_at);
        CREATE TABLE ticket_counters (
            tenant_id \(uuid) PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
            next_number BIGINT NOT NULL,
            updated_at \(time) NOT NULL
        );
        """
    }

    static let initialSchema = Migration(
        version: 1, name: "tenants, customers, leads, activities, service tickets, ticket counters",
        sqlite: tables(uuid: "TEXT", time: "TEXT", money: "REAL"),
        postgres: tables(uuid: "UUID", time: "TIMESTAMPTZ", money: "NUMERIC(14, 2)")
    )

    private static func seed(now: String) -> String {
        """
        INSERT INTO tenants (id, name, created_at, updated_at)
            VALUES ('\(defaultTenantID)', 'Default tenant', \(now), \(now));
        INSERT INTO customers (tenant_id, id, name, created_at, updated_at)
            VALUES ('\(defaultTenantID)', '\(defaultCustomerID)', 'Default customer', \(now), \(now));
        INSERT INTO ticket_counters (tenant_id, next_number, updated_at)
            VALUES ('\(defaultTenantID)', \(firstTicketNumber), \(now));
        """
    }

    static let seedDefaultTenant = Migration(
        version: 2, name: "default tenant \(defaultTenantID) and customer \(defaultCustomerID)",
        sqlite: seed(now: Migration.nowPlaceholder),
        postgres: seed(now: Migration.nowPlaceholder)
    )

    /// Indexes for the updaters' oldest-first reads, each ending in its query's `ORDER BY` so a
    /// read stops at its `LIMIT`: due planned activities, the retention passes over completed
    /// activities and closed tickets, and the tickets and leads still moving along their
    /// lifecycle. Each is partial, holding only the rows in the state its query reads, so a row
    /// is in at most one of a table's (a new ticket costs one more index entry, not two).
    /// Without them each fire scanned and sorted every such row of its tenant, so its cost grew
    /// with the tables (a one-hour soak at one fire per second: CPU per fire up fourfold).
    private static let oldestFirstIndexSQL = """
        CREATE INDEX business_record_activities_due ON business_record_activities (tenant_id, activity_date, id)
            WHERE status = 'planned';
        CREATE INDEX business_record_activities_completed ON business_record_activities (tenant_id, completed_at, id)
            WHERE status = 'completed';
        CREATE INDEX service_tickets_closed ON service_tickets (tenant_id, closed_at, id) WHERE status = 'closed';
        CREATE INDEX service_tickets_open ON service_tickets (tenant_id, updated_at, id) WHERE status <> 'closed';
        CREATE INDEX business_records_open ON business_records (tenant_id, updated_at, id)
            WHERE status IN ('new', 'contacted', 'qualified');
        """

    static let oldestFirstIndexes = Migration(
        version: 4, name: "indexes for due activities, retention, and open tickets and leads oldest first",
        sqlite: oldestFirstIndexSQL, postgres: oldestFirstIndexSQL
    )
}
