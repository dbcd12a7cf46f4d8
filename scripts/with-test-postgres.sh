#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster, then stops and deletes the cluster,
# also when the command fails or is interrupted.
#
#   scripts/with-test-postgres.sh swift test
#
# The cluster lives in a temporary folder, listens on a private port on 127.0.0.1 (password
# authentication, so tests can check a wrong password) and on a private socket directory, and
# runs with fsync off. The command sees UPDATER_TEST_POSTGRES_URL, a URL for a user that may
# create databases. As root, the server runs as the 'postgres' user (PostgreSQL refuses root).
set -euo pipefail

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$candidate/initdb" ]; then bindir=$candidate; break; fi
done
if [ -z "$bindir" ]; then
  command -v initdb >/dev/null || { echo "with-test-postgres: initdb not found (apt-get install -y postgresql)" >&2; exit 1; }
  bindir=$(dirname "$(command -v initdb)")
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/updater-pg.XXXXXX")
as_server=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$workdir"
  as_server=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')

stop() {
  "${as_server[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT
trap 'exit 130' INT TERM

"${as_server[@]}" "$bindir/initdb" -D "$workdir/data" -U postgres -E UTF8 --no-locale \
  --auth-local=trust --auth-host=scram-sha-256 >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 1; }
"${as_server[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/server.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $workdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c wal_level=logical -c max_replication_slots=20" \
  >/dev/null || { cat "$workdir/server.log" >&2; exit 1; }
"$bindir/psql" -h "$workdir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE updater LOGIN CREATEDB REPLICATION PASSWORD '$password'" \
  -c "CREATE DATABASE updater_test OWNER updater" >/dev/null

export UPDATER_TEST_POSTGRES_URL="postgresql://updater:$password@127.0.0.1:$port/updater_test"
export UPDATER_TEST_POSTGRES_SOCKET="$workdir"
export UPDATER_TEST_POSTGRES_PORT="$port"
export UPDATER_TEST_POSTGRES_BINDIR="$bindir"
echo "with-test-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (cluster in $workdir)" >&2
set +e
"$@"
status=$?
set -e
exit $status
