"""The rollout preview end to end (docs/rollouts.md "Preview"): POST
/api/v1/rollouts/preview on a real medfwd with the manufacturer's signed releases and
enrolled devices (the fixtures of test_rollouts.py). What it predicts is checked
against what create then makes: the rollout's id, the devices per wave and which
devices they are (GET /api/v1/rollouts/{id}/devices after the approval); that it
stores and audits nothing; that bad bodies get exactly create's answers; site staff
scoping; the install windows of each site and department as GET maintenance-windows
gives them, and the warning for a site without one; devices of another rollout left
out; devices already running the release; and who may call it."""
from datetime import datetime, timezone

from agent_fixture import HW, agent_notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import Device, enrolment_token, new_device
from test_people import Client, make_user
from test_rollouts import (ALL_DAYS, NEW, OLD, always_open, approved, checkin, create,  # noqa: F401
                           devices, fleet, get, members, person, wait_for)

WAVES = [{"name": "canary", "count": 5, "success_threshold": 100, "error_threshold": 20,
          "soak_seconds": 60},
         {"name": "early", "percent": 40, "success_threshold": 100, "error_threshold": 20},
         {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 20}]


def body_of(**body):
    """The body create() of test_rollouts.py sends, with the same defaults."""
    body.setdefault("name", "InfuPump 4.2.1")
    body.setdefault("target", NEW)
    body.setdefault("selector", {"models": ["InfuPump 3"]})
    body.setdefault("waves", [
        {"name": "canary", "count": 5, "success_threshold": 100, "error_threshold": 20,
         "soak_seconds": 2},
        {"name": "all", "percent": 100, "success_threshold": 100, "error_threshold": 20}])
    return body


def preview(c, expect=200, **body):
    status, _, resp = c.call("POST", "/api/v1/rollouts/preview", body_of(**body))
    assert status == expect, resp
    return resp


def site_devices(fleet, site, n, prefix, running=OLD, **fields):
    """n enrolled devices of `site` that checked in running `running`."""
    out = []
    for i in range(n):
        rec = new_device(fleet.c, site, f"{prefix}-{i:04d}", hardware_id=HW, **fields)
        dev = Device(fleet.server)
        status, resp = dev.enrol(enrolment_token(fleet.c, rec["id"]))
        assert status == 200, resp
        checkin(fleet, dev, running)
        out.append(dev)
    return out


def audit_tail(c):
    """The sequence number of the newest audit record."""
    after = 0
    while True:
        status, _, body = c.call("GET", f"/api/v1/audit?after={after}")
        assert status == 200, body
        if not body["records"]:
            return after
        after = body["next_after"]


def membership(c, rid):
    """wave number -> the ids of the rollout's devices in it."""
    out = {}
    for m in members(c, rid):
        out.setdefault(m["wave"], set()).add(m["device_id"])
    return out


def utc(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


# ---- what create then makes ----

def test_preview_predicts_the_waves_create_makes_and_stores_nothing(fleet):
    c = fleet.c
    always_open(c, fleet.site)
    devs = devices(fleet, 23)
    ids = {d.id for d in devs}
    seq = audit_tail(c)
    p = preview(c, waves=WAVES)
    assert p["rollout_id"] == 1 and "id 1" in p["order_note"]
    assert p["selected"] == 23 and p["members"] == 23 and p["already_running"] == 0
    assert p["excluded"] == {"count": 0, "device_ids": [], "rollouts": []}
    assert p["site_id"] is None and p["start_at"] is None
    assert p["selector"]["hardware_ids"] == agent_notice()["hardware_ids"]  # as create sets
    t = p["target"]
    assert t["name"] == NEW and t["length"] == 4000 and t["product_version"] == "4.2.1"
    assert t["security_version"] == 7 and t["rollback_supported"] is True
    assert set(t["install"]) == {"estimated_minutes", "downtime_minutes", "reboot_required"}
    assert t["clinical_impact"]
    # 5 for the canary, up to 40 % (10) by the end of "early", the 13 left
    assert [w["devices"] for w in p["waves"]] == [5, 5, 13]
    assert [w["wave"] for w in p["waves"]] == [1, 2, 3]
    assert [w["name"] for w in p["waves"]] == ["canary", "early", "all"]
    assert p["waves"][0]["count"] == 5 and p["waves"][1]["percent"] == 40
    assert p["waves"][0]["soak_seconds"] == 60 and p["waves"][2]["success_threshold"] == 100
    sample_ids = [m["id"] for w in p["waves"] for m in w["sample"]]
    assert sorted(sample_ids) == sorted(ids)  # under 50 per wave: each shows all of its own
    m = p["waves"][0]["sample"][0]
    assert set(m) == {"id", "serial", "model", "site_id", "department", "location",
                      "firmware_version"}
    assert m["model"] == "InfuPump 3" and m["site_id"] == fleet.site
    assert m["firmware_version"] == "4.1.1" and m["serial"].startswith("SN-")
    assert len(p["windows"]) == 1 and p["windows"][0]["devices"] == 23
    assert p["windows"][0]["no_window"] is False and p["warnings"] == []
    # the same question, the same answer; nothing stored, nothing audited
    again = preview(c, waves=WAVES)
    assert {k: v for k, v in again.items() if k != "windows"} == \
        {k: v for k, v in p.items() if k != "windows"}
    assert c.call("GET", "/api/v1/rollouts")[2]["total"] == 0
    assert audit_tail(c) == seq
    # create now: the predicted id, and once approved exactly the predicted waves
    r = create(c, waves=WAVES)
    assert r["id"] == p["rollout_id"]
    approved(fleet, r)
    wait_for(lambda: len(members(c, r["id"])) == 23, what="members")
    want = {w["wave"]: {s["id"] for s in w["sample"]} for w in p["waves"]}
    assert membership(c, r["id"]) == want
    body = get(c, r["id"])
    assert [w["members"] for w in body["progress"]] == [5, 5, 13]
    # the next preview names the next id, and a different split of the same devices
    p2 = preview(c, waves=WAVES)
    assert p2["rollout_id"] == 2
    assert p2["selected"] == 23 and p2["excluded"]["count"] == 23 and p2["members"] == 0
    assert "every matching device is in another unfinished rollout" in " ".join(p2["warnings"])


def test_preview_leaves_out_devices_of_another_rollout(fleet):
    c = fleet.c
    always_open(c, fleet.site)
    devs = devices(fleet, 8)
    one_wave = [{"name": "all", "percent": 100, "success_threshold": 100,
                 "error_threshold": 50}]
    other = approved(fleet, create(c, name="other", waves=one_wave,
                                   selector={"devices": [devs[0].id, devs[1].id]}))
    wait_for(lambda: len(members(c, other["id"])) == 2, what="the other rollout's devices")
    # a device already running the release joins as committed: counted, and said
    checkin(fleet, devs[7], NEW)
    p = preview(c)
    assert p["rollout_id"] == other["id"] + 1
    assert p["selected"] == 8 and p["members"] == 6 and p["already_running"] == 1
    assert p["excluded"]["count"] == 2
    assert sorted(p["excluded"]["device_ids"]) == sorted([devs[0].id, devs[1].id])
    assert p["excluded"]["rollouts"] == [{"rollout_id": other["id"], "devices": 2}]
    assert f"2 devices are already in rollout {other['id']}" in " ".join(p["warnings"])
    assert "1 device already runs 4.2.1" in " ".join(p["warnings"])
    assert [w["devices"] for w in p["waves"]] == [5, 1]
    assert sum(w["already_running"] for w in p["waves"]) == 1
    # windows are for the devices that would install
    assert [w["devices"] for w in p["windows"]] == [5]
    r = create(c)
    assert r["id"] == p["rollout_id"]
    approved(fleet, r)
    wait_for(lambda: len(members(c, r["id"])) == 6, what="members")
    want = {w["wave"]: {s["id"] for s in w["sample"]} for w in p["waves"]}
    assert membership(c, r["id"]) == want
    assert devs[0].id not in set().union(*want.values())
    committed = [m for m in members(c, r["id"]) if m["state"] == "committed"]
    assert [m["device_id"] for m in committed] == [devs[7].id]


# ---- windows ----

def test_preview_windows_per_site_and_department_and_no_window_warning(fleet):
    c = fleet.c
    berlin = c.call("POST", "/api/v1/sites", {"name": "Berlin", "time_zone": "Europe/Berlin"})[2]
    bare = c.call("POST", "/api/v1/sites", {"name": "Bare", "time_zone": "UTC"})[2]
    status, _, put = c.call(
        "PUT", f"/api/v1/sites/{berlin['id']}/maintenance-windows",
        {"windows": [{"days": ALL_DAYS, "start": "22:00", "end": "04:00"},
                     {"department": "ICU", "days": ["sun"], "start": "02:00", "end": "05:00"}]})
    assert status == 200, put
    site_devices(fleet, berlin["id"], 2, "BW", department="Ward 3")
    site_devices(fleet, berlin["id"], 2, "BI", department="ICU")
    bare_devs = site_devices(fleet, bare["id"], 3, "BA")
    p = preview(c)
    assert p["selected"] == 7
    by = {(w["site_id"], w["department"]): w for w in p["windows"]}
    assert set(by) == {(berlin["id"], ""), (berlin["id"], "ICU"), (bare["id"], "")}
    # the same windows GET maintenance-windows gives, with the local times added
    nxt = {n["department"]: n for n in put["next"]}
    for dept, n in nxt.items():
        w = by[(berlin["id"], dept)]
        assert w["no_window"] is False and w["reason"] is None
        assert (w["start"], w["end"]) == (n["start"], n["end"])
        assert w["time_zone"] == "Europe/Berlin" and w["site_name"] == "Berlin"
        assert w["devices"] == 2
        for key in ("start", "end"):
            local = datetime.fromisoformat(w[key + "_local"])
            assert local == utc(w[key]), (w[key], w[key + "_local"])
            assert local.utcoffset().total_seconds() in (3600, 7200)
    now = datetime.now(timezone.utc)
    for dept, hhmm in (("", "22:00"), ("ICU", "02:00")):
        w = by[(berlin["id"], dept)]
        assert w["start_local"][11:16] == hhmm or utc(w["start"]) <= now, w
    none = by[(bare["id"], "")]
    assert none["no_window"] is True and none["devices"] == 3
    assert none["start"] is None and none["start_local"] is None
    assert "no maintenance window" in none["reason"]
    assert any(w.startswith("3 devices are at a site without a maintenance window")
               and f"site {bare['id']}, Bare" in w for w in p["warnings"]), p["warnings"]
    # a window for the bare site: the warning goes, the window comes
    always_open(c, bare["id"])
    p = preview(c)
    assert not any("without a maintenance window" in w for w in p["warnings"])
    w = [w for w in p["windows"] if w["site_id"] == bare["id"]][0]
    assert w["no_window"] is False and w["start"].endswith("Z")
    assert w["start_local"].endswith("+00:00")
    # start_at counts, as for the devices' instructions: nothing before it
    p = preview(c, start_at="2031-06-01T12:00:00Z")
    assert p["start_at"] == "2031-06-01T12:00:00Z"
    for w in p["windows"]:
        assert utc(w["end"]) > utc("2031-06-01T12:00:00Z")
    assert {d.id for d in bare_devs} <= {s["id"] for w in p["waves"] for s in w["sample"]}


# ---- the same validation as create ----

def test_preview_refuses_what_create_refuses_with_the_same_answer(fleet):
    c = fleet.c
    devices(fleet, 2)
    bad = [{"target": "pump/nope.img"},
           {"waves": []},
           {"waves": [{"name": "a", "percent": 50, "success_threshold": 90,
                       "error_threshold": 5}]},
           {"selector": {}},
           {"selector": {"hardware_ids": ["someone-else"]}},
           {"selector": {"colour": ["red"]}},
           {"selector": {"models": ["x"] * 257}},
           {"name": ""},
           {"name": "a\u0001b"},
           {"start_at": "tomorrow"},
           {"site_id": 0},
           {"unknown": 1}]
    seq = audit_tail(c)
    for b in bad:
        status_c, _, resp_c = c.call("POST", "/api/v1/rollouts", body_of(**b))
        status_p, _, resp_p = c.call("POST", "/api/v1/rollouts/preview", body_of(**b))
        assert status_c >= 400 and (status_p, resp_p) == (status_c, resp_c), (b, resp_p)
    no_selector = body_of()
    del no_selector["selector"]
    assert c.call("POST", "/api/v1/rollouts/preview", no_selector)[2] == \
        c.call("POST", "/api/v1/rollouts", no_selector)[2]
    assert c.call("POST", "/api/v1/rollouts/preview", [])[0] == 400
    assert c.call("GET", "/api/v1/rollouts")[2]["total"] == 0
    assert audit_tail(c) == seq


def test_preview_for_site_staff_and_who_may_call_it(fleet):
    c = fleet.c
    always_open(c, fleet.site)
    devices(fleet, 3)
    other = c.call("POST", "/api/v1/sites", {"name": "Other", "time_zone": "UTC"})[2]
    mine = site_devices(fleet, other["id"], 2, "OT")
    make_user(c, "site-biomed", "clinical_engineer", other["id"])
    s = Client(fleet.server)
    s.login("site-biomed")
    p = preview(s)
    assert p["site_id"] == other["id"] and p["selector"]["sites"] == [other["id"]]
    assert p["selected"] == 2
    assert {m["id"] for w in p["waves"] for m in w["sample"]} == {d.id for d in mine}
    assert [w["site_id"] for w in p["windows"]] == [other["id"]]
    assert p["windows"][0]["no_window"] is True
    # another site's devices: refused, as create refuses them
    for b in ({"selector": {"sites": [fleet.site]}}, {"site_id": fleet.site}):
        status_p, _, resp_p = s.call("POST", "/api/v1/rollouts/preview", body_of(**b))
        status_c, _, resp_c = s.call("POST", "/api/v1/rollouts", body_of(**b))
        assert status_p == 403 and (status_p, resp_p) == (status_c, resp_c)
    # manufacturer staff naming a site see that site only
    p = preview(c, site_id=fleet.site)
    assert p["site_id"] == fleet.site and p["selected"] == 3
    # rollouts.write is needed: an auditor may read rollouts but not preview them
    auditor = person(fleet, "auditor3", "auditor")
    resp = preview(auditor, expect=403)
    assert resp["error"]["code"] == "forbidden"
    assert Client(fleet.server).call("POST", "/api/v1/rollouts/preview", body_of())[0] == 401
    assert c.call("GET", "/api/v1/rollouts")[2]["total"] == 0


def test_preview_of_an_empty_selection_and_the_route_beside_rollout_ids(fleet):
    c = fleet.c
    p = preview(c, selector={"models": ["Nobody's pump"]})
    assert p["selected"] == 0 and p["members"] == 0 and p["windows"] == []
    assert [w["devices"] for w in p["waves"]] == [0, 0]
    assert all(w["sample"] == [] for w in p["waves"])
    assert "the selection is empty: no enrolled device matches it" in p["warnings"]
    # /api/v1/rollouts/preview is no rollout id: GET there asks for rollout "preview"
    status, _, body = c.call("GET", "/api/v1/rollouts/preview")
    assert status == 404 and body["error"]["field"] == "rollout"
    r = create(c)
    assert get(c, r["id"])["id"] == r["id"]
    assert c.call("POST", f"/api/v1/rollouts/{r['id']}/preview", body_of())[0] == 404
