"""Helpers shared by the deployment tests: start the chat example on free
ports and stop it, within bounded time."""

import os
import re
import select
import signal
import subprocess
import time


class Example:
    """examples/chat's example_server on 127.0.0.1, free ports."""

    def __init__(self, binary):
        self.proc = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", "0", "--grpc-port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        line = self._first_line(10)
        m = re.search(r"HTTP on (http://[^,\s]+), gRPC on port (\d+)", line)
        if not m:
            self.stop()
            raise RuntimeError("example_server did not start: %r" % line)
        self.url = m.group(1)
        self.host_port = self.url[len("http://"):]

    def _first_line(self, seconds):
        deadline = time.monotonic() + seconds
        out = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in out and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                out += chunk
        return out.decode(errors="replace").split("\n")[0]

    def stop(self):
        """SIGTERM, then the exit code; kills it after 10 s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("example_server did not stop within 10 s of SIGTERM")
