"""tests/browser/fleet.py, the fleet controller of the dashboard's browser tests
(protocol: tests/browser/README.md), driven as the JavaScript tests drive it: a
subprocess that prints one ready line, then answers JSON commands on stdin. The fleet it
reports is checked against the server itself (devices per site and department with valid
GS1 UDIs, the two devices whose image is not a signed release in the firmware report, the
findings, sites seen per person), every TOTP user signs in with a code the controller hands
out (once: the same code again is refused), the rollout people obey the two-person rule,
the simulator runs, bad commands are refused, and quit stops medfwd and exits 0 leaving
the workdir. Set-up failures answer {"ready": false}."""
import http.client
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT, tool_path

FLEET = ROOT / "tests" / "browser" / "fleet.py"
READY_TIMEOUT = 60      # set-up takes ~10 s on the release build
ANSWER_TIMEOUT = 45     # a totp command may wait up to 30 s for a fresh step
QUIT_TIMEOUT = 30
TOTP_USERS = ["biomed", "secoff", "relmgr", "relmgr2", "auditor"]


class Controller:
    """fleet.py as a subprocess: lines of its stdout through a reader thread."""

    def __init__(self, tmp_path, *args, env=None):
        self.workdir = tmp_path / "work"
        self.stderr_path = tmp_path / "fleet-stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(FLEET), "--workdir", str(self.workdir), *map(str, args)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env=dict(os.environ, TZ="UTC", LC_ALL="C", **(env or {})))
        self.lines = queue.Queue()
        self.raw_lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.raw_lines.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def line(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout} s\n{self.log()}") from None
        assert line is not None, f"fleet.py ended without answering\n{self.log()}"
        return json.loads(line)

    def send(self, obj, timeout=ANSWER_TIMEOUT):
        data = obj if isinstance(obj, bytes) else json.dumps(obj).encode() + b"\n"
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        return self.line(timeout)

    def ok(self, obj, timeout=ANSWER_TIMEOUT):
        answer = self.send(obj, timeout)
        assert answer["ok"] is True, (obj, answer)
        return answer

    def refused(self, obj, *words):
        answer = self.send(obj)
        assert answer["ok"] is False and isinstance(answer["error"], str), (obj, answer)
        for w in words:
            assert w in answer["error"], (obj, answer)
        return answer

    def api(self, user, method, path, body=None, want=200):
        cmd = {"cmd": "api", "user": user, "method": method, "path": path}
        if body is not None:
            cmd["body"] = body
        answer = self.ok(cmd)
        assert answer["status"] == want, (cmd, answer)
        return answer["body"]

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        finally:
            self._stderr.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()

    def log(self):
        try:
            return self.stderr_path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


@pytest.fixture
def controller(tmp_path):
    started = []

    def _start(*args, env=None):
        c = Controller(tmp_path, *args, env=env)
        started.append(c)
        return c
    yield _start
    for c in started:
        c.kill()


def web_dir_supported():
    out = subprocess.run([str(tool_path("medfwd")), "--config-reference"], capture_output=True,
                         check=True).stdout.decode()
    return "`web_dir`" in out


def gs1_check_ok(gtin):
    digits = [int(c) for c in gtin]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return len(gtin) == 14 and (10 - total % 10) % 10 == digits[-1]


def sign_in(url, username, password, code=None):
    m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", url)
    conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=30)
    body = {"username": username, "password": password}
    if code is not None:
        body["totp_code"] = code
    try:
        conn.request("POST", "/api/v1/session", body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read())
        cookie = resp.getheader("Set-Cookie")
        if resp.status != 200:
            return resp.status, data
        conn.request("GET", "/api/v1/me",
                     headers={"Cookie": cookie.split(";")[0]})
        me = conn.getresponse()
        data = json.loads(me.read())
        return me.status, data["user"] if me.status == 200 else data
    finally:
        conn.close()


def test_fleet_controller(controller, tmp_path):
    t0 = time.monotonic()
    args = []
    web = None
    if web_dir_supported():
        web = tmp_path / "web"
        web.mkdir()
        (web / "index.html").write_text("<!doctype html><title>medfw</title>\n")
        args = ["--web-dir", web]
    c = controller(*args)
    ready = c.line(READY_TIMEOUT)
    assert ready["ready"] is True, ready
    url = ready["url"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
    conf = (c.workdir / "medfwd" / "medfwd.conf").read_text()
    assert "rollout_tick = 1s\n" in conf and "vuln_eval_delay = 0s\n" in conf
    assert (f"web_dir = {web}\n" in conf) == (web is not None)
    users = ready["users"]
    assert set(users) == {"admin", *TOTP_USERS}
    assert users["admin"]["totp_secret"] is None
    for name in TOTP_USERS:
        assert re.fullmatch(r"[A-Z2-7]{16,}", users[name]["totp_secret"]), users[name]
    assert len({u["password"] for u in users.values()}) == 6
    sites = ready["sites"]
    st, ns = sites["st_marys"], sites["northside"]
    assert ready["releases"] == {"old": "pump/fw-4.1.1.img", "bad": "pump/fw-4.2.0.img",
                                 "new": "pump/fw-4.2.1.img"}

    # ---- the fleet, as the server knows it
    names = {s["id"]: s["name"] for s in c.api("admin", "GET", "/api/v1/sites")["sites"]}
    assert names == {st: "St. Mary's Hospital", ns: "Northside Clinic"}
    devs = {d["id"]: d for d in ready["devices"]}
    assert len(devs) == 37
    server = {}
    for site in (st, ns):
        body = c.api("admin", "GET", f"/api/v1/devices?site={site}&limit=500")
        server.update({d["id"]: d for d in body["devices"]})
        assert body["total"] == {st: 32, ns: 5}[site]
    assert set(server) == set(devs)
    depts = {}
    for i, d in devs.items():
        rec = server[i]
        assert rec["site_id"] == d["site"] and rec["serial"] == d["serial"]
        assert rec["enrolment_state"] == "enrolled" and rec["last_seen"] is not None
        assert rec["udi_di"] == d["udi_di"] and gs1_check_ok(rec["udi_di"]), rec
        assert d["udi"].startswith(f"(01){rec['udi_di']}") and f"serial={d['serial']}" in \
            rec["udi_pi"], (d, rec)
        assert rec["location"] == d["location"] and rec["network_zone"]
        assert rec["firmware_version"] == "4.1.1"
        assert rec["image_is_signed_release"] is d["image_signed"]
        depts[(rec["site_id"], rec["department"])] = depts.get((rec["site_id"],
                                                                 rec["department"]), 0) + 1
    assert depts[(st, "ICU")] == 20 and depts[(st, "OR")] == 10
    assert sum(n for (s, _), n in depts.items() if s == ns) == 5
    unsigned = {i for i, d in devs.items() if not d["image_signed"]}
    assert len(unsigned) == 2 and {devs[i]["site"] for i in unsigned} == {st}
    # the hospital's clinical engineer: the firmware report names them
    rep = c.api("biomed", "GET", "/api/v1/reports/firmware")
    assert rep["not_signed_total"] == 2, rep
    assert {d["id"] for d in rep["not_signed_devices"]} == unsigned, rep
    assert [s["id"] for s in c.api("biomed", "GET", "/api/v1/sites")["sites"]] == [st]

    # ---- findings
    f = ready["findings"]
    und = c.api("secoff", "GET", f"/api/v1/vulnerabilities/findings/{f['undetermined']['id']}")
    assert und["status"] == "undetermined" and und["release"] == ready["releases"]["old"], und
    crit = c.api("secoff", "GET", f"/api/v1/vulnerabilities/findings/{f['critical']['id']}")
    assert crit["severity_level"] == "critical" and crit["status"] == "affected"
    assert crit["fixed_by"] == ready["releases"]["new"]
    kev = c.api("auditor", "GET", f"/api/v1/vulnerabilities/findings/{f['kev']['id']}")
    assert kev["kev"]["listed"] is True

    # ---- every TOTP user signs in with a code from the controller, once. medfwd allows
    # 10 sign-ins per address, then 10 a minute: these 8 from 127.0.0.1 (the browser's)
    # pass because the controller signs in from an address of its own
    assert ready["controller_address"] == "127.0.0.2"
    for i, name in enumerate(TOTP_USERS):
        answer = c.ok({"cmd": "totp", "user": name})
        assert re.fullmatch(r"\d{6}", answer["code"]) and answer["waited"] <= 31, answer
        status, me = sign_in(url, name, users[name]["password"], answer["code"])
        assert status == 200 and me["username"] == name, (name, me)
        assert me["role"] == users[name]["role"]
        assert me["display_name"] == users[name]["display_name"]
        if i < 2:
            status, body = sign_in(url, name, users[name]["password"], answer["code"])
            assert status == 401, (name, body)  # the same code again: a replay
    status, me = sign_in(url, "admin", users["admin"]["password"])
    assert status == 200 and me["role"] == "admin" and me["site_id"] is None
    c.refused({"cmd": "totp", "user": "admin"}, "admin has no TOTP")

    # ---- relmgr makes a rollout, only relmgr2 may approve it
    r = c.api("relmgr", "POST", "/api/v1/rollouts",
              {"name": "4.2.0 canary", "target": ready["releases"]["bad"],
               "selector": {"sites": [st], "departments": ["ICU"]},
               "waves": [{"name": "all", "percent": 100, "success_threshold": 95,
                          "error_threshold": 10}]}, want=201)
    refused = c.api("relmgr", "POST", f"/api/v1/rollouts/{r['id']}/approve", {}, want=403)
    assert "two-person rule" in refused["error"]["message"]
    assert c.api("relmgr2", "POST", f"/api/v1/rollouts/{r['id']}/approve", {})["state"] == \
        "running"
    assert c.api("relmgr", "POST", f"/api/v1/rollouts/{r['id']}/cancel",
                 {"reason": "test"})["state"] == "cancelled"
    for e in ("bootstrap.admin_created", "site.created", "user.created", "totp.enrolled",
              "site.maintenance_windows", "vulnerabilities.imported", "device.enrolled",
              "device.updated", "rollout.approve_refused"):
        assert c.api("auditor", "GET", f"/api/v1/audit?event={e}")["records"], e

    # ---- the simulator over St. Mary's
    run = c.ok({"cmd": "sim_run", "seconds": 3, "health_fail_rate": 0.3})
    assert run["stats"]["devices"] == 32 and run["stats"]["checkins_ok"] >= 32, run
    assert run["stats"]["checkins_failed"] == 0, run
    started = c.ok({"cmd": "sim_start", "health_fail_rate": 0})
    assert started["devices"] == 32
    c.refused({"cmd": "sim_start"}, "running already")
    c.refused({"cmd": "sim_run", "seconds": 2}, "running in the background")
    time.sleep(2)
    stopped = c.ok({"cmd": "sim_stop"})
    assert stopped["stats"]["devices"] == 32 and stopped["stats"]["checkins_ok"] > 0, stopped
    c.refused({"cmd": "sim_stop"}, "not running")

    # ---- a session that ended is signed in again (admin: no TOTP wait)
    c.api("admin", "DELETE", "/api/v1/session")
    assert c.api("admin", "GET", "/api/v1/me")["user"]["username"] == "admin"
    anon = c.ok({"cmd": "api", "user": None, "method": "GET", "path": "/api/v1/me"})
    assert anon["status"] == 401
    csv = c.ok({"cmd": "api", "user": "admin", "method": "GET",
                "path": "/api/v1/devices/export?format=csv"})
    assert csv["status"] == 200 and csv["body"].count("\n") >= 38

    # ---- bad commands: refused, named, the controller goes on
    assert c.send(b"{not json\n")["ok"] is False
    assert c.send(b"[1, 2]\n")["ok"] is False
    c.refused({"cmd": "launch"}, 'unknown cmd "launch"')
    c.refused({"cmd": "api", "user": "mallory", "method": "GET", "path": "/api/v1/me"}, "user")
    c.refused({"cmd": "api", "user": "admin", "method": "BREW", "path": "/"}, "method")
    c.refused({"cmd": "api", "user": "admin", "method": "GET", "path": "api/v1/me"}, "path")
    c.refused({"cmd": "sim_run", "seconds": 0}, "seconds")
    c.refused({"cmd": "sim_run", "seconds": 2, "health_fail_rate": 2}, "health_fail_rate")
    c.refused({"cmd": "sim_start", "colour": "red"}, '"colour"')
    assert c.api("admin", "GET", "/api/v1/me")["user"]["username"] == "admin"

    # ---- quit: medfwd stopped, exit 0, the workdir kept
    assert c.send({"cmd": "quit"}) == {"ok": True}
    assert c.wait(QUIT_TIMEOUT) == 0, c.log()
    for line in c.raw_lines:
        json.loads(line)  # nothing but protocol lines on stdout
    assert (c.workdir / "medfwd" / "data" / "medfwd.db").exists()
    assert (c.workdir / "medfwd" / "stderr.log").stat().st_size > 0
    assert (c.workdir / "sim.log").stat().st_size > 0
    with pytest.raises(OSError):
        sign_in(url, "admin", users["admin"]["password"])
    assert time.monotonic() - t0 < 90


@pytest.mark.parametrize("case,words", [("not built", "medfwd is not built"),
                                        ("workdir not empty", "is not empty")])
def test_setup_failure_answers_ready_false(controller, tmp_path, case, words):
    env = None
    if case == "not built":
        empty = tmp_path / "empty-build"
        empty.mkdir()
        env = {"MEDFW_BUILD_DIR": str(empty)}
    else:
        (tmp_path / "work").mkdir()
        (tmp_path / "work" / "left-over").write_text("x")
    c = controller(env=env)
    ready = c.line(READY_TIMEOUT)
    assert ready["ready"] is False and words in ready["error"], ready
    assert c.wait(QUIT_TIMEOUT) == 1
    assert len(c.raw_lines) == 1


FAKE_ASAN_MEDFWD = """#!/bin/sh
# the real medfwd, then a sanitizer report on its standard error as it ends
# (an asynchronous command's stdin is /dev/null: pass the pipe as fd 3, medfwd stops when
# it closes)
exec 3<&0
"{real}" "$@" <&3 3<&- &
child=$!
trap 'kill -TERM $child' TERM INT
wait $child
wait $child
rc=$?
echo "==1==ERROR: AddressSanitizer: heap-use-after-free (injected by the test)" >&2
exit $rc
"""


def test_sanitizer_report_of_medfwd_fails_the_exit_status(controller, tmp_path):
    """A medfwd that reports an AddressSanitizer error as it stops: quit still answers,
    the controller exits 3 and says why on standard error."""
    build = tmp_path / "build"
    build.mkdir()
    for name in ("medfw", "medfw-sim"):
        (build / name).symlink_to(tool_path(name))
    fake = build / "medfwd"
    fake.write_text(FAKE_ASAN_MEDFWD.format(real=tool_path("medfwd")))
    fake.chmod(0o755)
    c = controller(env={"MEDFW_BUILD_DIR": str(build)})
    ready = c.line(READY_TIMEOUT)
    assert ready["ready"] is True, ready
    assert c.send({"cmd": "quit"}) == {"ok": True}
    assert c.wait(QUIT_TIMEOUT) == 3, c.log()
    assert "injected by the test" in c.log()


def test_web_dir_reaches_medfwd(controller, tmp_path):
    """Before medfwd knows web_dir, the line fleet.py writes is refused by medfwd's strict
    configuration: the set-up fails naming it (once it does, test_fleet_controller runs
    with --web-dir and checks the line)."""
    if web_dir_supported():
        pytest.skip("medfwd knows web_dir: test_fleet_controller passes --web-dir")
    web = tmp_path / "web"
    web.mkdir()
    c = controller("--web-dir", web)
    ready = c.line(READY_TIMEOUT)
    assert ready["ready"] is False and "medfwd did not start" in ready["error"], ready
    assert "unknown option 'web_dir'" in ready["error"], ready
    assert c.wait(QUIT_TIMEOUT) == 1
    assert f"web_dir = {web}\n" in (c.workdir / "medfwd" / "medfwd.conf").read_text()
