#!/usr/bin/env python3
"""Benchmarks against the tools users would reach for instead, side by side in one run.

    make bench               # full: 20,000 executions per round, 30 s of scheduling, a simulated year x 100 tenants
    make bench-quick         # the same pairs, smaller (under 3 minutes)
    make bench-ground-truth  # only the ground truth's rows: the change log on against off, verify over 1M entries
                             # (run.py --only ground-truth [--quick]; writes bench/results-ground-truth.json)
    make bench-streams       # only issue 17's rows: commit-to-client latency and events/s to 10 SSE clients at 1k and
                             # 10k executions/s, executions/s with them against without (run.py --only streams [--quick];
                             # SQLite, no PostgreSQL; bench/results-streams.json)
    make bench-instructions  # only instructions_per_execution: callgrind's count per execution against the start of
                             # issue 20 (run.py --only instructions [--quick]; bench/results-instructions.json)
    make bench-monitor       # only the snapshot monitor's rows: `updater monitor check` of 1,000,000 rows with 0.1 %
                             # changed against a plain read of them (run.py --only monitor [--quick]; bench/results-monitor.json)

Run inside scripts/with-test-postgres.sh (make does this): it needs UPDATER_TEST_POSTGRES_URL.
Each pair runs alternately (ours, peer, ours, peer, ...) for at least 5 rounds (the ground
truth's rows: 3 with --quick); medians are compared, so each figure is a ratio measured under the
same conditions. Writes BENCHMARKS.md
(the table, then bench/notes.md) and bench/results.json.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, ".build", "release", "UpdaterBenchmark")
CRON = os.path.join(ROOT, ".build", "release", "CronBenchmark")
UPDATER = os.path.join(ROOT, ".build", "release", "updater")
VENV_PYTHON = os.path.join(ROOT, "bench", ".venv", "bin", "python")
TENANT = "550e8400-e29b-41d4-a716-446655440000"

EXPRESSIONS = [  # the set CronBenchmark evaluates, in the same order
    "0 0 9-17/2 * * 1-5", "0 0 */6 * * *", "0 0 10 * * 1-5", "*/15 * * * * *",
    "0 30 2 29 2 *", "0 0 12 1,15 * MON", "5/20 10-40/10 8-18 * JAN-MAR,OCT-DEC 1-5", "30 45 23 28-31 * 0,6",
]


def run_json(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fresh_postgres():
    base = os.environ["UPDATER_TEST_POSTGRES_URL"]
    name = "bench_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", base, "-qAtc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/" + name))


# --- the pairs -------------------------------------------------------------------------------

def ours_office(kind, database, days, tenants):
    """`simulate`: the Simulation over the office schedules; `fires`: the same fires executed
    without a clock. Both on `database`, freshly created; executions/s and, for simulate, days/s."""
    concurrency = "1" if database.startswith("sqlite:") else "2"
    result = run_json([BENCH, kind, "--database", database, "--days", str(days), "--tenants", str(tenants),
                       "--concurrency", concurrency])
    verify_target(database)
    return result

def ours_executions(database, count, concurrency, change_log=True, tenants=1):
    """Executions/s; with `change_log` False, UPDATER_BENCHMARK_CHANGE_LOG=off: the executions skip
    the change log's statement (the only thing it switches off). The run must show it: every timed
    execution wrote one log entry, or none. With the log on, `updater verify` must then pass on
    the target (not timed): the log and the database agree after every run."""
    env = dict(os.environ)
    env.pop("UPDATER_BENCHMARK_CHANGE_LOG", None)
    if not change_log:
        env["UPDATER_BENCHMARK_CHANGE_LOG"] = "off"
    out = subprocess.run([BENCH, "executions", "--database", database, "--count", str(count), "--concurrency", str(concurrency),
                          "--tenants", str(tenants)],
                         check=True, capture_output=True, text=True, env=env).stdout
    result = json.loads(out.strip().splitlines()[-1])
    written, expected = result.get("log_entries_written"), count if change_log else 0
    if written != expected:
        raise SystemExit(f"UpdaterBenchmark executions (change log {'on' if change_log else 'off'}) wrote {written} change-log "
                         f"entries for {count} executions, expected {expected}")
    if change_log:
        verify_target(database)
    return result["ours"]


VERIFY_FOLDER = tempfile.mkdtemp(prefix="updater-bench-verify-")  # no updater.yaml here: verify reads only --database


def verify_target(database):
    """`updater verify --database URL` (every tenant the log holds) must exit 0."""
    done = subprocess.run([UPDATER, "verify", "--database", database], cwd=VERIFY_FOLDER, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"updater verify failed after a benchmark run (exit {done.returncode}): {done.stdout[-500:]}{done.stderr[-500:]}")


PGBENCH_SCRIPT = f"""\\set n random(1, 9)
INSERT INTO service_tickets (id, tenant_id, customer_id, ticket_number, sequence_number, category, title, description,
  error_code, equipment_model, serial_number, required_parts, priority, status, reported_by, created_at, updated_at)
VALUES (gen_random_uuid(), '{TENANT}', 'cust-1', 'ST-' || nextval('bench_numbers'), currval('bench_numbers'), 'paper_jam',
  'Repeated paper jams in tray 2',
  'Paper jams in tray 2 several times a day; staff have been pulling torn sheets out of the feed area.',
  'J-103', 'Ricoh IM C4500', '3140R93700' || :n, '["pickup roller kit","separation pad"]', 'medium', 'open',
  'Michelle Young', now(), now());
"""


def peer_pgbench(database, count, clients, workdir):
    script = os.path.join(workdir, "insert_ticket.sql")
    with open(script, "w") as f:
        f.write(PGBENCH_SCRIPT)
    out = subprocess.run(["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(clients),
                          "-t", str(count // clients), "-f", script, database],
                         check=True, capture_output=True, text=True).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def prepare_pgbench(database):
    # Our benchmark migrates the schema and makes the tenant; pgbench numbers its rows from a sequence.
    ours_executions(database, 10, 1)
    subprocess.run(["psql", database, "-qAtc", "CREATE SEQUENCE bench_numbers START 100000000"], check=True, capture_output=True)


def ours_sqlite(count, workdir):
    path = f"{workdir}/ours-{uuid.uuid4().hex[:6]}.sqlite"
    rate = ours_executions(f"sqlite:{path}", count, 1)
    for suffix in ["", "-wal", "-shm"]:
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return rate


def peer_sqlite(count, workdir):
    # The same table as ours (our migrations make it: same columns, indexes, foreign keys and
    # checks), filled by the sqlite3 shell with our connection's pragmas, one transaction each.
    database = os.path.join(workdir, f"peer-{uuid.uuid4().hex[:6]}.sqlite")
    ours_executions(f"sqlite:{database}", 10, 1)
    lines = ["PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"]
    for i in range(count):
        lines.append(
            "BEGIN IMMEDIATE; INSERT INTO service_tickets (id, tenant_id, customer_id, ticket_number, sequence_number, category, "
            "title, description, error_code, equipment_model, serial_number, required_parts, priority, status, reported_by, "
            f"created_at, updated_at) VALUES ('{uuid.uuid4()}', '{TENANT}', 'cust-1', 'ST-{100000000 + i}', {100000000 + i}, "
            "'paper_jam', 'Repeated paper jams in tray 2', "
            "'Paper jams in tray 2 several times a day; staff have been pulling torn sheets out of the feed area.', 'J-103', "
            f"'Ricoh IM C4500', '3140R{9370000 + i}', '[\"pickup roller kit\",\"separation pad\"]', 'medium', 'open', "
            "'Michelle Young', strftime('%Y-%m-%dT%H:%M:%fZ','now'), strftime('%Y-%m-%dT%H:%M:%fZ','now')); COMMIT;")
    sql = "\n".join(lines) + "\n"
    started = time.perf_counter()
    subprocess.run(["sqlite3", database], input=sql, check=True, capture_output=True, text=True)
    return count / (time.perf_counter() - started)


def ours_generation(seconds):
    return run_json([BENCH, "generation", "--seconds", str(seconds)])["ours"]


FAKER = """
import sys, time
from faker import Faker
fake = Faker("en_US"); Faker.seed(7)
deadline = time.perf_counter() + float(sys.argv[1]); n = 0; started = time.perf_counter()
while time.perf_counter() < deadline:
    for _ in range(100):
        record = (fake.name(), fake.company(), fake.email(), fake.phone_number(), fake.sentence(), fake.date_time())
    n += 100
print(n / (time.perf_counter() - started))
"""


def peer_faker(seconds):
    return float(subprocess.run([VENV_PYTHON, "-c", FAKER, str(seconds)], check=True, capture_output=True, text=True).stdout)


def ours_cron(seconds):
    return run_json(["taskset", "-c", "0", CRON, "--seconds", str(seconds), "--json"])["ours"]


CRONITER = """
import sys, time, datetime
from croniter import croniter
expressions = %r
state = 0x9E3779B97F4A7C15
starts = []
for _ in range(1000):
    state = (state * 6364136223846793005 + 1442695040888963407) %% (1 << 64)
    starts.append(datetime.datetime.fromtimestamp(1767225600 + ((state >> 33) %% 63072000), datetime.timezone.utc))
deadline = time.perf_counter() + float(sys.argv[1]); n = 0; started = time.perf_counter()
while time.perf_counter() < deadline:
    for start in starts[:100]:
        for expression in expressions:
            croniter(expression, start, second_at_beginning=True).get_next(float)
    n += 100 * len(expressions)
print(n / (time.perf_counter() - started))
""" % (EXPRESSIONS,)


def peer_croniter(seconds):
    return float(subprocess.run(["taskset", "-c", "0", VENV_PYTHON, "-c", CRONITER, str(seconds)],
                                check=True, capture_output=True, text=True).stdout)


# --- the ground truth's cost, and verify's speed ---------------------------------------------

def verify_entries(quick):
    """Log entries for the verify_1m_* rows: UPDATER_BENCH_VERIFY_ENTRIES, else 100,000 with --quick, else 1,000,000."""
    return int(os.environ.get("UPDATER_BENCH_VERIFY_ENTRIES") or (100_000 if quick else 1_000_000))


def timed(command, **kwargs):
    """Wall-clock seconds of a command that must succeed; its output is discarded."""
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **kwargs)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        # The head says why (a crash's message comes before its backtrace), the tail how it ended.
        err = done.stderr.strip()
        shown = err if len(err) <= 6000 else err[:4000] + "\n[…]\n" + err[-1500:]
        raise SystemExit(f"{' '.join(command[:2])} … failed ({done.returncode}):\n{shown}")
    return elapsed


def ground_truth_rows(add, rounds, count, entries, workdir):
    # 1. The change log's cost: the same executions with it and without it (UPDATER_BENCHMARK_CHANGE_LOG=off),
    #    alternately; a fresh SQLite file per run as sqlite_executions, one PostgreSQL database per side as pg_executions_*.
    def sqlite_run(change_log):
        return ours_executions(f"sqlite:{workdir}/gt-{uuid.uuid4().hex[:6]}.sqlite", count, 1, change_log)
    o, p, a, b = alternate(rounds, lambda: sqlite_run(True), lambda: sqlite_run(False))
    add("ground_truth_cost_sqlite", f"executions/s on a SQLite file with the change log (ours) and without it (peer: "
        f"UPDATER_BENCHMARK_CHANGE_LOG=off), 1 connection, {count} per round", o, p, "executions/s", 0.9,
        runs={"ours": a, "peer": b})
    with_log, without_log = fresh_postgres(), fresh_postgres()
    for database, change_log in [(with_log, True), (without_log, False)]:
        ours_executions(database, 10, 2, change_log)  # migrate before timing
    o, p, a, b = alternate(rounds, lambda: ours_executions(with_log, count, 2, True),
                           lambda: ours_executions(without_log, count, 2, False))
    add("ground_truth_cost_pg", f"executions/s into PostgreSQL with the change log (ours) and without it (peer: "
        f"UPDATER_BENCHMARK_CHANGE_LOG=off), 2 connections, {count} per round", o, p, "executions/s", 0.9,
        runs={"ours": a, "peer": b})

    # 2. `updater verify` (the release binary, --database URL only: the log check, then the office's invariants) over a
    #    log of `entries` entries, one per service_tickets row of the default tenant, against reading the same two tables
    #    with the engine's own shell. One `UpdaterBenchmark verify` first says how the time splits (LogVerifier.verify,
    #    then the invariants, in-process) and warms the page cache for both sides.
    for engine in ["sqlite", "pg"]:
        if engine == "sqlite":
            path = os.path.join(workdir, "verify.sqlite")
            database = f"sqlite:{path}"
            peer_command = ["sqlite3", path, "SELECT * FROM updater_changes; SELECT * FROM service_tickets;"]
        else:
            database = fresh_postgres()
            peer_command = ["psql", database, "-qAt", "-v", "ON_ERROR_STOP=1",
                            "-c", "COPY (SELECT * FROM updater.changes) TO STDOUT", "-c", "COPY (SELECT * FROM service_tickets) TO STDOUT"]
        fill = run_json([BENCH, "fill-log", "--database", database, "--entries", str(entries)])
        if fill["entries"] != entries:
            raise SystemExit(f"fill-log made a log of {fill['entries']} entries, not {entries}")
        print(f"verify_1m_{engine}: a log of {fill['entries']:,} entries made in {fill['seconds']:.1f} s", flush=True)
        # Settle the new rows first, so that no side's first round pays for it: PostgreSQL's hint
        # bits and visibility map (VACUUM), SQLite's WAL folded into the file.
        if engine == "pg":
            subprocess.run(["psql", database, "-qAtc", "VACUUM ANALYZE service_tickets, updater.changes"], check=True, capture_output=True)
        else:
            subprocess.run(["sqlite3", path, "PRAGMA wal_checkpoint(TRUNCATE);"], check=True, capture_output=True)
        split = run_json([BENCH, "verify", "--database", database])
        if split["entries"] != entries or split["rows_checked"] < entries:
            raise SystemExit(f"verify read {split['entries']} entries and {split['rows_checked']} rows, expected {entries}")
        # cwd: a folder without updater.yaml, so --database alone configures it; exit 0 only if log and invariants pass.
        o, p, a, b = alternate(rounds, lambda: timed([UPDATER, "verify", "--database", database], cwd=workdir),
                               lambda: timed(peer_command))
        add(f"verify_1m_{engine}", f"seconds for `updater verify --database URL` over a change log of {entries:,} entries and "
            f"their {split['rows_checked']:,} rows ({'a SQLite file' if engine == 'sqlite' else 'PostgreSQL'}; in-process: the "
            f"log check {split['ours']:.1f} s, the invariants {split['invariants_seconds']:.1f} s, peak RSS "
            f"{split['peak_rss_mb']:,.0f} MB); peer: "
            + ("`sqlite3 FILE 'SELECT * FROM updater_changes; SELECT * FROM service_tickets;' > /dev/null`" if engine == "sqlite"
               else "`psql -c 'COPY (SELECT * FROM updater.changes) TO STDOUT' -c 'COPY (SELECT * FROM service_tickets) TO STDOUT' > /dev/null`"),
            o, p, "s", 0.33, lower_is_better=True, runs={"ours": a, "peer": b, "split": split, "fill": fill})
        if engine == "pg":
            subprocess.run(["psql", os.environ["UPDATER_TEST_POSTGRES_URL"], "-qAtc",
                            f"DROP DATABASE {database.rsplit('/', 1)[1]}"], capture_output=True)
        else:
            os.remove(path)


# --- the snapshot monitor's check against a plain read ------------------------------------------

MONITOR_TABLE = "patients"
FIRST_NAMES = ["Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Lou", "Max", "Nia", "Oli", "Pam"]
LAST_NAMES = ["Lee", "Ray", "Moe", "Fox", "Kim", "Diaz", "Novak", "Okafor", "Silva", "Tanaka", "Weber", "Young", "Zhou",
              "Haddad", "Ibsen", "Jensen"]
WARDS = ["Cardiology", "Oncology", "Maternity", "Orthopaedics", "Neurology", "Paediatrics", "Geriatrics", "Emergency"]
STATUSES = ["admitted", "in_treatment", "observation", "discharged", "transferred"]
NOTES = ["Allergic to penicillin; monitor blood pressure twice a day.",
         "Post-operative care after knee replacement, physiotherapy from day two.",
         "Type 2 diabetes, insulin before meals, low-sugar diet.",
         "Observation after a fall at home, no fracture on the X-ray.",
         "Chest pain on admission, ECG normal, troponin pending.",
         "Recovering from pneumonia, oxygen saturation back to 96 %.",
         "Scheduled for an MRI on Thursday morning, fasting from midnight.",
         "Family asked to be called before any change of ward."]


def monitor_rows_count(quick):
    """Rows of the monitored table: UPDATER_BENCH_MONITOR_ROWS, else 100,000 with --quick, else 1,000,000."""
    return int(os.environ.get("UPDATER_BENCH_MONITOR_ROWS") or (100_000 if quick else 1_000_000))


def sql_list(values):
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def monitor_table_sql(engine, rows):
    """A `patients` table of `rows` rows, twelve columns (an integer key, text, dates, timestamps), filled by one
    INSERT … SELECT: every row its own key, record number, e-mail, phone and times; names, wards and notes cycled."""
    if engine == "sqlite":
        pick = lambda values, expr: "json_extract(" + "'" + json.dumps(values).replace("'", "''") + "'" + f", '$[' || ({expr}) || ']')"
        ts = lambda expr: f"strftime('%Y-%m-%dT%H:%M:%fZ', {expr}, 'unixepoch')"
        return f"""
CREATE TABLE {MONITOR_TABLE} (id INTEGER PRIMARY KEY, record_number TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT, phone TEXT, birth_date TEXT, ward TEXT, status TEXT NOT NULL, notes TEXT, admitted_at TEXT NOT NULL, updated_at TEXT NOT NULL);
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})
INSERT INTO {MONITOR_TABLE}
SELECT i, printf('MRN-%08d', i), {pick(FIRST_NAMES, 'i % 16')}, {pick(LAST_NAMES, '(i / 16) % 16')},
  lower({pick(FIRST_NAMES, 'i % 16')}) || '.' || i || '@example.org', printf('+1-555-%03d-%04d', (i / 10000) % 1000, i % 10000),
  date('1940-01-01', '+' || (i * 7919 % 29000) || ' days'), {pick(WARDS, 'i % 8')}, {pick(STATUSES, '(i / 8) % 5')},
  CASE WHEN i % 10 = 0 THEN NULL ELSE {pick(NOTES, '(i / 3) % 8')} END,
  {ts('1767225600 + i * 37')}, {ts('1767225600 + i * 37 + 3600 * (i % 48)')}
FROM s;
"""
    return f"""
CREATE TABLE {MONITOR_TABLE} (id BIGINT PRIMARY KEY, record_number TEXT NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  email TEXT, phone TEXT, birth_date DATE, ward TEXT, status TEXT NOT NULL, notes TEXT, admitted_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL);
INSERT INTO {MONITOR_TABLE}
SELECT i, format('MRN-%s', lpad(i::text, 8, '0')), (ARRAY[{sql_list(FIRST_NAMES)}])[1 + i % 16],
  (ARRAY[{sql_list(LAST_NAMES)}])[1 + (i / 16) % 16],
  lower((ARRAY[{sql_list(FIRST_NAMES)}])[1 + i % 16]) || '.' || i || '@example.org',
  format('+1-555-%s-%s', lpad(((i / 10000) % 1000)::text, 3, '0'), lpad((i % 10000)::text, 4, '0')),
  DATE '1940-01-01' + (i * 7919 % 29000)::int, (ARRAY[{sql_list(WARDS)}])[1 + i % 8], (ARRAY[{sql_list(STATUSES)}])[1 + (i / 8) % 5],
  CASE WHEN i % 10 = 0 THEN NULL ELSE (ARRAY[{sql_list(NOTES)}])[1 + (i / 3) % 8] END,
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL '37 seconds',
  TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL '37 seconds' + (i % 48) * INTERVAL '1 hour'
FROM generate_series(1::bigint, {rows}) AS i;
"""


def monitor_changes_sql(engine, rows, round_number):
    """0.1 % of `rows` changed: 30 % of them deleted, then 40 % updated (among the rows left), then 30 % inserted
    after the greatest key, so no row is both. Returns (sql, the counts the check must report)."""
    changed = max(10, rows // 1000)
    deletes, updates = changed * 3 // 10, changed * 4 // 10
    inserts = changed - deletes - updates
    if engine == "sqlite":
        now, birth = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')", "'1990-05-17'"
        series, source, mrn = (f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {inserts}) ", "s",
                               "printf('MRN-%08d', m.top + n)")
    else:
        now, birth = "now()", "DATE '1990-05-17'"
        series, source, mrn = "", f"generate_series(1, {inserts}) AS n", "format('MRN-%s', lpad((m.top + n)::text, 8, '0'))"
    sql = f"""
DELETE FROM {MONITOR_TABLE} WHERE id IN (SELECT id FROM {MONITOR_TABLE} ORDER BY random() LIMIT {deletes});
UPDATE {MONITOR_TABLE} SET status = 'transferred', notes = coalesce(notes, '') || ' Round {round_number}.', updated_at = {now}
  WHERE id IN (SELECT id FROM {MONITOR_TABLE} ORDER BY random() LIMIT {updates});
{series}INSERT INTO {MONITOR_TABLE} SELECT m.top + n, {mrn}, 'Newt', 'Arrival', 'new.' || (m.top + n) || '@example.org',
  '+1-555-000-0000', {birth}, 'Emergency', 'admitted', 'Admitted in round {round_number}.', {now}, {now}
  FROM (SELECT max(id) AS top FROM {MONITOR_TABLE}) AS m, {source};
"""
    return sql, {"inserted": inserts, "modified": updates, "deleted": deletes}


def monitor_engine_sql(engine, database, path, sql):
    """Runs `sql` with the engine's shell; its error stops the run."""
    command = ["sqlite3", "-bail", path] if engine == "sqlite" else ["psql", database, "-qAt", "-v", "ON_ERROR_STOP=1"]
    done = subprocess.run(command, input=sql, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()[:2000]}")


def monitor_check(database, state, workdir):
    """Seconds, peak RSS (MB) and the parsed `--json` line of one `updater monitor check`, run whole under /usr/bin/time."""
    rss_file = os.path.join(workdir, "monitor-rss.txt")
    command = ["/usr/bin/time", "-f", "%M", "-o", rss_file, UPDATER, "monitor", "check", "--database", database,
               "--table", MONITOR_TABLE, "--state", state, "--json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"updater monitor check failed ({done.returncode}):\n{done.stderr.strip()[:4000]}")
    with open(rss_file) as f:
        rss_mb = int(f.read().split()[-1]) / 1024
    return elapsed, rss_mb, json.loads(done.stdout.strip().splitlines()[-1])


def folder_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def monitor_rows(add_row, rounds, rows, workdir):
    for engine in ["sqlite", "pg"]:
        state = os.path.join(workdir, f"monitor-state-{engine}")
        if engine == "sqlite":
            path = os.path.join(workdir, "monitor.sqlite")
            database = f"sqlite:{path}"
            peer_command = ["sqlite3", path, f"SELECT * FROM {MONITOR_TABLE}"]
            peer_text = f"`sqlite3 FILE 'SELECT * FROM {MONITOR_TABLE}' > /dev/null`"
        else:
            path, database = None, fresh_postgres()
            peer_command = ["psql", database, "-qAt", "-v", "ON_ERROR_STOP=1", "-c", f"COPY {MONITOR_TABLE} TO STDOUT"]
            peer_text = f"`psql URL -c 'COPY {MONITOR_TABLE} TO STDOUT' > /dev/null`"
        started = time.perf_counter()
        monitor_engine_sql(engine, database, path, monitor_table_sql(engine, rows))
        # Settle the new rows, so that no side's first round pays for it (hint bits, the WAL).
        if engine == "pg":
            monitor_engine_sql(engine, database, path, f"VACUUM ANALYZE {MONITOR_TABLE};")
        else:
            monitor_engine_sql(engine, database, path, "PRAGMA journal_mode = WAL; PRAGMA wal_checkpoint(TRUNCATE);")
        print(f"monitor_check_{engine}: {rows:,} rows made in {time.perf_counter() - started:.1f} s", flush=True)
        baseline_seconds, baseline_rss, baseline = monitor_check(database, state, workdir)
        if not baseline["baseline"] or baseline["currentCount"] != rows:
            raise SystemExit(f"the baseline check saw {baseline['currentCount']} rows (baseline: {baseline['baseline']}), expected {rows}")
        ours, peer, rss = [], [], []
        for round_number in range(1, rounds + 1):
            sql, expected = monitor_changes_sql(engine, rows, round_number)
            monitor_engine_sql(engine, database, path, sql)
            if engine == "sqlite":  # the peer and ours read the file, not the WAL, as after the fill
                monitor_engine_sql(engine, database, path, "PRAGMA wal_checkpoint(TRUNCATE);")

            def ours_run():
                seconds, rss_mb, check = monitor_check(database, state, workdir)
                found = {key: len(check[key]) for key in expected}
                if found != expected or check["baseline"]:
                    raise SystemExit(f"monitor_check_{engine} round {round_number}: the check found {found}, expected {expected}")
                ours.append(seconds)
                rss.append(rss_mb)

            def peer_run():
                peer.append(timed(peer_command))
            for run in ([ours_run, peer_run] if round_number % 2 else [peer_run, ours_run]):
                run()
        if engine == "sqlite":
            table_bytes = int(subprocess.run(["sqlite3", path, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size"],
                                             check=True, capture_output=True, text=True).stdout)
        else:
            table_bytes = int(subprocess.run(["psql", database, "-qAtc", f"SELECT pg_total_relation_size('{MONITOR_TABLE}')"],
                                             check=True, capture_output=True, text=True).stdout)
        state_bytes = folder_bytes(state)
        o, p = statistics.median(ours), statistics.median(peer)
        add_row({
            "name": f"monitor_check_{engine}",
            "what": f"seconds for `updater monitor check --database URL --table {MONITOR_TABLE} --state DIR` of {rows:,} rows (12 columns) "
                    f"with 0.1 % changed ({', '.join(f'{v} {k}' for k, v in expected.items())} a round), process start included; "
                    f"peer: {peer_text}; state folder {state_bytes / 1e6:.1f} MB against the table's {table_bytes / 1e6:.1f} MB; "
                    f"peak RSS {statistics.median(rss):.0f} MB (baseline check {baseline_seconds:.2f} s, {baseline_rss:.0f} MB)",
            "ours": round(o, 3), "peer": round(p, 3), "unit": "s", "ratio": round(o / p, 3), "goal": "ours/peer <= 2.0",
            "met": o / p <= 2.0, "rounds": {"ours": ours, "peer": peer, "peak_rss_mb": rss},
            "state_bytes": state_bytes, "table_bytes": table_bytes, "peak_rss_mb": round(statistics.median(rss), 1),
            "baseline": {"seconds": round(baseline_seconds, 3), "peak_rss_mb": round(baseline_rss, 1)}})
        if engine == "pg":
            subprocess.run(["psql", os.environ["UPDATER_TEST_POSTGRES_URL"], "-qAtc",
                            f"DROP DATABASE {database.rsplit('/', 1)[1]}"], capture_output=True)
        else:
            os.remove(path)
        shutil.rmtree(state, ignore_errors=True)


# --- the run ---------------------------------------------------------------------------------

def alternate(rounds, ours, peer):
    a, b = [], []
    for _ in range(rounds):
        a.append(ours())
        b.append(peer())
    return statistics.median(a), statistics.median(b), a, b


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {model}, {platform.system()} {platform.release()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", choices=["ground-truth", "monitor", "streams", "instructions"],
                        help="run only these rows and write bench/results-ground-truth.json, bench/results-monitor.json "
                             "or bench/results-streams.json "
                             "(BENCHMARKS.md is left alone)")
    parser.add_argument("--notes-only", action="store_true",
                        help="rewrite BENCHMARKS.md from bench/results.json and bench/notes.md without running anything")
    args = parser.parse_args()
    if args.notes_only:
        with open(os.path.join(ROOT, "bench", "results.json")) as f:
            write_report(json.load(f))
        return 0
    rounds = max(5, args.rounds)
    count = 2000 if args.quick else 20000
    seconds = 1.0 if args.quick else 3.0
    lateness_seconds = 10 if args.quick else 30
    workdir = tempfile.mkdtemp(prefix="updater-bench-")
    rows = []

    def add(name, what, ours, peer, unit, goal_ratio, extra_goal=None, runs=None, lower_is_better=False):
        # A time (lower is better) is compared the other way round: peer / ours, so a ratio >= goal is good either way.
        ratio = (peer / ours if ours else None) if lower_is_better else (ours / peer if peer else None)
        met = ratio is not None and ratio >= goal_ratio and (extra_goal is None or extra_goal(ours))
        digits = 3 if lower_is_better else 1
        rows.append({"name": name, "what": what, "ours": round(ours, digits), "peer": round(peer, digits), "unit": unit,
                     "ratio": round(ratio, 3) if ratio else None,
                     "goal": ("peer/ours" if lower_is_better else "ratio") + f" >= {goal_ratio:.2g}"
                     + (" and >= 1,000,000/s" if extra_goal else ""), "met": met,
                     "rounds": runs})
        shown = "{:,.2f}" if lower_is_better else "{:,.0f}"
        print(f"{name}: ours {shown.format(ours)} {unit}, peer {shown.format(peer)}, ratio {ratio:.2f} "
              f"({'met' if met else 'NOT met'})", flush=True)

    gt_rounds = 3 if args.quick else rounds
    try:
        if args.only == "ground-truth":
            ground_truth_rows(add, gt_rounds, count, verify_entries(args.quick), workdir)
            return finish_only(args, gt_rounds, rows, "results-ground-truth.json")
        if args.only == "instructions":
            import instructions  # bench/instructions.py
            instructions.rows(add, BENCH, workdir, fresh_postgres, runs=1 if args.quick else 3)
            return finish_only(args, 1 if args.quick else 3, rows, "results-instructions.json")
        if args.only == "streams":
            import streams  # bench/streams.py: SQLite only, no PostgreSQL needed
            rows = streams.streams_rows(UPDATER, workdir, args.quick, gt_rounds)
            hooks = streams.webhook_rows(UPDATER, workdir, args.quick, gt_rounds)
            ingest = streams.ingest_rows(UPDATER, workdir, args.quick, gt_rounds)
            when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            with open(os.path.join(ROOT, "bench", "results-streams.json"), "w") as f:
                json.dump({"date": when, "machine": machine(), "quick": args.quick, "rounds": gt_rounds, "rows": rows + ingest + hooks}, f,
                          indent=2)
            for row in rows:
                print(f"{row['name']}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, {row['events_per_s_total']:,.0f} events/s "
                      f"to 10 clients, executions/s {row['executions_per_s_with_clients']:,.0f} with / "
                      f"{row['executions_per_s_without_clients']:,.0f} without ({row['executions_ratio']}); met {row['met']}", flush=True)
            for row in ingest:
                print(f"{row['name']}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, {row['events_per_s_total']:,.0f} events/s "
                      f"to 10 clients; met {row['met']}", flush=True)
            for row in hooks:
                print(f"{row['name']}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms, {row['events_per_s']:,.0f} events/s "
                      f"delivered, executions/s {row['executions_per_s']:,.0f}; {row['requests']} requests, "
                      f"{row['unsigned_requests']} unsigned, {row['batches_over_50']} over 50, {row['duplicates']} duplicates", flush=True)
            print("wrote bench/results-streams.json")
            return 0
        if args.only == "monitor":
            monitor_rows(rows.append, gt_rounds, monitor_rows_count(args.quick), workdir)
            for row in rows:
                print(f"{row['name']}: ours {row['ours']:.2f} s, peer {row['peer']:.2f} s, ratio {row['ratio']:.2f} "
                      f"({'met' if row['met'] else 'NOT met'}); state {row['state_bytes'] / 1e6:.1f} MB, table "
                      f"{row['table_bytes'] / 1e6:.1f} MB, peak RSS {row['peak_rss_mb']:.0f} MB", flush=True)
            return finish_only(args, gt_rounds, rows, "results-monitor.json")
        # c2 with two tenants, as pgbench's clients number their rows apart; the one-tenant figure
        # (both connections queue on one tenant's ticket counter row) is reported beside it.
        for clients, tenants, name in [(1, 1, "pg_executions_c1"), (2, 2, "pg_executions_c2"), (2, 1, "pg_executions_c2_one_tenant")]:
            ours_db, peer_db = fresh_postgres(), fresh_postgres()
            prepare_pgbench(peer_db)
            ours_executions(ours_db, 10, clients, tenants=tenants)  # migrate before timing
            o, p, a, b = alternate(rounds, lambda: ours_executions(ours_db, count, clients, tenants=tenants),
                                   lambda: peer_pgbench(peer_db, count, clients, workdir))
            add(name, f"service_tickets executions/s into PostgreSQL, {clients} connection(s), {tenants} tenant(s), "
                f"{count} per round, `updater verify` after each", o, p, "executions/s", 1.0, runs={"ours": a, "peer": b})
        o, p, a, b = alternate(rounds, lambda: ours_sqlite(count, workdir), lambda: peer_sqlite(count, workdir))
        add("sqlite_executions", f"executions/s on a SQLite file (WAL, synchronous=NORMAL), {count} per round, `updater verify` after each",
            o, p, "executions/s", 1.0, runs={"ours": a, "peer": b})
        # The simulated clock against no clock at all: the same fires, the same engine, alternately.
        days, tenants = (30, 20) if args.quick else (365, 100)
        sim_rounds = rounds if args.quick else 3  # a full round is two to three minutes per run
        for engine in ["sqlite", "postgres"]:
            def database():
                return f"sqlite:{workdir}/office-{uuid.uuid4().hex[:6]}.sqlite" if engine == "sqlite" else fresh_postgres()
            simulated = []
            o, p, a, b = alternate(sim_rounds, lambda: simulated.append(ours_office("simulate", database(), days, tenants)) or simulated[-1]["ours"],
                                   lambda: ours_office("fires", database(), days, tenants)["ours"])
            per_day = statistics.median(run["days_per_second"] for run in simulated)
            add(f"simulate_{engine}", f"`updater simulate` of the office, {days} days x {tenants} tenants, executions/s "
                f"({simulated[0]['executions']:,} executions, {per_day:,.1f} simulated days/s; peer: the same fires executed "
                "without a clock)", o, p, "executions/s", 0.9, runs={"ours": a, "peer": b})
        o, p, a, b = alternate(rounds, lambda: ours_generation(seconds), lambda: peer_faker(seconds))
        add("generation", "ticket rows generated per second, no database (peer: Faker record)", o, p, "rows/s", 50,
            runs={"ours": a, "peer": b})
        o, p, a, b = alternate(rounds, lambda: ours_cron(seconds), lambda: peer_croniter(seconds))
        add("cron_next", "next-fire evaluations/s, 8 expressions x 1,000 start times, one core (peer: croniter)", o, p,
            "evaluations/s", 20, extra_goal=lambda ours: ours >= 1_000_000, runs={"ours": a, "peer": b})
        # No peer to alternate with: three runs, and the median of each figure (a single run's
        # p99 moves by a few milliseconds from run to run on this kind of machine).
        runs = [run_json([BENCH, "lateness", "--schedules", "1000", "--seconds", str(lateness_seconds)]) for _ in range(3)]
        lateness = {key: statistics.median(run[key] for run in runs) for key in runs[0] if key != "mode"}
        # In every one of the three runs, not only their median.
        met = all(run["p99_ms"] <= 2 and run["cpu_percent"] <= 10 and run["peak_rss_mb"] <= 40 for run in runs)
        rows.append({"name": "scheduler_lateness", "what": f"1,000 schedules at */1 with a no-op updater for {lateness_seconds} s",
                     "ours": lateness, "peer": None, "unit": "ms / % / MB", "ratio": None,
                     "goal": "p99 <= 2 ms, CPU <= 10 %, RSS <= 40 MB, in each of 3 runs", "met": met,
                     "rounds": {"ours": [{key: run[key] for key in ("p50_ms", "p99_ms", "cpu_percent", "peak_rss_mb")} for run in runs]}})
        print(f"scheduler_lateness: {lateness} ({'met' if met else 'NOT met'})", flush=True)
        import instructions  # bench/instructions.py
        instructions.rows(add, BENCH, workdir, fresh_postgres, runs=1 if args.quick else 3)
        ground_truth_rows(add, gt_rounds, count, verify_entries(args.quick), workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = {"date": when, "machine": machine(), "quick": args.quick, "rounds": rounds, "rows": rows}
    with open(os.path.join(ROOT, "bench", "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print("wrote bench/results.json")
    write_report(results)


def finish_only(args, rounds, rows, file):
    """`--only …`: its own results file and the table on stdout; BENCHMARKS.md keeps the last full run."""
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    results = {"date": when, "machine": machine(), "quick": args.quick, "rounds": rounds, "rows": rows}
    with open(os.path.join(ROOT, "bench", file), "w") as f:
        json.dump(results, f, indent=2)
    print(f"\n{when}; {results['machine']}; medians of {rounds} rounds\n")
    print("\n".join(table(rows)))
    print(f"\nwrote bench/{file}")
    return 0  # as a full run: a missed goal is reported, not an error (a failed execution or check is)


def table(rows):
    lines = ["| what | ours | peer | ratio | goal | met |", "|---|---|---|---|---|---|"]
    for row in rows:
        if row["name"] == "scheduler_lateness":
            o = row["ours"]
            ours = (f"start p50 {o['p50_ms']:.2f} ms, p99 {o['p99_ms']:.2f} ms (scheduler dispatch p50 {o['dispatch_p50_ms']:.2f} ms, "
                    f"p99 {o['dispatch_p99_ms']:.2f} ms); CPU {o['cpu_percent']:.1f} %, RSS {o['peak_rss_mb']:.0f} MB "
                    f"({o['executions']:.0f} executions per run)")
            lines.append(f"| `{row['name']}`: {row['what']} | {ours} | — | — | {row['goal']} | {'yes' if row['met'] else 'no'} |")
        else:
            figure = "{:,.2f}" if row["unit"] == "s" else "{:,.0f}"
            lines.append(f"| `{row['name']}`: {row['what']} | {figure.format(row['ours'])} {row['unit']} | {figure.format(row['peer'])} | "
                         f"{row['ratio']:.2f} | {row['goal']} | {'yes' if row['met'] else 'no'} |")
    return lines


def write_report(results):
    """BENCHMARKS.md: the table of one run, then bench/notes.md."""
    when, rows = results["date"], results["rows"]
    lines = ["# Benchmarks", "",
             f"One run of `make {'bench-quick' if results['quick'] else 'bench'}` on {when}; machine: {results['machine']}.",
             f"Each pair ran alternately for {results['rounds']} rounds; the figures are medians (scheduler lateness: the median "
             "of three runs). Regenerate with `make bench`.", ""] + table(rows)
    notes = os.path.join(ROOT, "bench", "notes.md")
    if os.path.exists(notes):
        lines += ["", open(notes).read().rstrip()]
    with open(os.path.join(ROOT, "BENCHMARKS.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    sys.exit(main())
