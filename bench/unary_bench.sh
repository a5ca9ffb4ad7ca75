#!/usr/bin/env bash
# Unary throughput and latency of the gateway against a bare cpp-httplib
# handler on the same server: wrk at 1, 16 and 64 connections, a few seconds
# each. Prints requests/s, p50 and p99 latency, and gateway/bare ratios.
#
#   bench/unary_bench.sh     # DURATION=3 (seconds per run), BUILD_DIR=build/bench-unary;
#                            # SERVER=<path to unary_bench_server> skips the build
#
# Figures depend on the machine; wrk runs on the same cores as the server.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/bench-unary}
duration=${DURATION:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

source "$root/bench/bench_lib.sh"
server_bin=$(unary_bench_server_binary "$build")

out=$(mktemp -d)
"$server_bin" >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 100); do
  grep -q '^listening on' "$out/server.log" 2>/dev/null && break
  sleep 0.1
done
port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/server.log")
[ -n "$port" ] || { echo "server did not start:" >&2; cat "$out/server.log" >&2; exit 1; }

gateway_url="http://127.0.0.1:$port/v1/items/42"
bare_url="http://127.0.0.1:$port/bare/items/42"
# Both answer the same body (checked, so the comparison is fair).
gw_body=$(curl -s "$gateway_url")
bare_body=$(curl -s "$bare_url")
if [ "$gw_body" != "$bare_body" ]; then
  echo "warning: bodies differ:" >&2
  echo "  gateway: $gw_body" >&2
  echo "  bare:    $bare_body" >&2
fi

printf '%-6s | %10s %9s %9s | %10s %9s %9s | %7s %7s %7s\n' \
  conns "gw req/s" "gw p50us" "gw p99us" "bare req/s" "bare p50" "bare p99" "rps x" "p50 x" "p99 x"
for c in 1 16 64; do
  read -r g_rps g_p50 g_p99 <<<"$(wrk_figures "$gateway_url" "$c" "$duration")"
  read -r b_rps b_p50 b_p99 <<<"$(wrk_figures "$bare_url" "$c" "$duration")"
  awk -v c="$c" -v gr="$g_rps" -v g5="$g_p50" -v g9="$g_p99" -v br="$b_rps" -v b5="$b_p50" -v b9="$b_p99" 'BEGIN {
    printf "%-6s | %10d %9d %9d | %10d %9d %9d | %7.2f %7.2f %7.2f\n",
      c, gr, g5, g9, br, b5, b9, (br ? gr / br : 0), (b5 ? g5 / b5 : 0), (b9 ? g9 / b9 : 0) }'
done
echo "(rps x = gateway/bare throughput; p50 x, p99 x = gateway/bare latency; ${duration}s per run)"
