"""Device update events end to end (docs/devices.md "Update events"): a device reports
the phases of an update (POST /device/v1/events, signed like a check-in, with the
device key or a session key); people read the update history newest first
(GET /api/v1/devices/{id}/events) and the newest state on the device record.
Duplicates (a resend after a lost answer) are counted, not stored twice; every kind of
bad input is refused naming the field and stores nothing; terminal outcomes are
audited; another site's device stays invisible."""
import json
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_device_sessions import Session
from test_devices import (audit_events, enrolled, get_device, new_device, refused,  # noqa: F401
                          server)
from test_people import Client, admin, make_site, make_user

PATH = "/device/v1/events"
TERMINAL = {"committed": "device.update_committed", "rolled_back": "device.update_rolled_back",
            "failed": "device.update_failed"}


def post_events(dev, events=None, body=None, headers=None, signer=None, **kw):
    """POST /device/v1/events signed by `signer` (a Device or a Session; default dev)."""
    if body is None:
        body = json.dumps({"events": events}).encode()
    hdrs = headers if headers is not None else (signer or dev).sign("POST", PATH, body, **kw)
    status, _, data = dev.srv.request("POST", PATH, body=body, headers=hdrs)
    return status, json.loads(data) if data else None


def ev(seq, type_, **fields):
    return dict(seq=seq, time="2026-11-22T05:%02d:00Z" % (seq % 60), type=type_, **fields)


def history(c, device_id, query=""):
    status, _, body = c.call("GET", f"/api/v1/devices/{device_id}/events{query}")
    assert status == 200, body
    return body


def all_events(c, device_id):
    body = history(c, device_id, "?limit=500")
    assert body["next_before_seq"] is None
    return body["events"]


def metric(server, type_):
    _, _, text = server.request("GET", "/metrics")
    for line in text.decode().splitlines():
        if line.startswith(f'medfwd_device_update_events_total{{type="{type_}"}} '):
            return int(line.split()[-1])
    raise AssertionError(f"no medfwd_device_update_events_total for {type_}")


TARGET = "pump/fw-4.2.1.img"
UPDATE = [ev(17, "offered", target=TARGET, version="4.2.1"),
          ev(18, "deferred", target=TARGET, version="4.2.1", reason="the pump is in use"),
          ev(19, "downloading", target=TARGET, version="4.2.1", bytes=1048576, total=4194304),
          ev(20, "verified", target=TARGET, version="4.2.1", bytes=4194304, total=4194304),
          ev(21, "installed", target=TARGET, version="4.2.1", slot="B"),
          ev(22, "rebooting", version="4.2.1", slot="B")]


def test_batch_stored_and_listed_newest_first_with_paging(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    assert get_device(c, dev.id)["update_state"] is None
    assert all_events(c, dev.id) == []
    before = time.time()
    status, resp = post_events(dev, UPDATE)
    assert status == 200, resp
    assert resp == {"accepted": 6, "duplicates": 0, "last_seq": 22}
    events = all_events(c, dev.id)
    assert [e["seq"] for e in events] == [22, 21, 20, 19, 18, 17]
    dl = events[3]
    assert dl["type"] == "downloading" and dl["bytes"] == 1048576 and dl["total"] == 4194304
    assert dl["time"] == "2026-11-22T05:19:00Z" and dl["target"] == TARGET
    assert dl["reason"] is None and dl["check"] is None and dl["slot"] is None
    assert set(dl) == {"seq", "type", "time", "received", "target", "version", "bytes", "total",
                       "reason", "check", "slot"}
    received = time.mktime(time.strptime(dl["received"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(received - before) < 60
    assert events[0]["target"] is None and events[0]["slot"] == "B"
    assert events[4]["reason"] == "the pump is in use"
    # paging: 22 21 | 20 19 | 18 17
    page = history(c, dev.id, "?limit=2")
    assert [e["seq"] for e in page["events"]] == [22, 21] and page["next_before_seq"] == 21
    page = history(c, dev.id, "?limit=2&before_seq=21")
    assert [e["seq"] for e in page["events"]] == [20, 19] and page["next_before_seq"] == 19
    page = history(c, dev.id, "?limit=2&before_seq=19")
    assert [e["seq"] for e in page["events"]] == [18, 17] and page["next_before_seq"] is None
    assert history(c, dev.id, "?before_seq=17")["events"] == []
    # the device record shows the newest event, in GET and in the list
    rec = get_device(c, dev.id)
    assert rec["update_state"] == "rebooting" and rec["update_version"] == "4.2.1"
    assert rec["update_target"] is None and rec["update_reason"] is None
    assert abs(rec["update_at"] - before) < 60
    listed = c.call("GET", "/api/v1/devices")[2]["devices"]
    assert [d["update_state"] for d in listed if d["id"] == dev.id] == ["rebooting"]
    # a session signs events too; the device's newest event moves on
    s = Session(dev)
    assert s.status == 200, s.resp
    status, resp = post_events(dev, [ev(23, "committed", target=TARGET, version="4.2.1")],
                               signer=s)
    assert status == 200 and resp == {"accepted": 1, "duplicates": 0, "last_seq": 23}, resp
    rec = get_device(c, dev.id)
    assert rec["update_state"] == "committed" and rec["update_target"] == TARGET
    # counted per type
    assert metric(server, "downloading") == 1 and metric(server, "committed") == 1
    assert metric(server, "failed") == 0


def test_duplicates_counted_not_duplicated(server):
    c = admin(server)
    dev = enrolled(server, c, make_site(c, "General"))
    assert post_events(dev, UPDATE[:2])[1] == {"accepted": 2, "duplicates": 0, "last_seq": 18}
    # the answer was lost: the agent sends again, with one more event
    status, resp = post_events(dev, UPDATE[:3])
    assert status == 200 and resp == {"accepted": 1, "duplicates": 2, "last_seq": 19}, resp
    # the very same batch again: nothing new, not an error
    status, resp = post_events(dev, UPDATE[:3])
    assert status == 200 and resp == {"accepted": 0, "duplicates": 3, "last_seq": 19}, resp
    events = all_events(c, dev.id)
    assert [e["seq"] for e in events] == [19, 18, 17]
    # a duplicate seq with other content does not replace what was stored
    status, resp = post_events(dev, [ev(18, "failed", reason="other")])
    assert resp == {"accepted": 0, "duplicates": 1, "last_seq": 18}, resp
    assert all_events(c, dev.id) == events
    assert get_device(c, dev.id)["update_state"] == "downloading"
    assert "device.update_failed" not in [r["event"] for r in audit_events(c)]
    assert metric(server, "offered") == 1 and metric(server, "failed") == 0
    # an older event arriving late is stored; the record keeps the newest
    assert post_events(dev, [ev(5, "offered")])[1]["accepted"] == 1
    assert [e["seq"] for e in all_events(c, dev.id)] == [19, 18, 17, 5]
    assert get_device(c, dev.id)["update_state"] == "downloading"


def bad_cases():
    good = ev(30, "failed", target=TARGET, version="4.2.1", reason="r", check="HASH", slot="A",
              bytes=1, total=2)

    def with_(i, **change):
        """Four good events; the i-th changed (a value None removes the field)."""
        events = [dict(good, seq=30 + k) for k in range(4)]
        for k, v in change.items():
            if v is None:
                events[i].pop(k)
            else:
                events[i][k] = v
        return {"events": events}

    return [
        ({}, "events"),
        ({"events": []}, "events"),
        ({"events": "x"}, "events"),
        ({"events": {"seq": 1}}, "events"),
        ({"events": [dict(good, seq=30 + k) for k in range(101)]}, "events"),
        ({"events": [good], "extra": 1}, "extra"),
        ({"events": [good, 5]}, "events[1]"),
        (with_(3, colour="red"), "events[3].colour"),
        (with_(1, **{"\u00e9" * 40: 1}), "events[1]." + "\u00e9" * 32),  # cut at 64 bytes
        (with_(0, seq=None), "events[0].seq"),
        (with_(1, seq="31"), "events[1].seq"),
        (with_(0, seq=0), "events[0].seq"),
        (with_(0, seq=2**53 + 1), "events[0].seq"),
        (with_(0, seq=30.5), "events[0].seq"),
        (with_(2, seq=31), "events[2].seq"),          # not above events[1]
        (with_(1, time=None), "events[1].time"),
        (with_(1, time="2026-11-22 05:00:00"), "events[1].time"),
        (with_(1, time="2026-11-22T05:00:00+01:00"), "events[1].time"),
        (with_(1, time="2026-02-30T00:00:00Z"), "events[1].time"),
        (with_(1, time=1767225600), "events[1].time"),
        (with_(2, type=None), "events[2].type"),
        (with_(2, type="done"), "events[2].type"),
        (with_(2, type=3), "events[2].type"),
        (with_(0, target=""), "events[0].target"),
        (with_(0, target="x" * 1025), "events[0].target"),
        (with_(0, target="a\tb"), "events[0].target"),
        (with_(0, target=7), "events[0].target"),
        (with_(0, target=[TARGET]), "events[0].target"),
        (with_(3, version="v" * 65), "events[3].version"),
        (with_(3, version=""), "events[3].version"),
        (with_(1, bytes=-1), "events[1].bytes"),
        (with_(1, bytes="10"), "events[1].bytes"),
        (with_(1, bytes=3), "events[1].bytes"),        # above total
        (with_(1, total=-5, bytes=None), "events[1].total"),
        (with_(1, total=2.5), "events[1].total"),
        (with_(1, total=2**53 + 1), "events[1].total"),
        (with_(2, reason="\u00e9" * 513), "events[2].reason"),   # 513 characters
        (with_(2, reason="line\nbreak"), "events[2].reason"),
        (with_(2, reason="next\u0085line"), "events[2].reason"),  # a C1 control
        (with_(2, reason=""), "events[2].reason"),
        (with_(2, reason=5), "events[2].reason"),
        (with_(0, check="hash_mismatch"), "events[0].check"),
        (with_(0, check="X" * 65), "events[0].check"),
        (with_(0, check="A-B"), "events[0].check"),
        (with_(3, slot="C"), "events[3].slot"),
        (with_(3, slot="a"), "events[3].slot"),
        (with_(3, slot="AB"), "events[3].slot"),
        (with_(3, slot=1), "events[3].slot"),
        ({"events": [dict(good, target=None)]}, "events[0].target"),  # null is not absent
    ]


def test_bad_input_refused_naming_the_field_nothing_stored(server):
    c = admin(server)
    dev = enrolled(server, c, make_site(c, "General"))
    assert post_events(dev, UPDATE[:2])[0] == 200
    before_history = all_events(c, dev.id)
    before_device = get_device(c, dev.id)
    for body, field in bad_cases():
        status, resp = post_events(dev, body=json.dumps(body).encode())
        assert status == 400, (body, resp)
        assert resp["error"]["field"] == field, (field, resp)
        assert field in resp["error"]["message"] or field == "extra", resp
    # malformed JSON
    status, resp = post_events(dev, body=b'{"events": [')
    assert status == 400 and resp["error"]["code"] == "bad_json", resp
    # more than 64 KiB: 100 events of 512 two-byte characters each
    big = [ev(100 + k, "failed", reason="\u00e9" * 512) for k in range(100)]
    status, resp = post_events(dev, big)
    assert status == 413 and resp["error"]["field"] == "events", resp
    assert all_events(c, dev.id) == before_history
    assert get_device(c, dev.id) == before_device
    assert metric(server, "failed") == 0
    assert "device.update_failed" not in [r["event"] for r in audit_events(c)]
    # the limits themselves are fine
    edge = [ev(2**53 - 1, "failed", target="t" * 1024, version="v" * 64,
               reason="\u00e9" * 512, check="C" * 64, bytes=0, total=0),
            ev(2**53, "rolled_back", slot="A", bytes=2**53, total=2**53)]
    status, resp = post_events(dev, edge)
    assert status == 200 and resp["accepted"] == 2 and resp["last_seq"] == 2**53, resp
    newest = all_events(c, dev.id)[:2]
    assert newest[1]["reason"] == "\u00e9" * 512 and newest[1]["target"] == "t" * 1024
    assert newest[0]["seq"] == 2**53 and newest[0]["bytes"] == 2**53


def test_unsigned_or_wrongly_signed_refused(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site, "SN-1")
    other = enrolled(server, c, site, "SN-2")
    body = json.dumps({"events": UPDATE[:1]}).encode()
    refused(*post_events(dev, body=body, headers={"Content-Type": "application/json"}),
            "unsigned")
    # another device's key with this device's keyid, and this device's key for another
    refused(*post_events(dev, body=body, key=other.key), "bad signature")
    refused(*post_events(dev, body=body, keyid=f"device:{other.id}"), "bad signature")
    refused(*post_events(dev, body=body, key=Ed25519PrivateKey.generate()), "bad signature")
    # signed for the check-in path, sent here
    refused(*post_events(dev, body=body,
                         headers=dev.sign("POST", "/device/v1/checkin", body)), "bad signature")
    # a replayed request
    hdrs = dev.sign("POST", PATH, body)
    assert post_events(dev, body=body, headers=hdrs)[0] == 200
    refused(*post_events(dev, body=body, headers=hdrs), "replayed")
    assert [e["seq"] for e in all_events(c, dev.id)] == [17]
    assert all_events(c, other.id) == []
    # the signer is the device: the other device's events are its own
    assert post_events(other, UPDATE[:2])[1]["accepted"] == 2
    assert [e["seq"] for e in all_events(c, dev.id)] == [17]
    assert [e["seq"] for e in all_events(c, other.id)] == [18, 17]
    # a revoked device is refused at once
    assert c.call("POST", f"/api/v1/devices/{dev.id}/revoke")[0] == 200
    refused(*post_events(dev, [ev(40, "failed")]), "revoked")
    assert [e["seq"] for e in all_events(c, dev.id)] == [17]


def test_other_site_cannot_see_the_history(server):
    c = admin(server)
    a, b = make_site(c, "Hospital A"), make_site(c, "Hospital B")
    dev_a = enrolled(server, c, a, "A-1")
    dev_b = enrolled(server, c, b, "B-1")
    assert post_events(dev_a, UPDATE[:2])[0] == 200
    assert post_events(dev_b, [ev(1, "failed", reason="secret of B")])[0] == 200
    make_user(c, "a_auditor", "auditor", a)
    u = Client(server)
    u.login("a_auditor")
    assert [e["seq"] for e in history(u, dev_a.id)["events"]] == [18, 17]
    status, _, resp = u.call("GET", f"/api/v1/devices/{dev_b.id}/events")
    assert status == 404 and resp["error"]["field"] == "device", resp
    assert "secret" not in json.dumps(resp)
    listed = u.call("GET", "/api/v1/devices")[2]["devices"]
    assert [d["serial"] for d in listed] == ["A-1"]
    assert [r for r in audit_events(u) if r["event"].startswith("device.update_")] == []
    # global staff see both
    assert history(c, dev_b.id)["events"][0]["reason"] == "secret of B"
    # bad query values and unknown devices
    for q, field in (("?limit=0", "limit"), ("?limit=501", "limit"), ("?limit=x", "limit"),
                     ("?before_seq=0", "before_seq"), ("?before_seq=-1", "before_seq"),
                     (f"?before_seq={2**53 + 1}", "before_seq")):
        status, _, resp = u.call("GET", f"/api/v1/devices/{dev_a.id}/events{q}")
        assert status == 400 and resp["error"]["field"] == field, (q, resp)
    assert u.call("GET", "/api/v1/devices/424242/events")[0] == 404
    assert u.call("GET", "/api/v1/devices/abc/events")[0] == 404
    assert Client(server).call("GET", f"/api/v1/devices/{dev_a.id}/events")[0] == 401


def test_terminal_events_audited(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    long_reason = "\u00e9" * 512  # 1024 bytes: audited cut to 512, kept whole in the history
    batch = UPDATE[:4] + [
        ev(30, "failed", target=TARGET, version="4.2.1", check="MEDFW_ERR_HASH_MISMATCH",
           reason="image sha256 does not match"),
        ev(31, "rolled_back", target=TARGET, version="4.2.1", check="HEALTH_CHECK",
           slot="A"),
        ev(32, "committed", target=TARGET, version="4.2.2"),
        ev(33, "failed", target=TARGET, version="4.2.3", reason=long_reason)]
    status, resp = post_events(dev, batch)
    assert status == 200 and resp["accepted"] == 8, resp
    records = [r for r in audit_events(c) if r["event"].startswith("device.update_")]
    assert [r["event"] for r in records] == ["device.update_failed", "device.update_rolled_back",
                                            "device.update_committed", "device.update_failed"]
    for r in records:
        assert r["actor_type"] == "device" and r["actor_id"] == dev.id
        assert r["site_id"] == site
        assert r["detail"]["device_id"] == dev.id and r["detail"]["target"] == TARGET
    failed, rolled, committed, cut = (r["detail"] for r in records)
    assert failed["seq"] == 30 and failed["version"] == "4.2.1"
    assert failed["check"] == "MEDFW_ERR_HASH_MISMATCH"
    assert failed["reason"] == "image sha256 does not match"
    assert rolled["check"] == "HEALTH_CHECK" and rolled["reason"] is None
    assert committed["version"] == "4.2.2" and committed["check"] is None
    assert cut["reason"] == "\u00e9" * 256 and cut["reason_truncated"] is True
    assert all_events(c, dev.id)[0]["reason"] == long_reason
    rec = get_device(c, dev.id)
    assert rec["update_state"] == "failed" and rec["update_reason"] == long_reason
    assert rec["update_version"] == "4.2.3"
    # a resend does not audit again; the other phases are never audited one by one
    assert post_events(dev, batch)[1]["duplicates"] == 8
    events = [r["event"] for r in audit_events(c)]
    assert sum(e.startswith("device.update_") for e in events) == 4
    for phase in ("offered", "deferred", "downloading", "verified"):
        assert f"device.update_{phase}" not in events
    # the chain still verifies with those records in it
    status, _, data = c.call("GET", "/api/v1/audit/export")
    assert status == 200 and b"device.update_rolled_back" in data
