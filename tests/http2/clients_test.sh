#!/usr/bin/env bash
# HTTP/2 with real clients against the chat example (examples/chat), twice:
# h2c with prior knowledge (curl --http2-prior-knowledge), then over TLS
# with a self-signed certificate, where curl --http2 and nghttp agree on h2
# by ALPN. Each time: curl against every transport (unary, SSE, chunked
# NDJSON, a user route, an error) and nghttp with many streams multiplexed
# on one connection. Skipped (77) where curl, nghttp or openssl is missing
# (scripts/deps.sh installs them).
#   clients_test.sh EXAMPLE_SERVER
set -uo pipefail
server_bin=$1
for tool in curl nghttp openssl; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"; exit 77; }
done
curl --version | grep -q HTTP2 || { echo "SKIP: this curl has no HTTP/2"; exit 77; }
work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected [$2], got [$3]"
    failures=$((failures + 1))
  fi
}
contains() {  # contains NAME NEEDLE FILE
  if grep -qF -- "$2" "$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: [$2] not in:"
    head -c 2000 "$3"
    echo
    failures=$((failures + 1))
  fi
}
# Starts the example (arguments: extra server flags) and sets $pid and $base.
# Each start logs to a file of its own: a reused one could still show the
# previous server's address before the new process has truncated it.
starts=0
start_server() {
  starts=$((starts + 1))
  local log="$work/server.$starts.log"
  "$server_bin" --port 0 --grpc-port 0 "$@" >"$log" 2>&1 &
  pid=$!
  base=
  for _ in $(seq 100); do
    base=$(sed -n 's/^chat example: HTTP on \(http[^,]*\),.*/\1/p' "$log" 2>/dev/null)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "FAIL: the server did not start"; cat "$log"; exit 1; }
}
stop_server() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=
}
# The checks, with $mode, $base, and the clients h2 (curl over HTTP/2), h1
# (curl over HTTP/1.1) and ng (nghttp's flags).
run_checks() {

  # Unary: a POST and a GET, the protocol version as curl saw it.
  out=$("${h2[@]}" -o "$work/post" -w '%{http_version} %{http_code}' -X POST "$base/v1/rooms/h2/messages" \
    -H 'Content-Type: application/json' -d '{"author":"ada","text":"over h2"}')
  check "$mode: unary POST over HTTP/2" "2 200" "$out"
  contains "$mode: unary POST body" '"text":"over h2"' "$work/post"
  out=$("${h2[@]}" -o "$work/list" -w '%{http_version} %{http_code}' "$base/v1/rooms/h2/messages")
  check "$mode: unary GET over HTTP/2" "2 200" "$out"
  contains "$mode: unary GET body" '"author":"ada"' "$work/list"
  # An error (a room that does not exist): the same JSON status as over HTTP/1.1.
  "${h2[@]}" -o "$work/e2" "$base/v1/rooms/nowhere/messages"
  "${h1[@]}" -o "$work/e1" "$base/v1/rooms/nowhere/messages"
  check "$mode: error body identical over both versions" "$(cat "$work/e1")" "$(cat "$work/e2")"
  contains "$mode: error body is the JSON status" '"details":[]' "$work/e2"
  # A user route (the page).
  out=$("${h2[@]}" -o "$work/page" -w '%{http_version} %{http_code} %{content_type}' "$base/")
  check "$mode: user route over HTTP/2" "2 200 text/html; charset=utf-8" "$out"
  cmp -s "$work/page" <("${h1[@]}" "$base/") && echo "ok   $mode: user route body identical" ||
    { echo "FAIL $mode: user route body differs"; failures=$((failures + 1)); }

  # SSE and chunked NDJSON: the stream is open (history first), a message
  # posted meanwhile arrives on both, then curl gives up at its deadline.
  "${h2[@]}" -N --max-time 3 -H 'Accept: text/event-stream' "$base/v1/rooms/h2/messages:watch" >"$work/sse" &
  sse=$!
  "${h2[@]}" -N --max-time 3 "$base/v1/rooms/h2/messages:watch" -D "$work/nd.head" >"$work/nd" &
  nd=$!
  sleep 1
  "${h2[@]}" -o /dev/null -X POST "$base/v1/rooms/h2/messages" -H 'Content-Type: application/json' \
    -d '{"author":"bob","text":"live"}'
  wait $sse $nd
  contains "$mode: SSE over HTTP/2: history" '"text":"over h2"' "$work/sse"
  contains "$mode: SSE over HTTP/2: live event" '"text":"live"' "$work/sse"
  contains "$mode: SSE framing" 'data: {' "$work/sse"
  contains "$mode: NDJSON over HTTP/2: live record" '{"result":{"room":"h2","author":"bob","text":"live"' "$work/nd"
  contains "$mode: NDJSON response head" 'HTTP/2 200' "$work/nd.head"

  # nghttp: 60 requests multiplexed on one connection (-m), all answered.
  nghttp "${ng[@]}" -n -s -m 60 "$base/v1/rooms/h2/messages" >"$work/nghttp" 2>&1
  n=$(grep -cE '^ *[0-9]+.*/v1/rooms/h2/messages' "$work/nghttp")
  check "$mode: nghttp: 60 multiplexed requests on one connection" "60" "$n"
  nghttp "${ng[@]}" -nv "$base/v1/rooms" >"$work/nghttpv" 2>&1
  contains "$mode: nghttp: server SETTINGS" 'SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100' "$work/nghttpv"
  contains "$mode: nghttp: extended CONNECT offered" 'SETTINGS_ENABLE_CONNECT_PROTOCOL(0x08):1' "$work/nghttpv"

}

mode=h2c
start_server
h2=(curl -s --http2-prior-knowledge --max-time 10)
h1=(curl -s --max-time 10)
ng=()
run_checks
stop_server

# TLS: a self-signed certificate; curl --http2 and nghttp agree on h2 by ALPN.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || { echo "FAIL: openssl req"; exit 1; }
mode=tls
start_server --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
h2=(curl -s -k --http2 --max-time 10)
h1=(curl -s -k --http1.1 --max-time 10)
ng=()
out=$("${h2[@]}" -o /dev/null -w '%{http_version} %{scheme}' "$base/v1/rooms")
check "tls: curl --http2 agrees on h2 by ALPN" "2 HTTPS" "$out"
run_checks
stop_server
[ $failures -eq 0 ] && echo "all passed" || { echo "$failures failed"; exit 1; }
