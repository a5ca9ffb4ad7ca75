#!/usr/bin/env bash
# Unary calls through grpcgw against grpc-gateway (v1, Debian's packages) in
# front of the same C++ gRPC service: bench/unary_bench_server serves
# GET /v1/items/{id} (bench/unary_bench.proto) through grpcgw in its own
# process, and also listens for gRPC on 127.0.0.1; bench/peer/main.go is
# grpc-gateway's runtime.ServeMux for the same proto, proxying each request
# to that gRPC port over loopback. wrk runs at 1, 16 and 64 connections,
# DURATION seconds each, once; the table gives requests/s, p50 and p99 for
# both and the ratios grpcgw/grpc-gateway.
#
#   bench/peer/peer_bench.sh     # DURATION=5 (seconds per run), BUILD_DIR=build/bench-unary;
#                                # SERVER=<path to unary_bench_server> skips the C++ build
#
# The Go side is built in GOPATH mode (GO111MODULE=off) from /usr/share/gocode,
# nothing downloaded; its stubs are generated with protoc and Debian's
# protoc-gen-go and protoc-gen-grpc-gateway. Without Go or those packages the
# script says what to install and exits 0. Everything (wrk, both gateways,
# the gRPC server) shares the machine's cores; figures depend on the host.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$root/build/bench-unary}
case $build in /*) ;; *) build=$PWD/$build ;; esac  # GOPATH entries must be absolute
duration=${DURATION:-5}
gocode=/usr/share/gocode
go_packages="golang-go golang-goprotobuf-dev golang-grpc-gateway golang-github-grpc-ecosystem-grpc-gateway-dev"

for tool in wrk curl protoc; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (bash scripts/deps.sh)" >&2; exit 1; }
done
missing=()
for tool in go protoc-gen-go protoc-gen-grpc-gateway; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ -d "$gocode/src/github.com/grpc-ecosystem/grpc-gateway/runtime" ] || missing+=("grpc-gateway's Go sources")
if [ ${#missing[@]} -gt 0 ]; then
  echo "peer_bench: skipped, missing ${missing[*]}; install with: bash scripts/deps.sh $go_packages"
  exit 0
fi

# The C++ server.
source "$root/bench/bench_lib.sh"
server_bin=$(unary_bench_server_binary "$build")

# The Go side: stubs from the same proto, then main.go, in a GOPATH of its own
# in front of Debian's.
gowork="$build/peer-go"
pkg="$gowork/src/grpcgwbench"
rm -rf "$pkg"
mkdir -p "$pkg/benchpb" "$pkg/peer" "$gowork/gen"
protoc -I "$root/bench" -I "$root/proto" \
  --go_out="plugins=grpc,Mgoogle/api/annotations.proto=google.golang.org/genproto/googleapis/api/annotations,Munary_bench.proto=grpcgwbench/benchpb:$gowork/gen" \
  --grpc-gateway_out="logtostderr=true,Munary_bench.proto=grpcgwbench/benchpb:$gowork/gen" \
  "$root/bench/unary_bench.proto"
# The two plugins lay their files out differently; both go in one package.
find "$gowork/gen" -name '*.go' -exec mv {} "$pkg/benchpb/" \;
rm -rf "$gowork/gen"
cp "$root/bench/peer/main.go" "$pkg/peer/"
(cd "$pkg/peer" && GOPATH="$gowork:$gocode" GO111MODULE=off GOFLAGS= GOPROXY=off \
  GOCACHE="${GOCACHE:-$gowork/cache}" go build -o "$gowork/peer_gateway" .)

out=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$out"
}
trap cleanup EXIT
wait_for_line() {  # file pattern -> waits up to 10 s
  for _ in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "did not start:" >&2; cat "$1" >&2; exit 1
}

"$server_bin" --grpc-port 0 >"$out/server.log" 2>&1 &
pids+=($!)
wait_for_line "$out/server.log" '^listening on'
grpc_port=$(sed -n 's/^grpc listening on \([0-9]*\)$/\1/p' "$out/server.log")
grpcgw_port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/server.log")
"$gowork/peer_gateway" -grpc "127.0.0.1:$grpc_port" >"$out/peer.log" 2>&1 &
pids+=($!)
wait_for_line "$out/peer.log" '^listening on'
peer_port=$(sed -n 's/^listening on \([0-9]*\)$/\1/p' "$out/peer.log")

grpcgw_url="http://127.0.0.1:$grpcgw_port/v1/items/42"
peer_url="http://127.0.0.1:$peer_port/v1/items/42"
# Both must answer the same call with 200 and the same JSON.
grpcgw_body=$(curl -sf "$grpcgw_url") || { echo "grpcgw does not answer $grpcgw_url" >&2; exit 1; }
peer_body=$(curl -sf "$peer_url") || { echo "grpc-gateway does not answer $peer_url" >&2; exit 1; }
normalize() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.stdin.read()), sort_keys=True))'; }
if [ "$(normalize <<<"$grpcgw_body")" != "$(normalize <<<"$peer_body")" ]; then
  echo "warning: bodies differ:" >&2
  echo "  grpcgw:       $grpcgw_body" >&2
  echo "  grpc-gateway: $peer_body" >&2
fi

# A short warm-up of each (connections, the proxy's HTTP/2 channel).
wrk_figures "$grpcgw_url" 16 1 >/dev/null
wrk_figures "$peer_url" 16 1 >/dev/null

printf '%-6s | %10s %9s %9s | %10s %9s %9s | %7s %7s %7s\n' \
  conns "grpcgw r/s" "p50 us" "p99 us" "grpc-gw r/s" "p50 us" "p99 us" "rps x" "p50 x" "p99 x"
for c in 1 16 64; do
  read -r g_rps g_p50 g_p99 <<<"$(wrk_figures "$grpcgw_url" "$c" "$duration")"
  read -r p_rps p_p50 p_p99 <<<"$(wrk_figures "$peer_url" "$c" "$duration")"
  awk -v c="$c" -v gr="$g_rps" -v g5="$g_p50" -v g9="$g_p99" -v pr="$p_rps" -v p5="$p_p50" -v p9="$p_p99" 'BEGIN {
    printf "%-6s | %10d %9d %9d | %11d %9d %9d | %7.2f %7.2f %7.2f\n",
      c, gr, g5, g9, pr, p5, p9, (pr ? gr / pr : 0), (p5 ? g5 / p5 : 0), (p9 ? g9 / p9 : 0) }'
done
echo "(rps x = grpcgw/grpc-gateway requests/s, higher is better; p50 x, p99 x = grpcgw/grpc-gateway latency,"
echo " lower is better; ${duration}s per run, one run each; grpc-gateway $(dpkg-query -W -f='${Version}' golang-github-grpc-ecosystem-grpc-gateway-dev 2>/dev/null || echo '?'), $(go version | awk '{print $3}'))"
