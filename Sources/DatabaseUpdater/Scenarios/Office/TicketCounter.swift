import Foundation

/// Ticket numbers per tenant (`ST-1000`, `ST-1001`, …): sequential, never reused, no gaps.
///
/// `ticket_counters.next_number` is the number the next ticket gets. ``next(tenant:on:now:)`` must run inside the transaction that writes the ticket: it
/// increments the tenant's counter row, whose row lock queues concurrent writers until commit,
/// and a rollback returns the number along with everything else.
public enum TicketCounter {
    /// The number to use for the next ticket of `tenant`, allocated in the current transaction.
    public static func next(tenant: UUID, on conn: any SQLConnection, now: Date) throws -> Int64 {
        if conn.dialect == .sqlite {
            // An update and a read of the row rather than an upsert with `RETURNING`: SQLite
            // gathers returned rows in an ephemeral table, a good part of an execution's
            // instructions (callgrind). Its writers are serialized, so the two cannot interleave.
            let counted = try conn.execute("UPDATE ticket_counters SET next_number = next_number + 1, updated_at = $2 WHERE tenant_id = $1",
                                           .uuid(tenant), .timestamp(now))
            if counted == 0 {
                try conn.execute("INSERT INTO ticket_counters (tenant_id, next_number, updated_at) VALUES ($1, $2 + 1, $3)",
                                 .uuid(tenant), .integer(OfficeSchema.firstTicketNumber), .timestamp(now))
            }
            let number = try conn.query("SELECT next_number - 1 AS allocated FROM ticket_counters WHERE tenant_id = $1", .uuid(tenant))
            return try allocated(number, tenant: tenant)
        }
        let rows = try conn.query(
            """
            INSERT INTO ticket_counters (tenant_id, next_number, updated_at) VALUES ($1, $2 + 1, $3)
            ON CONFLICT (tenant_id) DO UPDATE
                SET next_number = ticket_counters.next_number + 1, updated_at = excluded.updated_at
            RETURNING next_number - 1 AS allocated
            """,
            .uuid(tenant), .integer(OfficeSchema.firstTicketNumber), .timestamp(now))
        return try allocated(rows, tenant: tenant)
    }

    private static func allocated(_ rows: [DatabaseRow], tenant: UUID) throws -> Int64 {
        guard let number = rows.first?["allocated"].intValue else {
            throw DatabaseError(.statement, "ticket counter for tenant \(tenant) returned no number")
        }
        return number
    }

    /// The ticket number text for a sequence number: `ST-1000`.
    public static func ticketNumber(_ sequence: Int64) -> String { "\(prefix)\(sequence)" }

    /// What precedes the number in a ticket number's text.
    static let prefix = "ST-"

    /// PostgreSQL only: one statement that takes the tenant's next number and inserts a row
    /// with it, as `sequence_number` and, prefixed, as `ticket_number`. The counter row is then
    /// locked from this statement to the commit, not across a round trip to the client.
    ///
    /// Parameters: `$1 … $n` are `columns` (the tenant is `$2`), then the three of
    /// ``numberedInsertParameters(now:)``.
    static func numberedInsert(into table: String, columns: [String]) -> String {
        StatementTexts.sql(.numberedInsert, table: table, columns: columns) { buildNumberedInsert(into: table, columns: columns) }
    }

    private static func buildNumberedInsert(into table: String, columns: [String]) -> String {
        let n = columns.count
        let placeholders = (1...n).map { "$\($0)" }.joined(separator: ", ")
        return """
            WITH allocated AS (
                INSERT INTO ticket_counters (tenant_id, next_number, updated_at) VALUES ($2, $\(n + 2) + 1, $\(n + 1))
                ON CONFLICT (tenant_id) DO UPDATE
                    SET next_number = ticket_counters.next_number + 1, updated_at = excluded.updated_at
                RETURNING next_number - 1 AS number)
            INSERT INTO \(table) (\(columns.joined(separator: ", ")), sequence_number, ticket_number)
            VALUES (\(placeholders), (SELECT number FROM allocated), $\(n + 3) || (SELECT number FROM allocated))
            """
    }

    /// The parameters after the columns' for ``numberedInsert(into:columns:)``: the time for the
    /// counter, ``Schema/firstTicketNumber`` and ``prefix``.
    static func numberedInsertParameters(now: Date) -> [DatabaseValue] {
        [.timestamp(now), .integer(OfficeSchema.firstTicketNumber), .text(prefix)]
    }
}
