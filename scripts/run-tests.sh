#!/usr/bin/env bash
# Runs the already-built suite (the crash test included: CRASH_KILLS per engine, default 20),
# then schemathesis against the served OpenAPI document, then the live view in headless chromium
# (scripts/browser-tests.sh), then a 5-second libFuzzer smoke run per
# target (scripts/fuzz.sh; the first build of Fuzz/ takes about 3 minutes), and ends with a plain
# summary, including how many PostgreSQL test databases the run created (evidence that the
# PostgreSQL tests really ran).
set -uo pipefail
swift=${1:-swift}
log=$(mktemp)
"$swift" test --skip-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
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
summary=$(grep -E 'Test run with [0-9]+ tests' "$log" | tail -1)
# The failing tests and their first issue lines, repeated at the end where CI's tail shows them.
failures=$(grep -E '✘ (Test|Suite) .*(failed|recorded an issue)|error: .*XCTAssert|: error: ' "$log" | awk '!seen[$0]++' | head -40)
rm -f "$log"
echo
echo "PostgreSQL: $pg_databases fresh test databases were created and used by this run."
[ "$schemathesis_status" = 0 ] && echo "schemathesis: passed" || echo "schemathesis: FAILED (exit $schemathesis_status)"
[ "$browser_status" = 0 ] && echo "browser: passed" || echo "browser: FAILED (exit $browser_status)"
[ "$fuzz_status" = 0 ] && echo "fuzz smoke: passed" || echo "fuzz smoke: FAILED (exit $fuzz_status)"
if [[ $summary =~ with\ ([0-9]+)\ tests.*\ (passed|failed) ]]; then
  total=${BASH_REMATCH[1]}
  if [ "$status" = 0 ]; then echo "tests: $total passed, 0 failed"; else echo "tests: see failures above (exit $status)"; fi
fi
if [ "$status" != 0 ] && [ -n "$failures" ]; then
  echo "failures:"
  echo "$failures"
fi
[ "$status" = 0 ] || exit "$status"
[ "$schemathesis_status" = 0 ] || exit "$schemathesis_status"
[ "$browser_status" = 0 ] || exit "$browser_status"
exit "$fuzz_status"
