"""instructions_per_execution: instructions our process runs per insert-only execution, counted by
callgrind (valgrind --tool=callgrind), which repeats on a noisy machine where seconds do not.

Each figure is the difference between two runs of `UpdaterBenchmark executions` under callgrind,
of SMALL and LARGE executions (each after the same 200-execution warm-up), divided by
LARGE - SMALL: start-up, migrations and the warm-up cancel out. Counted: every thread of our
process (the execution, the history writer, SQLite's work in-process; on PostgreSQL the client side
only, the server is another process). Valgrind 3.19 (Debian 12) cannot read the DWARF Swift 6.3
writes, so the binary runs with its debug information stripped (`objcopy --strip-debug`); the
instructions are the same.

BASELINE holds the figures at the start of issue 20 (commit 52995b9, measured the same way), so
each row's ratio is before / now: the goal, 30 % fewer instructions, is a ratio of at least 1/0.7.
"""
import os
import re
import shutil
import statistics
import subprocess
import uuid

SMALL, LARGE = 300, 1300
BASELINE_COMMIT = "52995b9"
# (engine, updater) -> instructions per execution at BASELINE_COMMIT.
BASELINE = {
    ("sqlite", "noop"): 215_003,
    ("sqlite", "insert_only_tickets"): 833_145,
    ("postgres", "noop"): 160_369,
    ("postgres", "insert_only_tickets"): 582_827,
}
CONFIGURATIONS = list(BASELINE)


def stripped(bench, workdir):
    """A copy of UpdaterBenchmark without debug information, for valgrind."""
    path = os.path.join(workdir, "UpdaterBenchmark.stripped")
    subprocess.run(["objcopy", "--strip-debug", bench, path], check=True)
    return path


def total_instructions(binary, database, count, updater, workdir):
    out = os.path.join(workdir, f"callgrind-{uuid.uuid4().hex[:8]}.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "executions", "--database", database,
                    "--count", str(count), "--updater", updater, "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        total = int(re.search(r"^totals: (\d+)", f.read(), re.M).group(1))
    os.remove(out)
    return total


def per_execution(binary, engine, updater, workdir, fresh_postgres):
    def database():
        return f"sqlite:{workdir}/instructions-{uuid.uuid4().hex[:8]}.sqlite" if engine == "sqlite" else fresh_postgres()
    small = total_instructions(binary, database(), SMALL, updater, workdir)
    large = total_instructions(binary, database(), LARGE, updater, workdir)
    return (large - small) / (LARGE - SMALL)


def rows(add, bench, workdir, fresh_postgres, runs=3):
    """One row per (engine, updater): the median of `runs` measurements against BASELINE."""
    if shutil.which("valgrind") is None:
        raise SystemExit("instructions_per_execution needs valgrind (scripts/bench-deps.sh installs it)")
    binary = stripped(bench, workdir)
    for engine, updater in CONFIGURATIONS:
        measured = [per_execution(binary, engine, updater, workdir, fresh_postgres) for _ in range(runs)]
        before = BASELINE[(engine, updater)]
        name = "no-op updater" if updater == "noop" else "one service ticket"
        add(f"instructions_per_execution_{engine}_{'noop' if updater == 'noop' else 'tickets'}",
            f"instructions per execution ({name}, {engine}{', client side' if engine == 'postgres' else ''}; callgrind, "
            f"{LARGE} minus {SMALL} executions; peer: the same at {BASELINE_COMMIT}, the start of issue 20)",
            statistics.median(measured), before, "instructions", 1 / 0.7, runs={"ours": measured, "peer": [before]},
            lower_is_better=True)
