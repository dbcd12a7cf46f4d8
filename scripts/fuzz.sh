#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the fuzzer and address sanitizers and runs each for
# SECONDS (default 60): FuzzCron (the cron parser and evaluator) and FuzzConfig (the
# configuration loader). Exits 1 if any target finds a crash, a leak, a timeout (-timeout=10 s
# per input) or an out-of-memory (-rss_limit_mb=2048), printing the reproducer's path.
#
#   scripts/fuzz.sh [SECONDS]        make fuzz [FUZZ_SECONDS=N]
#   scripts/fuzz.sh 0                replays the seeds and past failures only, no new inputs
#
# Corpus: new inputs go to Fuzz/.corpus/NAME (not committed), read together with the committed
# seeds in Fixtures/fuzz/NAME and the past failures in Fixtures/fuzz/regressions/NAME.
# Reproducers: Fuzz/.artifacts/NAME/. Replay one:   Fuzz/.build/debug/FuzzConfig FILE
# Minimise one:  Fuzz/.build/debug/FuzzConfig -minimize_crash=1 -runs=100000 FILE
# Environment: SWIFT (the swift driver), FUZZ_TARGETS ("cron config"), FUZZ_SKIP_BUILD=1.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
swift=${SWIFT:-swift}
targets=${FUZZ_TARGETS:-cron config}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

product() { case $1 in cron) echo FuzzCron ;; config) echo FuzzConfig ;; *) echo "unknown fuzz target '$1' (cron, config)" >&2; return 2 ;; esac; }
for name in $targets; do product "$name" >/dev/null || exit 2; done

# `swift build --sanitize=fuzzer --sanitize=address` alone is not enough: SwiftPM passes each
# sanitizer to swiftc as its own -sanitize= flag and swiftc keeps only the last one, so the Swift
# code gets ASan but no coverage and libFuzzer finds nothing. --sanitize=fuzzer makes SwiftPM link
# libFuzzer's main instead of the target's; -Xswiftc (which comes last) gives swiftc both
# sanitizers in one flag; -Xcc adds ASan to the C targets (libyaml, inside Yams), which
# --sanitize=fuzzer already instruments for coverage.
flags=(-c debug --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address)
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
  for name in $targets; do
    # (The linker's "Cannot export local symbol '__asan_…'" warnings are harmless and many.)
    (cd Fuzz && "$swift" build "${flags[@]}" --product "$(product "$name")" 2>&1) \
      | grep -v -e "Cannot export local symbol '__asan" -e "which are unhandled; explicitly declare them" -e "/CMakeLists.txt$"
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "fuzz: building $(product "$name") failed" >&2; exit 1; }
  done
fi

# The Swift runtime's own crash handler (the backtracer) would run inside the sanitizer and
# replace libFuzzer's report and reproducer with one of its own; libFuzzer and ASan report instead.
export SWIFT_BACKTRACE=enable=no
failed=0
for name in $targets; do
  binary=Fuzz/.build/debug/$(product "$name")
  corpus=Fuzz/.corpus/$name
  artifacts=Fuzz/.artifacts/$name
  mkdir -p "$corpus" "$artifacts"
  seeds=("Fixtures/fuzz/$name")
  [ -d "Fixtures/fuzz/regressions/$name" ] && seeds+=("Fixtures/fuzz/regressions/$name")
  log=$artifacts/last-run.log
  if [ "$seconds" = 0 ]; then duration=(-runs=0); else duration=(-max_total_time="$seconds"); fi
  echo "== fuzz $name: ${seconds}s (log: $log) =="
  "$binary" "${duration[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -dict="Fuzz/$name.dict" -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" >"$log" 2>&1
  status=$?
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|Done [0-9]+ runs)' "$log" | tail -3
  if [ "$status" != 0 ]; then
    failed=1
    echo "fuzz $name: FAILED (exit $status)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*Fatal error|ERROR: libFuzzer)' "$log" | head -5
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    if [ -n "$reproducer" ]; then
      echo "reproducer: $reproducer"
      echo "replay:     $binary $reproducer"
    else
      echo "no reproducer written; see $log"
    fi
  else
    echo "fuzz $name: passed"
  fi
done
exit "$failed"
