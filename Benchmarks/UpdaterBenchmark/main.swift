// Throughput and lateness of the real execution path, for `make bench` (bench/run.py).
//
//   UpdaterBenchmark executions --database URL --count N --concurrency C [--tenants T] [--updater noop] [--seed S]
//   UpdaterBenchmark generation --seconds S
//   UpdaterBenchmark lateness --schedules N --seconds S
//   UpdaterBenchmark simulate --database URL --days D --tenants T [--concurrency C] [--seed S]
//   UpdaterBenchmark fires --database URL --days D --tenants T [--concurrency C] [--seed S]
//   UpdaterBenchmark fill-log --database URL --entries N
//   UpdaterBenchmark verify --database URL
//
// `simulate` runs `updater simulate`'s Simulation (the office schedules of T tenants over D
// days, as fast as possible); `fires` executes the very same fires, in the same time order,
// through DatabaseUpdaterManager.execute without any clock: the pair measures what the
// simulated clock and its driver cost.
//
// Each prints one JSON object on stdout. Executions go through DatabaseUpdaterManager.execute:
// the executor, the concurrency cap, one transaction, the history record and the change events,
// exactly as in the service; only the updater is an insert-only one (one new ticket per
// transaction, through ServiceTicketsUpdater.insertNewTicket). `executions` also reports how many
// change-log entries its timed executions wrote, so that a run with UPDATER_BENCHMARK_CHANGE_LOG=off
// (the log's cost: bench/run.py's ground_truth_cost_* rows) is told apart from one with the log.
//
// `fill-log` makes a target whose change log holds N entries, fast: it migrates the office
// schema, inserts the missing tickets of the default tenant with one `INSERT ... SELECT` per
// 100,000 (realistic contents: 64 generated tickets, cycled), reads them back and logs each as
// an insert whose after-hash is `RowImage(row).hash`, what an execution would have written.
// `verify` times `LogVerifier.verify` (what `updater verify` runs first) and, apart, the
// scenario's invariants (what it runs next), and fails unless both pass.
import CoreMetrics
import DatabaseUpdater
import Foundation
import Logging
import Synchronization

// Logging is not what is measured: one line per execution would dominate the numbers.
LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
// As the updater executable does at startup.
MemoryTuning.apply()

/// One new service ticket per execution, through the same insert the service_tickets updater makes.
struct InsertOnlyTicketsUpdater: BaseUpdater {
    let name = "insert_only_tickets"
    let summary = "one new ticket per execution (benchmarks)"
    let configKey = "insertOnlyTickets"
    let defaultSchedule = "0 0 0 1 1 *"
    let newRowsPerRun = 1...1
    func run(_ context: inout UpdaterContext) throws { try ServiceTicketsUpdater.insertNewTicket(&context) }
}

/// Does nothing inside its transaction: isolates scheduling and execution overhead.
struct NoOpUpdater: BaseUpdater {
    let name = "noop"
    let summary = "writes nothing (benchmarks)"
    let configKey = "noop"
    let defaultSchedule = "* * * * * *"
    let newRowsPerRun = 0...0
    func run(_ context: inout UpdaterContext) throws {}
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("UpdaterBenchmark: \(message)\n".utf8))
    exit(2)
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func temporaryFolder() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("updater-bench-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// This process's own peak resident set (`VmHWM`). Not `getrusage`'s `ru_maxrss`: Linux keeps
/// that across `exec`, so it reports the parent's size at `fork` when that was larger (the
/// benchmark driver holding its SQL scripts made this read 73 MB).
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    else { return .nan }
    return kib / 1024
}

/// `--name value` pairs after the mode.
let (mode, options): (String, [String: String]) = {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let mode = arguments.first else { fail("usage: UpdaterBenchmark executions|generation|lateness [options]") }
    arguments.removeFirst()
    var options: [String: String] = [:]
    while arguments.count >= 2, arguments[0].hasPrefix("--") {
        options[String(arguments[0].dropFirst(2))] = arguments[1]
        arguments.removeFirst(2)
    }
    return (mode, options)
}()

func option(_ name: String, _ fallback: String) -> String { options[name] ?? fallback }

/// A counter shared by worker tasks.
final class SharedCount: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { v in defer { v += 1 }; return v } }
}

/// Executions that did not succeed, and what the first one said.
final class Failures: Sendable {
    private let state = Mutex<(count: Int, first: String?)>((0, nil))

    func check(_ record: ExecutionRecord) {
        guard record.outcome != .succeeded else { return }
        state.withLock { $0 = ($0.count + 1, $0.first ?? record.error ?? record.outcome.rawValue) }
    }

    /// Nil when every execution succeeded.
    var summary: String? {
        state.withLock { $0.count == 0 ? nil : "\($0.count) executions failed; the first: \($0.first ?? "?")" }
    }
}

/// Latencies collected by the lateness run.
final class Samples: Sendable {
    private let values = Mutex<[Double]>([])
    func append(_ value: Double) { values.withLock { $0.append(value) } }
    var all: [Double] { values.withLock { $0 } }
    func removeAll() { values.withLock { $0.removeAll() } }
}

func executions() async throws {
    let count = Int(option("count", "20000"))!, concurrency = Int(option("concurrency", "1"))!
    let updater = option("updater", "insert_only_tickets")
    // Rows are determined by the seed and the fire times: a second run into the same database
    // with the same seed would only meet its own primary keys, so each run draws its own.
    let seed = UInt64(option("seed", String(UInt64.random(in: 1...UInt64(Int64.max)))))!
    let folder = temporaryFolder()
    var registry = UpdaterRegistry.builtIn
    try registry.register(InsertOnlyTicketsUpdater())
    try registry.register(NoOpUpdater())
    var config = UpdaterConfig(database: option("database", "sqlite:\(folder.path)/target.sqlite"),
                               executionConfig: .init(maxConcurrentExecutions: concurrency),
                               dataDirectory: folder.appendingPathComponent("data").path, seed: seed)
    // `--tenants N`: worker w writes for tenant w mod N (the ticket counter is per tenant, as
    // pgbench's script numbers per client).
    config.tenants = SimulationOptions.tenants(config.tenants, count: max(1, Int(option("tenants", "1"))!), seed: 1)
    let tenants = config.tenants.map(\.id)
    let manager = try await DatabaseUpdaterManager.open(configuration: config, registry: registry)
    let base = Date(timeIntervalSince1970: 1_800_000_000)
    let failures = Failures()
    for i in 0..<min(200, count) {  // warm-up: connections, prepared statements, caches
        failures.check(try await manager.execute(updater, tenant: tenants[i % tenants.count], fireTime: base.addingTimeInterval(-Double(i + 1))))
    }
    let logBefore = try await ChangeLog.lastSequence(in: manager.database)
    let next = SharedCount()
    let clock = ContinuousClock()
    let started = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            let tenant = tenants[worker % tenants.count]
            // Like the scheduler's execution tasks: on the database threads, where executions run.
            group.addTask(executorPreference: DatabaseExecutor.shared) {
                while true {
                    let i = next.next()
                    guard i < count else { return }
                    failures.check(try await manager.execute(updater, tenant: tenant, fireTime: base.addingTimeInterval(Double(i))))
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(clock.now - started)
    let logWritten = try await ChangeLog.lastSequence(in: manager.database) - logBefore
    await manager.close()
    try? FileManager.default.removeItem(at: folder)
    // A failed execution is usually faster than a real one: a run with any measures nothing.
    if let summary = failures.summary { fail(summary) }
    emit(["mode": mode, "count": count, "concurrency": concurrency, "tenants": tenants.count, "seconds": elapsed, "seed": seed,
          "ours": Double(count) / elapsed, "unit": "executions/s", "log_entries_written": logWritten])
}

func generation() {
    let duration = Double(option("seconds", "3"))!
    var rng = SeededRandom(seed: 7)
    var produced = 0, checksum = 0
    let clock = ContinuousClock()
    let started = clock.now
    let deadline = started + .milliseconds(Int64(duration * 1000))
    while clock.now < deadline {
        for _ in 0..<1000 {
            let ticket = TicketGenerator.make(&rng)
            checksum &+= ticket.description.utf8.count
        }
        produced += 1000
    }
    let elapsed = seconds(clock.now - started)
    emit(["mode": mode, "ours": Double(produced) / elapsed, "unit": "rows/s", "checksum": checksum])
}

/// Keeps the lateness metrics' samples — the scheduler's dispatch and the executions' start —
/// and sends every other metric nowhere. Start lateness comes from the metric rather than from
/// subscribing to the live records: a subscriber's task is woken for every record, which would
/// cost the very burst being measured.
struct LatenessCapture: MetricsFactory {
    final class Handler: RecorderHandler, Sendable {
        let samples: Samples
        init(_ samples: Samples) { self.samples = samples }
        func record(_ value: Int64) { samples.append(Double(value)) }
        func record(_ value: Double) { samples.append(value) }
    }
    let dispatch = Samples(), start = Samples()
    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        switch label {
        case "updater_scheduler_lateness_seconds": Handler(dispatch)
        case "updater_execution_start_lateness_seconds": Handler(start)
        default: NOOPMetricsHandler.instance
        }
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

func lateness() async throws {
    let schedules = Int(option("schedules", "1000"))!, duration = Double(option("seconds", "30"))!
    let folder = temporaryFolder()
    var registry = UpdaterRegistry.builtIn
    try registry.register(NoOpUpdater())
    let tenants = (0..<schedules).map { i in
        Tenant(id: UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", i))!, customerId: "cust-\(i)")
    }
    let config = UpdaterConfig(
        database: option("database", "sqlite:\(folder.path)/target.sqlite"), scheduleConfig: ["noop": "*/1 * * * * *"],
        executionConfig: .init(enabledUpdaters: ["businessActivities": false, "serviceTickets": false, "newLeads": false],
                               maxConcurrentExecutions: Int(option("concurrency", "2"))!),
        tenants: tenants, misfirePolicy: .skip, dataDirectory: folder.appendingPathComponent("data").path, seed: 1)
    let capture = LatenessCapture()
    let manager = try await DatabaseUpdaterManager.start(configuration: config, registry: registry, metricsFactory: capture)
    // Warm-up (connections, caches, thread start-up), then exactly `duration` seconds' bursts:
    // the window opens and closes half-way between two fires, never inside a burst.
    let now = Date().timeIntervalSince1970
    try await Task.sleep(for: .milliseconds(Int64((now.rounded(.down) + 2.5 - now) * 1000)))
    capture.start.removeAll()
    capture.dispatch.removeAll()
    let cpuStart = cpuSeconds(), wallStart = ContinuousClock.now
    try await Task.sleep(for: .milliseconds(Int64(duration.rounded() * 1000)))
    let cpu = (cpuSeconds() - cpuStart) / seconds(ContinuousClock.now - wallStart)
    let starts = capture.start.all, dispatches = capture.dispatch.all
    try await manager.stop()
    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    try? FileManager.default.removeItem(at: folder)
    emit(["mode": mode, "schedules": schedules, "executions": starts.count,
          "p50_ms": percentile(starts, 0.50) * 1000, "p99_ms": percentile(starts, 0.99) * 1000,
          "dispatch_p50_ms": percentile(dispatches, 0.50) * 1000, "dispatch_p99_ms": percentile(dispatches, 0.99) * 1000,
          "cpu_percent": cpu * 100, "peak_rss_mb": peakRSSMegabytes()])
}

/// 2026-01-05T00:00:00Z, a Monday: where both office runs start.
let officeStart = Date(timeIntervalSince1970: 1_767_571_200)

/// The office configuration both runs share: default schedules, T tenants (configured one, then
/// seed-derived ones, as `simulate --tenants`).
func officeConfig(folder: URL) -> (UpdaterConfig, SimulationOptions) {
    let days = Double(option("days", "365"))!, concurrency = Int(option("concurrency", "2"))!
    let seed = UInt64(option("seed", "7"))!
    var config = UpdaterConfig(database: option("database", "sqlite:\(folder.path)/target.sqlite"),
                               executionConfig: .init(maxConcurrentExecutions: concurrency),
                               dataDirectory: folder.appendingPathComponent("data").path, seed: seed)
    config.tenants = SimulationOptions.tenants(config.tenants, count: Int(option("tenants", "100"))!, seed: seed)
    return (config, SimulationOptions(start: officeStart, end: officeStart.addingTimeInterval(days * 86_400), seed: seed))
}

func simulate() async throws {
    let folder = temporaryFolder()
    let (config, options) = officeConfig(folder: folder)
    let simulation = try await Simulation.open(configuration: config, options: options)
    let started = ContinuousClock.now
    let final = try await simulation.run()
    let elapsed = seconds(ContinuousClock.now - started)
    try? FileManager.default.removeItem(at: folder)
    if final.totals.unsuccessful > 0 { fail("\(final.totals.unsuccessful) simulated executions did not succeed: \(final.totals.outcomes)") }
    let days = options.end.timeIntervalSince(options.start) / 86_400
    emit(["mode": mode, "executions": final.totals.executions, "rows": final.totals.totalRows, "seconds": elapsed,
          "ours": Double(final.totals.executions) / elapsed, "days_per_second": days / elapsed, "unit": "executions/s"])
}

func fires() async throws {
    let folder = temporaryFolder()
    let (config, options) = officeConfig(folder: folder)
    // The fires the schedules imply, ordered as the scheduler hands them on: by time, then tenant, then updater.
    var fires: [(at: Date, tenant: Tenant, updater: String)] = []
    for tenant in config.tenants {
        for updater in UpdaterRegistry.builtIn.all where config.isEnabled(updater, tenant: tenant) {
            let schedule = try config.cronSchedule(config.schedule(for: updater, tenant: tenant), anchor: options.start)
            for fire in schedule.fireTimes(after: options.start.addingTimeInterval(-1)).prefix(while: { $0 < options.end }) {
                fires.append((fire, tenant, updater.name))
            }
        }
    }
    let order = Dictionary(uniqueKeysWithValues: config.tenants.enumerated().map { ($0.element.id, $0.offset) })
    fires.sort { ($0.at, order[$0.tenant.id]!) < ($1.at, order[$1.tenant.id]!) }
    let manager = try await DatabaseUpdaterManager.open(configuration: config)
    let failures = Failures()
    let next = SharedCount()
    let all = fires
    let workers = await manager.database.dialect == .sqlite ? 1 : config.executionConfig.maxConcurrentExecutions
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
            group.addTask(executorPreference: DatabaseExecutor.shared) {
                while true {
                    let i = next.next()
                    guard i < all.count else { return }
                    failures.check(try await manager.execute(all[i].updater, tenant: all[i].tenant.id, seed: config.seed, fireTime: all[i].at))
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(ContinuousClock.now - started)
    await manager.close()
    try? FileManager.default.removeItem(at: folder)
    if let summary = failures.summary { fail(summary) }
    emit(["mode": mode, "executions": all.count, "seconds": elapsed, "ours": Double(all.count) / elapsed, "unit": "executions/s"])
}

// MARK: - The change log at scale: fill-log and verify

/// Tickets per generating statement, and per page read back and logged.
let fillChunk: Int64 = 100_000, fillPage: Int64 = 10_000

func fillLog() async throws {
    guard let location = options["database"] else { fail("fill-log needs --database URL") }
    let wanted = Int64(option("entries", "1000000"))!
    let started = ContinuousClock.now
    // The schema and the default tenant, as the service prepares them (and nothing else).
    let folder = temporaryFolder()
    let config = UpdaterConfig(database: location, dataDirectory: folder.appendingPathComponent("data").path, seed: 1)
    await (try await DatabaseUpdaterManager.open(configuration: config)).close()
    try? FileManager.default.removeItem(at: folder)
    let database = try await DatabaseFactory.open(location, poolSize: 1)
    let dialect = database.dialect, tenant = Tenant.default, logTable = ChangeLog.table(dialect)
    // Realistic contents: 64 tickets from the generator, cycled; each row gets its own id, number, serial and times.
    var rng = SeededRandom(seed: 11)
    let samples = (0..<64).map { _ in TicketGenerator.make(&rng) }
    let result = try await database.withConnection { conn -> (rows: Int64, first: Int64) in
        let present = try conn.query("SELECT count(*) AS n FROM \(logTable)").first?["n"].intValue ?? 0
        let rows = max(0, wanted - present)
        let firstNumber = try conn.query("SELECT next_number FROM ticket_counters WHERE tenant_id = $1", .uuid(tenant.id))
            .first?["next_number"].intValue ?? OfficeSchema.firstTicketNumber
        guard rows > 0 else { return (0, firstNumber) }
        try conn.executeScript("""
            DROP TABLE IF EXISTS bench_sample;
            CREATE TEMP TABLE bench_sample (i INTEGER PRIMARY KEY, category TEXT, title TEXT, description TEXT, error_code TEXT,
                equipment_model TEXT, serial_number TEXT, required_parts TEXT, priority TEXT, reported_by TEXT);
            """)
        for (i, t) in samples.enumerated() {
            _ = try conn.execute("INSERT INTO bench_sample VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                 .integer(Int64(i)), .text(t.category), .text(t.title), .text(t.description),
                                 t.errorCode.map(DatabaseValue.text) ?? .null, .text(t.equipmentModel), .text(t.serialNumber),
                                 .text(t.requiredParts), .text(t.priority), .text(t.reportedBy))
        }
        // Ids b0000000-0000-4000-8000-<number in hex>, created one second apart from 2027-01-15T08:00:00Z on.
        let generate = dialect == .postgres ? """
            INSERT INTO service_tickets (id, tenant_id, customer_id, ticket_number, sequence_number, category, title, description,
                error_code, equipment_model, serial_number, required_parts, priority, status, reported_by, created_at, updated_at)
            SELECT ('b0000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, $1::uuid, $2, 'ST-' || n, n, s.category, s.title,
                s.description, s.error_code, s.equipment_model, s.serial_number || '-' || n, s.required_parts, s.priority, 'open',
                s.reported_by, to_timestamp($3::float8 + n), to_timestamp($3::float8 + n)
            FROM generate_series($4::bigint, $5::bigint) AS n JOIN bench_sample s ON s.i = n % 64
            """ : """
            WITH RECURSIVE g(n) AS (SELECT $4 UNION ALL SELECT n + 1 FROM g WHERE n < $5)
            INSERT INTO service_tickets (id, tenant_id, customer_id, ticket_number, sequence_number, category, title, description,
                error_code, equipment_model, serial_number, required_parts, priority, status, reported_by, created_at, updated_at)
            SELECT 'b0000000-0000-4000-8000-' || printf('%012x', n), $1, $2, 'ST-' || n, n, s.category, s.title,
                s.description, s.error_code, s.equipment_model, s.serial_number || '-' || n, s.required_parts, s.priority, 'open',
                s.reported_by, strftime('%Y-%m-%dT%H:%M:%fZ', $3 + n, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%fZ', $3 + n, 'unixepoch')
            FROM g JOIN bench_sample s ON s.i = n % 64
            """
        let last = firstNumber + rows - 1
        for from in stride(from: firstNumber, through: last, by: Int(fillChunk)) {
            try conn.transaction {
                _ = try conn.execute(generate, .text(tenant.id.lowercaseString), .text(tenant.customerId), .double(1_800_000_000),
                                     .integer(from), .integer(min(from + fillChunk - 1, last)))
            }
        }
        // The counter the invariants hold the numbers to: ST-1000 up to it, without gaps.
        _ = try conn.execute("""
            INSERT INTO ticket_counters (tenant_id, next_number, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (tenant_id) DO UPDATE SET next_number = excluded.next_number, updated_at = excluded.updated_at
            """, .uuid(tenant.id), .integer(last + 1), .timestamp(Date()))
        try conn.executeScript("DROP TABLE bench_sample")
        return (rows, firstNumber)
    }
    let generated = seconds(ContinuousClock.now - started)
    // Each new row logged as its execution would have: an insert whose after-hash is RowImage(row).hash.
    let logged = try await database.withConnection { conn -> Int64 in
        guard result.rows > 0 else { return 0 }
        var seq = (try conn.query("SELECT coalesce(max(seq), 0) AS last FROM \(logTable)").first?["last"].intValue ?? 0) + 1
        let write = dialect == .postgres ? """
            INSERT INTO updater.changes (seq, txid, target, execution_id, tenant_id, updater, operation, table_name, row_key,
                                         before_hash, after_hash, committed_at, data_time, image)
            SELECT $1 + e.i - 1, ($1 + e.i - 1)::text, $2, ('e0000000-0000-4000-8000-' || lpad(to_hex($1 + e.i - 1), 12, '0'))::uuid,
                $3::uuid, 'service_tickets', 'insert', 'service_tickets', e.k, NULL, e.a, e.t, e.t, NULL
            FROM unnest($4::text[], $5::text[], $6::float8[]) WITH ORDINALITY AS e(k, a, t, i)
            """ : """
            INSERT INTO updater_changes (seq, txid, target, execution_id, tenant_id, updater, operation, table_name, row_key,
                                         before_hash, after_hash, committed_at, data_time, image)
            SELECT $1 + e.key, CAST($1 + e.key AS TEXT), $2, 'e0000000-0000-4000-8000-' || printf('%012x', $1 + e.key),
                $3, 'service_tickets', 'insert', 'service_tickets', json_extract(e.value, '$[0]'), NULL, json_extract(e.value, '$[1]'),
                json_extract(e.value, '$[2]'), json_extract(e.value, '$[2]'), NULL
            FROM json_each($4) AS e
            """
        let end = result.first + result.rows
        var from = result.first
        while from < end {
            let to = min(from + fillPage, end)
            let rows = try conn.query("SELECT * FROM service_tickets WHERE tenant_id = $1 AND sequence_number >= $2 AND sequence_number < $3 "
                                      + "ORDER BY sequence_number", .uuid(tenant.id), .integer(from), .integer(to))
            guard rows.count == Int(to - from) else { fail("fill-log: read back \(rows.count) tickets of \(to - from)") }
            var keys: [String] = [], hashes: [String] = [], times: [String] = []
            for row in rows {
                guard let key = row["id"].stringValue, let created = row["created_at"].dateValue else { fail("fill-log: a ticket without id or time") }
                keys.append(key)
                hashes.append(RowImage(row).hash)
                times.append(String((created.timeIntervalSince1970 * 1000).rounded() / 1000))
            }
            let first = seq
            try conn.transaction {
                if dialect == .postgres {
                    _ = try conn.execute(write, .integer(first), .text(FireLog.defaultTarget), .text(tenant.id.lowercaseString),
                                         .text("{" + keys.joined(separator: ",") + "}"), .text("{" + hashes.joined(separator: ",") + "}"),
                                         .text("{" + times.joined(separator: ",") + "}"))
                } else {
                    let json = "[" + zip(zip(keys, hashes), times).map { "[\"\($0.0)\",\"\($0.1)\",\($1)]" }.joined(separator: ",") + "]"
                    _ = try conn.execute(write, .integer(first), .text(FireLog.defaultTarget), .text(tenant.id.lowercaseString), .text(json))
                }
            }
            seq += Int64(rows.count)
            from = to
        }
        if dialect == .postgres { _ = try conn.execute("UPDATE updater.change_counter SET next_seq = $1", .integer(seq)) }
        return result.rows
    }
    let total = try await database.withConnection { conn in
        try conn.query("SELECT count(*) AS n FROM \(logTable)").first?["n"].intValue ?? 0
    }
    await database.close()
    emit(["mode": mode, "entries": total, "generated_rows": result.rows, "logged": logged, "generate_seconds": generated,
          "seconds": seconds(ContinuousClock.now - started)])
}

func verifyLog() async throws {
    guard let location = options["database"] else { fail("verify needs --database URL") }
    // What `updater verify --database URL` reads: the default configuration's scenario and tenants.
    let config = UpdaterConfig(database: location)
    let scenario = config.scenarioValue
    let database = try await DatabaseFactory.openExisting(location, databases: scenario.databases)
    let started = ContinuousClock.now
    let log = try await LogVerifier.verify(scenario, in: database, scope: LogVerifier.Scope(tenants: config.tenants.map(\.id)))
    let logged = ContinuousClock.now
    let rules = try await InvariantChecker.check(scenario, in: database, timeZone: config.timeZone,
                                                 retentionDays: config.executionConfig.retentionDays)
    let checked = ContinuousClock.now
    await database.close()
    guard log.passed else {
        fail("the change log and the database disagree: missing \(log.missing), unexpected \(log.unexpected), "
             + "content differs \(log.contentDiffers); first: \(log.discrepancies.first.map { "\($0)" } ?? "?")")
    }
    guard rules.passed else { fail("invariants violated: \(rules.results.filter { !$0.holds }.map(\.name))") }
    emit(["mode": mode, "ours": seconds(logged - started), "invariants_seconds": seconds(checked - logged), "unit": "s",
          "entries": log.entries, "rows_checked": log.rowsChecked, "peak_rss_mb": peakRSSMegabytes()])
}

// A synchronous main that waits for the work: an `async` main parks the main thread in
// `dispatch_main`, whose `sigsuspend` on a read-only mask Valgrind 3.19 (Debian 12) cannot run,
// and `instructions_per_execution` runs this binary under callgrind.
let finished = DispatchSemaphore(value: 0)
Task.detached {
    do {
        switch mode {
        case "fill-log": try await fillLog()
        case "verify": try await verifyLog()
        case "simulate": try await simulate()
        case "fires": try await fires()
        case "executions": try await executions()
        case "generation": generation()
        case "lateness": try await lateness()
        default: fail("unknown mode '\(mode)' (executions, generation, lateness, simulate, fires, fill-log, verify)")
        }
    } catch {
        fail("\(error)")
    }
    finished.signal()
}
finished.wait()
