#!/usr/bin/env bash
# Runs one of the headless-Chromium tests of this folder:
#   chat_page_test.cjs      the chat example's page (server: example_server)
#   http2_browser_test.cjs  HTTP/2 over TLS, ALPN h2 (server: h2_browser_server)
#
#   run_browser_test.sh <test .cjs> <server binary> <work dir>
#
# Installs puppeteer-core (pinned) from npm into <work dir>/node once, then
# drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM). Exits 77
# (skipped) where Chromium, Node.js or npm is missing.
set -euo pipefail
test_script=$1
example=$2
work=$(mkdir -p "$3" && cd "$3" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
puppeteer_version=24.43.1   # the 24 series runs on Node.js 18 and 20

if [ ! -x "$chromium" ]; then
  echo "SKIPPED: $chromium is not installed (scripts/deps.sh installs Debian's chromium)"
  exit 77
fi
for tool in node npm; do
  if ! command -v $tool >/dev/null; then
    echo "SKIPPED: $tool is not installed (scripts/deps.sh installs it)"
    exit 77
  fi
done

modules="$work/node"
installed="$modules/node_modules/puppeteer-core/package.json"
if [ ! -f "$installed" ] || ! grep -q "\"version\": \"$puppeteer_version\"" "$installed"; then
  echo "installing puppeteer-core@$puppeteer_version into $modules"
  mkdir -p "$modules"
  if ! timeout 180 npm install --prefix "$modules" --no-audit --no-fund --no-save --no-package-lock \
      --loglevel=error "puppeteer-core@$puppeteer_version"; then
    echo "FAILED: npm could not install puppeteer-core@$puppeteer_version into $modules"
    exit 1
  fi
fi

exec timeout 90 node "$here/$test_script" "$example" "$chromium" "$modules/node_modules" "$work"
