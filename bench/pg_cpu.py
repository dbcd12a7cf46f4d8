#!/usr/bin/env python3
"""Where an execution's time goes on PostgreSQL at one connection: CPU microseconds per execution
in our process and in the PostgreSQL server, against pgbench inserting the same row (the
`pg_executions_c1` pair), and wall-clock microseconds per execution.

    scripts/with-test-postgres.sh python3 bench/pg_cpu.py [--count N] [--rounds R]

(after `swift build -c release --product UpdaterBenchmark`). Each side runs alternately on its own
fresh database; the server's CPU is the sum of utime + stime over every process of the test
cluster (its backends, also those that exited since, WAL writer, checkpointer...) read from /proc
before and after, the client's that of the child process (getrusage). Prints one JSON object per
round and a median summary.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: the same pgbench script, binaries and fresh databases)

TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds():
    """utime + stime of every process whose command is postgres (the test cluster is the only one)."""
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if name.startswith("postgres"):
            rest = fields[1].split()
            # utime, stime, and cutime, cstime (fields 14-17): a backend's time moves to the
            # postmaster's cutime/cstime when it exits, so each tick is counted once either way.
            total += int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
    return total / TICKS


def measured(command, count):
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before, started = server_cpu_seconds(), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall, server_after = time.perf_counter() - started, server_cpu_seconds()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after_children.ru_utime - before_children.ru_utime) + (after_children.ru_stime - before_children.ru_stime)
    micro = 1e6 / count
    return {"wall_us": round(wall * micro, 1), "client_cpu_us": round(client * micro, 1),
            "server_cpu_us": round((server_after - server_before) * micro, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ours_db, peer_db = run.fresh_postgres(), run.fresh_postgres()
    run.prepare_pgbench(peer_db)
    run.ours_executions(ours_db, 10, 1)
    script = os.path.join(run.VERIFY_FOLDER, "insert_ticket.sql")
    with open(script, "w") as f:
        f.write(run.PGBENCH_SCRIPT)
    results = {"ours": [], "pgbench": []}
    for _ in range(args.rounds):
        # Ours includes its process start, migrations check and 200 warm-up executions: small against N.
        results["ours"].append(measured([run.BENCH, "executions", "--database", ours_db, "--count", str(args.count)], args.count))
        results["pgbench"].append(measured(["pgbench", "-n", "-M", "prepared", "-c", "1", "-j", "1", "-t", str(args.count), "-f", script,
                                            peer_db], args.count))
        print(json.dumps({side: runs[-1] for side, runs in results.items()}), flush=True)
    summary = {side: {key: statistics.median(run_[key] for run_ in runs) for key in runs[0]} for side, runs in results.items()}
    print(json.dumps({"median": summary, "count": args.count, "rounds": args.rounds}))


if __name__ == "__main__":
    main()
