#!/usr/bin/env bash
# Installs the OpenAPI tests' validators (package.json beside this script:
# @redocly/cli, ajv, ajv-formats) into DIR, a folder of the build tree.
# Exits 77 (the tests' "skipped") when node or npm is missing.
#   tests/openapi/npm_setup.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: npm_setup.sh DIR}
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "skipped: node and npm are needed to install the OpenAPI validators (scripts/deps.sh installs them)"
  exit 77
fi
mkdir -p "$dir"
if cmp -s "$here/package.json" "$dir/package.json" && [ -f "$dir/node_modules/.installed" ]; then
  echo "validators already installed in $dir"
  exit 0
fi
cp "$here/package.json" "$dir/package.json"
rm -f "$dir/node_modules/.installed"
npm install --prefix "$dir" --no-audit --no-fund --no-package-lock --loglevel=error
touch "$dir/node_modules/.installed"
echo "validators installed in $dir"
