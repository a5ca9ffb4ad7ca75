#!/usr/bin/env bash
# Runs conformance.js with Node.js; exits 77 (skipped) when node is missing.
#   tests/openapi/conformance.sh <openapi_server binary> <npm dir>
set -euo pipefail
if ! command -v node >/dev/null 2>&1; then
  echo "skipped: node is needed for the OpenAPI conformance test (scripts/deps.sh installs it)"
  exit 77
fi
exec node "$(dirname "$0")/conformance.js" "$@"
