"""Rollouts over days of server time in seconds (docs/rollouts.md): medfwd's test clock
(--enable-test-routes: POST /api/v1/selftest/clock moves the server's clock forward) drives
the rollout engine through a two-day soak, and maintenance windows in the sites' own
time zones across the daylight-saving changes of 2027 (Europe/Berlin, America/New_York),
blackout dates, and an unused window replaced by the next one. Devices sign their
requests with the server's time, as a device synchronised to it would."""
import calendar
import time

import pytest

from agent_fixture import HW, Fleet, agent_notice, random_image
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_device_events import post_events
from test_devices import Device, enrolment_token, new_device
from test_people import PASSWORD, Client
from test_rollouts import ALL_DAYS

NEW = "pump/fw-4.2.1.img"
DAY = 86400


def ts(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def year_token(srv, username):
    """An API token valid for a year: the clock moves months in these tests."""
    c = Client(srv)
    c.login(username)
    status, _, body = c.call("POST", "/api/v1/tokens", {"name": "clock tests",
                                                        "expires_in_days": 366})
    assert status == 201, body
    t = Client(srv)
    t.token = body["token"]
    return t


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    srv = medfwd_server(extra_config="rollout_tick = 1s\n")
    f = Fleet(srv, medfw, tmp_path, {NEW: (random_image(3000, "new"), agent_notice())})
    f.t = year_token(srv, "root")
    return f


def clock(f):
    status, _, body = f.t.call("GET", "/api/v1/selftest/clock")
    assert status == 200, body
    return body["now"]


def advance_to(f, when):
    """Move the server's clock forward to `when` (UTC seconds)."""
    now = clock(f)
    assert when > now
    status, _, body = f.t.call("POST", "/api/v1/selftest/clock", {"advance_seconds": when - now})
    assert status == 200, body
    assert abs(body["now"] - when) <= 2


def advance(f, seconds):
    status, _, body = f.t.call("POST", "/api/v1/selftest/clock", {"advance_seconds": seconds})
    assert status == 200, body


def site(f, name, tz):
    status, _, body = f.t.call("POST", "/api/v1/sites", {"name": name, "time_zone": tz})
    assert status == 201, body
    return body["id"]


def windows(f, site_id, body):
    status, _, resp = f.t.call("PUT", f"/api/v1/sites/{site_id}/maintenance-windows", body)
    assert status == 200, resp
    return resp


def device(f, site_id, serial):
    rec = new_device(f.t, site_id, serial, hardware_id=HW)
    dev = Device(f.server)
    status, resp = dev.enrol(enrolment_token(f.t, rec["id"]))
    assert status == 200, resp
    dev.seq = 0
    return dev


def report(f, dev, *types):
    now = clock(f)
    events = []
    for t in types:
        dev.seq += 1
        events.append({"seq": dev.seq, "type": t, "target": NEW,
                       "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})
    status, resp = post_events(dev, events, created=now)
    assert status == 200, resp


def rollout(f, **body):
    body.setdefault("name", "clock test")
    body.setdefault("target", NEW)
    body.setdefault("selector", {"models": ["InfuPump 3"]})
    status, _, r = f.t.call("POST", "/api/v1/rollouts", body)
    assert status == 201, r
    # the approver: a second person, with an API token (sessions expire over days)
    status, _, _ = f.t.call("POST", "/api/v1/users", {"username": f"approver{r['id']}",
                                                      "password": PASSWORD,
                                                      "role": "security_officer"})
    assert status == 201
    a = year_token(f.server, f"approver{r['id']}")
    status, _, r = a.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 200, r
    return r


def get(f, rid):
    status, _, body = f.t.call("GET", f"/api/v1/rollouts/{rid}")
    assert status == 200, body
    return body


def assignment(f, dev):
    status, _, body = f.t.call("GET", f"/api/v1/devices/{dev.id}/assignment")
    return body if status == 200 else None


def wait_for(cond, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_two_day_soak_in_seconds(fleet):
    f = fleet
    s = site(f, "Charite", "Europe/Berlin")
    windows(f, s, {"windows": [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"}]})
    devs = [device(f, s, f"B-{i}") for i in range(4)]
    r = rollout(f, selector={"sites": [s]}, waves=[
        {"name": "canary", "count": 2, "success_threshold": 100, "error_threshold": 50,
         "soak_seconds": 2 * DAY},
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 50}])
    canary = wait_for(lambda: (lambda got: got if len(got) == 2 else None)(
        [d for d in devs if assignment(f, d)]))
    for d in canary:
        report(f, d, "downloading", "installed", "committed")
    body = wait_for(lambda: (lambda b: b if b["progress"][0]["success_at"] else None)(get(f, r["id"])))
    success_at = ts(body["progress"][0]["success_at"])
    assert abs(success_at - clock(f)) < 60
    advance(f, DAY)
    time.sleep(2.5)
    assert get(f, r["id"])["progress"][1]["opened_at"] is None  # one day of two
    advance(f, DAY + 5)
    body = wait_for(lambda: (lambda b: b if b["progress"][1]["opened_at"] else None)(get(f, r["id"])))
    opened = ts(body["progress"][1]["opened_at"])
    assert opened - success_at >= 2 * DAY
    rest = [d for d in devs if d not in canary]
    wait_for(lambda: all(assignment(f, d) for d in rest))


def test_windows_across_daylight_saving_changes(fleet):
    f = fleet
    berlin = site(f, "Charite", "Europe/Berlin")
    ny = site(f, "Mount Sinai", "America/New_York")
    windows(f, berlin, {"windows": [{"days": ["sun"], "start": "01:00", "end": "05:00"}],
                        "blackouts": [{"from": "2027-03-14", "to": "2027-03-21",
                                       "reason": "inventory"}]})
    windows(f, ny, {"windows": [{"days": ["sun"], "start": "01:00", "end": "04:00"}]})
    b = device(f, berlin, "B-1")
    n = device(f, ny, "N-1")
    # made now (the served repository verifies now); it runs on into 2027
    rollout(f, waves=[{"name": "all", "percent": 100, "success_threshold": 100,
                       "error_threshold": 50}])
    wait_for(lambda: assignment(f, n) and assignment(f, b))
    advance_to(f, ts("2027-03-10T12:00:00Z"))  # a Wednesday, before both changes
    resp = f.t.call("GET", f"/api/v1/sites/{ny}/maintenance-windows")[2]
    # New York springs forward on 2027-03-14 at 02:00: 01:00 EST is 06:00Z, 04:00 EDT 08:00Z
    assert resp["next"] == [{"department": "", "start": "2027-03-14T06:00:00Z",
                             "end": "2027-03-14T08:00:00Z"}]
    # the windows given in 2026 are over: the engine gives the next ones
    a = wait_for(lambda: (lambda x: x if x and x["window_start"].startswith("2027") else None)(
        assignment(f, n)))
    assert (a["window_start"], a["window_end"]) == ("2027-03-14T06:00:00Z", "2027-03-14T08:00:00Z")
    # Berlin: the Sundays 14 and 21 March are blacked out; on 28 March Berlin springs
    # forward at 02:00: 01:00 CET is 00:00Z, 05:00 CEST 03:00Z (a three-hour window)
    a = wait_for(lambda: (lambda x: x if x and x["window_start"].startswith("2027") else None)(
        assignment(f, b)))
    assert (a["window_start"], a["window_end"]) == ("2027-03-28T00:00:00Z", "2027-03-28T03:00:00Z")
    # the device's signed director metadata carries the same window
    status, _, meta = f.t.call("GET", f"/api/v1/devices/{b.id}/director/targets.json")
    assert status == 200
    w = meta["signed"]["targets"][NEW]["custom"]["install_window"]
    assert (w["start"], w["end"]) == ("2027-03-28T00:00:00Z", "2027-03-28T03:00:00Z")
    # the New York device lets its window pass (in clinical use): the next Sunday's is
    # given, now in daylight time (01:00 EDT = 05:00Z)
    advance_to(f, ts("2027-03-14T08:00:30Z"))
    wait_for(lambda: (assignment(f, n) or {}).get("window_start") == "2027-03-21T05:00:00Z")
    assert assignment(f, n)["window_end"] == "2027-03-21T08:00:00Z"
    # autumn: Berlin falls back on 2027-10-31 at 03:00: 01:00 CEST is 23:00Z the day
    # before, 05:00 CET 04:00Z (a five-hour window)
    advance_to(f, ts("2027-10-27T12:00:00Z"))
    resp = f.t.call("GET", f"/api/v1/sites/{berlin}/maintenance-windows")[2]
    assert resp["next"] == [{"department": "", "start": "2027-10-30T23:00:00Z",
                             "end": "2027-10-31T04:00:00Z"}]
    wait_for(lambda: (assignment(f, b) or {}).get("window_start") == "2027-10-30T23:00:00Z")


def test_test_clock_only_moves_forward_and_is_bounded(fleet):
    f = fleet
    for body in ({"advance_seconds": 0}, {"advance_seconds": -5}, {"advance_seconds": "1"},
                 {"advance_seconds": 10 ** 10}, {"advance_seconds": 5, "x": 1}, {}):
        status, _, resp = f.t.call("POST", "/api/v1/selftest/clock", body)
        assert status == 400, (body, resp)
    before = clock(f)
    advance(f, 3600)
    assert clock(f) - before >= 3600


def test_start_date_holds_the_rollout_until_it_comes(fleet):
    f = fleet
    s = site(f, "Charite", "Europe/Berlin")
    windows(f, s, {"windows": [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"}]})
    devs = [device(f, s, f"S-{i}") for i in range(2)]
    start = clock(f) + 3 * DAY
    r = rollout(f, selector={"sites": [s]}, start_at=time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(start)), waves=[
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 50}])
    assert r["state"] == "scheduled" and r["start_at"]
    time.sleep(2.5)
    assert get(f, r["id"])["state"] == "scheduled"
    assert all(assignment(f, d) is None for d in devs)
    advance(f, 3 * DAY + 10)
    body = wait_for(lambda: (lambda b: b if b["state"] == "running" else None)(get(f, r["id"])))
    assert ts(body["started_at"]) >= start
    got = wait_for(lambda: all(assignment(f, d) for d in devs) and [assignment(f, d) for d in devs])
    # the install window starts no earlier than the start date
    assert all(ts(a["window_start"]) >= start for a in got)
    status, _, audit = f.t.call("GET", "/api/v1/audit?event=rollout.started")
    assert status == 200 and len(audit["records"]) == 1
