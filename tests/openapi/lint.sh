#!/usr/bin/env bash
# Generates OpenAPI documents with protoc-gen-grpcgw (the chat example, a
# proto that uses every feature, with the gateway's default options and with
# others, and protos bound by an HTTP rules file) and validates each with
# Redocly's linter (`redocly lint`, installed by npm_setup.sh into NPM_DIR).
# Any error fails; exits 77 (skipped) when node or the linter is missing.
#   tests/openapi/lint.sh NPM_DIR PROTOC PLUGIN SOURCE_DIR WORK_DIR
set -euo pipefail
npm_dir=$1 protoc=$2 plugin=$3 src=$4 work=$5
here="$src/tests/openapi"
redocly="$npm_dir/node_modules/.bin/redocly"
if ! command -v node >/dev/null 2>&1 || [ ! -x "$redocly" ]; then
  echo "skipped: node or $redocly is missing (the openapi_npm_setup test installs it)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work"
gen() {  # gen OUT_SUBDIR OPTIONS -I... files...
  local out="$work/$1" opts=$2
  shift 2
  mkdir -p "$out"
  "$protoc" -I"$src/proto" "$@" --plugin=protoc-gen-grpcgw="$plugin" --grpcgw_out="$out" --grpcgw_opt="$opts"
}
gen chat openapi -I"$src/examples/chat" "$src/examples/chat/chat.proto"
gen everything openapi -I"$src/tests/protos/openapi" "$src/tests/protos/openapi/everything.proto" \
  "$src/tests/protos/openapi/small.proto"
gen everything-options \
  openapi=service,openapi_use_proto_names,openapi_omit_unpopulated,openapi_enums_as_ints,openapi_ndjson_bare_lines \
  -I"$src/tests/protos/openapi" "$src/tests/protos/openapi/everything.proto"
gen rules "openapi,http_rules=$src/tests/protos/yaml/library_rules.yaml" -I"$src/tests/protos/yaml" \
  "$src/tests/protos/yaml/library.proto" "$src/tests/protos/yaml/admin.proto"
mapfile -t documents < <(find "$work" -name '*.openapi.json' | sort)
echo "linting ${#documents[@]} documents"
cd "$work"
# No usage reports from the linter (tests run offline).
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$redocly" lint --config "$here/redocly.yaml" --format stylish "${documents[@]}"
