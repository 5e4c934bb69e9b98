"""medfwd devices end to end: enrolment with one-time tokens, signed device requests
(RFC 9421, signed here in Python with `cryptography` to prove interop with the C
verifier), check-in, the inventory for people (create with UDI validation, edit,
filters, paging, CSV/JSON export, CSV import all-or-nothing, tags), the firmware report,
tenant isolation and permissions."""
import base64
import csv
import hashlib
import io
import json
import os
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_people import PASSWORD, ROLES, Client, admin, make_site, make_user, permissions

GTIN = "09506000134352"          # valid GS1 check digit
GTIN_BAD = "09506000134353"      # wrong check digit
HIBCC = "+A123BJC5D6E71G"        # valid HIBCC primary with its mod-43 check


# ---- RFC 9421 signing, written from the RFC (not from our C code) ----

def b64(data):
    return base64.b64encode(data).decode()


class Device:
    def __init__(self, srv, device_id=None):
        self.srv = srv
        self.key = Ed25519PrivateKey.generate()
        self.id = device_id

    @property
    def public_hex(self):
        return self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                  serialization.PublicFormat.Raw).hex()

    def enrol(self, token, **extra):
        body = dict(token=token, public_key=self.public_hex, agent_version="0.1.0", **extra)
        status, _, resp = self.srv.json("POST", "/device/v1/enrol", body)
        if status == 200:
            self.id = resp["device_id"]
        return status, resp

    def sign(self, method, path, body, created=None, nonce=None, keyid=None, key=None,
             components=("@method", "@path", "content-digest")):
        created = int(time.time()) if created is None else created
        nonce = nonce or base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        keyid = keyid or f"device:{self.id}"
        digest = f"sha-256=:{b64(hashlib.sha256(body).digest())}:"
        values = {"@method": method, "@path": path, "content-digest": digest}
        inner = "(" + " ".join(f'"{c}"' for c in components) + ")"
        params = f'{inner};created={created};nonce="{nonce}";keyid="{keyid}";alg="ed25519"'
        base = "".join(f'"{c}": {values[c]}\n' for c in components)
        base += f'"@signature-params": {params}'
        sig = (key or self.key).sign(base.encode())
        return {"Content-Digest": digest, "Signature-Input": f"sig1={params}",
                "Signature": f"sig1=:{b64(sig)}:", "Content-Type": "application/json"}

    def checkin(self, state=None, headers=None, body=None, path="/device/v1/checkin", **kw):
        if body is None:
            body = json.dumps(state if state is not None else CHECKIN).encode()
        hdrs = headers if headers is not None else self.sign("POST", path, body, **kw)
        status, _, data = self.srv.request("POST", path, body=body, headers=hdrs)
        return status, json.loads(data) if data else None


CHECKIN = {"firmware_version": "2.1.0", "image_sha256": "ab" * 32, "agent_version": "0.2.0",
           "clinical_state": "idle", "ip": "10.1.2.3", "mac": "00:11:22:33:44:55",
           "network_zone": "med-iot"}


@pytest.fixture
def server(medfwd_server):
    srv = medfwd_server()
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    return srv


def new_device(c, site, serial, **fields):
    fields.setdefault("model", "InfuPump 3")
    status, _, body = c.call("POST", "/api/v1/devices", dict(site_id=site, serial=serial,
                                                             **fields))
    assert status == 201, body
    return body


def enrolment_token(c, device_id, **body):
    status, _, resp = c.call("POST", f"/api/v1/devices/{device_id}/enrolment-token", body)
    assert status == 201, resp
    assert resp["token"].startswith("mfe_")
    return resp["token"]


def enrolled(server, c, site, serial="SN-1"):
    rec = new_device(c, site, serial)
    dev = Device(server)
    status, resp = dev.enrol(enrolment_token(c, rec["id"]))
    assert status == 200, resp
    assert resp["keyid"] == f"device:{rec['id']}"
    return dev


def audit_events(c, event=None):
    q = f"?event={event}" if event else ""
    return [r for r in c.call("GET", "/api/v1/audit" + q)[2]["records"]]


def get_device(c, device_id):
    status, _, body = c.call("GET", f"/api/v1/devices/{device_id}")
    assert status == 200, body
    return body


# ---- enrolment and check-in ----

def test_enrol_and_checkin_updates_the_record(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    rec = get_device(c, dev.id)
    assert rec["enrolment_state"] == "enrolled" and rec["last_seen"] is None
    assert rec["agent_version"] == "0.1.0"
    status, resp = dev.checkin()
    assert status == 200, resp
    assert resp["next_checkin_seconds"] > 0 and resp["director_version"] == 0
    rec = get_device(c, dev.id)
    for k in ("firmware_version", "image_sha256", "agent_version", "clinical_state", "ip",
              "mac", "network_zone"):
        assert rec[k] == CHECKIN[k], k
    assert rec["last_seen"] and abs(rec["last_seen"] - time.time()) < 60
    assert rec["image_is_signed_release"] is None  # until the image repository says so
    # audited: enrolment and the first check-in, not every check-in
    assert dev.checkin(dict(CHECKIN, clinical_state="in_use"))[0] == 200
    assert get_device(c, dev.id)["clinical_state"] == "in_use"
    events = [r["event"] for r in audit_events(c)]
    assert events.count("device.enrolled") == 1 and events.count("device.first_checkin") == 1
    assert "device.enrolment_token_issued" in events
    # metrics
    _, _, text = server.request("GET", "/metrics")
    text = text.decode()
    assert "medfwd_device_checkins_total 2" in text
    assert 'medfwd_devices{state="enrolled"} 1' in text


def test_enrolment_token_single_use_expiry_and_garbage(server):
    c = admin(server)
    site = make_site(c, "General")
    rec = new_device(c, site, "SN-1", hardware_id="hw-rev-b")
    token = enrolment_token(c, rec["id"])
    dev = Device(server)
    # a wrong hardware id changes nothing: the token is still usable afterwards
    status, resp = dev.enrol(token, hardware_id="other")
    assert status == 403 and resp["error"]["field"] == "hardware_id"
    assert get_device(c, rec["id"])["enrolment_state"] == "pending"
    # a bad public key: 400 naming it, token unused
    status, _, resp = server.json("POST", "/device/v1/enrol",
                                  {"token": token, "public_key": "zz" * 32})
    assert status == 400 and resp["error"]["field"] == "public_key"
    assert dev.enrol(token, hardware_id="hw-rev-b")[0] == 200
    # single use
    other = Device(server)
    status, resp = other.enrol(token)
    assert status == 403 and "already used" in resp["error"]["message"]
    assert get_device(c, rec["id"])["keyid"] == f"device:{rec['id']}"
    assert dev.checkin()[0] == 200  # still the first key
    # garbage and unknown tokens
    for t in ("garbage", "mfe_" + "A" * 43, "mft_" + "A" * 43):
        status, resp = Device(server).enrol(t)
        assert status == 403 and resp["error"]["field"] == "token", (t, resp)
    # unknown fields are refused
    status, _, resp = server.json("POST", "/device/v1/enrol",
                                  {"token": token, "public_key": dev.public_hex, "x": 1})
    assert status == 400 and resp["error"]["field"] == "x"
    # expiry (a 1 s token)
    rec2 = new_device(c, site, "SN-2")
    token2 = enrolment_token(c, rec2["id"], expires_in=1)
    time.sleep(2.2)
    status, resp = Device(server).enrol(token2)
    assert status == 403 and "expired" in resp["error"]["message"]
    assert get_device(c, rec2["id"])["enrolment_state"] == "pending"
    assert any(r["event"] == "device.enrol_failed" for r in audit_events(c))


def test_re_enrolment_needs_a_new_token_and_replaces_the_key(server):
    c = admin(server)
    site = make_site(c, "General")
    old = enrolled(server, c, site)
    new = Device(server)
    assert new.enrol(enrolment_token(c, old.id))[0] == 200
    assert new.id == old.id
    status, resp = old.checkin()
    assert status == 401 and "signature" in resp["error"]["message"]
    assert new.checkin()[0] == 200


def refused(status, resp, word):
    assert status == 401, resp
    assert resp["error"]["code"] == "unauthenticated"
    assert word in resp["error"]["message"], resp


def test_bad_device_requests_are_refused_and_change_nothing(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    before = get_device(c, dev.id)
    body = json.dumps(CHECKIN).encode()
    now = int(time.time())
    # unsigned
    refused(*dev.checkin(headers={"Content-Type": "application/json"}), "unsigned")
    # signature without the content digest covered
    refused(*dev.checkin(components=("@method", "@path")), "unsigned")
    # stale and future
    refused(*dev.checkin(created=now - 3600), "stale")
    refused(*dev.checkin(created=now + 3600), "future")
    # wrong key, unknown device, malformed keyid
    refused(*dev.checkin(key=Ed25519PrivateKey.generate()), "bad signature")
    refused(*dev.checkin(keyid="device:999"), "unknown device")
    refused(*dev.checkin(keyid="someone"), "keyid")
    # tampered body: signed one body, sent another
    hdrs = dev.sign("POST", "/device/v1/checkin", body)
    tampered = json.dumps(dict(CHECKIN, firmware_version="6.6.6")).encode()
    refused(*dev.checkin(headers=hdrs, body=tampered), "digest")
    # tampered body with a matching digest but the old signature
    hdrs2 = dict(hdrs, **{"Content-Digest":
                          f"sha-256=:{b64(hashlib.sha256(tampered).digest())}:"})
    refused(*dev.checkin(headers=hdrs2, body=tampered), "bad signature")
    # signed for another path
    hdrs3 = dev.sign("POST", "/device/v1/enrol", body)
    refused(*dev.checkin(headers=hdrs3, body=body), "bad signature")
    # a query string is refused (device routes take none)
    refused(*dev.checkin(path="/device/v1/checkin?x=1"), "query")
    assert get_device(c, dev.id) == before
    # replay: the first use works, the second is refused
    assert dev.checkin(headers=hdrs, body=body)[0] == 200
    after = get_device(c, dev.id)
    refused(*dev.checkin(headers=hdrs, body=body), "replayed")
    assert get_device(c, dev.id) == after
    # refusals are audited
    reasons = [json.loads(r["detail"])["reason"] if isinstance(r["detail"], str)
               else r["detail"]["reason"] for r in audit_events(c, "device.auth_failed")]
    for word in ("unsigned", "stale", "future", "bad signature"):  # then rate limited
        assert word in reasons, (word, reasons)


def test_revoked_device_is_refused_at_once(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    assert dev.checkin()[0] == 200
    status, _, resp = c.call("POST", f"/api/v1/devices/{dev.id}/revoke")
    assert status == 200 and resp["enrolment_state"] == "revoked"
    before = get_device(c, dev.id)
    refused(*dev.checkin(dict(CHECKIN, firmware_version="9")), "revoked")
    assert get_device(c, dev.id) == before
    # a pending (never enrolled) device cannot sign either
    rec = new_device(c, site, "SN-P")
    refused(*Device(server, rec["id"]).checkin(), "not enrolled")
    assert "device.revoked" in [r["event"] for r in audit_events(c)]


def test_checkin_bad_input(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    before = get_device(c, dev.id)
    cases = [(dict(CHECKIN, colour="red"), "colour"),
             (dict(CHECKIN, clinical_state="asleep"), "clinical_state"),
             (dict(CHECKIN, image_sha256="xyz"), "image_sha256"),
             (dict(CHECKIN, ip="999.1.1.1"), "ip"),
             (dict(CHECKIN, mac="00:11"), "mac"),
             (dict(CHECKIN, firmware_version=5), "firmware_version"),
             ({k: v for k, v in CHECKIN.items() if k != "agent_version"}, "agent_version"),
             (dict(CHECKIN, network_zone="x" * 65), "network_zone")]
    for state, field in cases:
        status, resp = dev.checkin(state)
        assert status == 400 and resp["error"]["field"] == field, (state, resp)
    status, resp = dev.checkin(body=b'{"firmware_version": ')
    assert status == 400 and resp["error"]["code"] == "bad_json"
    assert get_device(c, dev.id) == before


# ---- inventory for people ----

def test_create_validates_udi_and_fields(server):
    c = admin(server)
    site = make_site(c, "General")
    rec = new_device(c, site, "SN-1", udi=f"(01){GTIN}(17)271231(10)LOT7(21)SN-1",
                     location="ICU 3", vlan=120)
    assert rec["udi_di"] == GTIN and "lot=LOT7" in rec["udi_pi"] and rec["vlan"] == 120
    # the serial may come from the UDI
    status, _, rec2 = c.call("POST", "/api/v1/devices",
                             {"site_id": site, "udi": f"(01){GTIN}(21)FROMUDI"})
    assert status == 201 and rec2["serial"] == "FROMUDI"
    rec3 = new_device(c, site, "SN-H", udi=HIBCC)
    assert rec3["udi_di"] == HIBCC
    cases = [({"udi": f"(01){GTIN_BAD}(21)X"}, "udi"),
             ({"udi": "+A123BJC5D6E71H"}, "udi"),
             ({"serial": "X", "vlan": 5000}, "vlan"),
             ({"serial": "X", "vlan": "ten"}, "vlan"),
             ({"serial": "X", "model": "a\tb"}, "model"),
             ({"serial": "X", "colour": "red"}, "colour"),
             ({"model": "no serial"}, "serial"),
             ({"serial": "SN-1"}, "serial")]  # duplicate serial in the site
    for body, field in cases:
        status, _, resp = c.call("POST", "/api/v1/devices", dict(site_id=site, **body))
        assert status in (400, 409) and resp["error"]["field"] == field, (body, resp)
    status, _, resp = c.call("POST", "/api/v1/devices", {"site_id": 999, "serial": "Z"})
    assert status == 400 and resp["error"]["field"] == "site_id"
    assert c.call("GET", "/api/v1/devices")[2]["total"] == 3
    # PATCH
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}",
                             {"location": "OR 2", "vlan": None})
    assert status == 200 and resp["location"] == "OR 2" and resp["vlan"] is None
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"udi": "(01)123"})
    assert status == 400 and resp["error"]["field"] == "udi"
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"enrolment_state": "x"})
    assert status == 400 and resp["error"]["field"] == "enrolment_state"
    assert get_device(c, rec["id"])["location"] == "OR 2"
    assert c.call("GET", "/api/v1/devices/424242")[0] == 404
    assert c.call("GET", "/api/v1/devices/abc")[0] == 404
    events = [r["event"] for r in audit_events(c)]
    assert events.count("device.created") == 3 and events.count("device.updated") == 1


def test_search_by_scanned_udi(server):
    """A whole UDI in q, as a barcode scanner types it, finds that device exactly: the
    DI and the serial, not every serial it is a prefix of, nor another model's."""
    from urllib.parse import quote
    c = admin(server)
    a = make_site(c, "A")
    di, other_di = "09506000134352", "00850004449011"
    for serial in ("SMH-1", "SMH-10", "SMH-11"):
        new_device(c, a, serial, udi=f"(01){di}(11)230102(21){serial}")
    new_device(c, a, "SMH-1X", udi=f"(01){other_di}(21)SMH-1")
    lst = lambda q: c.call("GET", "/api/v1/devices?q=" + quote(q))[2]  # noqa: E731
    found = lst(f"(01){di}(11)230102(21)SMH-1")
    assert [d["serial"] for d in found["devices"]] == ["SMH-1"], found
    # the same UDI without parentheses (GS1 element string as scanned)
    assert [d["serial"] for d in lst(f"01{di}11230102" + "21SMH-10")["devices"]] == ["SMH-10"]
    # a UDI without a serial: that model's devices
    assert lst(f"(01){di}")["total"] == 3
    # the other product's device with the same serial text in its UDI
    assert [d["serial"] for d in lst(f"(01){other_di}(21)SMH-1")["devices"]] == ["SMH-1X"]
    # not a valid UDI (bad check digit): a plain substring search, which finds nothing
    assert lst("(01)09506000134353(21)SMH-1")["total"] == 0
    # a plain substring still works as before
    assert lst("SMH-1")["total"] == 4


def test_filters_sort_and_paging(server):
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    for i in range(7):
        new_device(c, a if i < 5 else b, f"SN-{i}", firmware_version="1.0" if i % 2 else "2.0",
                   location=f"Ward {i}")
    new_device(c, a, "VENT-1", model="Vent 7")
    lst = lambda q: c.call("GET", "/api/v1/devices" + q)[2]  # noqa: E731
    assert lst("")["total"] == 8
    assert lst(f"?site={b}")["total"] == 2
    assert lst("?model=Vent%207")["total"] == 1
    assert lst("?firmware_version=1.0")["total"] == 3
    assert lst("?enrolment_state=pending")["total"] == 8
    assert lst("?q=Ward%203")["devices"][0]["serial"] == "SN-3"
    page1 = lst("?limit=3&sort=serial&order=desc")
    assert [d["serial"] for d in page1["devices"]] == ["VENT-1", "SN-6", "SN-5"]
    assert page1["next_offset"] == 3
    page3 = lst("?limit=3&offset=6&sort=serial&order=desc")
    assert len(page3["devices"]) == 2 and page3["next_offset"] is None
    for q, field in (("?limit=0", "limit"), ("?sort=colour", "sort"), ("?order=up", "order"),
                     ("?enrolment_state=x", "enrolment_state"), ("?site=x", "site"),
                     ("?signed=maybe", "signed")):
        status, _, resp = c.call("GET", "/api/v1/devices" + q)
        assert status == 400 and resp["error"]["field"] == field, q


EXPORT_COLUMNS = ("id,site_id,udi_di,udi_pi,serial,model,hardware_id,department,location,"
                  "network_zone,vlan,ip,mac,firmware_version,image_sha256,"
                  "image_is_signed_release,agent_version,last_seen,clinical_state,"
                  "enrolment_state,tags").split(",")


def test_export_csv_and_json(server):
    c = admin(server)
    site = make_site(c, "General")
    new_device(c, site, "SN-1", location="=HYPERLINK(\"x\")", udi=f"(01){GTIN}(21)SN-1",
               tags=["ward-3", "icu"])
    new_device(c, site, "SN-2", department="Cardiology, 2nd floor")
    status, h, data = c.call("GET", "/api/v1/devices/export?format=csv")
    assert status == 200 and h["content-type"].startswith("text/csv")
    assert next(csv.reader(io.StringIO(data.decode()))) == EXPORT_COLUMNS
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["serial"] for r in rows] == ["SN-1", "SN-2"]
    assert rows[0]["location"] == "'=HYPERLINK(\"x\")"  # spreadsheet-safe
    assert rows[0]["udi_di"] == GTIN and rows[1]["department"] == "Cardiology, 2nd floor"
    assert rows[0]["tags"] == "icu;ward-3" and rows[1]["tags"] == ""
    status, _, body = c.call("GET", "/api/v1/devices/export?format=json&q=SN-2")
    assert status == 200 and [d["serial"] for d in body["devices"]] == ["SN-2"]
    assert body["devices"][0]["tags"] == []
    status, _, body = c.call("GET", "/api/v1/devices/export?format=json&tag=icu")
    assert [(d["serial"], d["tags"]) for d in body["devices"]] == [("SN-1", ["icu", "ward-3"])]
    assert c.call("GET", "/api/v1/devices/export?format=xml")[2]["error"]["field"] == "format"


def import_csv(c, text):
    headers = {"Content-Type": "text/csv"}
    if c.cookie:
        headers["Cookie"] = f"medfw_session={c.cookie}"
        headers["X-CSRF-Token"] = c.csrf
    status, _, data = c.srv.request("POST", "/api/v1/devices/import", body=text.encode(),
                                    headers=headers)
    return status, json.loads(data)


def test_export_pages_in_id_order(server):
    """An export longer than one page (500) has every matching device once, in id order,
    whatever sort the list was asked for, and the filters still apply."""
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    rows = "".join(f"{a if i % 3 else b},EXP-{i:05d},Pump\n" for i in range(1203))
    status, body = import_csv(c, "site_id,serial,model\n" + rows)
    assert status == 201, body
    status, _, data = c.call("GET", "/api/v1/devices/export?format=csv&sort=serial&order=desc")
    assert status == 200
    got = list(csv.DictReader(io.StringIO(data.decode())))
    ids = [int(r["id"]) for r in got]
    assert len(got) == 1203 and ids == sorted(ids) and len(set(ids)) == 1203
    status, _, body = c.call("GET", f"/api/v1/devices/export?format=json&site={b}")
    assert [d["serial"] for d in body["devices"]] == [f"EXP-{i:05d}" for i in range(0, 1203, 3)]


def test_import_all_or_nothing(server):
    c = admin(server)
    site = make_site(c, "General")
    bad = (f"site_id,serial,udi,model,vlan\n"
           f"{site},IMP-1,(01){GTIN}(21)IMP-1,Pump,10\n"
           f"{site},IMP-2,(01){GTIN_BAD}(21)IMP-2,Pump,11\n"
           f"{site},IMP-3,,Pump,9999\n")
    status, resp = import_csv(c, bad)
    assert status == 400, resp
    assert resp["error"]["field"] == "udi"
    assert [(r["row"], r["column"]) for r in resp["rows"]] == [(3, "udi"), (4, "vlan")]
    assert c.call("GET", "/api/v1/devices")[2]["total"] == 0
    # a duplicate found by the store: the whole file rolls back
    dup = f"site_id,serial\n{site},D-1\n{site},D-2\n{site},D-1\n"
    status, resp = import_csv(c, dup)
    assert status == 400 and resp["rows"][0]["row"] == 4 and resp["rows"][0]["column"] == "serial"
    assert c.call("GET", "/api/v1/devices")[2]["total"] == 0
    # malformed CSV and unknown columns
    status, resp = import_csv(c, "site_id,serial,colour\n1,x,red\n")
    assert status == 400 and "colour" in resp["error"]["message"]
    status, resp = import_csv(c, f'site_id,serial\n{site},"unterminated\n')
    assert status == 400
    status, _, resp = c.call("POST", "/api/v1/devices/import", {"x": 1})
    assert status == 415
    good = f"site_id,serial,model,location\n{site},G-1,Pump,ICU\n{site},G-2,Vent,\"OR, 2\"\n"
    status, resp = import_csv(c, good)
    assert status == 201 and resp["imported"] == 2
    devices = c.call("GET", "/api/v1/devices?sort=serial")[2]["devices"]
    assert [(d["serial"], d["location"]) for d in devices] == [("G-1", "ICU"), ("G-2", "OR, 2")]
    assert "devices.imported" in [r["event"] for r in audit_events(c)]


# ---- tags ----

def test_tags_validated_canonical_and_filtered(server):
    c = admin(server)
    site = make_site(c, "General")
    rec = new_device(c, site, "TG-1", tags=["icu", "Ward.3", "icu", "a:b", "x_y-z"])
    assert rec["tags"] == ["Ward.3", "a:b", "icu", "x_y-z"]  # sorted, unique
    assert get_device(c, rec["id"])["tags"] == rec["tags"]
    assert new_device(c, site, "TG-2")["tags"] == []
    ab = new_device(c, site, "TG-3", tags=["ab"])
    a = new_device(c, site, "TG-4", tags=["a", "zz"])
    bad = [("icu", "tags"), (["a b"], "tags"), (["a,b"], "tags"), ([""], "tags"),
           ([1], "tags"), (["é"], "tags"), (["a" * 65], "tags"),
           ([f"t{i}" for i in range(65)], "tags"), ({"a": 1}, "tags")]
    for tags, field in bad:
        status, _, resp = c.call("POST", "/api/v1/devices",
                                 {"site_id": site, "serial": "TG-X", "tags": tags})
        assert status == 400 and resp["error"]["field"] == field, (tags, resp)
        status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"tags": tags})
        assert status == 400 and resp["error"]["field"] == field, (tags, resp)
    assert c.call("GET", "/api/v1/devices?q=TG-X")[2]["total"] == 0
    assert get_device(c, rec["id"])["tags"] == ["Ward.3", "a:b", "icu", "x_y-z"]
    # the longest allowed: 64 tags; one of 64 characters
    many = [f"t{i:02d}" for i in range(64)]
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"tags": many})
    assert status == 200 and resp["tags"] == many
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"tags": ["b" * 64]})
    assert status == 200 and resp["tags"] == ["b" * 64]
    # null clears; PATCH without tags keeps them
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{ab['id']}", {"location": "ICU"})
    assert status == 200 and resp["tags"] == ["ab"]
    status, _, resp = c.call("PATCH", f"/api/v1/devices/{rec['id']}", {"tags": None})
    assert status == 200 and resp["tags"] == []
    # filter: the exact tag ("a" does not match "ab")
    lst = lambda q: c.call("GET", "/api/v1/devices" + q)[2]  # noqa: E731
    assert [d["serial"] for d in lst("?tag=a")["devices"]] == ["TG-4"]
    assert [d["serial"] for d in lst("?tag=ab")["devices"]] == ["TG-3"]
    assert lst("?tag=zz")["devices"][0]["id"] == a["id"]
    assert lst("?tag=b")["total"] == 0
    for q in ("?tag=a,b", "?tag=", "?tag=a%20b", "?tag=" + "a" * 65):
        status, _, resp = c.call("GET", "/api/v1/devices" + q)
        assert status == 400 and resp["error"]["field"] == "tag", (q, resp)
    details = [json.loads(r["detail"]) if isinstance(r["detail"], str) else r["detail"]
               for r in audit_events(c, "device.updated")]
    assert any("tags" in d["fields"] for d in details)


def test_tags_csv_import_and_round_trip(server):
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    status, resp = import_csv(c, f"site_id,serial,tags\n{a},CT-1,icu; ward-3 ;icu\n"
                                 f"{a},CT-2,\n{a},CT-3,canary\n")
    assert status == 201, resp
    devs = {d["serial"]: d for d in c.call("GET", "/api/v1/devices?sort=serial")[2]["devices"]}
    assert devs["CT-1"]["tags"] == ["icu", "ward-3"] and devs["CT-2"]["tags"] == []
    assert devs["CT-3"]["tags"] == ["canary"]
    # a bad tag names the row and the column; nothing is stored
    for cell in ("a,b", "a;;b", "a;", "a b", "x" * 65, ";".join(f"t{i}" for i in range(65))):
        status, resp = import_csv(c, f'site_id,serial,tags\n{b},CT-9,ok\n{b},CT-10,"{cell}"\n')
        assert status == 400 and [(r["row"], r["column"]) for r in resp["rows"]] == \
            [(3, "tags")], (cell, resp)
    assert c.call("GET", f"/api/v1/devices?site={b}")[2]["total"] == 0
    # export -> import into another site: the same tags
    _, _, data = c.call("GET", f"/api/v1/devices/export?format=csv&site={a}")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["site_id", "serial", "tags"])
    for r in rows:
        w.writerow([b, r["serial"], r["tags"]])
    status, resp = import_csv(c, out.getvalue())
    assert status == 201 and resp["imported"] == 3, resp
    copied = c.call("GET", f"/api/v1/devices?site={b}&sort=serial")[2]["devices"]
    assert [(d["serial"], d["tags"]) for d in copied] == \
        [(s, devs[s]["tags"]) for s in ("CT-1", "CT-2", "CT-3")]
    assert [d["serial"] for d in c.call("GET", f"/api/v1/devices?site={b}&tag=icu")[2]
            ["devices"]] == ["CT-1"]


def test_firmware_report(server):
    c = admin(server)
    site = make_site(c, "General")
    for i, (model, fw) in enumerate([("Pump", "1.0"), ("Pump", "1.0"), ("Pump", "2.0"),
                                     ("Vent", "5.1")]):
        new_device(c, site, f"R-{i}", model=model, firmware_version=fw)
    dev = enrolled(server, c, site, "R-9")
    assert dev.checkin(dict(CHECKIN, firmware_version="2.0"))[0] == 200
    status, _, rep = c.call("GET", "/api/v1/reports/firmware")
    assert status == 200, rep
    by_model = {m["model"]: m for m in rep["models"]}
    pump = {v["firmware_version"]: v for v in by_model["Pump"]["versions"]}
    assert pump["1.0"]["devices"] == 2 and by_model["Pump"]["devices"] == 3
    assert by_model["Vent"]["devices"] == 1
    assert by_model["InfuPump 3"]["versions"][0] == {
        "firmware_version": "2.0", "devices": 1, "signed_release": 0, "not_signed": 0,
        "unknown": 1}
    assert rep["not_signed_devices"] == [] and rep["not_signed_total"] == 0


# ---- tenant isolation and permissions ----

def test_tenant_isolation(server):
    c = admin(server)
    a, b = make_site(c, "Hospital A"), make_site(c, "Hospital B")
    da = new_device(c, a, "A-1")
    db = new_device(c, b, "B-1", model="Secret")
    make_user(c, "a_eng", "clinical_engineer", a)
    u = Client(server)
    u.login("a_eng")
    assert [d["serial"] for d in u.call("GET", "/api/v1/devices")[2]["devices"]] == ["A-1"]
    assert u.call("GET", f"/api/v1/devices?site={b}")[2]["total"] == 0
    assert u.call("GET", f"/api/v1/devices/{db['id']}")[0] == 404
    assert u.call("PATCH", f"/api/v1/devices/{db['id']}", {"location": "x"})[0] == 404
    assert u.call("POST", f"/api/v1/devices/{db['id']}/revoke")[0] == 404
    assert u.call("POST", f"/api/v1/devices/{db['id']}/enrolment-token", {})[0] == 404
    status, _, resp = u.call("POST", "/api/v1/devices", {"site_id": b, "serial": "X"})
    assert status == 403 and resp["error"]["field"] == "site_id"
    # own site by default
    status, _, resp = u.call("POST", "/api/v1/devices", {"serial": "A-2"})
    assert status == 201 and resp["site_id"] == a
    status, resp = import_csv(u, f"site_id,serial\n{b},B-2\n")
    assert status == 400 and resp["rows"][0]["column"] == "site_id"
    _, _, data = u.call("GET", "/api/v1/devices/export?format=csv")
    assert b"B-1" not in data and b"A-1" in data
    models = [m["model"] for m in u.call("GET", "/api/v1/reports/firmware")[2]["models"]]
    assert "Secret" not in models
    assert get_device(c, db["id"])["location"] == ""
    assert get_device(c, da["id"])["site_id"] == a


DEVICE_ROUTES = [
    ("GET", "/api/v1/devices", None, "devices.read", 200),
    ("GET", "/api/v1/devices/{id}", None, "devices.read", 200),
    ("GET", "/api/v1/devices/export?format=json", None, "devices.read", 200),
    ("GET", "/api/v1/reports/firmware", None, "devices.read", 200),
    ("POST", "/api/v1/devices", {"serial": "P-{n}"}, "devices.write", 201),
    ("PATCH", "/api/v1/devices/{id}", {"location": "L"}, "devices.write", 200),
    ("POST", "/api/v1/devices/{id}/enrolment-token", {}, "devices.enrol", 201),
    ("POST", "/api/v1/devices/{id}/revoke", None, "devices.write", 200),
]


def test_device_permission_matrix(server):
    c = admin(server)
    site = make_site(c, "Matrix")
    matrix = permissions()
    for i, role in enumerate(ROLES):
        make_user(c, f"dev_{role}", role, site)
        u = Client(server)
        u.login(f"dev_{role}")
        target = new_device(c, site, f"T-{i}")
        for method, path, body, perm, ok in DEVICE_ROUTES:
            path = path.replace("{id}", str(target["id"]))
            if body and "serial" in body:
                body = {"serial": f"P-{i}"}
            status, _, resp = u.call(method, path, body)
            want = ok if perm in matrix[role] else 403
            assert status == want, (role, method, path, resp)
        status, resp = import_csv(u, "serial\nI-%d\n" % i)
        assert status == (201 if "devices.write" in matrix[role] else 403), (role, resp)
