import Foundation

extension ChangeLog {
    /// The sequence number to resume after so that a reader starts with the first entry committed
    /// at or after `date`: that entry's number minus one, or the log's last number when nothing
    /// was committed since (the reader then starts live).
    ///
    /// A binary search over `seq` (the key, so each probe is one index lookup) on `committed_at`,
    /// which rises with `seq` but for transactions committed within the same few milliseconds in
    /// another order than they were numbered: the boundary is exact to those milliseconds.
    public static func sequence(before date: Date, in database: any Database) async throws -> Int64 {
        try await database.withConnection { conn throws(DatabaseError) in
            let table = table(conn.dialect)
            // Two subqueries: SQLite answers a lone min() or max() from the index, both in one
            // SELECT by scanning it.
            let bounds = try conn.query("SELECT coalesce((SELECT min(seq) FROM \(table)), 0) AS first, "
                + "coalesce((SELECT max(seq) FROM \(table)), 0) AS last").first
            guard let first = bounds?["first"].intValue, let last = bounds?["last"].intValue, last > 0 else { return 0 }
            let since = date.timeIntervalSince1970
            // The first entry at or after a position (the log may have holes after a retention cut).
            func entry(from seq: Int64) throws(DatabaseError) -> (seq: Int64, committed: Double)? {
                guard let row = try conn.query("SELECT seq, committed_at FROM \(table) WHERE seq >= $1 ORDER BY seq LIMIT 1", .integer(seq)).first,
                      let found = row["seq"].intValue, let committed = row["committed_at"].doubleValue else { return nil }
                return (found, committed)
            }
            var low = first, high = last + 1  // the answer lies in [low, high]; high means "none"
            while low < high {
                let middle = low + (high - low) / 2
                guard let probe = try entry(from: middle) else { high = middle; continue }
                if probe.committed >= since { high = min(middle, probe.seq) } else { low = probe.seq + 1 }
            }
            return low - 1  // `last` when nothing was committed since
        }
    }

    /// Entries per table and time bucket, for a heatmap of the log's activity.
    public struct Activity: Sendable, Codable, Equatable {
        /// The first bucket's start.
        public var since: Date
        public var bucketSeconds: Int
        /// Per table, one count per bucket from `since` on (the last bucket is the current one).
        public var tables: [String: [Int]]
    }

    /// The entries committed in `buckets` buckets of `bucketSeconds` from `since` on, counted per
    /// table (the heatmap of the live view: table × minute over the last hour).
    public static func activity(since: Date, buckets: Int, bucketSeconds: Int, in database: any Database) async throws -> Activity {
        let start = try await sequence(before: since, in: database)
        let rows = try await database.withConnection { conn throws(DatabaseError) in
            // Truncation is the floor here: every committed_at counted is at or after `since`.
            let bucket = conn.dialect == .postgres ? "floor((committed_at - $2) / $3)::bigint" : "CAST((committed_at - $2) / $3 AS INTEGER)"
            return try conn.query("""
                SELECT table_name, \(bucket) AS bucket, count(*) AS entries FROM \(table(conn.dialect))
                WHERE seq > $1 AND committed_at >= $2 GROUP BY table_name, bucket
                """, .integer(start), .double(since.timeIntervalSince1970), .double(Double(bucketSeconds)))
        }
        var tables: [String: [Int]] = [:]
        for row in rows {
            guard let table = row["table_name"].stringValue, let bucket = row["bucket"].intValue, let entries = row["entries"].intValue,
                  bucket >= 0, bucket < buckets else { continue }
            tables[table, default: Array(repeating: 0, count: buckets)][Int(bucket)] += Int(entries)
        }
        return Activity(since: since, bucketSeconds: bucketSeconds, tables: tables)
    }
}
