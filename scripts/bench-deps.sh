#!/usr/bin/env bash
# Peers for the benchmarks: Faker and croniter from PyPI in bench/.venv (pgbench and sqlite3
# come with the Debian packages make installs).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v sqlite3 >/dev/null || { sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo -n); "${sudo[@]}" apt-get install -y -qq sqlite3 >/dev/null; }
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import faker, croniter' 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q --disable-pip-version-check 'Faker==37.*' 'croniter==6.*'
fi
