import Foundation

extension ExecutionHistory {
    /// The real (not dry-run) fire records — scheduled and catch-up — that leave their fire
    /// pending because nothing was recorded for the same fire after them: failed or timed-out
    /// executions, and fires the misfire policy recorded as missed one by one. Any later record of
    /// the fire (a retry's execution, an operator's clear or mark-done, a success) resolves it.
    /// Oldest fire first.
    ///
    /// Reads through the partial index `executions_unsuccessful` (history migration 4), so the
    /// cost follows the unsuccessful records, not the whole history.
    func unresolvedFires() async throws -> [ExecutionRecord] {
        await flush()
        let rows = try await database.withConnection { conn in
            try conn.query(
                """
                SELECT e.* FROM executions e
                WHERE e.dry_run = 0 AND e.outcome <> 'succeeded' AND e.trigger IN ('scheduled', 'catch_up')
                  AND (e.outcome IN ('failed', 'timed_out')
                       OR (e.outcome = 'skipped' AND e.missed_count IS NULL AND e.backlog_action IS NULL
                           AND substr(e.error, 1, $1) = $2))
                  AND NOT EXISTS (SELECT 1 FROM executions later
                                  WHERE later.updater = e.updater AND later.tenant = e.tenant AND later.scheduled_at = e.scheduled_at
                                    AND later.dry_run = 0 AND later.rowid > e.rowid)
                ORDER BY e.scheduled_at, e.rowid
                """, .integer(Int64(MisfirePlanner.missedFireReasonPrefix.count)), .text(MisfirePlanner.missedFireReasonPrefix))
        }
        let decoder = JSONCoding.decoder()
        return rows.compactMap { Self.record(from: $0, decoder: decoder) }
    }
}
