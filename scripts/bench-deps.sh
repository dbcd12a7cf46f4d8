#!/usr/bin/env bash
# Peers for the benchmarks: Faker and croniter from PyPI in bench/.venv (pgbench comes with the
# Debian packages make installs; sqlite3 and valgrind are installed here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
# valgrind counts instructions_per_execution (callgrind).
for tool in sqlite3 valgrind; do
  command -v "$tool" >/dev/null || { sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo -n); "${sudo[@]}" apt-get install -y -qq "$tool" >/dev/null; }
done
if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import faker, croniter' 2>/dev/null; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q --disable-pip-version-check 'Faker==37.*' 'croniter==6.*'
fi
