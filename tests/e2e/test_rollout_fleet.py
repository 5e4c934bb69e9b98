"""Staged rollouts with 1,000 simulated devices (medfw-sim: real enrolment, signed
check-ins, director and image metadata verified, real downloads, events) against a real
medfwd (docs/rollouts.md): a bad release (30 % health-check failures) pauses itself in
the canary with no device outside the canary touched; a good one, approved by a second
person, moves through its waves while no install happens outside a device's window
(checked from the devices' own event times); a rollback campaign restores the previous
release. One fleet for the module, scenarios in order."""
import hashlib
import json
import time

import pytest

from agent_fixture import HW, agent_notice, random_image
from sim_fixture import SimFleet
from test_people import Client, make_user
from test_rollouts import ALL_DAYS

OLD, BAD, NEW = "pump/fw-4.1.1.img", "pump/fw-4.2.0.img", "pump/fw-4.2.1.img"
ICU, OR = 900, 100


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_utc(s):
    return int(time.mktime(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory, request):
    from server_fixture import Server
    tmp = tmp_path_factory.mktemp("rollout-fleet")
    srv = Server(tmp, "rollout_tick = 1s\nthreads = 8\n").start()
    request.addfinalizer(srv.stop)
    from conftest import tool_path, run

    def medfw(*args, check=0):
        return run([tool_path("medfw"), *args], check=check)

    f = SimFleet(srv, medfw, tmp, {
        OLD: (random_image(20_000, "old"), agent_notice(product_version="4.1.1")),
        BAD: (random_image(21_000, "bad"), agent_notice(product_version="4.2.0")),
        NEW: (random_image(22_000, "new"), agent_notice(product_version="4.2.1")),
    })
    old_sha = hashlib.sha256(f.images[OLD][0]).hexdigest()
    for dept, n in (("ICU", ICU), ("OR", OR)):
        proc = f.enroll(f.site, n, department=dept, firmware_version="4.1.1",
                        image_sha256=old_sha, threads=8)
        assert proc.returncode == 0, proc.stderr.decode()
    assert len(f.devices()) == ICU + OR
    # the site: a window from two minutes ago to 40 minutes from now (today's weekday,
    # local time = UTC here); the operating rooms only tomorrow night
    now = time.time()
    start, end = time.gmtime(now - 120), time.gmtime(now + 40 * 60)
    tomorrow = time.gmtime(now + 86400)
    status, _, body = f.c.call("PUT", f"/api/v1/sites/{f.site}/maintenance-windows", {
        "windows": [{"days": [ALL_DAYS[start.tm_wday]], "start": time.strftime("%H:%M", start),
                     "end": time.strftime("%H:%M", end)},
                    {"department": "OR", "days": [ALL_DAYS[tomorrow.tm_wday]],
                     "start": "01:00", "end": "03:00"}]})
    assert status == 200, body
    make_user(f.c, "biomed", "clinical_engineer")
    make_user(f.c, "secoff", "security_officer")
    f.author, f.approver = Client(srv), Client(srv)
    f.author.login("biomed")
    f.approver.login("secoff")
    return f


def rollout(f, rid):
    status, _, body = f.c.call("GET", f"/api/v1/rollouts/{rid}")
    assert status == 200, body
    return body


def members(f, rid):
    out, offset = [], 0
    while True:
        status, _, body = f.c.call("GET", f"/api/v1/rollouts/{rid}/devices?limit=500&offset={offset}")
        assert status == 200, body
        out += body["devices"]
        if body["next_offset"] is None:
            return out
        offset = body["next_offset"]


def all_devices(f):
    out, offset = [], 0
    while True:
        status, _, body = f.c.call("GET", f"/api/v1/devices?limit=500&offset={offset}")
        assert status == 200, body
        out += body["devices"]
        if body["next_offset"] is None:
            return out
        offset = body["next_offset"]


def start_rollout(f, **body):
    status, _, r = f.author.call("POST", "/api/v1/rollouts", body)
    assert status == 201, r
    # the two-person rule: the author cannot approve it
    status, _, resp = f.author.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 403 and "two-person rule" in resp["error"]["message"]
    status, _, r = f.approver.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 200 and r["state"] == "running", r
    return r


def run_until(f, cond, timeout, *sim_args, describe=None):
    """Run the whole fleet in medfw-sim until cond() holds (checked every second)."""
    proc = f.start("--seed", "7", "--jitter", "1", *sim_args, interval=2)
    try:
        end = time.time() + timeout
        while time.time() < end:
            got = cond()
            if got:
                return got
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(1)
        raise AssertionError("timed out: " + (json.dumps(describe(), indent=1)
                                              if describe else ""))
    finally:
        took, rc, out, err = f.stop(proc, timeout=30)
        assert rc == 0, err
        assert took < 20


def test_bad_release_pauses_in_the_canary(fleet):
    f = fleet
    r = start_rollout(f, name="4.2.0 to the ICU", target=BAD,
                      selector={"departments": ["ICU"]},
                      waves=[{"name": "canary", "count": 50, "success_threshold": 95,
                              "error_threshold": 20, "soak_seconds": 5},
                             {"name": "rest", "percent": 100, "success_threshold": 95,
                              "error_threshold": 10}])
    body = run_until(f, lambda: (lambda b: b if b["state"] == "paused" else None)(
        rollout(f, r["id"])), 120, "--health-fail-rate", "0.3")
    assert body["state_reason"].startswith("paused automatically: wave 1 (canary)")
    assert "rolled back" in body["state_reason"]
    assert body["progress"][1]["opened_at"] is None
    canary = {m["device_id"] for m in members(f, r["id"]) if m["wave"] == 1}
    assert len(canary) == 50
    errors = body["progress"][0]["devices"]["rolled_back"] + body["progress"][0]["devices"]["failed"]
    assert errors >= 10  # 20 % of 50
    # no device outside the canary was touched: no update event about BAD at all
    touched = {d["id"] for d in all_devices(f) if d["update_target"] == BAD}
    assert touched and touched <= canary
    for d in all_devices(f):
        if d["id"] not in canary:
            assert d["firmware_version"] == "4.1.1"
    status, _, body = f.c.call("POST", f"/api/v1/rollouts/{r['id']}/cancel",
                               {"reason": "health checks fail on 4.2.0"})
    assert status == 200 and body["state"] == "cancelled"
    f.bad_canary = canary
    f.on_bad = {d["id"] for d in all_devices(f) if d["firmware_version"] == "4.2.0"}
    assert f.on_bad and f.on_bad <= canary


def test_good_release_in_waves_and_only_inside_windows(fleet):
    f = fleet
    r = start_rollout(f, name="4.2.1 everywhere", target=NEW, selector={"models": ["InfuPump 3"]},
                      # a tenth of the fleet (the operating rooms) waits for tomorrow
                      # night's window, in every wave: 80 % moves the rollout on
                      waves=[{"name": "canary", "count": 50, "success_threshold": 80,
                              "error_threshold": 10, "soak_seconds": 3},
                             {"name": "half", "percent": 50, "success_threshold": 80,
                              "error_threshold": 10, "soak_seconds": 2},
                             {"name": "all", "percent": 100, "success_threshold": 80,
                              "error_threshold": 10}])

    def icu_done():
        b = rollout(f, r["id"])
        return b if b["current_wave"] == 3 and b["devices"]["committed"] >= ICU else None

    body = run_until(f, icu_done, 240, describe=lambda: {
        k: v for k, v in rollout(f, r["id"]).items() if k in ("state", "progress", "devices",
                                                               "state_reason")})
    assert body["state"] == "running"  # the operating rooms wait for tomorrow night
    assert body["devices"]["failed"] == 0 and body["devices"]["rolled_back"] == 0
    assert body["seconds_to_50_percent"] is not None
    waves = body["progress"]
    assert waves[0]["success_at"] <= waves[1]["opened_at"]
    assert waves[1]["success_at"] <= waves[2]["opened_at"]
    ms = members(f, r["id"])
    assert len(ms) == ICU + OR
    by_id = {m["device_id"]: m for m in ms}
    or_devices = {d["id"] for d in f.devices() if d.get("dept") == "OR"}
    for i in or_devices:
        assert by_id[i]["state"] in ("scheduled", "deferred"), by_id[i]
    # no install outside a window: every downloading/installed event of the release
    # happened (device clock) inside the window its instruction carried, and the
    # operating rooms never downloaded
    checked = 0
    committed = [m["device_id"] for m in ms if m["state"] == "committed"]
    for i in list(or_devices)[:30] + committed[:150]:
        status, _, ev = f.c.call("GET", f"/api/v1/devices/{i}/events?limit=500")
        assert status == 200
        for e in ev["events"]:
            if e["target"] != NEW or e["type"] not in ("downloading", "verified", "installed",
                                                      "rebooting", "committed"):
                continue
            assert i not in or_devices, e
            t = parse_utc(e["time"])
            w0, w1 = by_id[i]["window_start"], by_id[i]["window_end"]
            assert w0 is not None and w1 is not None, by_id[i]
            assert parse_utc(w0) <= t < parse_utc(w1), (e, w0, w1)
            checked += 1
        if i in or_devices:
            kinds = {e["type"] for e in ev["events"] if e["target"] == NEW}
            assert kinds <= {"offered", "deferred"}, kinds
            assert "deferred" in kinds
            reasons = {e["reason"] for e in ev["events"] if e["type"] == "deferred"}
            assert any("outside the install window" in (x or "") for x in reasons)
    assert checked > 0
    # the OR instructions carry tomorrow night's window
    tomorrow = time.gmtime(time.time() + 86400)
    for i in list(or_devices)[:10]:
        status, _, a = f.c.call("GET", f"/api/v1/devices/{i}/assignment")
        assert status == 200
        assert a["window_start"] == time.strftime("%Y-%m-%dT01:00:00Z", tomorrow)
    f.good = r


def test_rollback_campaign_restores_the_previous_release(fleet):
    f = fleet
    r = f.good
    status, _, camp = f.author.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                    {"target": OLD, "waves": [
                                        {"name": "all", "percent": 100, "success_threshold": 95,
                                         "error_threshold": 10}]})
    assert status == 201, camp
    back = {m["device_id"] for m in members(f, camp["id"])}
    # the devices that went from 4.1.1 to 4.2.1 in the good rollout: not those of the
    # bad rollout's canary that kept 4.2.0 (they came from there), not the operating
    # rooms (not installed yet)
    assert not back & f.on_bad
    assert len(back) == ICU - len(f.on_bad)
    status, _, camp = f.approver.call("POST", f"/api/v1/rollouts/{camp['id']}/approve", {})
    assert status == 200
    # the original rollout is still running (the OR devices): cancel it first would not
    # matter: the campaign's members are committed there, free for the campaign
    run_until(f, lambda: rollout(f, camp["id"])["state"] == "completed", 240)
    for d in all_devices(f):
        if d["id"] in back:
            assert d["firmware_version"] == "4.1.1", d
    body = rollout(f, camp["id"])
    assert body["kind"] == "rollback" and body["devices"]["committed"] == len(back)
