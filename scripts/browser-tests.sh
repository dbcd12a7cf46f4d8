#!/usr/bin/env bash
# The live view (GET /) in a real browser: Tests/Browser/live_view_test.py drives headless Debian
# chromium (chromium + chromium-driver, from scripts/install-deps.sh) with Selenium from PyPI, in a
# venv under .build/, against the debug binary. A screenshot goes to .build/test-output/live-view.png.
#
#   scripts/browser-tests.sh [path/to/updater]
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-.build/debug/updater}
command -v chromium >/dev/null && command -v chromedriver >/dev/null \
  || { echo "browser tests: chromium and chromedriver are missing (scripts/install-deps.sh installs them)" >&2; exit 1; }
venv=.build/browser-venv
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check 'selenium==4.27.1'
fi
UPDATER_BIN=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary") timeout 600 "$venv/bin/python" Tests/Browser/live_view_test.py
