#!/usr/bin/env bash
# Installs the system packages updater needs when they are missing:
# libpq-dev and libsqlite3-dev to build, postgresql (with wal2json) for the test suite's throwaway cluster.
# sqlite3 (the shell) for the tests that compare dumps, tmux for the tests of the terminal views,
# chromium and chromium-driver for the live view's browser test.
# Non-interactive; uses sudo when not root.
set -euo pipefail

missing=()
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v sqlite3 >/dev/null || missing+=(sqlite3)  # the simulation tests compare `sqlite3 FILE .dump`
command -v tmux >/dev/null || missing+=(tmux)        # the terminal views are tested through a real terminal
command -v chromium >/dev/null || missing+=(chromium)                # the live view is tested in a real browser
command -v chromedriver >/dev/null || missing+=(chromium-driver)     # … driven by Selenium

# wal2json, the output plugin `updater verify --wal` decodes the WAL with (its tests need it),
# for the installed server's major version (known once postgresql is installed: a second pass).
wal2json_missing() {
  for bindir in /usr/lib/postgresql/*/bin; do
    [ -x "$bindir/initdb" ] || continue
    major=$(basename "$(dirname "$bindir")")
    ls "/usr/lib/postgresql/$major/lib/wal2json.so" >/dev/null 2>&1 || echo "postgresql-$major-wal2json"
  done
}
missing+=($(wal2json_missing))

if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

echo "install-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" pkg-config >/dev/null
later=($(wal2json_missing))
if [ ${#later[@]} -gt 0 ]; then "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${later[@]}" >/dev/null; fi
