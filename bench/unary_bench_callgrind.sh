#!/usr/bin/env bash
# Instructions per request of the gateway route and of the bare cpp-httplib
# route of unary_bench_server, counted by valgrind's callgrind: unlike
# requests/s, the count does not depend on the load of the machine, so two
# builds can be compared on a busy host.
#
#   bench/unary_bench_callgrind.sh     # REQUESTS=2000 per route, BUILD_DIR=build/bench-unary;
#                                      # SERVER=<path to unary_bench_server> skips the build
#
# Each route gets REQUESTS requests from one curl process on one keep-alive
# connection (curl sends Host, User-Agent and Accept), after 200 warm-up
# requests. The count covers every thread of the server (HTTP workers and
# gRPC's), with the debugging symbols the build has; keep the dumps with
# KEEP=<dir> and read them with callgrind_annotate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/bench-unary}
requests=${REQUESTS:-2000}
for tool in valgrind callgrind_control curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

source "$root/bench/bench_lib.sh"
server_bin=$(unary_bench_server_binary "$build")

out=${KEEP:-$(mktemp -d)}
mkdir -p "$out"
rm -f "$out"/callgrind.out*
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" "$server_bin" \
  >"$out/server.log" 2>"$out/valgrind.log" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$out"
}
trap cleanup EXIT
for _ in $(seq 600); do
  grep -q '^listening on' "$out/server.log" 2>/dev/null && break
  sleep 0.2
done
port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/server.log")
[ -n "$port" ] || { echo "server did not start:" >&2; cat "$out/server.log" "$out/valgrind.log" >&2; exit 1; }

# Sends $1 requests to $2 over one connection.
send() {
  local urls=()
  for _ in $(seq "$1"); do urls+=("$2"); done
  curl -sf "${urls[@]}" >/dev/null
}
gateway_url="http://127.0.0.1:$port/v1/items/42"
bare_url="http://127.0.0.1:$port/bare/items/42"
send 200 "$gateway_url"
send 200 "$bare_url"
callgrind_control -z "$server" >/dev/null 2>&1
send "$requests" "$gateway_url"
callgrind_control -d gateway "$server" >/dev/null 2>&1
send "$requests" "$bare_url"
callgrind_control -d bare "$server" >/dev/null 2>&1

count() {  # dump file -> instructions
  awk '/^(summary|totals):/ {print $2; exit}' "$1"
}
gateway=$(count "$out/callgrind.out.1")
bare=$(count "$out/callgrind.out.2")
awk -v g="$gateway" -v b="$bare" -v n="$requests" 'BEGIN {
  printf "instructions per request: gateway %d, bare %d, gateway/bare %.2f (%d requests each)\n",
    g / n, b / n, g / b, n }'
