// Throughput and lateness of the real execution path, for `make bench` (bench/run.py).
//
//   UpdaterBenchmark executions --database URL --count N --concurrency C [--updater noop] [--seed S]
//   UpdaterBenchmark generation --seconds S
//   UpdaterBenchmark lateness --schedules N --seconds S
//   UpdaterBenchmark simulate --database URL --days D --tenants T [--concurrency C] [--seed S]
//   UpdaterBenchmark fires --database URL --days D --tenants T [--concurrency C] [--seed S]
//
// `simulate` runs `updater simulate`'s Simulation (the office schedules of T tenants over D
// days, as fast as possible); `fires` executes the very same fires, in the same time order,
// through DatabaseUpdaterManager.execute without any clock: the pair measures what the
// simulated clock and its driver cost.
//
// Each prints one JSON object on stdout. Executions go through DatabaseUpdaterManager.execute:
// the executor, the concurrency cap, one transaction, the history record and the change events,
// exactly as in the service; only the updater is an insert-only one (one new ticket per
// transaction, through ServiceTicketsUpdater.insertNewTicket).
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
    let config = UpdaterConfig(database: option("database", "sqlite:\(folder.path)/target.sqlite"),
                               executionConfig: .init(maxConcurrentExecutions: concurrency),
                               dataDirectory: folder.appendingPathComponent("data").path, seed: seed)
    let manager = try await DatabaseUpdaterManager.open(configuration: config, registry: registry)
    let base = Date(timeIntervalSince1970: 1_800_000_000)
    let failures = Failures()
    for i in 0..<min(200, count) {  // warm-up: connections, prepared statements, caches
        failures.check(try await manager.execute(updater, fireTime: base.addingTimeInterval(-Double(i + 1))))
    }
    let next = SharedCount()
    let clock = ContinuousClock()
    let started = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
            // Like the scheduler's execution tasks: on the database threads, where executions run.
            group.addTask(executorPreference: DatabaseExecutor.shared) {
                while true {
                    let i = next.next()
                    guard i < count else { return }
                    failures.check(try await manager.execute(updater, fireTime: base.addingTimeInterval(Double(i))))
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(clock.now - started)
    await manager.close()
    try? FileManager.default.removeItem(at: folder)
    // A failed execution is usually faster than a real one: a run with any measures nothing.
    if let summary = failures.summary { fail(summary) }
    emit(["mode": mode, "count": count, "concurrency": concurrency, "seconds": elapsed, "seed": seed,
          "ours": Double(count) / elapsed, "unit": "executions/s"])
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

switch mode {
case "simulate": try await simulate()
case "fires": try await fires()
case "executions": try await executions()
case "generation": generation()
case "lateness": try await lateness()
default: fail("unknown mode '\(mode)' (executions, generation, lateness, simulate, fires)")
}
