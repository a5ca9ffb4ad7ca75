#!/usr/bin/env bash
# Installs the Debian 12 packages grpcgw builds, tests and benchmarks with, if any is missing.
#   scripts/deps.sh [extra-package...]    also the named packages (scripts/fuzz.sh: clang)
set -euo pipefail
packages=(
  build-essential cmake pkg-config ccache
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev libprotoc-dev protobuf-compiler
  libcpp-httplib-dev zlib1g-dev libssl-dev rapidjson-dev catch2 libyaml-cpp-dev
  libnghttp2-dev      # HTTP/2 (src/server/http2_session.cc)
  nghttp2-client      # tests/e2e (nghttp) and bench/ (h2load)
  curl openssl python3 python3-websockets nodejs wrk
  nginx chromium      # tests/deploy (nginx in front of the example), tests/browser (its page)
  "$@"
)
# npm installs the OpenAPI validators the tests use (into the build tree);
# NodeSource's nodejs package carries its own npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "grpcgw: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
