"""Staged rollouts end to end (docs/rollouts.md) against a real medfwd with the
manufacturer's signed releases pushed to it and devices that sign their requests in
Python (test_devices.Device) and report update events by hand, so each test decides
exactly what every device does: the two-person rule, waves opening after success and
soak, an automatic pause in the canary with nothing outside it touched, maintenance
windows and their absence, pause / resume / cancel, late joiners, devices in another
rollout, rollback campaigns and their refusals, and bad input of every kind."""
import hashlib
import time

import pytest

from agent_fixture import HW, Fleet, agent_notice, random_image
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_device_events import post_events
from test_devices import Device, audit_events, enrolment_token, new_device
from test_people import Client, make_user

OLD, NEW, NEXT = "pump/fw-4.1.1.img", "pump/fw-4.2.1.img", "pump/fw-5.0.0.img"
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def releases():
    return {OLD: (random_image(3000, "old"), agent_notice(product_version="4.1.1",
                                                          security_version=7)),
            NEW: (random_image(4000, "new"), agent_notice(product_version="4.2.1",
                                                          security_version=7)),
            NEXT: (random_image(5000, "next"), agent_notice(product_version="5.0.0",
                                                            security_version=8,
                                                            rollback_supported=False))}


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    srv = medfwd_server(extra_config="rollout_tick = 1s\n")
    return Fleet(srv, medfw, tmp_path, releases())


def sha(fleet, name):
    return hashlib.sha256(fleet.images[name][0]).hexdigest()


def wait_for(cond, timeout=20, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def always_open(c, site):
    status, _, body = c.call("PUT", f"/api/v1/sites/{site}/maintenance-windows",
                             {"windows": [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"}]})
    assert status == 200, body
    return body


def devices(fleet, n, running=OLD, prefix="SN", **fields):
    """n enrolled devices that checked in running `running`."""
    out = []
    for i in range(n):
        rec = new_device(fleet.c, fleet.site, f"{prefix}-{i:04d}", hardware_id=HW, **fields)
        dev = Device(fleet.server)
        status, resp = dev.enrol(enrolment_token(fleet.c, rec["id"]))
        assert status == 200, resp
        checkin(fleet, dev, running)
        dev.seq = 0
        out.append(dev)
    return out


def checkin(fleet, dev, running):
    status, resp = dev.checkin({"firmware_version": fleet.images[running][1]["product_version"],
                                "image_sha256": sha(fleet, running), "agent_version": "1.3.0",
                                "clinical_state": "idle"})
    assert status == 200, resp


def report(dev, *types, target=NEW, reason=None):
    events = []
    for t in types:
        dev.seq += 1
        e = {"seq": dev.seq, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "type": t, "target": target}
        if reason and t in ("failed", "rolled_back", "deferred"):
            e["reason"] = reason
        events.append(e)
    status, resp = post_events(dev, events)
    assert status == 200, resp


def create(c, expect=201, **body):
    body.setdefault("name", "InfuPump 4.2.1")
    body.setdefault("target", NEW)
    body.setdefault("selector", {"models": ["InfuPump 3"]})
    body.setdefault("waves", [
        {"name": "canary", "count": 5, "success_threshold": 100, "error_threshold": 20,
         "soak_seconds": 2},
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 20}])
    status, _, resp = c.call("POST", "/api/v1/rollouts", body)
    assert status == expect, resp
    return resp


def get(c, rid):
    status, _, body = c.call("GET", f"/api/v1/rollouts/{rid}")
    assert status == 200, body
    return body


def members(c, rid, **q):
    query = "&".join(f"{k}={v}" for k, v in q.items())
    status, _, body = c.call("GET", f"/api/v1/rollouts/{rid}/devices?limit=500&{query}")
    assert status == 200, body
    return body["devices"]


def assignment(c, dev):
    status, _, body = c.call("GET", f"/api/v1/devices/{dev.id}/assignment")
    return body if status == 200 else None


def assigned(fleet, devs, n):
    """The devices with an assignment, once exactly n have one (else None)."""
    got = [d for d in devs if assignment(fleet.c, d)]
    return got if len(got) == n else None


def person(fleet, username, role):
    make_user(fleet.c, username, role)
    p = Client(fleet.server)
    p.login(username)
    return p


def approved(fleet, rollout):
    approver = person(fleet, f"approver{rollout['id']}", "security_officer")
    status, _, body = approver.call("POST", f"/api/v1/rollouts/{rollout['id']}/approve", {})
    assert status == 200, body
    return body


def state_is(c, rid, state):
    return lambda: get(c, rid)["state"] == state and get(c, rid)


# ---- the two-person rule ----

def test_rollout_starts_only_after_a_second_person_approves(fleet):
    author = person(fleet, "biomed", "clinical_engineer")
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 3)
    r = create(author)
    assert r["state"] == "awaiting_approval" and r["kind"] == "update"
    assert r["notice"]["product_version"] == "4.2.1" and r["notice"]["rollback_supported"]
    assert r["selector"]["hardware_ids"] == agent_notice()["hardware_ids"]
    assert r["target_sha256"] == sha(fleet, NEW) and r["security_version"] == 7
    # the author, though allowed to approve, may not approve their own rollout
    status, _, body = author.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 403 and "two-person rule" in body["error"]["message"]
    # a release manager may make rollouts but holds no approving role
    rm = person(fleet, "release", "release_manager")
    status, _, body = rm.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 403
    time.sleep(1.5)
    assert get(fleet.c, r["id"])["state"] == "awaiting_approval"
    assert all(assignment(fleet.c, d) is None for d in devs)
    body = approved(fleet, r)
    assert body["state"] == "running" and body["approved_by"] != body["created_by"]
    wait_for(lambda: all(assignment(fleet.c, d) for d in devs), what="assignments")
    refused = audit_events(fleet.c, "rollout.approve_refused")
    assert len(refused) == 1 and "two-person rule" in refused[0]["detail"]["reason"]
    ok = audit_events(fleet.c, "rollout.approved")
    assert len(ok) == 1
    assert ok[0]["detail"]["author"] == r["created_by"]
    assert ok[0]["detail"]["by"] == body["approved_by"]
    # approving twice is a conflict
    approver = Client(fleet.server)
    approver.login(f"approver{r['id']}")
    status, _, body = approver.call("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
    assert status == 409 and "awaiting approval" in body["error"]["message"]


# ---- waves, soak, completion ----

def test_good_release_completes_in_waves(fleet):
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 12)
    r = approved(fleet, create(fleet.c))
    canary = wait_for(lambda: assigned(fleet, devs, 5), what="canary")
    rest = [d for d in devs if d not in canary]
    a = assignment(fleet.c, canary[0])
    assert a["target"] == NEW and a["length"] == 4000 and a["window_start"] and a["window_end"]
    # the director metadata the device fetches carries the window
    status, _, meta = fleet.c.call("GET", f"/api/v1/devices/{canary[0].id}/director/targets.json")
    assert status == 200
    custom = meta["signed"]["targets"][NEW]["custom"]
    assert custom["install_window"]["start"] == a["window_start"]
    for d in canary[:4]:
        report(d, "offered", "downloading", "verified", "installed", "rebooting", "committed")
    report(canary[4], "deferred", reason="in clinical use")
    time.sleep(2.5)
    body = get(fleet.c, r["id"])
    assert body["progress"][0]["devices"]["committed"] == 4
    assert body["progress"][0]["devices"]["deferred"] == 1
    assert body["progress"][0]["success_at"] is None  # 100 % needed
    assert all(assignment(fleet.c, d) is None for d in rest)
    report(canary[4], "downloading", "installed", "committed")
    # success, a 2 s soak, then the second wave opens
    wait_for(lambda: all(assignment(fleet.c, d) for d in rest), what="second wave")
    body = get(fleet.c, r["id"])
    assert body["current_wave"] == 2 and body["progress"][0]["success_at"]
    assert body["progress"][1]["opened_at"] >= body["progress"][0]["success_at"]
    # committed devices' instructions are taken back
    assert all(assignment(fleet.c, d) is None for d in canary)
    for d in rest:
        report(d, "downloading", "installed", "committed")
    body = wait_for(state_is(fleet.c, r["id"], "completed"), what="completed")
    assert body["devices"]["committed"] == 12 and body["members"] == 12
    assert body["seconds_to_50_percent"] is not None and body["seconds_to_95_percent"] is not None
    assert body["seconds_to_50_percent"] <= body["seconds_to_95_percent"]
    events = [e["event"] for e in audit_events(fleet.c) if e["event"].startswith("rollout.")]
    for e in ("rollout.created", "rollout.approved", "rollout.wave_opened",
              "rollout.wave_succeeded", "rollout.completed"):
        assert e in events, e


@pytest.fixture
def paused_rollout(fleet):
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 20)
    r = create(fleet.c, waves=[
        {"name": "canary", "count": 5, "success_threshold": 100, "error_threshold": 40,
         "soak_seconds": 0},
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 40}])
    r = approved(fleet, r)
    canary = wait_for(lambda: assigned(fleet, devs, 5), what="canary")
    rest = [d for d in devs if d not in canary]
    report(canary[0], "downloading", "installed", "rebooting", "rolled_back",
           reason="health check failed")
    time.sleep(2)
    assert get(fleet.c, r["id"])["state"] == "running"  # 1 of 5 = 20 % < 40 %
    report(canary[1], "downloading", "failed", reason="image sha256 does not match")
    body = wait_for(state_is(fleet.c, r["id"], "paused"), what="pause")
    return fleet, r, body, canary, rest


def test_error_threshold_pauses_with_nothing_outside_the_canary_touched(paused_rollout):
    fleet, r, body, canary, rest = paused_rollout
    assert body["state_reason"].startswith("paused automatically: wave 1 (canary): 2 of 5")
    assert "1 failed, 1 rolled back" in body["state_reason"]
    assert body["progress"][1]["opened_at"] is None
    # nothing outside the canary ever got an instruction, and the canary's unstarted
    # members had theirs taken back
    assert all(assignment(fleet.c, d) is None for d in rest)
    assert all(assignment(fleet.c, d) is None for d in canary)
    by_state = {m["device_id"]: m for m in members(fleet.c, r["id"])}
    assert by_state[canary[0].id]["state"] == "rolled_back"
    assert by_state[canary[0].id]["reason"] == "health check failed"
    assert by_state[canary[1].id]["state"] == "failed"
    for d in canary[2:]:
        assert by_state[d.id]["state"] == "pending"
        assert by_state[d.id]["reason"] == "the rollout is paused"
    for d in rest:
        assert by_state[d.id]["wave"] == 2 and by_state[d.id]["assigned_at"] is None
    paused = audit_events(fleet.c, "rollout.paused")
    assert len(paused) == 1 and paused[0]["detail"]["automatic"] is True
    assert paused[0]["actor_type"] == "system"
    assert members(fleet.c, r["id"], state="failed")[0]["device_id"] == canary[1].id
    assert len(members(fleet.c, r["id"], wave=1)) == 5


def test_resume_and_cancel_by_hand(paused_rollout):
    fleet, r, body, canary, rest = paused_rollout
    rid = r["id"]
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{rid}/resume", {})
    assert status == 200 and body["state"] == "running" and body["state_reason"] is None
    wait_for(lambda: all(assignment(fleet.c, d) for d in canary[2:]), what="re-assigned")
    # the failed and rolled-back ones do not get it again
    assert assignment(fleet.c, canary[0]) is None and assignment(fleet.c, canary[1]) is None
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{rid}/pause",
                                   {"reason": "pharmacy asked to wait"})
    assert status == 200 and body["state"] == "paused"
    assert "pharmacy asked to wait" in body["state_reason"]
    assert all(assignment(fleet.c, d) is None for d in canary)
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{rid}/pause", {})
    assert status == 409
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{rid}/cancel", {})
    assert status == 200 and body["state"] == "cancelled" and body["finished_at"]
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{rid}/resume", {})
    assert status == 409 and "only a paused rollout" in body["error"]["message"]
    time.sleep(1.5)
    assert all(assignment(fleet.c, d) is None for d in canary + rest)
    # the devices are free for another rollout
    r2 = approved(fleet, create(fleet.c, name="second try"))
    wait_for(lambda: len(members(fleet.c, r2["id"])) == 20, what="members of the second")


# ---- maintenance windows ----

def test_no_window_means_nothing_installs(fleet):
    devs = devices(fleet, 3)
    r = approved(fleet, create(fleet.c))
    wait_for(lambda: len(members(fleet.c, r["id"])) == 3, what="members")
    time.sleep(1.5)
    for m in members(fleet.c, r["id"]):
        assert m["state"] == "pending" and "no maintenance window" in m["reason"]
    assert all(assignment(fleet.c, d) is None for d in devs)
    # a window that opens tomorrow: instructions with that window, not before
    tomorrow = time.gmtime(time.time() + 86400)
    day = ALL_DAYS[tomorrow.tm_wday]
    status, _, body = fleet.c.call("PUT", f"/api/v1/sites/{fleet.site}/maintenance-windows",
                                   {"windows": [{"days": [day], "start": "01:00", "end": "03:00"}]})
    assert status == 200, body
    want = time.strftime("%Y-%m-%dT01:00:00Z", tomorrow)
    assert body["next"] == [{"department": "", "start": want,
                             "end": time.strftime("%Y-%m-%dT03:00:00Z", tomorrow)}]
    a = wait_for(lambda: assignment(fleet.c, devs[0]), what="assignment")
    assert a["window_start"] == want
    assert members(fleet.c, r["id"])[0]["state"] == "scheduled"


def test_department_windows_and_blackouts(fleet):
    icu = devices(fleet, 2, prefix="ICU", department="ICU")
    ward = devices(fleet, 2, prefix="WARD", department="Ward 3")
    today = time.gmtime()
    status, _, body = fleet.c.call(
        "PUT", f"/api/v1/sites/{fleet.site}/maintenance-windows",
        {"windows": [{"days": ALL_DAYS, "start": "00:00", "end": "00:00"},
                     {"department": "ICU", "days": ALL_DAYS, "start": "02:00", "end": "03:00"}],
         "blackouts": [{"department": "Ward 3", "from": time.strftime("%Y-%m-%d", today),
                        "to": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400)),
                        "reason": "audit visit"}]})
    assert status == 200, body
    assert body["blackouts"][0]["reason"] == "audit visit"
    r = approved(fleet, create(fleet.c, waves=[
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 20}]))
    wait_for(lambda: all(assignment(fleet.c, d) for d in icu + ward), what="assignments")
    for d in icu:  # the ICU's own rule: 02:00-03:00 only
        a = assignment(fleet.c, d)
        assert a["window_start"].endswith("T02:00:00Z") and a["window_end"].endswith("T03:00:00Z")
    after = time.strftime("%Y-%m-%dT00:00:00Z", time.gmtime(time.time() + 2 * 86400))
    for d in ward:  # the site's rule, after the two blacked-out days
        assert assignment(fleet.c, d)["window_start"] == after
    assert get(fleet.c, r["id"])["devices"]["scheduled"] == 4


def test_windows_bad_input_is_refused_and_changes_nothing(fleet):
    c = fleet.c
    always_open(c, fleet.site)
    path = f"/api/v1/sites/{fleet.site}/maintenance-windows"
    before = c.call("GET", path)[2]
    for body, field in [
            ({"windows": [{"days": ["monday"], "start": "22:00", "end": "04:00"}]}, "windows[0]"),
            ({"windows": [{"days": ["mon"], "start": "24:00", "end": "04:00"}]}, "windows[0]"),
            ({"windows": [{"days": ["mon"], "start": "2:00", "end": "04:00"}]}, "windows[0]"),
            ({"windows": [{"days": [], "start": "02:00", "end": "04:00"}]}, "windows[0]"),
            ({"windows": [{"days": ["mon", "mon"], "start": "02:00", "end": "04:00"}]},
             "windows[0]"),
            ({"windows": [{"days": ["mon"], "start": "02:00", "end": "04:00", "x": 1}]},
             "windows[0]"),
            ({"windows": [{"department": 7, "days": ["mon"], "start": "02:00", "end": "04:00"}]},
             "windows[0]"),
            ({"windows": [{"days": ["mon"], "start": "02:00", "end": "04:00"}] * 65}, "windows"),
            ({"windows": [], "blackouts": [{"from": "2026-02-30", "to": "2026-03-01"}]},
             "blackouts[0]"),
            ({"windows": [], "blackouts": [{"from": "2026-03-02", "to": "2026-03-01"}]},
             "blackouts[0]"),
            ({"windows": [], "blackouts": [{"from": "2026-03-01", "to": "2026-03-02",
                                            "reason": "a\u0007b"}]}, "blackouts[0]"),
            ({"blackouts": []}, "windows"),
            ({"windows": [], "extra": []}, "extra")]:
        status, _, resp = c.call("PUT", path, body)
        assert status == 400, (body, resp)
        assert resp["error"]["field"] == field, (body, resp)
    assert c.call("GET", path)[2] == before
    # an auditor may read but not write; another site's staff sees nothing
    auditor = person(fleet, "auditor1", "auditor")
    assert auditor.call("GET", path)[0] == 200
    assert auditor.call("PUT", path, {"windows": []})[0] == 403
    other = c.call("POST", "/api/v1/sites", {"name": "Other", "time_zone": "Europe/Berlin"})[2]
    make_user(c, "other-biomed", "clinical_engineer", other["id"])
    o = Client(fleet.server)
    o.login("other-biomed")
    assert o.call("GET", path)[0] == 404
    assert o.call("PUT", path, {"windows": []})[0] == 404
    assert c.call("GET", path)[2] == before
    changes = audit_events(c, "site.maintenance_windows")
    assert len(changes) == 1


# ---- selection ----

def test_late_joiners_and_devices_of_another_rollout(fleet):
    always_open(fleet.c, fleet.site)
    first = devices(fleet, 3, prefix="A")
    other = approved(fleet, create(fleet.c, name="other", selector={"devices": [first[0].id]},
                                   waves=[{"name": "all", "percent": 100,
                                           "success_threshold": 100, "error_threshold": 50}]))
    wait_for(lambda: assignment(fleet.c, first[0]), what="the other rollout's device")
    # its instructions are the rollout's: no hand assignment, no clearing by hand
    now = int(time.time())
    status, _, body = fleet.c.call(
        "PUT", f"/api/v1/devices/{first[0].id}/assignment",
        {"target": OLD, "window_start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
         "window_end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600))})
    assert status == 409 and f"rollout {other['id']}" in body["error"]["message"]
    assert fleet.c.call("DELETE", f"/api/v1/devices/{first[0].id}/assignment")[0] == 409
    assert assignment(fleet.c, first[0])["target"] == NEW
    r = approved(fleet, create(fleet.c))
    wait_for(lambda: len(members(fleet.c, r["id"])) == 2, what="members")
    # first[0] belongs to the other rollout until it is finished
    assert first[0].id not in {m["device_id"] for m in members(fleet.c, r["id"])}
    assert assignment(fleet.c, first[0])["target"] == NEW
    late = devices(fleet, 2, prefix="L")
    wait_for(lambda: len(members(fleet.c, r["id"])) == 4, what="late joiners")
    for m in members(fleet.c, r["id"]):
        if m["device_id"] in {d.id for d in late}:
            assert m["wave"] == 2
    report(first[0], "downloading", "installed", "committed")
    checkin(fleet, first[0], NEW)
    wait_for(state_is(fleet.c, other["id"], "completed"), what="the other completes")
    # free again, and already running the release: it joins as committed
    wait_for(lambda: len(members(fleet.c, r["id"])) == 5, what="first[0] joins")
    m = [m for m in members(fleet.c, r["id"]) if m["device_id"] == first[0].id][0]
    assert m["state"] == "committed" and m["reason"] == "already runs this release"
    assert m["wave"] == 2


def test_create_bad_input(fleet):
    c = fleet.c
    bad = [({"target": "pump/nope.img"}, 422, "target"),
           ({"waves": []}, 400, "waves"),
           ({"waves": [{"name": "a", "percent": 50, "success_threshold": 90,
                        "error_threshold": 5}]}, 400, "waves"),
           ({"selector": {}}, 400, "selector"),
           ({"selector": {"hardware_ids": ["someone-else"]}}, 422, "selector"),
           ({"selector": {"colour": ["red"]}}, 400, "selector"),
           ({"name": ""}, 400, "name"),
           ({"name": "a\u0001b"}, 400, "name"),
           ({"start_at": "tomorrow"}, 400, "start_at"),
           ({"unknown": 1}, 400, "unknown")]
    for body, status, field in bad:
        resp = create(c, expect=status, **body)
        assert resp["error"]["field"] == field, (body, resp)
    assert c.call("GET", "/api/v1/rollouts")[2]["total"] == 0
    # site staff select only their own site; an auditor makes no rollouts
    other = c.call("POST", "/api/v1/sites", {"name": "Other", "time_zone": "UTC"})[2]
    make_user(c, "site-biomed", "clinical_engineer", other["id"])
    s = Client(fleet.server)
    s.login("site-biomed")
    resp = create(s, expect=403, selector={"sites": [fleet.site]})
    assert resp["error"]["field"] == "selector"
    mine = create(s)
    assert mine["site_id"] == other["id"] and mine["selector"]["sites"] == [other["id"]]
    assert s.call("GET", "/api/v1/rollouts")[2]["total"] == 1
    assert c.call("GET", "/api/v1/rollouts")[2]["total"] == 1
    r = create(c)
    assert s.call("GET", f"/api/v1/rollouts/{r['id']}")[0] == 404
    auditor = person(fleet, "auditor2", "auditor")
    assert create(auditor, expect=403)["error"]["code"] == "forbidden"
    assert auditor.call("GET", f"/api/v1/rollouts/{r['id']}")[0] == 200


# ---- rollback campaigns ----

def test_rollback_campaign_restores_the_previous_release(fleet):
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 6)
    r = approved(fleet, create(fleet.c, waves=[
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 50}]))
    wait_for(lambda: all(assignment(fleet.c, d) for d in devs), what="assignments")
    for d in devs:
        report(d, "downloading", "installed", "committed")
        checkin(fleet, d, NEW)
    wait_for(state_is(fleet.c, r["id"], "completed"), what="completed")
    # the previous release must be one these devices ran
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                   {"target": NEXT})
    assert status == 422 and "ran" in body["error"]["message"]
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                   {"target": NEW})
    assert status == 422
    status, _, camp = fleet.c.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                   {"target": OLD})
    assert status == 201, camp
    assert camp["kind"] == "rollback" and camp["rollback_of"] == r["id"]
    assert camp["target"] == OLD and camp["state"] == "awaiting_approval"
    assert len(members(fleet.c, camp["id"])) == 6
    time.sleep(1.5)
    assert all(assignment(fleet.c, d) is None for d in devs)  # not before approval
    approved(fleet, camp)
    wait_for(lambda: all((assignment(fleet.c, d) or {}).get("target") == OLD for d in devs),
             what="rollback assignments")
    for d in devs:
        report(d, "downloading", "installed", "committed", target=OLD)
        checkin(fleet, d, OLD)
    wait_for(state_is(fleet.c, camp["id"], "completed"), what="campaign completed")
    recs = [fleet.c.call("GET", f"/api/v1/devices/{d.id}")[2] for d in devs]
    assert {rec["firmware_version"] for rec in recs} == {"4.1.1"}
    assert audit_events(fleet.c, "rollout.rollback_created")


def test_rollback_campaign_refused_when_the_notice_or_security_version_forbid(fleet):
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 2, running=NEW)
    r = approved(fleet, create(fleet.c, target=NEXT, waves=[
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 50}]))
    wait_for(lambda: all(assignment(fleet.c, d) for d in devs), what="assignments")
    for d in devs:
        report(d, "downloading", "installed", "committed", target=NEXT)
    wait_for(state_is(fleet.c, r["id"], "completed"), what="completed")
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                   {"target": NEW})
    assert status == 409 and body["error"]["code"] == "rollback_not_allowed"
    assert "does not allow rollback" in body["error"]["message"]
    assert fleet.c.call("GET", "/api/v1/rollouts")[2]["total"] == 1


def test_rollback_refused_when_the_security_version_would_go_down(medfwd_server, medfw,
                                                                    tmp_path):
    srv = medfwd_server(extra_config="rollout_tick = 1s\n")
    rel = releases()
    rel[NEXT] = (rel[NEXT][0], agent_notice(product_version="5.0.0", security_version=8))
    fleet = Fleet(srv, medfw, tmp_path, rel)
    always_open(fleet.c, fleet.site)
    devs = devices(fleet, 2, running=NEW)
    r = approved(fleet, create(fleet.c, target=NEXT, waves=[
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 50}]))
    wait_for(lambda: all(assignment(fleet.c, d) for d in devs), what="assignments")
    for d in devs:
        report(d, "downloading", "installed", "committed", target=NEXT)
    wait_for(state_is(fleet.c, r["id"], "completed"), what="completed")
    status, _, body = fleet.c.call("POST", f"/api/v1/rollouts/{r['id']}/rollback",
                                   {"target": NEW})
    assert status == 409 and body["error"]["code"] == "rollback_not_allowed"
    assert "security version would go down from 8 (5.0.0) to 7 (4.2.1)" in \
        body["error"]["message"]
