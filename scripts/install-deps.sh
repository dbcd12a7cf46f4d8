#!/usr/bin/env bash
# Installs the system packages updater needs when they are missing:
# libpq-dev and libsqlite3-dev to build, postgresql for the test suite's throwaway cluster.
# sqlite3 (the shell) for the tests that compare dumps.
# Non-interactive; uses sudo when not root.
set -euo pipefail

missing=()
pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
pkg-config --exists sqlite3 2>/dev/null || missing+=(libsqlite3-dev)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v sqlite3 >/dev/null || missing+=(sqlite3)  # the simulation tests compare `sqlite3 FILE .dump`

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
