#!/usr/bin/env bash
# Builds grpcgw and starts the chat example server (examples/chat) on
# http://127.0.0.1:8080 (gRPC on 9090); arguments go to the server
# (--port, --grpc-port, --host). Ctrl-C stops it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
build="$root/build/example"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRPCGW_BUILD_TESTS=OFF -DGRPCGW_BUILD_EXAMPLES=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target example_server
exec "$build/examples/example_server" "$@"
