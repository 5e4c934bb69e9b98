"""Enrolment with a manufacturer-signed device statement, end to end.

The manufacturer key is made at test time with `medfw key generate`, statements with
`medfw device-statement sign` (and, for times the CLI cannot produce, signed here in
Python straight from docs/formats/device-statement.md: canonical JSON + Ed25519). The
device signs its enrolment request (RFC 9421) with its own key, as in test_devices.py.
Every refusal is checked for its status and for an unchanged device record."""
import hashlib
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import CHECKIN, Device, audit_events, get_device, new_device
from test_people import PASSWORD, admin, make_site
from test_server import raw_exchange

PATH = "/device/v1/enrol-statement"
MODEL = "InfuPump 3"
HW = "infupump-rev-c"


def canonical(obj):
    """securesystemslib canonical JSON for the ASCII documents of these tests."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def utc(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Manufacturer:
    """A manufacturer key pair made by `medfw key generate`."""

    def __init__(self, medfw, directory, name):
        self.medfw = medfw
        self.dir = directory
        self.pem = directory / f"{name}.pem"
        self.keyid = medfw("key", "generate", "--type", "ed25519", "--out", self.pem,
                           "--no-passphrase", check=0).stdout.decode().strip()
        self.public = json.loads((directory / f"{name}.pem.pub.json").read_text())
        self.name = name
        self.n = 0
        self.last = None

    def trust_file(self, *others):
        path = self.dir / f"trusted-{self.keyid[:8]}.json"
        keys = {m.keyid: m.public for m in (self, *others)}
        path.write_text(json.dumps({"keys": keys}, indent=1))
        return path

    def sign(self, device, serial, model=MODEL, hardware_id=HW, *extra):
        """A statement by `medfw device-statement sign` (as a dict)."""
        self.n += 1
        out = self.last = self.dir / f"{self.name}-statement-{self.n}.json"
        self.medfw("device-statement", "sign", "--key", self.pem, "--manufacturer",
                   "Acme Medical", "--model", model, "--serial", serial, "--hardware-id",
                   hardware_id, "--public-key", device.public_hex, *extra, "--out", out,
                   check=0)
        return json.loads(out.read_text())

    def sign_in_python(self, signed):
        """Sign a statement's signed part here (times the CLI does not make)."""
        key = serialization.load_pem_private_key(self.pem.read_bytes(), password=None)
        return {"signed": signed,
                "signatures": [{"keyid": self.keyid, "sig": key.sign(canonical(signed)).hex()}]}


class StatementDevice(Device):
    def enrol_statement(self, statement, key=None, keyid=None, sign=True, raw=None,
                        created=None, **extra):
        body = raw if raw is not None else json.dumps(
            dict(statement=statement, agent_version="0.3.0", **extra)).encode()
        headers = (self.sign("POST", PATH, body, keyid=keyid or self.public_hex, key=key,
                             created=created)
                   if sign else {"Content-Type": "application/json"})
        status, _, data = self.srv.request("POST", PATH, body=body, headers=headers)
        resp = json.loads(data) if data else None
        if status == 200:
            self.id = resp["device_id"]
        return status, resp


@pytest.fixture
def mfr(medfw, tmp_path):
    return Manufacturer(medfw, tmp_path, "manufacturer")


@pytest.fixture
def untrusted(medfw, tmp_path):
    return Manufacturer(medfw, tmp_path, "untrusted")


def start(medfwd_server, keys_file=None):
    srv = medfwd_server(f"device_statement_keys = {keys_file}\n" if keys_file else "")
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    return srv


@pytest.fixture
def server(medfwd_server, mfr):
    return start(medfwd_server, mfr.trust_file())


def refused(status, resp, want_status, text, field=None):
    assert status == want_status, resp
    assert text in resp["error"]["message"], resp
    if field is not None:
        assert resp["error"]["field"] == field, resp


# ---- success ----

def test_statement_enrolment_then_checkin(server, mfr, medfw):
    c = admin(server)
    site = make_site(c, "General")
    rec = new_device(c, site, "SN-1", model=MODEL)
    assert rec["enrolment_state"] == "pending" and rec["hardware_id"] == ""
    dev = StatementDevice(server)
    st = mfr.sign(dev, "SN-1")
    # the manufacturer's offline check agrees
    out = medfw("device-statement", "verify", "--trusted-keys", mfr.trust_file(),
                mfr.last, "--json", check=0)
    assert json.loads(out.stdout)["signed_by"] == mfr.keyid
    status, resp = dev.enrol_statement(st)
    assert status == 200, resp
    assert resp == {"device_id": rec["id"], "keyid": f"device:{rec['id']}", "site_id": site,
                    "enrolment_state": "enrolled",
                    "next_checkin_seconds": resp["next_checkin_seconds"], "last_event_seq": 0}
    after = get_device(c, rec["id"])
    assert after["enrolment_state"] == "enrolled" and after["keyid"] == f"device:{rec['id']}"
    assert after["hardware_id"] == HW and after["agent_version"] == "0.3.0"
    # the device now checks in with its key, as any enrolled device
    status, resp = dev.checkin()
    assert status == 200, resp
    assert get_device(c, rec["id"])["firmware_version"] == CHECKIN["firmware_version"]
    # audited with the method, the manufacturer key and the statement's hash
    [rec_audit] = audit_events(c, "device.enrolled")
    detail = rec_audit["detail"]
    assert detail["method"] == "statement" and detail["statement_keyid"] == mfr.keyid
    assert detail["statement_sha256"] == hashlib.sha256(canonical(st["signed"])).hexdigest()
    assert detail["public_key"] == dev.public_hex and detail["previous_state"] == "pending"
    # the trusted keys were logged and audited at start-up
    [loaded] = audit_events(c, "device.statement_keys_loaded")
    assert loaded["detail"]["keyids"] == [mfr.keyid]
    assert any(r.get("event") == "device.statement.key" and mfr.keyid in r.get("msg", "")
               for r in server.log_records())
    # a replay of the enrolment changes nothing: the device is enrolled now
    status, resp = dev.enrol_statement(st)
    refused(status, resp, 403, "no pending device with this model and serial")


def test_statement_with_udi_and_python_signature(server, mfr):
    """A statement signed in Python from the format document enrols too, and a record
    with a UDI must match the statement's."""
    c = admin(server)
    site = make_site(c, "General")
    rec = new_device(c, site, "SN-7", model=MODEL, hardware_id=HW,
                     udi="(01)09506000134352(10)A12(21)SN-7")
    dev = StatementDevice(server)
    now = int(time.time())
    signed = {"_type": "device-statement", "spec_version": "1.0", "manufacturer": "Acme",
              "model": MODEL, "serial": "SN-7", "hardware_id": HW,
              "udi_di": "09506000134352", "udi_pi": "lot=OTHER;serial=SN-7",
              "public_key": dev.public_hex, "issued": utc(now - 60),
              "expires": utc(now + 3600)}
    before = get_device(c, rec["id"])
    refused(*dev.enrol_statement(mfr.sign_in_python(signed)), 403, "udi_pi differs", "udi_pi")
    assert get_device(c, rec["id"]) == before
    signed["udi_pi"] = "lot=A12;serial=SN-7"
    status, resp = dev.enrol_statement(mfr.sign_in_python(signed))
    assert status == 200, resp
    assert dev.checkin()[0] == 200


# ---- refusals: each changes nothing ----

def test_refusals_change_nothing(server, mfr, untrusted, medfwd_server):
    c = admin(server)
    site = make_site(c, "General")
    other_site = make_site(c, "St Mary")
    rec = new_device(c, site, "SN-1", model=MODEL, hardware_id=HW)
    dev = StatementDevice(server)
    st = mfr.sign(dev, "SN-1")
    snapshot = {}

    def unchanged():
        for device_id, state in snapshot.items():
            assert get_device(c, device_id) == state, device_id

    def remember(*ids):
        for i in ids:
            snapshot[i] = get_device(c, i)

    remember(rec["id"])
    # unsigned request
    refused(*dev.enrol_statement(st, sign=False), 401, "unsigned")
    # signed by another key than the statement's
    intruder = Ed25519PrivateKey.generate()
    refused(*dev.enrol_statement(st, key=intruder), 401, "bad signature")
    # keyid other than the statement's public key
    refused(*dev.enrol_statement(st, keyid="device:1"), 401, "keyid is not the statement's")
    # stale request signature
    refused(*dev.enrol_statement(st, created=int(time.time()) - 3600), 401, "stale")
    # tampered statement (the hardware id changed after signing)
    tampered = json.loads(json.dumps(st))
    tampered["signed"]["hardware_id"] = "infupump-rev-d"
    refused(*dev.enrol_statement(tampered), 403, "not signed by a trusted manufacturer key",
            "statement")
    # a statement by a key the server does not trust
    refused(*dev.enrol_statement(untrusted.sign(dev, "SN-1")), 403,
            "not signed by a trusted manufacturer key")
    # expired, and issued in the future (beyond device_clock_skew)
    now = int(time.time())
    base = dict(st["signed"])
    expired = dict(base, issued=utc(now - 7200), expires=utc(now - 3600))
    refused(*dev.enrol_statement(mfr.sign_in_python(expired)), 403, "expired")
    future = dict(base, issued=utc(now + 3600))
    future.pop("expires", None)
    refused(*dev.enrol_statement(mfr.sign_in_python(future)), 403, "in the future")
    # no pending device with this model and serial
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-404")), 403,
            "no pending device with this model and serial", "serial")
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-1", model="InfuPump 4")), 403,
            "no pending device with this model and serial")
    # hardware id differs from the record's
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-1", hardware_id="other-hw")), 403,
            "hardware_id differs", "hardware_id")
    # two pending devices with this model and serial (in two sites)
    twin_a = new_device(c, site, "SN-2", model=MODEL)
    twin_b = new_device(c, other_site, "SN-2", model=MODEL)
    remember(twin_a["id"], twin_b["id"])
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-2")), 403, "ambiguous", "serial")
    unchanged()
    # malformed statements: 400 naming the statement
    for bad, text in ((dict(st, extra=1), "unknown field \"extra\""),
                      ({"signed": dict(st["signed"], public_key="AB" * 32),
                        "signatures": st["signatures"]}, "public_key"),
                      ({"signed": dict(st["signed"], udi_di="09506000134353"),
                        "signatures": st["signatures"]}, "udi_di"),
                      ({"signed": dict(st["signed"], padding="a" * 20000),
                        "signatures": st["signatures"]}, "larger than"),
                      ("a string", "statement must be")):
        refused(*dev.enrol_statement(bad), 400, text, "statement")
    # oversize, deep and malformed bodies: refused before anything else
    deep = ('{"statement":' + "[" * 40 + "]" * 40 + "}").encode()
    status, resp = dev.enrol_statement(None, raw=deep)
    assert status == 400, resp
    status, resp = dev.enrol_statement(None, raw=b'{"statement": {"signed": ')
    assert status == 400, resp
    status, resp = dev.enrol_statement(st, colour="red")
    refused(status, resp, 400, "unknown field", "colour")
    # over max_body_bytes: refused from Content-Length, before the body is sent
    status, _, _ = raw_exchange(server, f"POST {PATH} HTTP/1.1\r\nHost: x\r\n"
                                        "Content-Type: application/json\r\n"
                                        "Content-Length: 100000000\r\n\r\n".encode())
    assert status == 413
    unchanged()
    assert audit_events(c, "device.enrolled") == []
    failed = audit_events(c, "device.enrol_failed")
    assert failed and all(r["detail"]["method"] == "statement" for r in failed)


def test_enrolled_revoked_and_bound_keys_are_refused(server, mfr):
    c = admin(server)
    site = make_site(c, "General")
    # enrolled (with a token or a statement): a statement cannot enrol it again
    enrolled = new_device(c, site, "SN-1", model=MODEL)
    first = StatementDevice(server)
    assert first.enrol_statement(mfr.sign(first, "SN-1"))[0] == 200
    before = get_device(c, enrolled["id"])
    again = StatementDevice(server)
    refused(*again.enrol_statement(mfr.sign(again, "SN-1")), 403, "enrolled already")
    assert get_device(c, enrolled["id"]) == before
    assert first.checkin()[0] == 200  # still the first key
    # revoked
    revoked = new_device(c, site, "SN-2", model=MODEL)
    status, _, _ = c.call("POST", f"/api/v1/devices/{revoked['id']}/revoke")
    assert status == 200
    before = get_device(c, revoked["id"])
    dev = StatementDevice(server)
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-2")), 403, "revoked")
    assert get_device(c, revoked["id"]) == before
    # the key is bound to another device already: the first device's key for SN-3
    pending = new_device(c, site, "SN-3", model=MODEL)
    before = get_device(c, pending["id"])
    refused(*first.enrol_statement(mfr.sign(first, "SN-3")), 403,
            "bound to another device", "public_key")
    assert get_device(c, pending["id"]) == before
    assert first.checkin()[0] == 200


def test_server_without_statement_keys(medfwd_server, mfr):
    srv = start(medfwd_server)
    c = admin(srv)
    rec = new_device(c, make_site(c, "General"), "SN-1", model=MODEL)
    before = get_device(c, rec["id"])
    dev = StatementDevice(srv)
    refused(*dev.enrol_statement(mfr.sign(dev, "SN-1")), 403, "device_statement_keys")
    assert get_device(c, rec["id"]) == before


def test_bad_keys_file_stops_start_up(medfwd_server, mfr, tmp_path):
    bad = tmp_path / "bad-keys.json"
    bad.write_text(json.dumps({"keys": {"00" * 32: mfr.public}}))
    with pytest.raises(AssertionError, match="the key id is not the key's"):
        medfwd_server(f"device_statement_keys = {bad}\n", name="bad")
