#!/usr/bin/env bash
# Makes (once) the venv the browser test and the live-view bench drive chromium from — Selenium
# from PyPI, under .build/ — and prints its python.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/browser-venv
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check 'selenium==4.27.1' >&2
fi
echo "$PWD/$venv/bin/python"
