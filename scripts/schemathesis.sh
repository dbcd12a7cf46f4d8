#!/usr/bin/env bash
# Fuzzes the running service's API against its own OpenAPI document with schemathesis (PyPI):
# no 5xx, responses match their schemas, status codes and content types are documented.
# Bounded: 25 examples per operation, a fixed seed (reproducible), 5 minutes at most. The live
# streams are left out: a stream answers 200 and stays open, which a request fuzzer reads as a timeout.
#
#   scripts/schemathesis.sh [path/to/updater]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/updater}
venv=.build/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'schemathesis==4.32.5'
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/updater-schemathesis.XXXXXX")
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

printf 'api:\n  port: 0\nscheduleConfig:\n  serviceTickets: "*/5 * * * * *"\n' >"$workdir/config.yaml"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
(cd "$workdir" && DATABASE_UPDATER_API_TOKEN=$token exec "$binary" start --config config.yaml >service.out 2>service.err) &
pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$workdir/service.out" 2>/dev/null | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "schemathesis: the service did not start" >&2; cat "$workdir/service.err" >&2; exit 1; }

set +e
timeout 300 "$venv/bin/schemathesis" run "http://127.0.0.1:$port/openapi.yaml" \
  --exclude-operation-id streamEvents --exclude-operation-id streamEventsWebSocket \
  -H "Authorization: Bearer $token" --max-examples 25 --seed 20261124 --request-timeout 30 \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance
status=$?
set -e
if grep -q -- "$token" "$workdir/service.out" "$workdir/service.err"; then
  echo "schemathesis: the API token appeared in the service's output" >&2
  status=1
fi
exit $status
