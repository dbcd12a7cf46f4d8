#!/usr/bin/env bash
# Runs the already-built suite in three passes (the crash test included: CRASH_KILLS per engine,
# default 20), then schemathesis against the served OpenAPI document, then the live view in
# headless chromium (scripts/browser-tests.sh), then a 5-second libFuzzer smoke run per target
# (scripts/fuzz.sh; the first build of Fuzz/ takes about 3 minutes), and ends with a plain
# summary, including how many PostgreSQL test databases the run created (evidence that the
# PostgreSQL tests really ran).
set -uo pipefail
swift=${1:-swift}
# Foundation's Process.run() on Linux (swift-corelibs-foundation before PR #5472, Swift 6.3.1
# included) copies 256 bytes of each /proc/self/fd entry, reading past glibc's readdir buffer; at
# the top of a thread's malloc arena, grown page by page, that read meets an unmapped page and
# the whole test process dies of SIGSEGV (CI saw it once in the suite's hundreds of launches).
# With one arena, every thread allocates from the main heap, which glibc always grows with 128 KiB
# to spare, so the over-read stays in mapped memory.
export GLIBC_TUNABLES="${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.arena_max=1"
log=$(mktemp)
# Swift Testing runs a pass's tests all at once. On two cores, the suites that simulate months
# (steady states, scenarios, simulations, the crash test) kept both cores busy for over a minute
# and stretched everything beside them: webhook batches, child processes' output, SQLite lock
# waits and cancellations took 5 to 20 times their usual time. They run in a pass of their own.
# The replica suites run several `updater start` processes with every schedule firing each
# second, and hold each fire of their window to having taken effect: a second-long stall of the
# machine turns a fire into an overlap skip. They run last, on a quiet machine.
heavy='FactorySteadyStateTests|OfficeSteadyStateTests|FactoryScenarioTests|SimulationTests|OfficeInvariantTests|CrashTests'
quiet='ClusterModeTests|ReplicaExactlyOnceTests'
"$swift" test --skip-build --skip "$heavy|$quiet" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo
echo "== the suites that simulate months, on their own =="
"$swift" test --skip-build --filter "$heavy" 2>&1 | tee "$log.heavy"
heavy_status=${PIPESTATUS[0]}
echo
echo "== the replica suites, on a quiet machine =="
"$swift" test --skip-build --filter "$quiet" 2>&1 | tee "$log.quiet"
quiet_status=${PIPESTATUS[0]}
echo
echo "== schemathesis against the served OpenAPI document =="
scripts/schemathesis.sh 2>&1 | tee -a "$log.schemathesis"
schemathesis_status=${PIPESTATUS[0]}
rm -f "$log.schemathesis"
echo
echo "== the live view in a real browser (headless chromium) =="
scripts/browser-tests.sh
browser_status=$?
echo
echo "== libFuzzer smoke run: the cron parser and the configuration loader =="
scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-5}"
fuzz_status=$?
pg_databases=$("${UPDATER_TEST_POSTGRES_BINDIR:-/usr/bin}/psql" -h "$UPDATER_TEST_POSTGRES_SOCKET" -p "$UPDATER_TEST_POSTGRES_PORT" \
  -U postgres -d postgres -qAt -c "SELECT count(*) FROM pg_database WHERE datname LIKE 't\_%'" 2>/dev/null || echo 0)
count() { local n; n=$(grep -E 'Test run with [0-9]+ tests' "$1" | tail -1 | sed -E 's/.*with ([0-9]+) tests.*/\1/'); echo "${n:-0}"; }
total=$(( $(count "$log") + $(count "$log.heavy") + $(count "$log.quiet") ))
# The failing tests and their first issue lines, repeated at the end where CI's tail shows them.
failures=$(cat "$log" "$log.heavy" "$log.quiet" | grep -E '✘ (Test|Suite) .*(failed|recorded an issue)|error: .*XCTAssert|: error: ' | awk '!seen[$0]++' | head -40)
rm -f "$log" "$log.heavy" "$log.quiet"
[ "$status" = 0 ] && status=$heavy_status
[ "$status" = 0 ] && status=$quiet_status
echo
echo "PostgreSQL: $pg_databases fresh test databases were created and used by this run."
[ "$schemathesis_status" = 0 ] && echo "schemathesis: passed" || echo "schemathesis: FAILED (exit $schemathesis_status)"
[ "$browser_status" = 0 ] && echo "browser: passed" || echo "browser: FAILED (exit $browser_status)"
[ "$fuzz_status" = 0 ] && echo "fuzz smoke: passed" || echo "fuzz smoke: FAILED (exit $fuzz_status)"
if [ "$status" = 0 ]; then echo "tests: $total passed, 0 failed"; else echo "tests: see failures above (exit $status)"; fi
if [ "$status" != 0 ] && [ -n "$failures" ]; then
  echo "failures:"
  echo "$failures"
fi
[ "$status" = 0 ] || exit "$status"
[ "$schemathesis_status" = 0 ] || exit "$schemathesis_status"
[ "$browser_status" = 0 ] || exit "$browser_status"
exit "$fuzz_status"
