#!/usr/bin/env bash
# HTTP/2 against HTTP/1.1, in one run:
#   1. unary: the gateway route of unary_bench_server with wrk over
#      HTTP/1.1 (64 connections), h2load over HTTP/1.1 (64 connections),
#      h2load over h2c (4 connections x 16 streams: the same 64 requests in
#      flight), and h2load over TLS (ALPN h2, 4 x 16, against the same
#      server started with a self-signed certificate): requests/s, p99, and
#      the ratio to wrk's HTTP/1.1;
#   2. streams: 10,000 SSE streams on the chat example, multiplexed over 100
#      HTTP/2 connections (100 streams each), then 10,000 over HTTP/1.1
#      (one connection each), each in a fresh server process: the server's
#      memory (VmRSS) per open stream and its descriptors.
#
#   bench/http2_bench.sh    # DURATION=5 (seconds per unary run), STREAMS=10000,
#                           # BUILD_DIR=build/bench-http2 (or UNARY_SERVER=... CHAT_SERVER=... skip the build)
#
# Figures depend on the machine; the clients run on the same cores as the
# server. h2load is Debian's nghttp2-client, wrk Debian's wrk; openssl makes
# the certificate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build/bench-http2}
duration=${DURATION:-5}
streams=${STREAMS:-10000}
for tool in wrk h2load curl openssl; do
  command -v $tool >/dev/null || { echo "$tool is not installed (scripts/deps.sh installs it)" >&2; exit 1; }
done
# 10,000 HTTP/1.1 streams, and 2 descriptors per HTTP/2 stream in the
# server (see src/server/http2_session.h).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((2 * streams + 1000)) ] ||
  echo "note: descriptor limit $(ulimit -n): fewer than $streams HTTP/2 streams can open (2 descriptors each)" >&2

unary_bin=${UNARY_SERVER:-}
chat_bin=${CHAT_SERVER:-}
if [ -z "$unary_bin" ] || [ -z "$chat_bin" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRPCGW_BUILD_TESTS=OFF \
    -DGRPCGW_BUILD_EXAMPLES=ON -DGRPCGW_BUILD_BENCH=ON "${launcher[@]}" >/dev/null
  cmake --build "$build" --target unary_bench_server example_server -j2 >/dev/null
  unary_bin="$build/bench/unary_bench_server"
  chat_bin="$build/examples/example_server"
fi

out=$(mktemp -d)
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$out"' EXIT

# ---- 1. unary ----
"$unary_bin" >"$out/unary.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening on' "$out/unary.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/unary.log")
[ -n "$port" ] || { echo "unary server did not start" >&2; cat "$out/unary.log" >&2; exit 1; }
url="http://127.0.0.1:$port/v1/items/42"
[ "$(curl -s --http2-prior-knowledge "$url")" == "$(curl -s "$url")" ] || echo "warning: h2 and HTTP/1.1 bodies differ" >&2

source "$root/bench/bench_lib.sh"
wrk_run() {  # -> "rps p99_us"
  local rps p50 p99
  read -r rps p50 p99 <<<"$(wrk_figures "$url" 64 "$duration")"
  echo "$rps $p99"
}
h2load_run() {  # url extra args... -> "rps p99_us"
  local log="$out/h2load.$RANDOM.log" r u=$1
  shift
  r=$(timeout $((duration + 30)) h2load -t1 -D "$duration" --warm-up-time=1 --log-file="$log" "$@" "$u" 2>&1)
  local rps
  rps=$(awk '/^finished in/ {gsub(",", "", $4); printf "%.0f", $4}' <<<"$r")
  local bad
  bad=$(awk -F'\t' '$2 != 200' "$log" | wc -l)
  [ "$bad" -eq 0 ] || echo "warning: h2load: $bad responses not 200" >&2
  local p99
  p99=$(cut -f3 "$log" | sort -n | awk '{ v[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print v[i] + 0 }')
  echo "$rps $p99"
}
echo "== unary: GET /v1/items/42 (gateway route), ${duration} s each, 64 requests in flight"
read -r w_rps w_p99 <<<"$(wrk_run)"
read -r h1_rps h1_p99 <<<"$(h2load_run "$url" --h1 -c64 -m1)"
read -r h2_rps h2_p99 <<<"$(h2load_run "$url" -c4 -m16)"
stop_all
# The same over TLS.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout "$out/key.pem" -out "$out/cert.pem" \
  >/dev/null 2>&1
"$unary_bin" --tls "$out/cert.pem" "$out/key.pem" >"$out/unary.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '^listening on' "$out/unary.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/unary.log")
[ -n "$port" ] || { echo "TLS unary server did not start" >&2; cat "$out/unary.log" >&2; exit 1; }
tls_url="https://127.0.0.1:$port/v1/items/42"
read -r t_rps t_p99 <<<"$(h2load_run "$tls_url" -c4 -m16)"
read -r t1_rps t1_p99 <<<"$(h2load_run "$tls_url" --h1 -c64 -m1)"
printf '%-34s %10s %9s %9s\n' client "req/s" "p99 us" "rps/wrk"
awk -v a="$w_rps" -v b="$w_p99" 'BEGIN { printf "%-34s %10d %9d %9.2f\n", "wrk, HTTP/1.1, 64 conns", a, b, 1 }'
awk -v a="$h1_rps" -v b="$h1_p99" -v w="$w_rps" 'BEGIN { printf "%-34s %10d %9d %9.2f\n", "h2load, HTTP/1.1, 64 conns", a, b, a / w }'
awk -v a="$h2_rps" -v b="$h2_p99" -v w="$w_rps" 'BEGIN { printf "%-34s %10d %9d %9.2f\n", "h2load, h2c, 4 conns x 16 streams", a, b, a / w }'
awk -v a="$t1_rps" -v b="$t1_p99" -v w="$w_rps" 'BEGIN { printf "%-34s %10d %9d %9.2f\n", "h2load, HTTPS/1.1, 64 conns", a, b, a / w }'
awk -v a="$t_rps" -v b="$t_p99" -v w="$w_rps" 'BEGIN { printf "%-34s %10d %9d %9.2f\n", "h2load, h2 (TLS), 4 conns x 16", a, b, a / w }'
awk -v a="$h2_rps" -v b="$h1_rps" -v p="$h2_p99" -v q="$h1_p99" 'BEGIN {
  printf "h2c / HTTP/1.1 (same client): requests/s x%.2f, p99 x%.2f\n", a / b, (q ? p / q : 0) }'
awk -v a="$t_rps" -v b="$t1_rps" -v p="$t_p99" -v q="$t1_p99" 'BEGIN {
  printf "h2 / HTTP/1.1 over TLS (same client): requests/s x%.2f, p99 x%.2f\n", a / b, (q ? p / q : 0) }'
stop_all

# ---- 2. streams ----
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
start_chat() {
  "$chat_bin" --port 0 --grpc-port 0 >"$out/chat.log" 2>&1 &
  chat=$!
  pids+=($chat)
  base=
  for _ in $(seq 100); do
    base=$(sed -n 's/^chat example: HTTP on \(http:[^,]*\),.*/\1/p' "$out/chat.log")
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "chat server did not start" >&2; exit 1; }
  # Warm: one request of each kind, so that first-use allocations are not counted.
  curl -s "$base/v1/rooms/bench/messages" >/dev/null
  curl -s --http2-prior-knowledge "$base/v1/rooms/bench/messages" >/dev/null
  sleep 0.5
}
hold() {  # label expected_fds fds_per_stream h2load-args... -> prints a row
  local label=$1 want=$2 per=$3
  shift 3
  start_chat
  local before_rss before_fds
  before_rss=$(rss_kb "$chat")
  before_fds=$(fds "$chat")
  # The streams never end: h2load holds them until it is stopped.
  h2load -t1 -n "$streams" -H 'accept: text/event-stream' "$@" "$base/v1/rooms/bench/messages:watch" \
    >"$out/hold.log" 2>&1 &
  local client=$!
  local t0=$SECONDS n=0
  local last=-1 still=0
  while [ $((SECONDS - t0)) -lt 120 ]; do
    n=$(( $(fds "$chat") - before_fds ))
    [ "$n" -ge "$want" ] && break
    # No progress for 3 s: as many as will open are open.
    if [ "$n" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
    [ "$still" -ge 6 ] && break
    last=$n
    sleep 0.5
  done
  sleep 2  # the streams' first events went out
  local after_rss
  after_rss=$(rss_kb "$chat")
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  # Streams open: from the server's descriptors (the descriptor limit may
  # have stopped some; those were answered 503).
  local open
  open=$(awk -v n="$n" -v p="$per" -v c="$CONNS" 'BEGIN { printf "%d", (n - c) / p }')
  [ "$open" -lt "$streams" ] && echo "note: $open of $streams streams open (descriptor limit $(ulimit -n))" >&2
  awk -v l="$label" -v s="$open" -v n="$n" -v a="$before_rss" -v b="$after_rss" 'BEGIN {
    printf "%-36s %7d %9d %11.0f %12.2f\n", l, s, n, (b - a), (b - a) / s }' | tee -a "$out/rows"
  stop_all
}
echo
echo "== streams: $streams SSE streams held open (GET /v1/rooms/bench/messages:watch), fresh server each"
printf '%-36s %7s %9s %11s %12s\n' transport "open" "+fds" "+RSS KiB" "KiB/stream"
CONNS=100 hold "HTTP/2 h2c, 100 conns x 100 streams" $((2 * streams + 100)) 2 -c100 -m100
CONNS=0 hold "HTTP/1.1, 1 stream per conn" "$streams" 1 --h1 -c"$streams" -m1
awk 'NR == 1 { a = $NF } NR == 2 { b = $NF } END { if (b) printf "memory per stream, HTTP/2 / HTTP/1.1: x%.2f\n", a / b }' "$out/rows"
echo "(HTTP/2: each stream is served as an internal connection, 2 descriptors; see src/server/http2_session.h)"
