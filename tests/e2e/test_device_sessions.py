"""Device sessions end to end (docs/devices.md "Sessions"): a device opens a session
with its Ed25519 key, opens the sealed HMAC key in Python (X25519, HKDF-SHA256,
AES-256-GCM with `cryptography`, written from include/medfw/devsession.h, not from
the C code) and signs check-ins with RFC 9421 hmac-sha256. Every way a session can
be misused is refused; revocation, re-enrolment and expiry end a session; restarts
keep it."""
import base64
import hashlib
import hmac
import json
import os
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (X25519PrivateKey,
                                                              X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import (CHECKIN, audit_events, enrolled, enrolment_token, get_device,
                          refused, server)  # noqa: F401 (fixture)
from test_people import PASSWORD, admin, make_site

WRAP_LABEL = b"medfw device session wrap v1\0"


def b64(data):
    return base64.b64encode(data).decode()


def raw(pub):
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Session:
    """A device's session: opened with its Ed25519 key (test_devices.Device)."""

    def __init__(self, dev, body=None, headers=None):
        self.dev = dev
        self.x = X25519PrivateKey.generate()
        self.x_pub = raw(self.x.public_key())
        if body is None:
            body = json.dumps({"x25519_public_key": self.x_pub.hex()}).encode()
        hdrs = headers if headers is not None else dev.sign("POST", "/device/v1/session", body)
        self.status, _, data = dev.srv.request("POST", "/device/v1/session", body=body,
                                               headers=hdrs)
        self.resp = json.loads(data) if data else None
        self.key = None
        if self.status == 200:
            self.keyid = self.resp["keyid"]
            self.key = self.open(self.resp)

    def open(self, resp):
        server_pub = bytes.fromhex(resp["server_public_key"])
        shared = self.x.exchange(X25519PublicKey.from_public_bytes(server_pub))
        wk = HKDF(algorithm=hashes.SHA256(), length=32, salt=self.x_pub + server_pub,
                  info=WRAP_LABEL + resp["keyid"].encode()).derive(shared)
        return AESGCM(wk).decrypt(bytes.fromhex(resp["nonce"]),
                                  bytes.fromhex(resp["sealed_key"]), resp["keyid"].encode())

    def sign(self, method, path, body, created=None, nonce=None, keyid=None, key=None,
             alg="hmac-sha256"):
        created = int(time.time()) if created is None else created
        nonce = nonce or base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
        keyid = keyid or self.keyid
        digest = f"sha-256=:{b64(hashlib.sha256(body).digest())}:"
        params = (f'("@method" "@path" "content-digest");created={created};nonce="{nonce}";'
                  f'keyid="{keyid}";alg="{alg}"')
        base = (f'"@method": {method}\n"@path": {path}\n"content-digest": {digest}\n'
                f'"@signature-params": {params}')
        mac = hmac.new(key or self.key, base.encode(), hashlib.sha256).digest()
        return {"Content-Digest": digest, "Signature-Input": f"sig1={params}",
                "Signature": f"sig1=:{b64(mac)}:", "Content-Type": "application/json"}

    def checkin(self, state=None, headers=None, body=None, **kw):
        if body is None:
            body = json.dumps(state if state is not None else CHECKIN).encode()
        hdrs = headers if headers is not None else self.sign("POST", "/device/v1/checkin",
                                                             body, **kw)
        status, _, data = self.dev.srv.request("POST", "/device/v1/checkin", body=body,
                                               headers=hdrs)
        return status, json.loads(data) if data else None


def session_refused(status, resp, word):
    refused(status, resp, word)
    assert resp["error"].get("field") == "session", resp


def test_session_signs_checkins(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    s = Session(dev)
    assert s.status == 200, s.resp
    assert s.resp["alg"] == "hmac-sha256" and len(s.key) == 32
    assert s.keyid.startswith(f"s1.{dev.id}.")
    assert 86400 - 120 < s.resp["expires"] - time.time() <= 86400 + 5
    status, resp = s.checkin(dict(CHECKIN, firmware_version="3.0.1"))
    assert status == 200, resp
    assert get_device(c, dev.id)["firmware_version"] == "3.0.1"
    # the device key still works beside the session
    assert dev.checkin()[0] == 200
    # audited once per session, with the keyid (the key itself is never written)
    opened = audit_events(c, "device.session_opened")
    assert [r["detail"]["keyid"] for r in opened] == [s.keyid]
    assert s.key.hex() not in server.log_text()
    # two sessions of one device are independent
    s2 = Session(dev)
    assert s2.key != s.key and s2.keyid != s.keyid
    assert s2.checkin()[0] == 200 and s.checkin()[0] == 200


def test_session_misuse_is_refused_and_changes_nothing(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    other = enrolled(server, c, site, serial="SN-2")
    s = Session(dev)
    assert s.status == 200, s.resp
    # replay (the first use is accepted)
    body = json.dumps(dict(CHECKIN, firmware_version="6.6.6")).encode()
    hdrs = s.sign("POST", "/device/v1/checkin", body)
    assert s.checkin(headers=hdrs, body=body)[0] == 200
    before = get_device(c, dev.id)
    body = json.dumps(dict(CHECKIN, firmware_version="7.7.7", ip="10.9.9.9")).encode()
    hdrs = s.sign("POST", "/device/v1/checkin", body)
    assert s.checkin(headers=hdrs, body=body)[0] == 200
    refused(*s.checkin(headers=hdrs, body=body), "replayed")
    before = get_device(c, dev.id)
    body = json.dumps(dict(CHECKIN, firmware_version="6.6.6")).encode()
    # tampered body, wrong key, another device's session key under this keyid
    hdrs = s.sign("POST", "/device/v1/checkin", body)
    refused(*s.checkin(headers=hdrs, body=body.replace(b"6.6.6", b"6.6.7")), "digest")
    refused(*s.checkin(body=body, key=os.urandom(32)), "bad signature")
    so = Session(other)
    refused(*s.checkin(body=body, key=so.key), "bad signature")
    # the session keyid with the wrong algorithm, the device keyid with hmac
    refused(*s.checkin(body=body, alg="ed25519"), "hmac-sha256")
    refused(*s.checkin(body=body, keyid=f"device:{dev.id}"), "ed25519")
    # a keyid naming another device (the key is derived for the keyid: never verifies)
    forged = s.keyid.replace(f"s1.{dev.id}.", f"s1.{other.id}.", 1)
    refused(*s.checkin(body=body, keyid=forged), "bad signature")
    # expired, and longer than any session the server opens
    parts = s.keyid.split(".")
    session_refused(*s.checkin(body=body, keyid=".".join(
        parts[:2] + [str(int(time.time()) - 1)] + parts[3:])), "expired")
    session_refused(*s.checkin(body=body, keyid=".".join(
        parts[:2] + [str(int(time.time()) + 30 * 86400)] + parts[3:])), "outlives")
    session_refused(*s.checkin(body=body, keyid=s.keyid + "0"), "malformed session keyid")
    session_refused(*s.checkin(body=body, keyid="s1.x"), "malformed session keyid")
    # a session cannot open a session
    sbody = json.dumps({"x25519_public_key": os.urandom(32).hex()}).encode()
    session_refused(*_post(dev, "/device/v1/session", sbody,
                           s.sign("POST", "/device/v1/session", sbody)),
                    "must be signed with the device key")
    after = get_device(c, dev.id)
    assert after["firmware_version"] == before["firmware_version"] == "7.7.7"
    assert after["last_seen"] == before["last_seen"]


def _post(dev, path, body, headers):
    status, _, data = dev.srv.request("POST", path, body=body, headers=headers)
    return status, json.loads(data) if data else None


def test_bad_session_requests(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)

    def opened(body):
        return _post(dev, "/device/v1/session", body, dev.sign("POST", "/device/v1/session",
                                                                 body))

    for body, field in ((b'{"x25519_public_key": "zz"}', "x25519_public_key"),
                        (json.dumps({"x25519_public_key": "ab" * 31}).encode(),
                         "x25519_public_key"),
                        (json.dumps({"x25519_public_key": "00" * 32}).encode(),
                         "x25519_public_key"),
                        (json.dumps({"x25519_public_key": "ab" * 32, "more": 1}).encode(),
                         "more"),
                        (b'{}', "x25519_public_key"),
                        (b'[1]', None)):
        status, resp = opened(body)
        assert status == 400, (body, resp)
        if field:
            assert resp["error"]["field"] == field, (body, resp)
    # unsigned
    body = json.dumps({"x25519_public_key": "ab" * 32}).encode()
    refused(*_post(dev, "/device/v1/session", body, {"Content-Type": "application/json"}),
            "unsigned")
    assert audit_events(c, "device.session_opened") == []


def test_revocation_reenrolment_and_restart(server):
    c = admin(server)
    site = make_site(c, "General")
    dev = enrolled(server, c, site)
    s = Session(dev)
    assert s.checkin()[0] == 200
    # a restart keeps the session secret: the session still works
    server.stop()
    server.start()
    c = admin(server)
    assert s.checkin()[0] == 200
    # re-enrolment with a new key ends the old sessions
    from test_devices import Device
    dev2 = Device(server)
    status, resp = dev2.enrol(enrolment_token(c, dev.id))
    assert status == 200, resp
    refused(*s.checkin(), "bad signature")
    s2 = Session(dev2)
    assert s2.checkin()[0] == 200
    # revocation refuses at once
    assert c.call("POST", f"/api/v1/devices/{dev.id}/revoke")[0] == 200
    refused(*s2.checkin(), "revoked")
    assert Session(dev2).status == 401


def test_short_session_lifetime(medfwd_server):
    srv = medfwd_server("device_session_lifetime = 60s\n")
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    c = admin(srv)
    dev = enrolled(srv, c, make_site(c, "General"))
    s = Session(dev)
    assert s.status == 200 and s.resp["expires"] - time.time() <= 61
    assert s.checkin()[0] == 200
