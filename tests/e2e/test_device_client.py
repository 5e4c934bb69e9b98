"""The device client (include/medfw/device_client.h, driven through tests/tools/devclient)
against a real medfwd: enrolment with a real token, check-ins signed with the device key
and with a session, director metadata through the signed fetcher, a session renewed
before it expires and one the server no longer knows (reopened, the request sent once
more), a repository target downloaded with resume, and HTTPS with only the server's CA
trusted (certificates made here with the openssl command): another CA, another pinned
key and plain http:// are refused. No token, key or signature reaches the log."""
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess

import pytest

from conftest import run, tool_path
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import audit_events, enrolment_token, get_device, new_device
from test_people import PASSWORD, admin, make_site
from test_repo_server import build_repo, pin, raw, token_client, upload_raw

HW = "mx-rev-b"


def bootstrap(srv):
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    return srv


@pytest.fixture
def server(medfwd_server):
    return bootstrap(medfwd_server())


def devclient(*args, check=None, input=None):
    """(exit status, the JSON lines printed, standard error)."""
    proc = run([tool_path("devclient"), *args], input=input, timeout=120)
    lines = [json.loads(line) for line in proc.stdout.decode().splitlines() if line]
    if check is not None:
        assert proc.returncode == check, (proc.returncode, lines, proc.stderr.decode())
    return proc.returncode, lines, proc.stderr.decode()


class Dev:
    """A device record, its token, and the devclient options to reach the server."""

    def __init__(self, srv, c, tmp_path, site, serial="SN-DC1", url=None, tls=()):
        self.srv, self.c = srv, c
        self.rec = new_device(c, site, serial, hardware_id=HW)
        self.key = tmp_path / f"{serial}.key.pem"
        self.token = enrolment_token(c, self.rec["id"])
        self.token_file = tmp_path / f"{serial}.token"
        self.token_file.write_text(self.token + "\n")
        self.url = url or f"http://127.0.0.1:{srv.port}"
        self.common = ["--server", self.url, *tls] + ([] if tls else ["--allow-http"])

    def enrol(self, check=0):
        return devclient("enrol", *self.common, "--key", self.key, "--token-file",
                         self.token_file, "--hardware-id", HW, "--log", check=check)

    def signed(self, cmd, *args, check=0, input=None):
        return devclient(cmd, *self.common, "--key", self.key, "--device-id",
                         str(self.rec["id"]), "--log", *args, check=check, input=input)


def no_secrets(stderr, dev):
    assert dev.token not in stderr
    pem = dev.key.read_text().splitlines()[1]
    assert pem not in stderr
    assert "sig1=" not in stderr and "Signature" not in stderr


def test_enrol_checkin_sessions_and_director(server, tmp_path):
    c = admin(server)
    dev = Dev(server, c, tmp_path, make_site(c, "General"))
    _, [out], err = dev.enrol()
    assert out["ok"] and out["device_id"] == dev.rec["id"] and out["site_id"] == dev.rec["site_id"]
    assert out["next_checkin_seconds"] > 0
    assert os.stat(dev.key).st_mode & 0o777 == 0o600
    assert get_device(c, dev.rec["id"])["enrolment_state"] == "enrolled"
    no_secrets(err, dev)
    # the token is spent: the server's refusal, with its field
    _, [out], err = dev.enrol(check=1)
    assert out["error"] == "MEDFW_ERR_REFUSED" and out["status"] == 0
    assert "HTTP 403" in out["message"] and "(field token)" in out["message"]
    assert dev.token not in out["message"] and dev.token not in err

    # check-ins signed with the device key
    _, lines, err = dev.signed("checkin", "--count", "2")
    assert [(l["ok"], l["status"]) for l in lines] == [(True, 200), (True, 200)]
    assert lines[0]["body"]["next_checkin_seconds"] > 0
    record = get_device(c, dev.rec["id"])
    assert record["firmware_version"] == "2.1.0" and record["agent_version"] == "0.2.0"
    assert audit_events(c, "device.session_opened") == []
    no_secrets(err, dev)
    # ... and with one session for three of them
    body = json.dumps({"firmware_version": "2.2.0", "agent_version": "0.2.0",
                       "clinical_state": "in_use"})
    _, lines, err = dev.signed("checkin", "--sessions", "--count", "3", "--body", body)
    assert [l["status"] for l in lines] == [200, 200, 200]
    assert get_device(c, dev.rec["id"])["clinical_state"] == "in_use"
    opened = audit_events(c, "device.session_opened")
    assert len(opened) == 1 and opened[0]["detail"]["keyid"].startswith(f"s1.{dev.rec['id']}.")
    assert "devclient.session.opened" in err
    no_secrets(err, dev)

    # director metadata through the signed fetcher, with the device key and a session
    for extra in ((), ("--sessions",)):
        _, [out], _ = dev.signed("get", "/device/v1/director/timestamp.json", *extra)
        assert out["status"] == 200 and out["body"]["signed"]["_type"] == "timestamp"
    _, [out], _ = dev.signed("get", "/device/v1/director/nothing.json", check=1)
    assert out["error"] == "MEDFW_ERR_FETCH" and out["status"] == 404

    # a server refusal names what is wrong: an unknown device id
    _, [out], _ = devclient("checkin", *dev.common, "--key", dev.key, "--device-id", "999",
                            check=1)
    assert out["error"] == "MEDFW_ERR_REFUSED" and out["status"] == 401
    assert "unknown device" in out["message"]
    # plain http:// only when allowed
    _, [out], _ = devclient("checkin", "--server", dev.url, "--key", dev.key, "--device-id",
                            str(dev.rec["id"]), check=1)
    assert out["error"] == "MEDFW_ERR_INVALID_ARG" and "allow_http" in out["message"]


def test_session_renewed_before_it_expires(medfwd_server, tmp_path):
    srv = bootstrap(medfwd_server("device_session_lifetime = 60s\n"))
    c = admin(srv)
    dev = Dev(srv, c, tmp_path, make_site(c, "General"))
    dev.enrol()
    # the device's clock moves 45 s between two check-ins: its 60 s session is within
    # its last 30 s, so a new one is opened first (no waiting: only the client's clock)
    _, lines, _ = dev.signed("checkin", "--sessions", "--count", "2", "--clock-step", "45")
    assert [l["status"] for l in lines] == [200, 200]
    assert len(audit_events(c, "device.session_opened")) == 2
    # without the step, one session serves both
    _, lines, _ = dev.signed("checkin", "--sessions", "--count", "2")
    assert [l["status"] for l in lines] == [200, 200]
    assert len(audit_events(c, "device.session_opened")) == 3
    assert audit_events(c, "device.auth_failed") == []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_session_the_server_forgot_is_reopened(medfwd_server, tmp_path):
    srv = bootstrap(medfwd_server(f"listen_port = {free_port()}\n"))
    c = admin(srv)
    dev = Dev(srv, c, tmp_path, make_site(c, "General"))
    dev.enrol()
    proc = subprocess.Popen(
        [str(tool_path("devclient")), "checkin", *dev.common, "--key", str(dev.key),
         "--device-id", str(dev.rec["id"]), "--sessions", "--count", "2", "--pause"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=dict(os.environ, TZ="UTC", LC_ALL="C"))
    try:
        first = json.loads(proc.stdout.readline())
        assert first["ok"] and first["status"] == 200
        # the operator replaces the session secret (docs/devices.md): every session ends
        srv.stop()
        with sqlite3.connect(srv.data_dir / "medfwd.db") as db:
            assert db.execute("DELETE FROM settings WHERE key = 'device_session_secret'"
                              ).rowcount == 1
        srv.start()
        out, err = proc.communicate(b"\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    second = json.loads(out.decode().strip())
    assert proc.returncode == 0 and second["ok"] and second["status"] == 200, (second, err)
    c = admin(srv)
    assert len(audit_events(c, "device.session_opened")) == 2
    failed = audit_events(c, "device.auth_failed")
    assert len(failed) == 1 and failed[0]["detail"]["reason"] == "bad signature"


def test_download_repository_target_with_resume(server, medfw, tmp_path):
    repo, files = build_repo(medfw, tmp_path)
    t = token_client(server)
    pin(t, repo)
    upload_raw(t, repo.dir)
    assert raw(t, "POST", "/api/v1/repository/commit")[0] == 200
    targets = json.loads((repo.dir / "metadata" / "targets.json").read_text())
    name, entry = next(iter(targets["signed"]["targets"].items()))
    data = files[name]
    url = f"http://127.0.0.1:{server.port}/repo/targets/{name}"
    common = ["--server", f"http://127.0.0.1:{server.port}", "--allow-http"]

    # resumed: the file has 1000 bytes, the server answers Range with 206
    out_file = tmp_path / "image.part"
    out_file.write_bytes(data[:1000])
    _, [out], _ = devclient("download", *common, "--url", url, "--total", str(len(data)),
                            "--offset", "1000", "--out", out_file, check=0)
    assert out["delivered"] == len(data) - 1000
    assert out["last_progress"] == [len(data), len(data)]
    assert hashlib.sha256(out_file.read_bytes()).hexdigest() == entry["hashes"]["sha256"]
    # whole, bandwidth-limited (300 kB at 1 MB/s)
    whole = tmp_path / "image.whole"
    _, [out], _ = devclient("download", *common, "--url", url, "--total", str(len(data)),
                            "--out", whole, "--rate", "1000000", check=0)
    assert whole.read_bytes() == data
    # the signed length rules: a server file longer than expected is refused
    short = tmp_path / "image.short"
    _, [out], _ = devclient("download", *common, "--url", url, "--total", str(len(data) - 1),
                            "--out", short, check=1)
    assert out["error"] == "MEDFW_ERR_TOO_LARGE"
    assert short.read_bytes() == b""
    # past the end: 416, not retried
    past = tmp_path / "image.past"
    past.write_bytes(data)
    _, [out], _ = devclient("download", *common, "--url", url, "--total", str(len(data) + 10),
                            "--offset", str(len(data)), "--out", past, check=1)
    assert out["error"] == "MEDFW_ERR_FETCH" and "416" in out["message"]
    # metadata through the unsigned fetcher
    _, [out], _ = devclient("fetch", *common,
                            f"http://127.0.0.1:{server.port}/repo/metadata/timestamp.json",
                            check=0)
    assert out["body"]["signed"]["_type"] == "timestamp"


def openssl(*args):
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_ca(d, name):
    openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", d / f"{name}.key", "-out", d / f"{name}.pem", "-days", "2",
            "-subj", f"/CN={name}")
    return d / f"{name}.pem"


def make_server_pki(pki):
    """A CA, another CA, and a server certificate for 127.0.0.1 signed by the first:
    (ca.pem, other-ca.pem, server.pem, server.key)."""
    pki.mkdir()
    ca, other = make_ca(pki, "ca"), make_ca(pki, "other-ca")
    key, csr, cert, ext = (pki / n for n in ("server.key", "server.csr", "server.pem",
                                             "server.ext"))
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "extendedKeyUsage=serverAuth\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", key, "-out", csr, "-subj", "/CN=medfwd-test")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", pki / "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", cert)
    return ca, other, cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_with_only_the_servers_ca(medfwd_server, tmp_path):
    pki = tmp_path / "pki"
    ca, other, cert, key = make_server_pki(pki)
    der = pki / "server.pub.der"
    openssl("pkey", "-in", key, "-pubout", "-outform", "DER", "-out", der)
    import base64
    pin_value = "sha256//" + base64.b64encode(hashlib.sha256(der.read_bytes()).digest()).decode()

    srv = bootstrap(medfwd_server(f"tls_cert = {cert}\ntls_key = {key}\n"))
    assert srv.scheme == "https"
    c = admin(srv)
    url = f"https://127.0.0.1:{srv.port}"
    dev = Dev(srv, c, tmp_path, make_site(c, "General"), url=url, tls=("--ca", ca))
    _, [out], _ = dev.enrol()
    assert out["device_id"] == dev.rec["id"]
    _, lines, _ = dev.signed("checkin", "--sessions", "--count", "2")
    assert [l["status"] for l in lines] == [200, 200]
    _, [out], _ = dev.signed("checkin", "--pin", pin_value)
    assert out["status"] == 200
    # another CA, another pinned key: refused before anything is sent
    before = len(audit_events(c, "device.session_opened"))
    for extra in (["--ca", other], ["--ca", ca, "--pin", "sha256//" + "A" * 43 + "="]):
        _, [out], _ = devclient("checkin", "--server", url, *extra, "--key", dev.key,
                                "--device-id", str(dev.rec["id"]), "--sessions", check=1)
        assert out["error"] == "MEDFW_ERR_FETCH" and out["status"] == 0, out
    assert len(audit_events(c, "device.session_opened")) == before
    # no CA file: an https server is refused by the configuration itself
    _, [out], _ = devclient("checkin", "--server", url, "--key", dev.key, "--device-id",
                            str(dev.rec["id"]), check=1)
    assert out["error"] == "MEDFW_ERR_INVALID_ARG" and "ca_file" in out["message"]
