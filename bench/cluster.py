#!/usr/bin/env python3
"""Issue 19: fires per second carried by 1, 2 and 3 cluster replicas on one PostgreSQL
(`make bench-cluster`, or `scripts/with-test-postgres.sh python3 bench/cluster.py [--quick]`; about 14 minutes,
--quick about 4).

Every replica is the release `updater start --config FILE --no-api`, its own data and log folder,
`cluster: {enabled: true, name: bench, heartbeatSeconds: 1}`, the office scenario with only
`serviceTickets` enabled at `*/1 * * * * *` for N tenants (N fires offered each second, more than
three replicas carry), `maxConcurrentExecutions: 2` each. All replicas run on this machine, so
the figures measure what coordination and sharing one machine cost, not what more hardware buys.

A run: a fresh database, the replicas started together, every one alive in `updater.replicas`,
a warm-up (ownership settles, each tenant's first rows), then a measured window; then SIGINT,
and the checks. Rounds alternate 1, 2, 3 replicas (3, 2, 1 in even rounds); medians per count.

- **fires/s**: rows of `updater.fires` (trigger scheduled or catch_up, manual_execution '')
  whose `finished_at` falls in the window, over its length.
- **duplicates** (whole run, must be 0): (tenant, updater, fire time) in the change log
  (`updater.changes`: `data_time` is the fire time) written by more than one execution; change-log
  executions without a fire record; and fires that more than one execution id claims as succeeded
  across the replicas' histories (`DATA/state.sqlite`). `updater verify --config FILE` (a replica's:
  verify checks the configured tenants' rows, so `--database URL` alone would check none of these)
  must exit 0 having checked every change-log entry.
- **skipped**: the replicas' history records in the window: `skipped` because the tenant's
  previous fire was still queued or running (the overload's misfires), missed fires, and
  "already took effect" (work the fire log's key threw away: another replica committed it).
- **share**: each replica's succeeded fires in the window, and the tenants it owned.
- **where the time goes**: CPU seconds of the replicas, of this PostgreSQL cluster's processes and
  of everything else on the machine (/proc), and what the replicas' connections were doing,
  sampled from `pg_stat_activity` every 0.25 s (running in PostgreSQL, waiting on a lock, or
  idle — in a transaction or between them — i.e. waiting for the replica).

Writes bench/results-cluster.json and prints a table. No third-party packages.
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.dont_write_bytecode = True  # no bench/__pycache__ from importing run.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: the shared helpers)
from run import ROOT, fresh_postgres, machine  # noqa: E402

# UPDATER_BIN=path measures another build (as `make soak` takes it); make bench-cluster builds the release one.
UPDATER = os.environ.get("UPDATER_BIN") or run.UPDATER

CLUSTER = "bench"
TARGET = "default"
UPDATER_NAME = "service_tickets"
TICKS = os.sysconf("SC_CLK_TCK")


def tenant_id(i):
    return f"00000000-0000-4000-8000-{i:012d}"


def write_config(path, folder, database, tenants, cap):
    lines = [f'database: "{database}"', f"dataDirectory: {folder}/data", f"logDirectory: {folder}/logs",
             "logLevel: warn", "shutdownGracePeriodSeconds: 5",
             "cluster:", "  enabled: true", f"  name: {CLUSTER}", "  heartbeatSeconds: 1",
             "scheduleConfig:", '  serviceTickets: "*/1 * * * * *"',
             "executionConfig:", f"  maxConcurrentExecutions: {cap}", "  enabledUpdaters:", "    serviceTickets: true",
             "    businessActivities: false", "    newLeads: false", "tenants:"]
    for i in range(tenants):
        lines += [f'  - id: "{tenant_id(i)}"', f'    customerId: "cust-{i}"']
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def psql(database, sql):
    done = subprocess.run(["psql", database, "-qAtX", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", sql],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    return [line.split("\t") for line in done.stdout.splitlines() if line]


# --- CPU accounting from /proc ------------------------------------------------------------------

def proc_cpu(pid, children=False):
    """CPU seconds of `pid` (user + system; with `children`, also those of its reaped children)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / TICKS


def postgres_cpu(postmaster):
    """CPU seconds of this cluster's postmaster, its live children and the children it reaped."""
    total = proc_cpu(postmaster, children=True)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def machine_cpu():
    """(busy, all) CPU seconds of the whole machine since boot; iowait counts as idle."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / TICKS, sum(values) / TICKS


def cpu_pressure():
    """Seconds during which some runnable task waited for a CPU (PSI, /proc/pressure/cpu); None without PSI."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().rsplit("total=", 1)[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(v) for v in f.read().split()[:3]]


def postmaster_pid():
    socket_dir = os.environ.get("UPDATER_TEST_POSTGRES_SOCKET")
    try:
        with open(os.path.join(socket_dir, "data", "postmaster.pid")) as f:
            return int(f.readline())
    except (TypeError, OSError, ValueError):
        return None


def cpu_sample(replicas, postmaster):
    busy, total = machine_cpu()
    return {"time": time.time(), "replicas": [proc_cpu(r.process.pid) for r in replicas],
            "postgres": postgres_cpu(postmaster) if postmaster else 0.0, "machine_busy": busy, "machine_total": total,
            "harness": proc_cpu(os.getpid(), children=True), "pressure": cpu_pressure()}


# --- what the replicas' connections do -----------------------------------------------------------

ACTIVITY_SQL = """SELECT state, coalesce(wait_event_type, ''), coalesce(wait_event, ''), count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' GROUP BY 1, 2, 3;
SELECT pg_sleep({interval});
"""


def start_activity_sampler(database, seconds, interval, out_path):
    """One psql session that samples pg_stat_activity every `interval` seconds for `seconds`."""
    script = "".join(ACTIVITY_SQL.format(interval=interval) for _ in range(int(seconds / interval)))
    out = open(out_path, "w")
    process = subprocess.Popen(["psql", database, "-qAtX", "-F", "\t"], stdin=subprocess.PIPE, stdout=out,
                               stderr=subprocess.DEVNULL, text=True)
    process.stdin.write(script)
    process.stdin.close()
    return process, out


def activity_summary(path):
    """Share of the sampled connection-states: running in PostgreSQL (active, no wait event; or an
    I/O or LWLock wait), waiting on a heavyweight lock, idle in a transaction (waiting for the replica
    mid-transaction), idle (between executions), by wait event where there is one."""
    counts, samples = {}, 0
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            state, kind, event, n = parts
            if state == "active" and kind == "Lock":
                key = f"lock wait ({event})"
            elif state == "active" and kind == "Client":
                key = f"active, waiting for the client ({event})"
            elif state == "active":
                key = "active in PostgreSQL" + (f" ({kind}:{event})" if kind else "")
            else:
                key = state
            counts[key] = counts.get(key, 0) + int(n)
            samples += int(n)
    return {key: round(value / samples, 3) for key, value in sorted(counts.items(), key=lambda kv: -kv[1])} if samples else {}


# --- one replica ------------------------------------------------------------------------------------

class Replica:
    def __init__(self, workdir, index, database, tenants, cap):
        self.folder = os.path.join(workdir, f"replica-{index}")
        os.makedirs(self.folder)
        self.config = os.path.join(self.folder, "cluster.yaml")
        write_config(self.config, self.folder, database, tenants, cap)
        self.out = open(os.path.join(self.folder, "service.out"), "w")
        self.process = subprocess.Popen([UPDATER, "start", "--config", self.config, "--no-api"], cwd=self.folder,
                                        stdout=self.out, stderr=subprocess.STDOUT)

    def interrupt(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self):
        self.interrupt()
        try:
            status = self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            status = self.process.wait()
        self.out.close()
        return status

    def tail(self):
        with open(self.out.name) as f:
            return f.read()[-3000:]

    def history(self, t0, t1):
        """This replica's fires in [t0, t1) by the time each record was made, by kind; and the
        (tenant, fire time, execution id) of every succeeded fire of the whole run."""
        db = sqlite3.connect(os.path.join(self.folder, "data", "state.sqlite"))
        rows = db.execute("SELECT id, tenant, scheduled_at, finished_at, outcome, trigger, coalesce(error, ''), "
                          "coalesce(missed_count, 0) FROM executions WHERE dry_run = 0").fetchall()
        db.close()
        kinds, succeeded = {}, []
        for eid, tenant, scheduled, finished, outcome, trigger, error, missed in rows:
            if outcome == "succeeded" and trigger in ("scheduled", "catch_up"):
                succeeded.append((tenant.lower(), scheduled, eid.lower()))
            if not t0 <= parse_time(finished) < t1:
                continue
            if outcome == "succeeded":
                kind = "succeeded"
            elif outcome == "skipped" and error.startswith("already took effect"):
                kind = "already_took_effect"
            elif outcome == "skipped" and "still running" in error:
                kind = "skipped_still_running"
            elif outcome == "skipped":
                kind = "missed"
            else:
                kind = outcome
            kinds[kind] = kinds.get(kind, 0) + (max(missed, 1) if kind == "missed" else 1)
        return kinds, succeeded


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def owner(tenant, live):
    """ReplicaRegistry.owner: rendezvous hashing, SHA-256 of "replica|tenant|target", first 8 bytes."""
    def weight(replica):
        digest = hashlib.sha256(f"{replica.lower()}|{tenant.lower()}|{TARGET}".encode()).digest()
        return int.from_bytes(digest[:8], "big"), replica.upper()
    return max(live, key=weight) if live else None


# --- one run: n replicas, one window ---------------------------------------------------------------

def wait_for_quiet(limit_percent, max_wait):
    """Waits (up to `max_wait` seconds) until the machine was busy under `limit_percent` (of one core's
    100) over 3 s: other builds and tests share it. Returns the busy percent it last saw and how long it waited."""
    started = time.time()
    while True:
        busy0, _ = machine_cpu()
        time.sleep(3)
        busy = 100 * (machine_cpu()[0] - busy0) / 3
        if busy < limit_percent or time.time() - started > max_wait:
            return round(busy, 1), round(time.time() - started)
        time.sleep(2)


def one_run(workdir, replicas_count, tenants, cap, warmup, window, postmaster):
    database = fresh_postgres()
    run_dir = tempfile.mkdtemp(prefix=f"cluster-{replicas_count}-", dir=workdir)
    load_before = loadavg()
    replicas = [Replica(run_dir, i, database, tenants, cap) for i in range(replicas_count)]
    sampler = sampler_out = None
    try:
        deadline = time.time() + 180
        while True:
            for r in replicas:
                if r.process.poll() is not None:
                    raise SystemExit(f"a replica exited {r.process.returncode} at start:\n{r.tail()}")
            try:
                alive = int(psql(database, f"SELECT count(*) FROM updater.replicas WHERE cluster = '{CLUSTER}' "
                                           "AND last_heartbeat > now() - interval '3 seconds'")[0][0])
            except RuntimeError:
                alive = 0
            if alive == replicas_count:
                break
            if time.time() > deadline:
                raise SystemExit(f"only {alive} of {replicas_count} replicas alive after 180 s:\n{replicas[0].tail()}")
            time.sleep(0.5)
        # The window starts half-way between two fire instants and lasts whole seconds: each second's
        # fires are counted once whether their burst finishes early or late in its second.
        time.sleep(warmup)
        time.sleep((0.5 - time.time()) % 1.0)
        sampler, sampler_out = start_activity_sampler(database, window, 0.25, os.path.join(run_dir, "activity.tsv"))
        before = cpu_sample(replicas, postmaster)
        xact_before = int(psql(database, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")[0][0])
        time.sleep(max(0.0, before["time"] + window - time.time()))
        after = cpu_sample(replicas, postmaster)
        xact_after = int(psql(database, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")[0][0])
        load_during = loadavg()
        running = [r.process.poll() is None for r in replicas]
        live = [row[0] for row in psql(database, f"SELECT replica_id FROM updater.replicas WHERE cluster = '{CLUSTER}' "
                                                 "ORDER BY started_at, replica_id")]
    finally:
        for r in replicas:  # all at once: none takes over another's tenants while it stops
            r.interrupt()
        statuses = [r.stop() for r in replicas]
        if sampler:
            sampler.wait(timeout=60)
            sampler_out.close()
    if not all(running) or any(statuses):
        raise SystemExit(f"a replica died or exited non-zero ({statuses}):\n" + "\n---\n".join(r.tail() for r in replicas))
    t0, t1 = before["time"], after["time"]
    seconds = t1 - t0

    fires_sql = (f"FROM updater.fires WHERE manual_execution = '' AND trigger IN ('scheduled', 'catch_up') "
                 f"AND finished_at >= to_timestamp({t0}) AND finished_at < to_timestamp({t1})")
    fires = int(psql(database, f"SELECT count(*) {fires_sql}")[0][0])
    catch_up = int(psql(database, f"SELECT count(*) {fires_sql} AND trigger = 'catch_up'")[0][0])
    middle = (t0 + t1) / 2
    first_half = int(psql(database, f"SELECT count(*) {fires_sql} AND finished_at < to_timestamp({middle})")[0][0])
    lateness = psql(database, "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at)), "
                              f"percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - scheduled_at)) {fires_sql}")[0]
    change_log_duplicates = int(psql(database, "SELECT count(*) FROM (SELECT tenant_id, updater, data_time FROM updater.changes "
                                               "GROUP BY 1, 2, 3 HAVING count(DISTINCT execution_id) > 1) AS d")[0][0])
    unrecorded = int(psql(database, "SELECT count(DISTINCT c.execution_id) FROM updater.changes c LEFT JOIN updater.fires f "
                                    "ON f.execution_id = c.execution_id WHERE f.execution_id IS NULL")[0][0])
    mismatched = int(psql(database, "SELECT count(*) FROM updater.changes c JOIN updater.fires f ON f.execution_id = c.execution_id "
                                    "WHERE c.tenant_id <> f.tenant_id OR c.updater <> f.updater "
                                    "OR c.data_time <> extract(epoch FROM f.scheduled_at)")[0][0])
    total_fires = int(psql(database, "SELECT count(*) FROM updater.fires")[0][0])
    total_fires_scheduled = int(psql(database, f"SELECT count(*) FROM updater.fires WHERE finished_at < to_timestamp({t1})")[0][0])
    change_entries = int(psql(database, "SELECT count(*) FROM updater.changes")[0][0])

    per_replica, claimed = [], {}
    for r in replicas:
        kinds, succeeded = r.history(t0, t1)
        per_replica.append(kinds)
        for tenant, scheduled, eid in succeeded:
            claimed.setdefault((tenant, scheduled), set()).add(eid)
    history_duplicates = sum(1 for ids in claimed.values() if len(ids) > 1)
    owned = [0] * len(live)
    for i in range(tenants):
        owned[live.index(owner(tenant_id(i), live))] += 1

    verify_started = time.perf_counter()
    verified = subprocess.run([UPDATER, "verify", "--json", "--config", replicas[0].config], cwd=run_dir,
                              capture_output=True, text=True)
    verify_seconds = time.perf_counter() - verify_started
    try:
        verify_log = json.loads(verified.stdout.strip().splitlines()[-1])["log"]
    except (ValueError, IndexError, KeyError):
        verify_log = {}
    # Passed: exit 0, and every entry of the log checked (a check of another tenant list checks nothing).
    verify_passed = verified.returncode == 0 and verify_log.get("entries") == change_entries > 0
    psql(os.environ["UPDATER_TEST_POSTGRES_URL"], f"DROP DATABASE {database.rsplit('/', 1)[1]}")

    replica_cpu = [a - b for a, b in zip(after["replicas"], before["replicas"])]
    postgres = after["postgres"] - before["postgres"]
    busy = after["machine_busy"] - before["machine_busy"]
    harness = after["harness"] - before["harness"]
    others = max(0.0, busy - sum(replica_cpu) - postgres - harness)
    total_kinds = {}
    for kinds in per_replica:
        for key, value in kinds.items():
            total_kinds[key] = total_kinds.get(key, 0) + value
    succeeded_total = total_kinds.get("succeeded", 0)
    result = {
        "replicas": replicas_count, "cap": cap, "tenants": tenants, "window_s": round(seconds, 2),
        "fires_per_s": round(fires / seconds, 1), "fires": fires, "catch_up_fires": catch_up,
        "fires_per_s_halves": [round(2 * first_half / seconds, 1), round(2 * (fires - first_half) / seconds, 1)],
        "tickets_per_tenant_at_end": round(total_fires_scheduled / tenants, 1),
        "offered_per_s": tenants,
        "start_lateness_p50_s": round(float(lateness[0] or 0), 3), "start_lateness_p99_s": round(float(lateness[1] or 0), 3),
        "skipped_still_running_per_s": round(total_kinds.get("skipped_still_running", 0) / seconds, 1),
        "missed_per_s": round(total_kinds.get("missed", 0) / seconds, 1),
        "already_took_effect": total_kinds.get("already_took_effect", 0),
        "failed": total_kinds.get("failed", 0) + total_kinds.get("timed_out", 0),
        "duplicates": {"change_log": change_log_duplicates, "change_log_without_fire": unrecorded,
                       "change_log_fire_mismatch": mismatched, "histories": history_duplicates},
        "verify": {"exit": verified.returncode, "passed": verify_passed, "seconds": round(verify_seconds, 2), "fires": total_fires,
                   "entries_checked": verify_log.get("entries"), "rows_checked": verify_log.get("rowsChecked"),
                   "change_log_entries": change_entries,
                   "stderr": verified.stderr.strip()[-1500:],
                   "discrepancies": {k: verify_log.get(k) for k in ("missing", "unexpected", "contentDiffers")}},
        "share": [round(k.get("succeeded", 0) / succeeded_total, 3) if succeeded_total else None for k in per_replica],
        "owned_tenants": owned,
        "per_replica": per_replica,
        "history_vs_fire_log": [succeeded_total, fires],
        "cpu_percent": {"replicas": [round(100 * c / seconds, 1) for c in replica_cpu],
                        "replicas_total": round(100 * sum(replica_cpu) / seconds, 1),
                        "postgres": round(100 * postgres / seconds, 1),
                        "others": round(100 * others / seconds, 1),
                        "harness": round(100 * harness / seconds, 1),
                        "machine_busy": round(100 * busy / seconds, 1),
                        "machine_capacity": 100 * (os.cpu_count() or 1),
                        # Share of the window in which some runnable task waited for a CPU.
                        "pressure_some": round(100 * (after["pressure"] - before["pressure"]) / seconds, 1)
                        if before["pressure"] is not None else None},
        "cpu_ms_per_fire": {"replicas": round(1000 * sum(replica_cpu) / fires, 3) if fires else None,
                            "postgres": round(1000 * postgres / fires, 3) if fires else None},
        "transactions_per_s": round((xact_after - xact_before) / seconds, 1),
        "connections": activity_summary(os.path.join(run_dir, "activity.tsv")),
        "load_before": load_before, "load_during": load_during,
    }
    shutil.rmtree(run_dir, ignore_errors=True)
    return result


def summarize(runs):
    """Medians per replica count (and per control configuration), and the ratios to one replica."""
    groups = {}
    for run in runs:
        groups.setdefault((run["replicas"], run["cap"]), []).append(run)
    median = lambda items, f: statistics.median(f(r) for r in items)
    rows = []
    for (count, cap), items in sorted(groups.items()):
        rows.append({
            "replicas": count, "cap": cap, "rounds": len(items),
            "fires_per_s": round(median(items, lambda r: r["fires_per_s"]), 1),
            "fires_per_s_rounds": [r["fires_per_s"] for r in items],
            "skipped_still_running_per_s": round(median(items, lambda r: r["skipped_still_running_per_s"]), 1),
            "missed_per_s": round(median(items, lambda r: r["missed_per_s"]), 1),
            "already_took_effect": sum(r["already_took_effect"] for r in items),
            "failed": sum(r["failed"] for r in items),
            "duplicates": sum(sum(r["duplicates"].values()) for r in items),
            "verify_all_passed": all(r["verify"]["passed"] for r in items),
            "share": [round(statistics.median(r["share"][i] for r in items), 3) for i in range(count)],
            "cpu_percent_replicas": round(median(items, lambda r: r["cpu_percent"]["replicas_total"]), 1),
            "cpu_percent_postgres": round(median(items, lambda r: r["cpu_percent"]["postgres"]), 1),
            "cpu_percent_others": round(median(items, lambda r: r["cpu_percent"]["others"]), 1),
            "cpu_percent_machine": round(median(items, lambda r: r["cpu_percent"]["machine_busy"]), 1),
            "cpu_pressure_percent": round(median(items, lambda r: r["cpu_percent"]["pressure_some"] or 0), 1),
            "fires_per_cpu_second": round(median(items, lambda r: r["fires_per_s"] * 100
                                                 / (r["cpu_percent"]["replicas_total"] + r["cpu_percent"]["postgres"])), 1),
            "cpu_ms_per_fire_replicas": round(median(items, lambda r: r["cpu_ms_per_fire"]["replicas"]), 3),
            "cpu_ms_per_fire_postgres": round(median(items, lambda r: r["cpu_ms_per_fire"]["postgres"]), 3),
            "start_lateness_p50_s": round(median(items, lambda r: r["start_lateness_p50_s"]), 2),
            "load_during": [r["load_during"][0] for r in items],
            "load_before": [r["load_before"][0] for r in items],
            "disturbed_kept": sum(1 for r in items if r["disturbed"]),
            "fires_per_s_halves": [round(median(items, lambda r: r["fires_per_s_halves"][0]), 1),
                                   round(median(items, lambda r: r["fires_per_s_halves"][1]), 1)],
            "connections": mean_shares([r["connections"] for r in items]),
        })
    one = next((r["fires_per_s"] for r in rows if r["replicas"] == 1 and r["cap"] == 2), None)
    for row in rows:
        row["ratio_to_one"] = round(row["fires_per_s"] / one, 3) if one else None
    return rows


def mean_shares(summaries):
    """The mean over runs of each connection state's share (a state a run never saw counts 0)."""
    keys = {key for summary in summaries for key in summary}
    means = {key: round(sum(summary.get(key, 0) for summary in summaries) / len(summaries), 3) for key in keys}
    return dict(sorted(means.items(), key=lambda kv: -kv[1]))


def where_the_time_goes(rows):
    lines = ["| replicas × cap | CPU ms per fire: replicas + PostgreSQL | fires per CPU-second (replicas + PostgreSQL) | "
             "machine busy % (of 200) | CPU pressure % | the replicas' connections (pg_stat_activity) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        states = ", ".join(f"{key} {100 * share:.0f} %" for key, share in r["connections"].items() if share >= 0.01)
        lines.append(f"| {r['replicas']} × {r['cap']} | {r['cpu_ms_per_fire_replicas']:.3f} + {r['cpu_ms_per_fire_postgres']:.3f} | "
                     f"{r['fires_per_cpu_second']:,.0f} | {r['cpu_percent_machine']:.0f} | {r['cpu_pressure_percent']:.0f} | {states} |")
    return lines


def table(rows):
    lines = ["| replicas × cap | fires/s (median) | rounds | × one replica | skipped (still running)/s | missed/s | "
             "duplicates | verify | share | CPU % replicas / PostgreSQL / others (of 200) | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['replicas']} × {r['cap']} | {r['fires_per_s']:,.0f} | {', '.join(f'{x:,.0f}' for x in r['fires_per_s_rounds'])} | "
            f"{r['ratio_to_one'] or 0:.2f} | {r['skipped_still_running_per_s']:,.0f} | {r['missed_per_s']:,.0f} | {r['duplicates']} | "
            f"{'exit 0, every entry' if r['verify_all_passed'] else 'FAILED'} | {' / '.join(f'{s:.2f}' for s in r['share'])} | "
            f"{r['cpu_percent_replicas']:.0f} / {r['cpu_percent_postgres']:.0f} / {r['cpu_percent_others']:.0f} | "
            f"{', '.join(f'{x:.1f}' for x in r['load_during'])} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds of 10-s windows after 8 s of warm-up (about 4 minutes)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tenants", type=int, default=3000, help="tenants, each fired every second (the offered fires/s)")
    parser.add_argument("--warmup", type=float, help="seconds after every replica is alive (default 20, --quick 8)")
    parser.add_argument("--window", type=float, help="measured seconds (default 30, --quick 10)")
    parser.add_argument("--counts", default="1,2,3", help="replica counts, in the order of odd rounds")
    parser.add_argument("--output", default=os.path.join(ROOT, "bench", "results-cluster.json"),
                        help="the results file (default bench/results-cluster.json)")
    parser.add_argument("--others-percent", type=float, default=20.0,
                        help="a run during which other processes took more CPU than this (percent of one core) is run "
                             "again (default 20)")
    parser.add_argument("--retries", type=int, default=2, help="most re-runs of a disturbed run (default 2; the last one is kept)")
    parser.add_argument("--quiet-percent", type=float, default=25.0,
                        help="before each run, wait until the machine is busy under this (percent of one core) over 3 s")
    parser.add_argument("--quiet-wait", type=float, default=300.0, help="wait at most this long for that (seconds, default 300)")
    parser.add_argument("--control", action=argparse.BooleanOptionalAction, default=None,
                        help="also one replica at cap 4 each round: as many connections as two replicas, without the "
                             "cluster (default: on, off with --quick)")
    args = parser.parse_args()
    if "UPDATER_TEST_POSTGRES_URL" not in os.environ:
        raise SystemExit("run inside scripts/with-test-postgres.sh (make bench-cluster does): UPDATER_TEST_POSTGRES_URL is not set")
    warmup = args.warmup if args.warmup is not None else (8.0 if args.quick else 20.0)
    window = float(round(args.window if args.window is not None else (10.0 if args.quick else 30.0)))
    control = args.control if args.control is not None else not args.quick
    rounds = max(3, args.rounds)
    counts = [int(c) for c in args.counts.split(",")]
    postmaster = postmaster_pid()
    workdir = tempfile.mkdtemp(prefix="updater-bench-cluster-")
    runs, discarded = [], []
    started = time.time()
    try:
        for round_number in range(1, rounds + 1):
            plan = [(n, 2) for n in (counts if round_number % 2 else list(reversed(counts)))]
            if control:
                plan.append((1, 4))
            for count, cap in plan:
                for attempt in range(1, args.retries + 2):
                    quiet = wait_for_quiet(args.quiet_percent, args.quiet_wait)
                    run = one_run(workdir, count, args.tenants, cap, warmup, window, postmaster)
                    run.update(round=round_number, attempt=attempt, busy_before_percent=quiet[0], waited_for_quiet_s=quiet[1])
                    run["disturbed"] = run["cpu_percent"]["others"] > args.others_percent
                    if not run["disturbed"] or attempt > args.retries:
                        break
                    discarded.append(run)
                    print(f"round {round_number}, {count} replica(s) x cap {cap}: others took {run['cpu_percent']['others']:.0f} % "
                          f"of the CPU during the window (> {args.others_percent:.0f} %): run again", flush=True)
                runs.append(run)
                c = run["cpu_percent"]
                print(f"round {round_number}, {count} replica(s) x cap {cap}: {run['fires_per_s']:,.0f} fires/s "
                      f"(offered {args.tenants:,}), skipped {run['skipped_still_running_per_s']:,.0f}/s, missed "
                      f"{run['missed_per_s']:,.0f}/s, already took effect {run['already_took_effect']}, duplicates "
                      f"{run['duplicates']}, verify exit {run['verify']['exit']} ({run['verify']['entries_checked']} of "
                      f"{run['verify']['change_log_entries']} entries checked), share {run['share']}, CPU replicas "
                      f"{c['replicas_total']:.0f} % postgres {c['postgres']:.0f} % others {c['others']:.0f} %, load "
                      f"{run['load_during'][0]:.2f}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rows = summarize(runs)
    two = next((r for r in rows if r["replicas"] == 2 and r["cap"] == 2), None)
    clean = all(sum(r["duplicates"].values()) == 0 and r["verify"]["passed"] for r in runs)
    goal = {"goal": "2 replicas >= 1.6x one replica's fires/s at cap 2 each, duplicates 0, verify exit 0 over every entry",
            "ratio_2": two["ratio_to_one"] if two else None,
            "met": bool(two and (two["ratio_to_one"] or 0) >= 1.6 and clean), "duplicates_0_and_verify": clean}
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = {"date": when, "machine": machine(), "binary": UPDATER, "quick": args.quick, "rounds": rounds, "tenants": args.tenants,
               "warmup_s": warmup, "window_s": window, "minutes": round((time.time() - started) / 60, 1),
               "goal": goal, "rows": rows, "runs": runs, "discarded_runs": discarded}
    with open(args.output, "w") as f:
        json.dump(results, f, indent=2)
    print(f"\n{when}; {results['machine']}; {args.tenants:,} tenants x */1; medians of {rounds} rounds; "
          f"{results['minutes']} minutes\n")
    print("\n".join(table(rows)))
    print()
    print("\n".join(where_the_time_goes(rows)))
    print(f"\ngoal: {goal}\nwrote {args.output}")
    # As the other benches, a missed goal is reported, not an error; a duplicate or a failed verify is one.
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
