#!/usr/bin/env bash
# Builds grpcgw with its tests and runs every test through ctest.
#   scripts/test.sh                 plain build in build/test
#   GRPCGW_SANITIZE=1 scripts/test.sh   AddressSanitizer + UndefinedBehaviorSanitizer build in build/asan
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
if [ "${GRPCGW_SANITIZE:-0}" = "1" ]; then
  # The examples and benchmarks are built by the plain run already.
  build="$root/build/asan"; sanitize=ON; type=Debug; extras=OFF
else
  build="$root/build/test"; sanitize=OFF; type=RelWithDebInfo; extras=ON
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=$type -DGRPCGW_BUILD_TESTS=ON \
  -DGRPCGW_BUILD_EXAMPLES=$extras -DGRPCGW_BUILD_BENCH=$extras -DGRPCGW_SANITIZE=$sanitize "${launcher[@]}" >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure -j2 --timeout 300
