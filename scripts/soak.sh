#!/usr/bin/env bash
# `make soak`: runs the release service for a long time with every updater firing every second and
# a steady API load, samples its resources, and checks that nothing grows: after a warm-up, RSS
# grows by less than 5 MB per hour (least-squares slope), and open file descriptors and threads
# stay flat.
#
#   scripts/soak.sh                       # 60 minutes, with API load, building the release binary
#   SOAK_MINUTES=20 SOAK_API_LOAD=0 UPDATER_BIN=.build/release/updater scripts/soak.sh
#
# Settings (environment):
#   SOAK_MINUTES=60            how long the service runs
#   SOAK_WARMUP_MINUTES=5      samples before this are not judged (caches, pools and arenas fill up)
#   SOAK_INTERVAL=10           seconds between samples
#   SOAK_API_LOAD=1            0: no request loop, only the scheduled executions
#   SOAK_RATE=15               requests per second of the request loop (scripts/soak_load.py)
#   SOAK_CONNECTIONS=3         keep-alive client connections of the loop (each reopened every 50 requests)
#   SOAK_TENANTS=3             tenants; each fires all three updaters every second
#   SOAK_RSS_LIMIT_MB_PER_H=5  the RSS goal
#   SOAK_FD_TOLERANCE          max-min of open fds after warm-up; default SOAK_CONNECTIONS+1 with load, 0 without
#   SOAK_THREAD_TOLERANCE      max-min of threads after warm-up; default 1 with load, 0 without
#   SOAK_PORT=0                API port (0: a free one, read back from the service)
#   SOAK_OUT                   results folder (default soak-results/<UTC timestamp>)
#   SOAK_KEEP=0                1: keep the service's temporary folder (databases, logs)
#   UPDATER_BIN                an existing binary; otherwise `swift build -c release --product updater`
#
# Results in SOAK_OUT: samples.csv (elapsed_s,rss_kb,fds,threads,requests_ok,requests_failed),
# proc.csv (RssAnon/RssFile, CPU seconds, file sizes, for diagnosis), summary.txt, summary.json,
# requests.json (per route and status), config.yaml, service.out.tail / service.err.tail.
# Exit 0 on PASS, 1 on FAIL (or when the service dies), 2 when too short to judge.
#
# Why the fd tolerance under load: each of the loop's client connections may be between its close
# and its reopen, or its accept not yet reaped, at the instant of a sample, and a GET /logs holds the
# day's log file open while it reads it; so the count moves within [base, base + connections + 1].
# A leak moves it out of that band within minutes. Without load nothing opens or closes anything.
# Why the thread tolerance under load: request handlers run on Swift's global executor, which on
# Linux is libdispatch's worker pool; when handlers and executions overlap it starts one more
# worker (measured: 11 threads, then 12 from some point between 15 and 40 minutes, as CPU per
# request grows, and never more, in 40- and 60-minute runs). Without load the count does not move.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SOAK_MINUTES=${SOAK_MINUTES:-60}
SOAK_WARMUP_MINUTES=${SOAK_WARMUP_MINUTES:-5}
SOAK_INTERVAL=${SOAK_INTERVAL:-10}
SOAK_API_LOAD=${SOAK_API_LOAD:-1}
SOAK_RATE=${SOAK_RATE:-15}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-3}
SOAK_TENANTS=${SOAK_TENANTS:-3}
SOAK_RSS_LIMIT_MB_PER_H=${SOAK_RSS_LIMIT_MB_PER_H:-5}
if [ "$SOAK_API_LOAD" = 0 ]; then default_fd_tolerance=0; else default_fd_tolerance=$((SOAK_CONNECTIONS + 1)); fi
SOAK_FD_TOLERANCE=${SOAK_FD_TOLERANCE:-$default_fd_tolerance}
if [ "$SOAK_API_LOAD" = 0 ]; then default_thread_tolerance=0; else default_thread_tolerance=1; fi
SOAK_THREAD_TOLERANCE=${SOAK_THREAD_TOLERANCE:-$default_thread_tolerance}
SOAK_PORT=${SOAK_PORT:-0}
SOAK_KEEP=${SOAK_KEEP:-0}
SOAK_OUT=${SOAK_OUT:-$ROOT/soak-results/$(date -u +%Y%m%dT%H%M%SZ)}

say() { printf 'soak: %s\n' "$*" >&2; }

for n in "$SOAK_MINUTES" "$SOAK_WARMUP_MINUTES" "$SOAK_INTERVAL" "$SOAK_TENANTS" "$SOAK_CONNECTIONS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { say "SOAK_MINUTES, SOAK_WARMUP_MINUTES, SOAK_INTERVAL, SOAK_TENANTS and SOAK_CONNECTIONS must be whole numbers"; exit 2; }
done
[ "$SOAK_INTERVAL" -ge 1 ] && [ "$SOAK_TENANTS" -ge 1 ] || { say "SOAK_INTERVAL and SOAK_TENANTS must be at least 1"; exit 2; }

# --- the binary -----------------------------------------------------------------------------
if [ -n "${UPDATER_BIN:-}" ]; then
  BIN=$UPDATER_BIN
else
  say "building the release binary (swift build -c release --product updater)"
  (cd "$ROOT" && "${SWIFT:-swift}" build -c release --product updater) || { say "build failed"; exit 1; }
  BIN=$ROOT/.build/release/updater
fi
[ -x "$BIN" ] || { say "no executable at $BIN"; exit 1; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")

# --- the service's folder and configuration ---------------------------------------------------
mkdir -p "$SOAK_OUT" || exit 1
SOAK_OUT=$(cd "$SOAK_OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/updater-soak.XXXXXX") || exit 1
tenants=()
for _ in $(seq 1 "$SOAK_TENANTS"); do tenants+=("$(cat /proc/sys/kernel/random/uuid)"); done
{
  echo "# written by scripts/soak.sh"
  echo "database: sqlite:$WORK/soak.sqlite"
  echo "dataDirectory: $WORK/data"
  echo "logDirectory: $WORK/logs"
  echo "logLevel: info"
  echo "misfirePolicy: skip"
  echo "api:"
  echo "  host: 127.0.0.1"
  echo "  port: $SOAK_PORT"
  echo "scheduleConfig:"
  echo '  businessActivities: "*/1 * * * * *"'
  echo '  serviceTickets: "*/1 * * * * *"'
  echo '  newLeads: "*/1 * * * * *"'
  echo "tenants:"
  i=0
  for t in "${tenants[@]}"; do
    i=$((i + 1))
    echo "  - id: $t"
    echo "    customerId: cust-$i"
  done
} >"$WORK/soak.yaml"
cp "$WORK/soak.yaml" "$SOAK_OUT/config.yaml"

PID=""
LOAD_PID=""
SAMPLER_DONE=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [ -n "$LOAD_PID" ] && kill -0 "$LOAD_PID" 2>/dev/null; then
    kill -TERM "$LOAD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$LOAD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$LOAD_PID" 2>/dev/null
  fi
  [ -n "$LOAD_PID" ] && wait "$LOAD_PID" 2>/dev/null
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    say "stopping the service (pid $PID): SIGINT, SIGKILL after 30 s"
    kill -INT "$PID" 2>/dev/null
    for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$PID" 2>/dev/null; then
      say "the service did not stop within 30 s of SIGINT: SIGKILL"
      kill -KILL "$PID" 2>/dev/null
      [ "$rc" = 0 ] && rc=1
    fi
  fi
  [ -n "$PID" ] && wait "$PID" 2>/dev/null
  [ -f "$WORK/load.counts.json" ] && cp "$WORK/load.counts.json" "$SOAK_OUT/requests.json"
  [ -f "$WORK/service.out" ] && tail -n 200 "$WORK/service.out" >"$SOAK_OUT/service.out.tail"
  [ -f "$WORK/service.err" ] && tail -n 200 "$WORK/service.err" >"$SOAK_OUT/service.err.tail"
  if [ "$SOAK_KEEP" = 1 ]; then say "service folder kept: $WORK"; else rm -rf "$WORK"; fi
  say "results in $SOAK_OUT"
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM HUP

# --- start ----------------------------------------------------------------------------------------
say "$BIN start, ${SOAK_TENANTS} tenants x 3 updaters every second, ${SOAK_MINUTES} min, API load $([ "$SOAK_API_LOAD" = 0 ] && echo off || echo "${SOAK_RATE}/s"), folder $WORK"
(cd "$WORK" && exec "$BIN" start --config "$WORK/soak.yaml" >"$WORK/service.out" 2>"$WORK/service.err") &
PID=$!
port=""
for _ in $(seq 1 600); do
  kill -0 "$PID" 2>/dev/null || break
  port=$(grep -o 'API listening on http://127.0.0.1:[0-9]*' "$WORK/service.out" 2>/dev/null | grep -o '[0-9]*$' | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  say "the service did not start (no 'API listening on' line within 60 s)"
  tail -n 20 "$WORK/service.err" >&2
  exit 1
fi
BASE=http://127.0.0.1:$port
T0=${EPOCHREALTIME/./}
say "service pid $PID, API $BASE"

COUNTS=$WORK/load.counts
if [ "$SOAK_API_LOAD" != 0 ]; then
  tenant_args=()
  for t in "${tenants[@]}"; do tenant_args+=(--tenant "$t"); done
  python3 "$ROOT/scripts/soak_load.py" --base "$BASE" --token-file "$WORK/data/api-token" --counts "$COUNTS" \
    --rate "$SOAK_RATE" --connections "$SOAK_CONNECTIONS" "${tenant_args[@]}" 2>"$WORK/load.err" &
  LOAD_PID=$!
fi

# --- sample ---------------------------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
echo "elapsed_s,rss_kb,fds,threads,requests_ok,requests_failed" >"$SOAK_OUT/samples.csv"
echo "elapsed_s,rss_kb,rss_anon_kb,rss_file_kb,fds,threads,cpu_s,log_bytes,state_db_bytes,target_db_bytes,ledger_bytes" >"$SOAK_OUT/proc.csv"
file_size() { local total=0 f s; for f in "$@"; do [ -e "$f" ] && s=$(stat -c %s "$f") && total=$((total + s)); done; echo "$total"; }

duration_us=$((SOAK_MINUTES * 60 * 1000000))
interval_us=$((SOAK_INTERVAL * 1000000))
k=0
while :; do
  target=$((T0 + k * interval_us))
  now=${EPOCHREALTIME/./}
  if [ "$target" -gt "$now" ]; then sleep "$(printf '%d.%06d' $(((target - now) / 1000000)) $(((target - now) % 1000000)))"; fi
  if ! kill -0 "$PID" 2>/dev/null; then
    say "the service exited during the soak"
    tail -n 20 "$WORK/service.err" >&2
    exit 1
  fi
  elapsed=$(((${EPOCHREALTIME/./} - T0) / 1000000))
  rss=0 anon=0 file=0 threads=0
  while read -r key value _; do
    case $key in
      VmRSS:) rss=$value ;; RssAnon:) anon=$value ;; RssFile:) file=$value ;; Threads:) threads=$value ;;
    esac
  done <"/proc/$PID/status"
  fdlist=(/proc/"$PID"/fd/*)
  fds=${#fdlist[@]}
  read -r -a stat <<<"$(sed 's/^.*) //' "/proc/$PID/stat")"
  cpu_ticks=$((stat[11] + stat[12]))   # utime + stime (fields 14 and 15 of /proc/PID/stat)
  cpu=$(printf '%d.%02d' $((cpu_ticks / CLK_TCK)) $(((cpu_ticks % CLK_TCK) * 100 / CLK_TCK)))
  ok=0 failed=0
  [ -f "$COUNTS" ] && read -r ok failed <"$COUNTS"
  logs=$(file_size "$WORK"/logs/*.log)
  state=$(file_size "$WORK/data/state.sqlite" "$WORK/data/state.sqlite-wal")
  target_db=$(file_size "$WORK/soak.sqlite" "$WORK/soak.sqlite-wal")
  ledger=$(file_size "$WORK/data/changes.jsonl")
  echo "$elapsed,$rss,$fds,$threads,$ok,$failed" >>"$SOAK_OUT/samples.csv"
  echo "$elapsed,$rss,$anon,$file,$fds,$threads,$cpu,$logs,$state,$target_db,$ledger" >>"$SOAK_OUT/proc.csv"
  if [ $((k % 30)) = 0 ]; then
    say "$(printf '%5d s  rss %6.1f MB  fds %3d  threads %3d  requests ok %d failed %d  cpu %s s' \
      "$elapsed" "$(echo "$rss" | awk '{print $1/1024}')" "$fds" "$threads" "$ok" "$failed" "$cpu")"
  fi
  [ $((k * interval_us)) -ge "$duration_us" ] && break
  k=$((k + 1))
done

# --- stop and judge -------------------------------------------------------------------------------
if [ -n "$LOAD_PID" ]; then
  kill -TERM "$LOAD_PID" 2>/dev/null
  wait "$LOAD_PID" 2>/dev/null
  LOAD_PID=""
fi
# Allocator settings from the environment change what RSS means: say so in the summary.
alloc_meta=()
for v in MALLOC_ARENA_MAX GLIBC_TUNABLES; do [ -n "${!v:-}" ] && alloc_meta+=(--meta "$v=${!v}"); done
python3 "$ROOT/scripts/soak_summary.py" "$SOAK_OUT" --warmup-s $((SOAK_WARMUP_MINUTES * 60)) "${alloc_meta[@]}" \
  --rss-limit-mb-per-h "$SOAK_RSS_LIMIT_MB_PER_H" --fd-tolerance "$SOAK_FD_TOLERANCE" --thread-tolerance "$SOAK_THREAD_TOLERANCE" \
  --meta "apiLoad=$([ "$SOAK_API_LOAD" = 0 ] && echo off || echo "${SOAK_RATE}/s")" --meta "tenants=$SOAK_TENANTS" \
  --meta "binary=$BIN"
exit $?
