import Foundation

/// Makes sure configured tenants exist in an office database, with their customer and ticket
/// counter, so their executions have what foreign keys require.
enum OfficeTenants {
    /// Creates what is missing; existing rows stay as they are.
    static func ensure(_ tenants: [Tenant], on conn: any SQLConnection, now: Date) throws {
        for tenant in tenants {
            try conn.execute(
                "INSERT INTO tenants (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO NOTHING",
                .uuid(tenant.id), .text("Tenant \(tenant.id.lowercaseString.prefix(8))"), .timestamp(now))
            try conn.execute(
                "INSERT INTO customers (tenant_id, id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (tenant_id, id) DO NOTHING",
                .uuid(tenant.id), .text(tenant.customerId), .text("Customer \(tenant.customerId)"), .timestamp(now))
            try conn.execute(
                "INSERT INTO ticket_counters (tenant_id, next_number, updated_at) VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO NOTHING",
                .uuid(tenant.id), .integer(OfficeSchema.firstTicketNumber), .timestamp(now))
        }
    }
}
