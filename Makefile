# updater — the two commands that matter are `make run` and `make test`.
SWIFT ?= swift
BIN := .build/debug/updater

.PHONY: run test deps build migrate bench-cron clean help

help:
	@echo "make run         build, migrate and run updater on the embedded SQLite default (data/updater.sqlite)"
	@echo "make test        the whole suite, against real SQLite files and a throwaway PostgreSQL cluster"
	@echo "make bench-cron  next-fire evaluations per second (release build)"

## Installs missing system packages (libpq-dev, libsqlite3-dev, postgresql) with apt-get.
deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build --product updater

## Builds, migrates the SQLite default and shows what the default schedules mean and when they fire.
run: build
	$(BIN) migrate
	@for expr in "0 0 9-17/2 * * 1-5" "0 0 */6 * * *" "0 0 10 * * 1-5"; do \
		echo; echo "$$expr: $$($(BIN) cron explain "$$expr")"; $(BIN) cron next "$$expr" --count 3; \
	done

## The whole suite. PostgreSQL tests run against a cluster started here and always stopped.
test: deps
	$(SWIFT) build --build-tests
	scripts/with-test-postgres.sh scripts/run-tests.sh $(SWIFT)

bench-cron: deps
	$(SWIFT) build -c release --product CronBenchmark
	.build/release/CronBenchmark --seconds 5

clean:
	rm -rf .build
