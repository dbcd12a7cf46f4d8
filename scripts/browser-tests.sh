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
python=$(scripts/browser-venv.sh)
UPDATER_BIN=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary") timeout 600 "$python" Tests/Browser/live_view_test.py
