#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build/fuzz), and runs each for a bounded time
# from its checked-in seed corpus (tests/fuzz/corpus/<target>/).
#   scripts/fuzz.sh                       every target, 30 s each
#   scripts/fuzz.sh http1_head query      only these targets
#   GRPCGW_FUZZ_SECONDS=300 scripts/fuzz.sh
# New inputs libFuzzer finds go to build/fuzz/corpus/<target>/ (kept between
# runs; the checked-in corpus is only read). A crash, a sanitizer report or a
# failed property fails the script, after every target has run, with the
# reproducing input printed and saved under build/fuzz/crashes/; replay one
# with `build/fuzz/tests/fuzz/fuzz_<target> <file>`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${GRPCGW_FUZZ_SECONDS:-30}
# clang, and libclang-rt-dev for libFuzzer and the sanitizer runtimes (not
# pulled in by clang without its recommended packages).
bash "$root/scripts/deps.sh" clang libclang-rt-dev

build="$root/build/fuzz"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGRPCGW_BUILD_FUZZ=ON -DGRPCGW_SANITIZE=ON "${launcher[@]}" >/dev/null
cmake --build "$build" -j2 --target fuzz_all

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for dir in "$root"/tests/fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

mkdir -p "$build/crashes" "$build/logs"
failed=()
for target in "${targets[@]}"; do
  binary="$build/tests/fuzz/fuzz_$target"
  seeds="$root/tests/fuzz/corpus/$target"
  [ -x "$binary" ] || { echo "grpcgw fuzz: no target $target" >&2; exit 2; }
  [ -d "$seeds" ] || { echo "grpcgw fuzz: no seed corpus $seeds" >&2; exit 2; }
  work="$build/corpus/$target"
  artifacts="$build/crashes/$target"
  log="$build/logs/$target.log"
  rm -rf "$artifacts"
  mkdir -p "$work" "$artifacts"
  echo "grpcgw fuzz: $target for ${seconds}s"
  if "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    echo "grpcgw fuzz: $target: ok, ${runs:-?} executions, $(ls "$work" | wc -l) inputs in $work"
  else
    failed+=("$target")
    echo "grpcgw fuzz: $target FAILED; the end of its log ($log):"
    grep -v -E '^#[0-9]+' "$log" | tail -n 60
    for input in $(ls -t "$artifacts"/* 2>/dev/null | head -n 1); do
      echo "grpcgw fuzz: reproducer $input ($(stat -c %s "$input") bytes), as C string:"
      python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(repr(d)[2:-1][:4000])' "$input"
      echo "grpcgw fuzz: replay with: $binary $input"
    done
  fi
done

echo "fuzz: $(( ${#targets[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed"
if [ ${#failed[@]} -gt 0 ]; then
  echo "grpcgw fuzz: failed targets: ${failed[*]}"
  exit 1
fi
