# updater — the two commands that matter are `make run` and `make test`.
SWIFT ?= swift
BIN := .build/debug/updater

.PHONY: run test deps build bench bench-quick bench-ground-truth bench-instructions bench-monitor bench-streams bench-live-view bench-cluster bench-cron soak fuzz clean help

help:
	@echo "make run         build and start the service on the embedded SQLite default, demo schedules (Config/demo.yaml)"
	@echo "make test        the whole suite, against real SQLite files and a throwaway PostgreSQL cluster"
	@echo "make bench       ours against pgbench, sqlite3, Faker and croniter; writes BENCHMARKS.md (make bench-quick: under 3 minutes)"
	@echo "make bench-ground-truth  only the ground truth's rows: executions/s with the change log against without, verify over 1M entries"
	@echo "                 (GROUND_TRUTH_ARGS=--quick: 2,000 executions and 100,000 entries, 3 rounds)"
	@echo "make bench-instructions  instructions per execution (callgrind), no-op and one ticket, both engines, against the start of issue 20"
	@echo "make bench-monitor  updater monitor check of 1,000,000 rows with 0.1 % changed against a plain read (sqlite3, psql COPY)"
	@echo "                 (MONITOR_ARGS=--quick: 100,000 rows, 3 rounds)"
	@echo "make bench-streams  10 SSE clients at 1k and 10k events/s: commit-to-client p50/p99, events/s, executions/s with/without (SQLite)"
	@echo "                 (STREAMS_ARGS=--quick: 5-s windows, 3 rounds)"
	@echo "make bench-live-view  the live view (GET /) in headless chromium: fps with >= 10,000 orbs at ~1,000 events/s"
	@echo "                 (LIVE_VIEW_ARGS=--quick: 2 windows of 5 s)"
	@echo "make bench-cluster  fires/s carried by 1, 2 and 3 cluster replicas on one PostgreSQL (cap 2 each), duplicates, verify"
	@echo "                 (CLUSTER_ARGS=--quick: 10-s windows, 3 rounds, about 4 minutes; full: about 14 minutes)"
	@echo "make bench-cron  next-fire evaluations per second (release build)"
	@echo "make soak        the release service for SOAK_MINUTES (60) under API load: RSS, fds, threads must stay flat (soak-results/)"
	@echo "make fuzz        libFuzzer on the cron parser and the configuration loader, FUZZ_SECONDS (60) per target; fails on a crash, leak, timeout or OOM"

## Installs missing system packages (libpq-dev, libsqlite3-dev, postgresql) with apt-get.
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product updater

## The service on the embedded SQLite default, with the demo's fast schedules (Ctrl-C stops it).
run: build
	$(BIN) start --config Config/demo.yaml

## The whole suite. PostgreSQL tests run against a cluster started here and always stopped.
test: deps
	$(SWIFT) build --build-tests
	scripts/with-test-postgres.sh scripts/run-tests.sh $(SWIFT)

## Ours against pgbench, the sqlite3 shell, Faker and croniter; writes BENCHMARKS.md and bench/results.json.
bench: deps
	scripts/bench-deps.sh
	$(SWIFT) build -c release --product UpdaterBenchmark
	$(SWIFT) build -c release --product CronBenchmark
	$(SWIFT) build -c release --product updater
	scripts/with-test-postgres.sh python3 bench/run.py

bench-quick: deps
	scripts/bench-deps.sh
	$(SWIFT) build -c release --product UpdaterBenchmark
	$(SWIFT) build -c release --product CronBenchmark
	$(SWIFT) build -c release --product updater
	scripts/with-test-postgres.sh python3 bench/run.py --quick

## The change log's cost (executions/s with it against UPDATER_BENCHMARK_CHANGE_LOG=off, both engines)
## and updater verify over a log of 1,000,000 entries (UPDATER_BENCH_VERIFY_ENTRIES=N) against reading
## the same tables with sqlite3 / psql COPY. Writes bench/results-ground-truth.json; see bench/notes.md.
GROUND_TRUTH_ARGS ?=
bench-ground-truth: deps
	scripts/bench-deps.sh
	$(SWIFT) build -c release --product UpdaterBenchmark
	$(SWIFT) build -c release --product updater
	scripts/with-test-postgres.sh python3 bench/run.py --only ground-truth $(GROUND_TRUTH_ARGS)

## Instructions per execution (issue 20), counted by callgrind for the no-op updater and one service ticket
## on both engines, against the start of issue 20. Writes bench/results-instructions.json; see bench/notes.md.
INSTRUCTIONS_ARGS ?=
bench-instructions: deps
	scripts/bench-deps.sh
	$(SWIFT) build -c release --product UpdaterBenchmark
	scripts/with-test-postgres.sh python3 bench/run.py --only instructions $(INSTRUCTIONS_ARGS)

## The snapshot monitor (issue 16): `updater monitor check` of a 1,000,000-row table with 0.1 % changed a round
## (UPDATER_BENCH_MONITOR_ROWS=N) against reading the same rows with sqlite3 / psql COPY, both engines.
## Writes bench/results-monitor.json; see bench/notes.md.
MONITOR_ARGS ?=
bench-monitor: deps
	scripts/bench-deps.sh
	$(SWIFT) build -c release --product updater
	scripts/with-test-postgres.sh python3 bench/run.py --only monitor $(MONITOR_ARGS)

## The live streams (issue 17): 10 SSE clients on the release service at 1,000 and 10,000 executions/s offered
## (serviceTickets @every 1s for that many tenants, SQLite): commit-to-client p50/p99, events/s received, and
## executions/s with the clients against without, alternately. Writes bench/results-streams.json; see bench/notes.md.
STREAMS_ARGS ?=
bench-streams: deps
	$(SWIFT) build -c release --product updater
	python3 bench/run.py --only streams $(STREAMS_ARGS)

## The live view (issue 18): GET / in headless chromium (software rendering) against the release service with
## serviceTickets @every 1s for 1,000 tenants; fps, p99 and max frame time once the sphere holds >= 10,000 orbs.
## Writes bench/results-live-view.json.
LIVE_VIEW_ARGS ?=
bench-live-view: deps
	$(SWIFT) build -c release --product updater
	$$(scripts/browser-venv.sh) bench/live_view.py $(LIVE_VIEW_ARGS)

## The cluster (issue 19): 1, 2 and 3 `updater start` replicas of one cluster on one PostgreSQL, on this machine,
## serviceTickets at */1 for 3,000 tenants (more than they carry), cap 2 each: fires/s from updater.fires, the duplicates
## (change log, histories) that must be 0, `updater verify`, skipped fires, each replica's share, and where the CPU goes.
## Writes bench/results-cluster.json; see bench/notes.md.
CLUSTER_ARGS ?=
bench-cluster: deps
	$(SWIFT) build -c release --product updater
	scripts/with-test-postgres.sh python3 bench/cluster.py $(CLUSTER_ARGS)

bench-cron: deps
	$(SWIFT) build -c release --product CronBenchmark
	.build/release/CronBenchmark --seconds 5

## Resource soak: every updater every second plus API load; fails if RSS grows >= 5 MB/h after a
## 5-minute warm-up or fds/threads move. SOAK_MINUTES=N, SOAK_API_LOAD=0, UPDATER_BIN=path (skips the build).
soak: deps
	SWIFT="$(SWIFT)" scripts/soak.sh

## libFuzzer targets (Fuzz/, a package of its own): the cron parser and the configuration loader, each
## for FUZZ_SECONDS, seeded from Fixtures/fuzz; reproducers in Fuzz/.artifacts/, new inputs in Fuzz/.corpus/.
FUZZ_SECONDS ?= 60
fuzz: deps
	SWIFT="$(SWIFT)" scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build
