"""medfwd people and audit: bootstrap, sign-in, CSRF, lockout, API tokens, sites and
users with tenant isolation, the permission matrix, the audit trail (export verified
offline, tampering found), restart (kill -9 included) keeps every state."""
import json
import re
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import tool_path
from server_fixture import medfwd_server  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
ROLES = ["admin", "release_manager", "clinical_engineer", "security_officer",
         "remote_support", "auditor"]


class Client:
    """A person's browser: session cookie + CSRF header, or an API token."""

    def __init__(self, srv):
        self.srv = srv
        self.cookie = None
        self.csrf = None
        self.token = None

    def login(self, username, password=PASSWORD, expect=200, **extra):
        status, h, body = self.srv.json("POST", "/api/v1/session",
                                        dict(username=username, password=password, **extra))
        assert status == expect, body
        if status == 200:
            m = re.match(r"medfw_session=([^;]+);", h["set-cookie"])
            for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
                assert attr in h["set-cookie"], attr
            self.cookie, self.csrf = m.group(1), body["csrf_token"]
        return body

    def call(self, method, path, obj=None, csrf=True, raw=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.cookie:
            headers["Cookie"] = f"medfw_session={self.cookie}"
            if csrf and self.csrf:
                headers["X-CSRF-Token"] = self.csrf
        body = raw if raw is not None else (None if obj is None else json.dumps(obj))
        status, h, data = self.srv.request(method, path, body=body, headers=headers)
        if h.get("content-type", "").split(";")[0].strip() == "application/json" and data:
            return status, h, json.loads(data)
        return status, h, data


@pytest.fixture
def server(medfwd_server):
    srv = medfwd_server()
    assert srv.bootstrap_token and srv.bootstrap_token.startswith("mft_")
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": PASSWORD})
    assert status == 201 and body["role"] == "admin" and body["site_id"] is None
    return srv


def admin(server):
    c = Client(server)
    c.login("root")
    return c


def make_site(c, name):
    status, _, body = c.call("POST", "/api/v1/sites", {"name": name, "time_zone": "Europe/Paris"})
    assert status == 201, body
    return body["id"]


def make_user(c, username, role, site_id=0):
    status, _, body = c.call("POST", "/api/v1/users",
                             {"username": username, "password": PASSWORD, "role": role,
                              "site_id": site_id})
    assert status == 201, body
    return body


def test_bootstrap_token_works_once(server):
    status, _, body = server.json("POST", "/api/v1/bootstrap",
                                  {"token": server.bootstrap_token, "username": "second",
                                   "password": PASSWORD})
    assert status == 403 and body["error"]["field"] == "token"
    # never in the log
    assert server.bootstrap_token not in server.log_text()


def test_login_csrf_logout(server):
    c = admin(server)
    assert c.call("GET", "/api/v1/me")[2]["via"] == "session"
    # a state change without the CSRF header is refused, and nothing is stored
    status, _, body = c.call("POST", "/api/v1/sites", {"name": "A", "time_zone": "UTC"},
                             csrf=False)
    assert status == 401 and "X-CSRF-Token" in body["error"]["message"]
    assert c.call("GET", "/api/v1/sites")[2]["sites"] == []
    assert c.call("DELETE", "/api/v1/session")[0] == 200
    assert c.call("GET", "/api/v1/me")[0] == 401


def test_wrong_password_and_lockout(server):
    c = Client(server)
    for _ in range(4):
        c.login("root", "wrong password!!", expect=401)
    body = c.login("nosuchuser", "wrong password!!", expect=401)
    assert body["error"]["message"] == "wrong username or password"
    c.login("root", "wrong password!!", expect=401)  # 5th failure: locked
    body = c.login("root", PASSWORD, expect=401)      # even the right password
    assert "locked" in body["error"]["message"]


def test_rate_limit_per_address(server):
    c = Client(server)
    codes = [c.login(f"u{i}", "wrong password!!", expect=None if False else
                     (401 if i < 10 else 429)) for i in range(11)]
    assert codes[-1]["error"]["code"] == "rate_limited"


def test_api_tokens(server):
    c = admin(server)
    status, _, body = c.call("POST", "/api/v1/tokens", {"name": "inventory script"})
    assert status == 201 and body["token"].startswith("mft_")
    script = Client(server)
    script.token = body["token"]
    assert script.call("GET", "/api/v1/me")[2]["via"] == "api_token"
    # a token cannot mint tokens
    assert script.call("POST", "/api/v1/tokens", {"name": "x"})[0] == 401
    assert c.call("DELETE", f"/api/v1/tokens/{body['id']}")[0] == 200
    assert script.call("GET", "/api/v1/me")[0] == 401
    script.token = "mft_" + "A" * 43
    assert script.call("GET", "/api/v1/me")[0] == 401


def test_bad_input_names_the_field_and_stores_nothing(server):
    c = admin(server)
    cases = [({"name": "A", "time_zone": "UTC", "color": "red"}, 400, "color"),
             ({"name": 5, "time_zone": "UTC"}, 400, "name"),
             ({"time_zone": "UTC"}, 400, "name"),
             ({"name": "x" * 129, "time_zone": "UTC"}, 400, "name"),
             ({"name": "tab\there", "time_zone": "UTC"}, 400, "name")]
    for obj, code, field in cases:
        status, _, body = c.call("POST", "/api/v1/sites", obj)
        assert status == code and body["error"].get("field") == field, (obj, body)
    status, _, body = c.call("POST", "/api/v1/sites", raw=b'{"name": "A", ')
    assert status == 400 and body["error"]["code"] == "bad_json"
    status, _, body = c.call("POST", "/api/v1/users",
                             {"username": "weak", "password": "short", "role": "auditor"})
    assert status == 400 and body["error"]["field"] == "password"
    status, _, body = c.call("POST", "/api/v1/users",
                             {"username": "x", "password": PASSWORD, "role": "king"})
    assert status == 400 and body["error"]["field"] == "role"
    assert c.call("GET", "/api/v1/sites")[2]["sites"] == []
    assert [u["username"] for u in c.call("GET", "/api/v1/users")[2]["users"]] == ["root"]
    make_site(c, "Dup")
    assert c.call("POST", "/api/v1/sites", {"name": "Dup", "time_zone": "UTC"})[0] == 409


def test_tenant_isolation(server):
    c = admin(server)
    a, b = make_site(c, "Hospital A"), make_site(c, "Hospital B")
    make_user(c, "a_admin", "admin", a)
    make_user(c, "b_officer", "security_officer", b)
    ua = Client(server)
    ua.login("a_admin")
    assert [s["id"] for s in ua.call("GET", "/api/v1/sites")[2]["sites"]] == [a]
    assert [u["username"] for u in ua.call("GET", "/api/v1/users")[2]["users"]] == ["a_admin"]
    # a site admin cannot create users of another site, nor sites
    assert ua.call("POST", "/api/v1/users", {"username": "evil", "password": PASSWORD,
                                             "role": "admin", "site_id": b})[0] == 403
    assert ua.call("POST", "/api/v1/users", {"username": "evil", "password": PASSWORD,
                                             "role": "admin"})[0] == 403
    assert ua.call("POST", "/api/v1/sites", {"name": "X", "time_zone": "UTC"})[0] == 403
    ub = Client(server)
    ub.login("b_officer")
    records = ub.call("GET", "/api/v1/audit")[2]["records"]
    assert records and all(r["site_id"] == b for r in records)
    assert ub.call("GET", "/api/v1/audit/export")[0] == 403


# route -> (permission needed, needs manufacturer-wide staff)
MATRIX_ROUTES = [
    ("GET", "/api/v1/sites", None, "sites.read", False),
    ("POST", "/api/v1/sites", {"name": "S", "time_zone": "UTC"}, "sites.write", True),
    ("GET", "/api/v1/users", None, "users.read", False),
    ("POST", "/api/v1/users", {"username": "n", "password": PASSWORD, "role": "auditor"},
     "users.write", False),
    ("PATCH", "/api/v1/users/{target}", {"display_name": "Target"}, "users.write", False),
    ("POST", "/api/v1/users/{target}/totp-reset", None, "users.write", False),
    ("GET", "/api/v1/tokens", None, "tokens.own", False),
    ("GET", "/api/v1/audit", None, "audit.read", False),
    ("GET", "/api/v1/audit/verification", None, "audit.read", False),
    ("GET", "/api/v1/audit/export", None, "audit.export", True),
    ("GET", "/api/v1/audit/server-key", None, "audit.read", False),
]
# what an allowed request answers when it is not 200 / 201 (the target has no second
# factor to reset)
MATRIX_ALLOWED_STATUS = {("POST", "/api/v1/users/{target}/totp-reset"): 409}


def permissions():
    out = subprocess.run([str(tool_path("medfwd")), "--permissions"], capture_output=True,
                         check=True).stdout.decode()
    lines = [l for l in out.splitlines() if l.startswith("| ") and not l.startswith("| role")]
    names = out.splitlines()[0].strip("| ").split(" | ")[1:]
    return {cells[0]: {n for n, v in zip(names, cells[1:]) if v == "yes"}
            for cells in ([c.strip() for c in l.strip("|").split("|")] for l in lines)}


def test_permission_doc_in_sync():
    out = subprocess.run([str(tool_path("medfwd")), "--permissions"], capture_output=True,
                         check=True).stdout.decode()
    doc = (ROOT / "docs" / "permissions.md").read_text()
    section = doc.split("<!-- BEGIN medfwd --permissions -->\n")[1].split("<!-- END")[0]
    assert section == out


@pytest.mark.parametrize("site_staff", [False, True])
def test_permission_matrix(server, site_staff):
    """Every route x every role x manufacturer-wide / site staff: the expected status."""
    c = admin(server)
    site = make_site(c, "Matrix")
    matrix = permissions()
    # a user every site administrator may change: of the site, or manufacturer-wide
    target = make_user(c, "target", "auditor", site if site_staff else 0)
    for i, role in enumerate(ROLES):
        name = f"{role}_{int(site_staff)}"
        make_user(c, name, role, site if site_staff else 0)
        u = Client(server)
        u.login(name)
        for method, path, body, perm, global_only in MATRIX_ROUTES:
            if body and "username" in body:
                body = dict(body, username=f"n{i}{int(site_staff)}",
                            site_id=site if site_staff else 0)
            if body and "name" in body:
                body = dict(body, name=f"S{i}{int(site_staff)}")
            status, _, resp = u.call(method, path.replace("{target}", str(target["id"])), body)
            allowed = perm in matrix[role] and not (global_only and site_staff)
            want = MATRIX_ALLOWED_STATUS.get(
                (method, path), 201 if method == "POST" else 200) if allowed else 403
            assert status == want, (role, site_staff, method, path, resp)


def export_and_key(c, tmp_path):
    status, _, raw = c.srv.request("GET", "/api/v1/audit/export",
                                   headers={"Cookie": f"medfw_session={c.cookie}"})
    assert status == 200
    key = c.call("GET", "/api/v1/audit/server-key")[2]
    (tmp_path / "export.jsonl").write_bytes(raw)
    (tmp_path / "server.pub.json").write_text(json.dumps(key))
    return tmp_path / "export.jsonl", tmp_path / "server.pub.json"


def test_audit_trail_verifies_offline_and_tampering_is_found(server, medfw, tmp_path):
    c = admin(server)
    make_site(c, "Audited")
    c.login("root", "wrong password!!", expect=401)
    export, key = export_and_key(c, tmp_path)
    events = [json.loads(l).get("event") for l in export.read_text().splitlines()]
    for e in ("server.start", "bootstrap.token_issued", "bootstrap.admin_created",
              "login.ok", "site.created", "login.failed", "audit.exported"):
        assert e in events, e
    out = medfw("audit", "verify", export, "--server-key", key, "--json", check=0)
    result = json.loads(out.stdout)
    assert result["verified"] and result["uncovered"] == 0
    # no secret in the trail
    text = export.read_text()
    assert PASSWORD not in text and server.bootstrap_token not in text and c.cookie not in text
    # change one record: found, with its line
    lines = text.splitlines()
    rec = json.loads(lines[3])
    rec["actor_id"] = 99
    lines[3] = json.dumps(rec)
    export.write_text("\n".join(lines) + "\n")
    proc = medfw("audit", "verify", export, "--server-key", key, check=1)
    assert b"line 4" in proc.stderr


def test_restart_and_kill_keep_state(medfwd_server, tmp_path, medfw):
    srv = medfwd_server(name="persist")
    srv.json("POST", "/api/v1/bootstrap", {"token": srv.bootstrap_token, "username": "root",
                                           "password": PASSWORD})
    c = Client(srv)
    c.login("root")
    make_site(c, "Kept")
    srv.stop(signal.SIGKILL)
    srv2 = medfwd_server(name="persist")
    assert srv2.bootstrap_token is None
    c2 = Client(srv2)
    c2.login("root")
    assert [s["name"] for s in c2.call("GET", "/api/v1/sites")[2]["sites"]] == ["Kept"]
    export, key = export_and_key(c2, tmp_path)
    assert json.loads(medfw("audit", "verify", export, "--server-key", key, "--json",
                            check=0).stdout)["verified"]


def totp(secret_b32, at=None, step=30):
    """RFC 6238 code, computed independently of medfw."""
    import base64
    import hashlib
    import hmac
    import struct
    import time
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def test_totp_enrolment_and_role_policy(server):
    import time
    c = admin(server)
    make_user(c, "aud", "auditor")
    # the admin requires TOTP for auditors
    status, _, body = c.call("PUT", "/api/v1/policy/totp", {"roles": ["auditor"]})
    assert status == 200 and body["roles"] == ["auditor"]
    assert c.call("PUT", "/api/v1/policy/totp", {"roles": ["king"]})[0] == 400
    a = Client(server)
    assert a.login("aud")["totp_enrolment_required"] is True
    assert a.call("GET", "/api/v1/me")[0] == 200
    status, _, body = a.call("GET", "/api/v1/audit")
    assert status == 403 and body["error"]["code"] == "totp_enrolment_required"
    # enrol: the first code confirms
    status, _, body = a.call("POST", "/api/v1/me/totp")
    assert status == 200 and body["otpauth_uri"].startswith("otpauth://totp/")
    secret = body["secret"]
    assert a.call("POST", "/api/v1/me/totp/confirm", {"code": "000000"})[0] == 400
    now = time.time()
    assert a.call("POST", "/api/v1/me/totp/confirm", {"code": totp(secret, now)})[0] == 200
    assert a.call("GET", "/api/v1/audit")[0] == 200
    # signing in now needs a code; an old or reused code is refused
    b = Client(server)
    body = b.login("aud", expect=401)
    assert body["error"]["code"] == "totp_required"
    b.login("aud", totp_code=totp(secret, now), expect=401)  # already used at enrolment
    b.login("aud", totp_code=totp(secret, now + 30))
    b2 = Client(server)
    b2.login("aud", totp_code=totp(secret, now + 30), expect=401)  # replay
    events = [r["event"] for r in c.call("GET", "/api/v1/audit?event=totp.enrolled")[2]["records"]]
    assert events == ["totp.enrolled"]
