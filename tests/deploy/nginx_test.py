#!/usr/bin/python3
"""Runs examples/nginx/grpcgw.conf, the configuration docs/nginx.md
documents, in Debian's nginx on loopback in front of the chat example,
and checks each transport through it: unary JSON, Server-Sent Events
(prompt delivery, resume with Last-Event-ID), chunked NDJSON download,
a full-duplex chunked upload (each message answered before the next is
sent, which only works when neither direction is buffered) and WebSocket
(messages, half-close, error close code).

    nginx_test.py <example_server binary> <grpcgw.conf>

Exits 77 (skipped) when nginx is not installed. Every wait is bounded by a
few seconds.
"""

import asyncio
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from deploy_util import Example  # noqa: E402

SKIP = 77
WAIT = 5.0  # seconds for any one expected event


def find_nginx():
    for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(path, listen_port, upstream):
    """The documented file with its two marked addresses replaced."""
    text = open(path).read()
    text, n_listen = re.subn(r"listen\s+[^;]+;(\s*#[^\n]*grpcgw-listen)",
                             r"listen 127.0.0.1:%d;\1" % listen_port, text)
    text, n_upstream = re.subn(r"server\s+[^;]+;(\s*#[^\n]*grpcgw-upstream)",
                               r"server %s;\1" % upstream, text)
    if n_listen != 1 or n_upstream != 1:
        raise RuntimeError("%s: expected one line marked grpcgw-listen and one marked "
                           "grpcgw-upstream, found %d and %d" % (path, n_listen, n_upstream))
    return text


class Nginx:
    """nginx with a scratch prefix: no root-owned path is written."""

    def __init__(self, binary, site_conf, upstream):
        self.dir = tempfile.mkdtemp(prefix="grpcgw-nginx-")
        os.chmod(self.dir, 0o755)  # workers run as nobody when started by root
        self.proc = None
        last_error = ""
        for _ in range(5):  # a port found free can be taken before nginx binds it
            self.port = free_port()
            with open(os.path.join(self.dir, "grpcgw.conf"), "w") as f:
                f.write(site_config(site_conf, self.port, upstream))
            with open(os.path.join(self.dir, "nginx.conf"), "w") as f:
                f.write(self.main_config())
            log = os.path.join(self.dir, "error.log")
            self.proc = subprocess.Popen(
                [binary, "-p", self.dir + "/", "-c", os.path.join(self.dir, "nginx.conf"), "-e", log],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self.wait_listening():
                return
            self.stop()
            last_error = open(log).read() if os.path.exists(log) else ""
            if "Address already in use" not in last_error:
                break
        raise RuntimeError("nginx did not start:\n" + last_error)

    def main_config(self):
        d = self.dir
        return """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/grpcgw.conf;
}}
""".format(d=d)

    def wait_listening(self):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def error_log(self):
        path = os.path.join(self.dir, "error.log")
        return open(path).read() if os.path.exists(path) else ""

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


class Client:
    def __init__(self, port):
        self.port = port

    def connection(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)

    def post_message(self, room, author, text):
        c = self.connection()
        c.request("POST", "/v1/rooms/%s/messages" % room, json.dumps({"author": author, "text": text}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        c.close()
        check(r.status == 200, "POST message: %d %r" % (r.status, body))
        return json.loads(body)


def test_unary(client, room):
    posted = client.post_message(room, "ada", "hello")
    check(posted["room"] == room and posted["text"] == "hello" and posted["seq"] == "1",
          "unary POST answered %r" % posted)
    c = client.connection()
    c.request("GET", "/v1/rooms/%s/messages" % room)
    r = c.getresponse()
    listed = json.loads(r.read())
    check(r.status == 200 and [m["text"] for m in listed["messages"]] == ["hello"], "List: %r" % listed)
    c.request("GET", "/v1/rooms/nowhere-%s/messages" % room)
    r = c.getresponse()
    body = r.read()
    check(r.status == 404 and r.getheader("Content-Type", "").startswith("application/json"),
          "unknown room: %d %r" % (r.status, body))
    check(json.loads(body)["code"] == 5, "unknown room: body %r" % body)
    c.close()
    print("ok: unary JSON and error statuses through nginx")


def read_sse_event(response):
    """The next event's fields (comments skipped)."""
    fields = {}
    while True:
        line = response.readline()
        check(line, "SSE stream ended while an event was expected")
        line = line.decode().rstrip("\r\n")
        if line == "":
            if fields:
                return fields
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = value[1:] if value.startswith(" ") else value


def test_sse(client, room):
    c = client.connection()
    c.request("GET", "/v1/rooms/%s/messages:watch" % room, headers={"Accept": "text/event-stream"})
    # The head comes with the first event at the latest: the replayed
    # message from test_unary.
    r = c.getresponse()
    check(r.status == 200 and r.getheader("Content-Type", "").startswith("text/event-stream"),
          "SSE head: %d %s" % (r.status, r.getheaders()))
    first = read_sse_event(r)
    check(first.get("id") == "1" and json.loads(first["data"])["text"] == "hello", "SSE replay: %r" % first)
    # A new message must arrive while the stream stays open: nginx buffering
    # would hold it back.
    started = time.monotonic()
    client.post_message(room, "bob", "live")
    event = read_sse_event(r)
    check(event.get("id") == "2" and json.loads(event["data"])["text"] == "live", "SSE live event: %r" % event)
    print("ok: SSE event delivered through nginx %.0f ms after it was sent" % ((time.monotonic() - started) * 1000))
    c.close()

    # Resume: Last-Event-ID 1 replays only what came after it.
    c = client.connection()
    c.request("GET", "/v1/rooms/%s/messages:watch" % room,
              headers={"Accept": "text/event-stream", "Last-Event-ID": "1"})
    r = c.getresponse()
    event = read_sse_event(r)
    check(event.get("id") == "2", "SSE resume after Last-Event-ID 1: %r" % event)
    c.close()
    print("ok: SSE resume with Last-Event-ID through nginx")


def test_chunked_download(client, room):
    c = client.connection()
    c.request("GET", "/v1/rooms/%s/messages:watch" % room)
    r = c.getresponse()
    check(r.status == 200 and r.getheader("Content-Type", "").startswith("application/x-ndjson"),
          "NDJSON head: %d %s" % (r.status, r.getheaders()))
    seen = [json.loads(r.readline())["result"]["text"] for _ in range(2)]
    check(seen == ["hello", "live"], "NDJSON replay: %r" % seen)
    client.post_message(room, "cy", "streamed")
    line = json.loads(r.readline())
    check(line["result"]["text"] == "streamed", "NDJSON live line: %r" % line)
    c.close()
    print("ok: chunked NDJSON download through nginx, line by line")


class ChunkedResponse:
    """Reads a chunked HTTP/1.1 response from a raw socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        check(data, "connection closed by nginx")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def head(self):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head.decode()

    def chunk(self):
        size = int(self._line().split(b";")[0], 16)
        while len(self.buf) < size + 2:
            self._fill()
        data, self.buf = self.buf[:size], self.buf[size + 2:]
        return data

    def ndjson_line(self):
        """The next line of the body (chunks need not align with lines)."""
        pending = getattr(self, "pending", b"")
        while b"\n" not in pending:
            data = self.chunk()
            check(data, "response ended while a line was expected")
            pending += data
        line, self.pending = pending.split(b"\n", 1)
        return json.loads(line)


def send_chunk(sock, data):
    sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))


def test_full_duplex_upload(port, room):
    """POST :talk with a chunked body: each message is answered before the
    next one is sent."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(("POST /v1/rooms/%s:talk HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" % room).encode())
    send_chunk(sock, b'{"author":"dee","text":"one"}\n')
    response = ChunkedResponse(sock)
    head = response.head()
    check(head.startswith("HTTP/1.1 200"), "talk head: %r" % head)
    check(response.ndjson_line()["result"]["text"] == "one", "first answer")
    for text in ("two", "three"):
        # Split one message over two chunks too.
        send_chunk(sock, b'{"text":')
        send_chunk(sock, b'"%s"}\n' % text.encode())
        line = response.ndjson_line()
        check(line["result"]["text"] == text and line["result"]["author"] == "anonymous", "answer %r" % line)
    sock.sendall(b"0\r\n\r\n")  # end of the requests: the call ends OK
    rest = response.chunk()
    while rest:
        check(not rest.strip(), "unexpected data after the last message: %r" % rest)
        rest = response.chunk()
    sock.close()
    print("ok: full-duplex chunked upload through nginx (each message answered before the next was sent)")


def test_websocket(port, room):
    import websockets

    async def run():
        url = "ws://127.0.0.1:%d/v1/rooms/%s:talk" % (port, room)
        async with websockets.connect(url, open_timeout=WAIT, close_timeout=WAIT) as ws:
            await ws.send(json.dumps({"author": "eve", "text": "over websocket"}))
            echoed = json.loads(await asyncio.wait_for(ws.recv(), WAIT))
            check(echoed["text"] == "over websocket" and echoed["room"] == room, "WebSocket echo: %r" % echoed)
            await ws.send("")  # half-close: no more requests
            try:
                extra = await asyncio.wait_for(ws.recv(), WAIT)
                raise Failure("message after half-close: %r" % extra)
            except websockets.ConnectionClosed:
                pass
            check(ws.close_code == 1000, "close after half-close: %r %r" % (ws.close_code, ws.close_reason))
        async with websockets.connect(url, open_timeout=WAIT, close_timeout=WAIT) as ws:
            await ws.send(json.dumps({"text": "hi"}))
            await asyncio.wait_for(ws.recv(), WAIT)
            await ws.send(json.dumps({"room": "elsewhere", "text": "x"}))
            try:
                while True:
                    message = await asyncio.wait_for(ws.recv(), WAIT)
                    # The error message that may precede the close.
                    check("error" in json.loads(message), "unexpected message before the close: %r" % message)
            except websockets.ConnectionClosed:
                pass
            check(ws.close_code == 4003, "INVALID_ARGUMENT close: %r %r" % (ws.close_code, ws.close_reason))

    asyncio.run(run())
    print("ok: WebSocket through nginx (messages, half-close 1000, error close 4003)")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    example_binary, site_conf = sys.argv[1], sys.argv[2]
    nginx_binary = find_nginx()
    if not nginx_binary:
        print("SKIPPED: nginx is not installed (scripts/deps.sh installs Debian's nginx)")
        return SKIP

    example = Example(example_binary)
    nginx = None
    try:
        nginx = Nginx(nginx_binary, site_conf, example.host_port)
        print("nginx on 127.0.0.1:%d in front of %s" % (nginx.port, example.url))
        client = Client(nginx.port)
        room = "nginx-" + uuid.uuid4().hex[:8]
        test_unary(client, room)
        test_sse(client, room)
        test_chunked_download(client, room)
        test_full_duplex_upload(nginx.port, room)
        test_websocket(nginx.port, room)
    except Exception as e:  # any failure: report it with nginx's log
        print("FAILED: %s: %s" % (type(e).__name__, e))
        if nginx:
            print("nginx error log:\n" + nginx.error_log()[-4000:])
        return 1
    finally:
        if nginx:
            nginx.stop()
            nginx.cleanup()
        code = example.stop()
    if code != 0:
        print("FAILED: example_server exited with %d after SIGTERM" % code)
        return 1
    print("all nginx checks passed")
    return 0


def stopped(signal_number, _frame):
    # Killed from outside (ctest's timeout): unwind, so that nginx and the
    # example server are stopped by main's finally.
    raise SystemExit("FAILED: stopped by signal %d" % signal_number)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stopped)
    sys.exit(main())
