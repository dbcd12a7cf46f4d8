import Foundation

/// A rule a scenario's data always satisfies, checked directly in the database: what a monitor
/// of that business would validate. ``InvariantChecker`` runs them.
public struct Invariant: Sendable {
    /// Short stable name (`shipped_orders_paid`), for output and `--json`.
    public let name: String
    /// What it asserts, one sentence.
    public let description: String
    /// Reads the database and returns every violation (empty when it holds).
    let check: @Sendable (_ context: InvariantContext) throws -> [InvariantViolation]

    /// - Parameter check: runs inside one read transaction, so it sees one consistent state.
    public init(_ name: String, _ description: String,
                check: @escaping @Sendable (_ context: InvariantContext) throws -> [InvariantViolation]) {
        self.name = name
        self.description = description
        self.check = check
    }
}

/// What an invariant check reads: the connection and the settings that shape what is valid.
public struct InvariantContext {
    /// A connection inside the checker's read transaction.
    public let connection: any SQLConnection
    /// The zone business days are counted in (Fridays, weekdays).
    public let timeZone: TimeZone
    /// The configured retention: rows older than this may have been deleted on purpose.
    public let retentionDays: Int?

    /// Rows of `sql`.
    public func query(_ sql: String, _ parameters: DatabaseValue...) throws -> [DatabaseRow] {
        try connection.query(sql, parameters)
    }
}

/// One way the data breaks an invariant, with the rows involved.
public struct InvariantViolation: Sendable, Codable, Equatable {
    /// What is wrong, one line.
    public var message: String
    /// The rows involved, as `table:key`.
    public var rows: [String]

    public init(_ message: String, rows: [String]) {
        self.message = message
        self.rows = rows
    }
}

/// The result of checking a scenario's invariants.
public struct InvariantReport: Sendable, Codable, Equatable {
    /// One invariant's result.
    public struct Result: Sendable, Codable, Equatable {
        public var name: String
        public var description: String
        /// How many violations were found (``violations`` lists at most ``InvariantChecker/maxListed``).
        public var total: Int
        public var violations: [InvariantViolation]
        public var holds: Bool { violations.isEmpty }
    }
    public var scenario: String
    /// Whether every invariant holds.
    public var passed: Bool
    public var results: [Result]

    public init(scenario: String, results: [Result]) {
        self.scenario = scenario
        self.results = results
        passed = results.allSatisfy(\.holds)
    }
}

/// Checks a scenario's invariants against a database.
public enum InvariantChecker {
    /// Most violations listed per invariant (the count beyond is reported in one more line).
    public static let maxListed = 50

    /// Runs every invariant of `scenario`, each in one read transaction (a snapshot: a service
    /// writing meanwhile cannot make a check see half an execution), which is rolled back.
    public static func check(_ scenario: any Scenario, in database: any Database, timeZone: TimeZone,
                             retentionDays: Int?) async throws -> InvariantReport {
        let invariants = scenario.invariants
        // On SQLite, every file's read lock first, in the order a committing writer locks them
        // (main, then the attachments as attached): a check and a commit then never each hold a
        // file the other waits for.
        let lockOrder = ["main"] + scenario.databases
        let results = try await database.withConnection { connection -> [InvariantReport.Result] in
            try scenario.requireSchema(on: connection)
            return try invariants.map { invariant in
                let context = InvariantContext(connection: connection, timeZone: timeZone, retentionDays: retentionDays)
                var violations = try connection.readSnapshot(lockOrder: lockOrder) { try invariant.check(context) }
                let total = violations.count
                if violations.count > maxListed {
                    let more = violations.count - maxListed
                    violations = Array(violations.prefix(maxListed)) + [InvariantViolation("… and \(more) more", rows: [])]
                }
                return InvariantReport.Result(name: invariant.name, description: invariant.description, total: total, violations: violations)
            }
        }
        return InvariantReport(scenario: scenario.name, results: results)
    }
}
