import Foundation

/// A business the tool simulates: its schema, its seed data, its updaters with their default
/// schedules, and the invariants a monitor of that business would check.
///
/// A new scenario is one folder under `Scenarios/` with a type conforming to this protocol, and
/// one line in ``ScenarioRegistry/builtIn``.
///
/// ```swift
/// struct ClinicScenario: Scenario {
///     let name = "clinic"
///     let summary = "Appointments, prescriptions and invoices of a clinic"
///     let updaters = try! UpdaterRegistry([AppointmentsUpdater()])
///     let migrations = [FireLog.migration, ChangeLog.migration, ClinicSchema.tables]
///     let trackedTables = ["appointments", "prescriptions"]
///     func prepare(_ tenants: [Tenant], on connection: any SQLConnection, now: Date) throws -> [UUID: [RowChange]] { … }
///     let invariants: [Invariant] = [ … ]
/// }
/// ```
public protocol Scenario: Sendable {
    /// Its name in configuration (`scenario: factory`) and on the command line (`--scenario`).
    var name: String { get }
    /// One line saying what business it is.
    var summary: String { get }
    /// Its updaters, in a fixed order (each with its default schedule).
    var updaters: UpdaterRegistry { get }
    /// Its schema, both dialects, including the updater's own bookkeeping (``FireLog``).
    var migrations: [Migration] { get }
    /// The databases its tables are spread over, beside the main one: on SQLite one file each,
    /// attached under these names next to the main file; on PostgreSQL one schema each. Its
    /// tables are named `database.table`. Empty: everything in the main database.
    var databases: [String] { get }
    /// The tables whose every row is written through the change log (the updaters' tables, and
    /// seed rows in them): `updater verify` holds them to the log.
    var trackedTables: [String] { get }
    /// Creates what the configured tenants need before their first execution (rows that foreign
    /// keys require, reference data). Runs inside one transaction, after the migrations, at every
    /// start: it must leave existing rows as they are.
    /// - Parameter now: the clock's time (a simulated one too), stamped on created rows.
    /// - Returns: the rows it wrote to ``trackedTables``, by tenant, to be logged with them (seed
    ///   rows written through an ``UpdaterContext`` come with their images).
    func prepare(_ tenants: [Tenant], on connection: any SQLConnection, now: Date) throws -> [UUID: [RowChange]]
    /// What a monitor of this business would validate (``InvariantChecker``).
    var invariants: [Invariant] { get }
}

extension Scenario {
    /// Throws unless every migration of the scenario is applied: a database its schema is not
    /// (fully) in has nothing to check, and a check should say so rather than fail on the first
    /// missing table.
    public func requireSchema(on connection: any SQLConnection) throws(DatabaseError) {
        let expected = Set(migrations.map(\.version))
        let applied = Set((try? connection.query("SELECT version FROM schema_migrations"))?.compactMap { $0["version"].intValue }
            .map(Int.init) ?? [])
        if !expected.isSubset(of: applied) {
            throw DatabaseError(.migration, "the \(name) schema is not in this database yet (missing migrations "
                + "\(expected.subtracting(applied).sorted().map(String.init).joined(separator: ", "))): run updater migrate --scenario \(name)")
        }
    }
}
