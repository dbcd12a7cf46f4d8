/// An updater: one kind of synthetic business traffic.
///
/// A new updater is one new type conforming to this protocol plus one line in
/// ``UpdaterRegistry/builtIn``; nothing else changes.
///
/// ```swift
/// struct InvoicesUpdater: BaseUpdater {
///     let name = "invoices"
///     let summary = "Invoices for won deals"
///     let configKey = "invoices"
///     let defaultSchedule = "0 0 18 * * 1-5"
///     func run(_ context: inout UpdaterContext) throws {
///         try context.insert(into: "invoices", id: context.random.uuid(), [ … ])
///     }
/// }
/// ```
public protocol BaseUpdater: Sendable {
    /// Stable name used on the command line, in the API, in history and in change events
    /// (`service_tickets`).
    var name: String { get }
    /// One line saying what it writes.
    var summary: String { get }
    /// The key naming it in configuration (`serviceTickets`).
    var configKey: String { get }
    /// Six-field cron expression used when the configuration names none.
    var defaultSchedule: String { get }
    /// How many *new* rows one run inserts into its main table.
    var newRowsPerRun: ClosedRange<Int> { get }

    /// Writes one execution's rows through `context`, inside the execution's transaction.
    /// Throwing rolls back everything the run wrote.
    func run(_ context: inout UpdaterContext) throws
}
