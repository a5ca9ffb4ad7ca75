# Shared by the benchmark scripts (sourced, not run): building
# unary_bench_server and reading wrk's figures.

# Prints the path of unary_bench_server: $SERVER when set, otherwise built
# in Release into the build folder $1 (configured with the benchmarks only).
unary_bench_server_binary() {
  if [ -n "${SERVER:-}" ]; then
    echo "$SERVER"
    return
  fi
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$1" -DCMAKE_BUILD_TYPE=Release -DGRPCGW_BUILD_TESTS=OFF \
    -DGRPCGW_BUILD_EXAMPLES=OFF -DGRPCGW_BUILD_BENCH=ON "${launcher[@]}" >/dev/null || return 1
  cmake --build "$1" --target unary_bench_server -j2 >/dev/null || return 1
  echo "$1/bench/unary_bench_server"
}

# wrk --latency prints "  50%  1.23ms"; normalize to microseconds.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000; else f = 1;
    printf "%.0f", n * f }'
}

# wrk against URL with CONNECTIONS for SECONDS: prints "rps p50_us p99_us",
# and warns (stderr) of non-2xx answers and socket errors.
wrk_figures() {  # url connections seconds
  local threads=$(( $2 < 2 ? 1 : 2 ))
  local report rps p50 p99
  report=$(timeout $(($3 + 20)) wrk -t"$threads" -c"$2" -d"$3s" --latency "$1")
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$report")
  p50=$(to_us "$(awk '$1 == "50%" {print $2}' <<<"$report")")
  p99=$(to_us "$(awk '$1 == "99%" {print $2}' <<<"$report")")
  if grep -qE 'Non-2xx|Socket errors' <<<"$report"; then
    echo "warning: $(grep -E 'Non-2xx|Socket errors' <<<"$report" | tr -s ' ') for $1" >&2
  fi
  echo "$rps $p50 $p99"
}
