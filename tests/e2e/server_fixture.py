"""A real medfwd for end-to-end tests.

`medfwd_server` starts build/.../medfwd on 127.0.0.1 with listen_port = 0 (the port is
read from the server's first stdout line), waits for /healthz, and stops it at the end
of the test (SIGTERM, then SIGKILL after a timeout). The server is started with
--stop-on-stdin-eof and --max-lifetime, so it also ends by itself if the test process
dies: its stdin is a pipe only we hold.
"""
import http.client
import json
import os
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import tool_path

START_TIMEOUT = 30
STOP_TIMEOUT = 20
MAX_LIFETIME = 600


class Server:
    def __init__(self, tmp_path, extra_config="", args=(), name="medfwd"):
        self.dir = tmp_path / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = self.dir / "data"
        self.config = self.dir / "medfwd.conf"
        defaults = {"listen_address": "127.0.0.1", "listen_port": "0",
                    "data_dir": str(self.data_dir), "threads": "2",
                    "shutdown_timeout": "10s"}
        given = {l.split("=")[0].strip() for l in extra_config.splitlines() if "=" in l}
        self.config.write_text(
            "# written by tests/e2e/server_fixture.py\n"
            + "".join(f"{k} = {v}\n" for k, v in defaults.items() if k not in given)
            + extra_config)
        self.stderr_path = self.dir / "stderr.log"
        self.args = list(args)
        self.proc = None
        self.port = None
        self.scheme = "http"
        self.sanitizer_reports = []

    def start(self):
        binary = tool_path("medfwd")
        env = dict(os.environ, TZ="UTC", LC_ALL="C")
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [str(binary), "--config", str(self.config), "--stop-on-stdin-eof",
             "--max-lifetime", str(MAX_LIFETIME), "--enable-test-routes", *self.args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env,
            bufsize=0)  # unbuffered: select() below must see what readline() has not read
        line = self.proc.stdout.readline().decode()
        m = re.match(r"medfwd listening on (https?)://127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            self.stop()
            raise AssertionError(f"medfwd did not start: {line!r}\n{self.log_text()}")
        self.scheme, self.port = m.group(1), int(m.group(2))
        # At first start the one-time bootstrap token follows the listening line.
        self.bootstrap_token = None
        ready, _, _ = select.select([self.proc.stdout], [], [], 2.0)
        if ready:
            more = self.proc.stdout.readline().decode().strip()
            t = re.match(r"medfwd: bootstrap token \(.*\): (\S+)$", more)
            self.bootstrap_token = t.group(1) if t else None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                status, _, _ = self.request("GET", "/healthz")
                if status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError("medfwd /healthz did not answer\n" + self.log_text())
            time.sleep(0.05)

    def connection(self, timeout=30):
        if self.scheme == "https":
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        """(status, headers dict with lowercase names, body bytes)."""
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def json(self, method, path, obj=None, raw=None, headers=None):
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        body = raw if raw is not None else (None if obj is None else json.dumps(obj))
        status, h, data = self.request(method, path, body=body, headers=hdrs)
        return status, h, json.loads(data) if data else None

    def log_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_records(self):
        return [json.loads(l) for l in self.log_text().splitlines() if l.startswith("{")]

    def stop(self, sig=signal.SIGTERM):
        """Stop the server; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        self._stderr.close()
        self.sanitizer_reports += sanitizer_reports(self.stderr_path)
        return self.proc.returncode


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(path):
    """Reports of AddressSanitizer / LeakSanitizer / UBSan in a server's standard error
    (make check runs the server tests against the ASan build too: e2e-asan)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if any(m in line for m in SANITIZER_MARKERS)]


@pytest.fixture
def medfwd_server(tmp_path):
    """A running medfwd (with the test routes); stopped at the end of the test."""
    servers = []

    def _start(extra_config="", args=(), name="medfwd"):
        srv = Server(tmp_path, extra_config, args, name).start()
        servers.append(srv)
        return srv
    _start.servers = servers
    yield _start
    for srv in servers:
        srv.stop()
    reports = [r for srv in servers for r in srv.sanitizer_reports]
    assert not reports, "medfwd reported memory or undefined-behaviour errors:\n" + \
        "\n".join(reports) + f"\n(see {tmp_path})"
