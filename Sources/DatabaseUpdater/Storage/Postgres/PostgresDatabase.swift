/// PostgreSQL through libpq: a pool sized to the concurrency cap, prepared statements with
/// typed parameters, reconnection after a dropped connection.
public typealias PostgresDatabase = PooledDatabase<PostgresConnection>

extension PooledDatabase where Connection == PostgresConnection {
    /// A pool of at most `poolSize` connections to the server `connection` names. Nothing
    /// connects until first use.
    public convenience init(connection: ConnectionString, poolSize: Int = 2) {
        self.init(dialect: .postgres, redactedLocation: connection.redacted, poolSize: poolSize) { () throws(DatabaseError) in
            try PostgresConnection(connection)
        }
    }
}
