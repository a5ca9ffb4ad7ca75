"""Python's `websockets` client (Debian's python3-websockets) against the
gateway's WebSocket transport.

Spawned by tests/e2e/websocket_interop_test.cc with the server's port:

    /usr/bin/python3 websocket_client.py 8080

With GRPCGW_TEST_TLS=1 in the environment the server speaks TLS (a
self-signed certificate) and the client uses wss://.

Prints one line per case, "ok <case>" or "FAIL <case>: <why>", and exits
non-zero if any case failed.
"""

import asyncio
import json
import os
import ssl
import sys

import websockets


TLS = os.environ.get("GRPCGW_TEST_TLS", "0") not in ("", "0")
SCHEME = "wss" if TLS else "ws"


def connect(uri, **options):
    if TLS:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
        options["ssl"] = context
    return websockets.connect(uri, **options)


class Failure(Exception):
    pass


def expect(condition, what):
    if not condition:
        raise Failure(what)


async def session(port, path, messages, on_message=None, **connect_options):
    """Sends `messages` (a str is one message, a list of str one fragmented
    message) and collects text messages until the server closes; returns
    (messages, close code, close reason)."""
    received = []
    uri = SCHEME + "://127.0.0.1:%s%s" % (port, path)
    async with connect(uri, max_size=None, ping_interval=None, **connect_options) as ws:
        for m in messages:
            await ws.send(m)
        try:
            while True:
                data = await asyncio.wait_for(ws.recv(), 15)
                expect(isinstance(data, str), "a non-text message")
                received.append(data)
                if on_message:
                    await on_message(ws, data, len(received) - 1)
        except websockets.ConnectionClosed:
            pass
        await asyncio.wait_for(ws.wait_closed(), 15)
        return received, ws.close_code, ws.close_reason


async def bidi_echo(port):
    texts = ["one", "two", "three"]

    async def next_message(ws, data, i):
        await ws.send(json.dumps({"text": texts[i + 1]}) if i + 1 < len(texts) else "")

    got, code, _ = await session(port, "/v1/rooms/py:echo", [json.dumps({"text": texts[0]})], next_message)
    expect([json.loads(m)["text"] for m in got] == texts, "texts %r" % got)
    expect([json.loads(m)["seq"] for m in got] == ["0", "1", "2"], "seq %r" % got)
    expect(json.loads(got[0])["room"] == "py", "room %r" % got[0])
    expect(code == 1000, "close code %s" % code)


async def half_close(port):
    sent = [json.dumps({"text": "m%d" % i}) for i in range(50)] + [""]
    got, code, _ = await session(port, "/v1/rooms/half:echo", sent)
    expect(len(got) == 50, "50 messages, got %d" % len(got))
    expect(json.loads(got[-1])["text"] == "m49", "the last message")
    expect(code == 1000, "close code %s" % code)


async def server_streaming(port):
    got, code, _ = await session(port, "/v1/watch/py?text=q&count=4", [])
    expect(len(got) == 4, "4 messages, got %d" % len(got))
    expect(json.loads(got[0])["text"] == "q", "query field %r" % got[0])
    expect(json.loads(got[3])["kind"] == "last", "last %r" % got[3])
    expect(code == 1000, "close code %s" % code)
    _, code, _ = await session(port, "/v1/watch/py2?count=3&wait_for_signal=true", ["{}"])
    expect(code == 1008, "a client message: close code %s" % code)


async def client_streaming(port):
    got, code, _ = await session(port, "/v1/collect", [
        json.dumps({"text": "x", "value": 40}), json.dumps({"text": "y", "value": "2"}), ""])
    expect(len(got) == 1, "1 message, got %d" % len(got))
    msg = json.loads(got[0])
    expect(msg == {"text": "xy", "sum": "42", "count": 2}, "response %r" % msg)
    expect(code == 1000, "close code %s" % code)


async def error_close_codes(port):
    _, code, reason = await session(port, "/v1/rooms/err:echo", [json.dumps({"text": "no such room", "failCode": 5})])
    expect((code, reason) == (4005, "no such room"), "close %s %r" % (code, reason))
    _, code, _ = await session(port, "/v1/rooms/err:echo", ['{"text":'])
    expect(code == 4003, "invalid JSON: close code %s" % code)
    long_reason = "\u00e9" * 100  # 200 bytes: cut to 122, at a character boundary
    _, code, reason = await session(port, "/v1/rooms/err:echo", [json.dumps({"text": long_reason, "failCode": 9})])
    expect((code, reason) == (4009, "\u00e9" * 61), "close %s %r" % (code, reason))


async def large_fragmented_message(port):
    # 2 MiB of text in fragments of uneven sizes, multi-byte characters included.
    text = ("\u20ac" + "y" * 997) * 2100
    body = json.dumps({"text": text}, ensure_ascii=False)
    fragments = []
    at, size = 0, 1
    while at < len(body):
        fragments.append(body[at:at + size])
        at += size
        size = size * 7 % 65521 + 1
    got, code, _ = await session(port, "/v1/rooms/big:echo", [fragments, ""])
    expect(len(got) == 1, "1 message, got %d" % len(got))
    expect(json.loads(got[0])["text"] == text, "the text came back whole")
    expect(code == 1000, "close code %s" % code)


async def pings(port):
    uri = SCHEME + "://127.0.0.1:%s/v1/rooms/ping:echo" % port
    async with connect(uri, ping_interval=None) as ws:
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        await ws.send("{}")
        expect(json.loads(await asyncio.wait_for(ws.recv(), 5))["room"] == "ping", "echo after ping")
        await ws.close(1001, "going")
        expect(ws.close_code == 1001, "client close answered with %s" % ws.close_code)


async def subprotocol(port):
    uri = SCHEME + "://127.0.0.1:%s/v1/rooms/sub:echo" % port
    async with connect(uri, subprotocols=["mqtt", "grpcgw.json"]) as ws:
        expect(ws.subprotocol == "grpcgw.json", "subprotocol %r" % ws.subprotocol)


CASES = [
    ("bidi echo", bidi_echo),
    ("half-close, then every response", half_close),
    ("server-streaming from the path and query", server_streaming),
    ("client-streaming", client_streaming),
    ("error close codes", error_close_codes),
    ("large fragmented message", large_fragmented_message),
    ("pings and client close", pings),
    ("subprotocol", subprotocol),
]


async def main(port):
    failed = 0
    for name, run in CASES:
        try:
            await asyncio.wait_for(run(port), 60)
            print("ok %s" % name, flush=True)
        except Exception as e:  # every failure is reported, then the next case runs
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: websocket_client.py <port>", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1])))
