"""The fleet simulator against a real medfwd: the manufacturer's releases pushed and
committed (agent_fixture.Fleet), a second site, an API token for medfw-sim, and helpers
to enrol simulated devices, run them, and read what the server recorded."""
import json
import signal
import subprocess
import time

from agent_fixture import Fleet
from conftest import run, tool_path
from test_repo_server import utc

SANITIZER_MARKS = (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                   b"LeakSanitizer has encountered")


def check_sanitizers(stderr):
    """Against the ASan+UBSan build (make e2e-asan) a report fails the test."""
    for mark in SANITIZER_MARKS:
        assert mark not in stderr, stderr.decode(errors="replace")


class SimFleet(Fleet):
    """Fleet plus: a second site, an API token file, a fleet file and medfw-sim."""

    def __init__(self, server, medfw, tmp_path, releases):
        super().__init__(server, medfw, tmp_path, releases)
        self.site2 = self.c.call("POST", "/api/v1/sites",
                                 {"name": "North", "time_zone": "UTC"})[2]["id"]
        self.token_file = tmp_path / "api-token"
        self.token_file.write_text(self.t.token + "\n")
        self.fleet_file = tmp_path / "fleet.jsonl"
        self.stats_file = tmp_path / "stats.json"

    def sim(self, *args, check=None, timeout=120):
        proc = run([tool_path("medfw-sim"), *args], check=check, timeout=timeout)
        check_sanitizers(proc.stderr)
        return proc

    def enroll(self, site, count, model="InfuPump 3", hardware_id=None, **extra):
        from agent_fixture import HW
        extra.setdefault("firmware_version", "1.0.0")
        extra.setdefault("threads", 4)
        args = ["enroll", "--server", self.url, "--api-token-file", self.token_file,
                "--site", str(site), "--count", str(count), "--model", model,
                "--hardware-id", hardware_id or HW, "--fleet", self.fleet_file]
        for k, v in extra.items():
            args += ["--" + k.replace("_", "-"), str(v)]
        return self.sim(*args, check=0)

    def run_args(self, *extra, duration=None, interval=1):
        extra = [str(e) for e in extra]
        root = [] if "--director-root" in extra else ["--api-token-file", self.token_file]
        args = ["run", "--server", self.url, "--fleet", self.fleet_file,
                "--image-root", self.image_root, *root,
                "--interval", str(interval), "--reboot-seconds", "1", "--threads", "8",
                "--stats", self.stats_file, *extra]
        if duration is not None:
            args += ["--duration", str(duration)]
        return args

    def run(self, *extra, duration=8, interval=1, check=0):
        proc = self.sim(*self.run_args(*extra, duration=duration, interval=interval),
                        check=check, timeout=duration + 60)
        return proc

    def start(self, *extra, interval=1):
        return subprocess.Popen([str(tool_path("medfw-sim")),
                                 *map(str, self.run_args(*extra, interval=interval))],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def stats(self):
        return json.loads(self.stats_file.read_text())

    def devices(self):
        """The fleet file's devices (JSON lines after the comment header)."""
        lines = self.fleet_file.read_text().splitlines()
        return [json.loads(l) for l in lines if l and not l.startswith("#")]

    def ids(self, site=None):
        return [d["id"] for d in self.devices() if site is None or d["site"] == site]

    def assign_id(self, device_id, name, start=None, end=None):
        now = int(time.time())
        status, _, body = self.c.call(
            "PUT", f"/api/v1/devices/{device_id}/assignment",
            {"target": name, "window_start": utc(start if start is not None else now - 60),
             "window_end": utc(end if end is not None else now + 86400)})
        assert status == 200, body

    def events_of(self, device_id):
        status, _, body = self.c.call("GET", f"/api/v1/devices/{device_id}/events?limit=500")
        assert status == 200, body
        return list(reversed(body["events"]))

    def record_of(self, device_id):
        status, _, body = self.c.call("GET", f"/api/v1/devices/{device_id}")
        assert status == 200, body
        return body

    def stop(self, proc, sig=signal.SIGTERM, timeout=10):
        """Signal a running medfw-sim; (seconds it took to exit, exit status, stdout)."""
        t0 = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=timeout)
        check_sanitizers(err)
        return time.monotonic() - t0, proc.returncode, out.decode(), err.decode()
