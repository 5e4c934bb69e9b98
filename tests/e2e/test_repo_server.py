"""medfwd hosts the manufacturer's image repository and runs the director: a real
repository (repo_fixture.Repo, signed with the medfw CLI) is pinned, pushed (medfw push
and raw API calls), served to `medfw tuf-client` and with HTTP Range requests; rejected
pushes change nothing served; assignments and per-device director metadata; permission
checks for every new route.

Devices: the devices API is another branch's work, so the device records are inserted
into the server's SQLite database directly (the store's own table), then driven through
the API."""
import hashlib
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

import tufrepo
from repo_fixture import Repo
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_people import PASSWORD, Client, make_site, make_user

HWID = "acme-infusion-pump-rev-c"


@pytest.fixture
def server(medfwd_server):
    srv = medfwd_server(extra_config="max_body_bytes = 4MiB\n")
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": PASSWORD})
    assert status == 201, body
    return srv


def token_client(srv, username="root"):
    c = Client(srv)
    c.login(username)
    status, _, body = c.call("POST", "/api/v1/tokens", {"name": f"{username} script"})
    assert status == 201, body
    t = Client(srv)
    t.token = body["token"]
    return t


def raw(c, method, path, data=b"", ctype="application/octet-stream"):
    headers = {"Authorization": f"Bearer {c.token}", "Content-Type": ctype}
    status, h, body = c.srv.request(method, path, body=data, headers=headers)
    try:
        return status, h, json.loads(body) if body else None
    except ValueError:
        return status, h, body


def build_repo(medfw, tmp_path, images=(("pump/fw-4.2.1.img", 300_000),)):
    repo = Repo(medfw, tmp_path)
    files = {}
    for name, size in images:
        img = tmp_path / (name.replace("/", "_"))
        img.write_bytes(os.urandom(size))
        repo.add_release(img, name=name)
        files[name] = img.read_bytes()
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets2")
    repo.publish()
    return repo, files


def upload_raw(c, repo_dir: Path, targets=True):
    """The upload protocol by hand: metadata files one by one, targets one by one."""
    for p in sorted((repo_dir / "metadata").iterdir()):
        n = p.name
        if n in ("root.json", "timestamp.json", "snapshot.json", "targets.json") or \
                n.endswith(".root.json"):
            status, _, body = raw(c, "PUT", f"/api/v1/repository/metadata/{n}", p.read_bytes())
            assert status == 201, body
    if targets:
        signed = json.loads((repo_dir / "metadata" / "targets.json").read_text())["signed"]
        for name in signed["targets"]:
            data = (repo_dir / "targets" / name).read_bytes()
            status, _, body = raw(c, "PUT", f"/api/v1/repository/targets/{name}", data)
            assert status == 201, body


def pin(c, repo):
    root1 = (repo.dir / "metadata" / "1.root.json").read_bytes()
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root", root1, "application/json")
    assert status == 201, body
    return root1


def served_tree(srv):
    cur = srv.data_dir / "repository" / "current"
    if not cur.exists():
        return None
    return {p.relative_to(cur.resolve()): p.read_bytes()
            for p in sorted(cur.resolve().rglob("*")) if p.is_file()}


def add_device(srv, site_id, serial, hardware_id=HWID):
    db = sqlite3.connect(srv.data_dir / "medfwd.db", timeout=10)
    with db:
        cur = db.execute("INSERT INTO devices (site_id, serial, model, hardware_id, created_at)"
                         " VALUES (?, ?, 'pump', ?, ?)", (site_id, serial, hardware_id,
                                                          int(time.time())))
    db.close()
    return cur.lastrowid


def utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def test_push_raw_serve_and_tuf_client(server, medfw, tmp_path):
    repo, files = build_repo(medfw, tmp_path)
    c = token_client(server)
    # no trusted root yet: commit refused
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == 409
    root1 = pin(c, repo)
    # pinning again needs ?replace=true
    assert raw(c, "POST", "/api/v1/repository/trusted-root", root1, "application/json")[0] == 409
    upload_raw(c, repo.dir)
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200, body
    assert body["target_count"] == 1 and body["targets_version"] >= 1
    st = c.call("GET", "/api/v1/repository")[2]
    assert st["trusted_root"]["version"] == 1 and st["signed_images"] == 1

    # served as plain TUF: medfw tuf-client refreshes and downloads through medfwd
    base = f"http://127.0.0.1:{server.port}/repo"
    mdir, tdir = tmp_path / "mdir", tmp_path / "tdir"
    mdir.mkdir()
    tdir.mkdir()
    (tmp_path / "trusted.json").write_bytes(root1)
    medfw("tuf-client", "--metadata-dir", mdir, "init", tmp_path / "trusted.json", check=0)
    medfw("tuf-client", "--metadata-dir", mdir, "--metadata-url", f"{base}/metadata",
          "refresh", check=0)
    medfw("tuf-client", "--metadata-dir", mdir, "--metadata-url", f"{base}/metadata",
          "--target-name", "pump/fw-4.2.1.img", "--target-dir", tdir,
          "--target-base-url", f"{base}/targets/", "download", check=0)
    got = [p for p in tdir.rglob("*") if p.is_file()]
    assert len(got) == 1 and got[0].read_bytes() == files["pump/fw-4.2.1.img"]

    # Range requests for resumed downloads
    data = files["pump/fw-4.2.1.img"]
    path = "/repo/targets/pump/fw-4.2.1.img"
    status, h, body = server.request("GET", path)
    assert status == 200 and body == data and h["accept-ranges"] == "bytes" and "etag" in h
    assert int(h["content-length"]) == len(data)
    status, h, body = server.request("GET", path, headers={"Range": "bytes=100-199"})
    assert status == 206 and body == data[100:200]
    assert h["content-range"] == f"bytes 100-199/{len(data)}"
    status, h, body = server.request("GET", path, headers={"Range": "bytes=299000-"})
    assert status == 206 and body == data[299000:]
    status, h, body = server.request("GET", path, headers={"Range": "bytes=-10"})
    assert status == 206 and body == data[-10:]
    status, h, body = server.request("GET", path, headers={"Range": f"bytes={len(data)}-"})
    assert status == 416 and h["content-range"] == f"bytes */{len(data)}"
    # metadata: versioned copies served too, hostile names are not
    assert server.request("GET", "/repo/metadata/timestamp.json")[0] == 200
    assert server.request("GET", "/repo/metadata/1.root.json")[2] == root1
    for bad in ("/repo/metadata/..%2Fx", "/repo/metadata/medfwd.db", "/repo/targets/.x",
                "/repo/metadata/0.root.json"):
        assert server.request("GET", bad)[0] in (400, 404), bad
    # audit: pin, stage, commit
    events = [r["event"] for r in c.call("GET", "/api/v1/audit")[2]["records"]]
    assert "repository.trusted_root.pin" in events and "repository.commit" in events


def test_medfw_push(server, medfw, tmp_path):
    repo, files = build_repo(medfw, tmp_path)
    c = token_client(server)
    url = f"http://127.0.0.1:{server.port}"
    tokfile = tmp_path / "token"
    tokfile.write_text(c.token + "\n")
    root1 = repo.dir / "metadata" / "1.root.json"
    proc = medfw("push", "--server", url, "--token-file", tokfile, "--repo", repo.dir,
                 "--pin-root", root1, check=0)
    assert b"committed" in proc.stdout
    data = files["pump/fw-4.2.1.img"]
    assert server.request("GET", "/repo/targets/pump/fw-4.2.1.img")[2] == data
    # a second release: only what changed needs to go up; older images are kept
    img = tmp_path / "fw2.img"
    img.write_bytes(os.urandom(1000))
    repo.add_release(img, name="pump/fw-4.3.0.img")
    repo.sign("targets", "targets1", "targets2")
    repo.publish()
    medfw("push", "--server", url, "--token-file", tokfile, "--repo", repo.dir, check=0)
    assert server.request("GET", "/repo/targets/pump/fw-4.3.0.img")[2] == img.read_bytes()
    assert server.request("GET", "/repo/targets/pump/fw-4.2.1.img")[2] == data
    # a wrong token: refused, exit 1
    tokfile.write_text("mft_nonsense\n")
    assert medfw("push", "--server", url, "--token-file", tokfile, "--repo", repo.dir,
                 check=1).returncode == 1


def refused(c, srv, before, check_name):
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 422, body
    assert body["error"]["field"] == check_name, body
    assert served_tree(srv) == before
    return body["error"]["message"]


def test_rejected_pushes_change_nothing(server, medfw, tmp_path):
    repo, files = build_repo(medfw, tmp_path)
    c = token_client(server)
    pin(c, repo)
    good = repo.copy_to(tmp_path / "good")
    upload_raw(c, repo.dir)
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == 200
    before = served_tree(server)

    # a tampered target
    upload_raw(c, repo.dir, targets=False)
    bad = bytearray(files["pump/fw-4.2.1.img"])
    bad[5] ^= 1
    raw(c, "PUT", "/api/v1/repository/targets/pump/fw-4.2.1.img", bytes(bad))
    assert "pump/fw-4.2.1.img" in refused(c, server, before, "MEDFW_ERR_HASH_MISMATCH")

    # a new targets signed below the threshold (one of two keys)
    img = tmp_path / "fw3.img"
    img.write_bytes(os.urandom(500))
    repo.add_release(img, name="pump/fw-5.0.0.img")
    repo.sign("targets", "targets1", "targets2")
    repo.publish()
    newer = repo.copy_to(tmp_path / "newer")
    doc = json.loads((newer / "metadata" / "targets.json").read_text())
    doc["signatures"] = doc["signatures"][:1]
    (newer / "metadata" / "targets.json").write_text(json.dumps(doc))
    upload_raw(c, newer)
    assert "targets" in refused(c, server, before, "MEDFW_ERR_THRESHOLD")

    # the properly signed newer version is accepted
    upload_raw(c, repo.dir)
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == 200
    before = served_tree(server)

    # rollback: the older, validly signed repository again
    upload_raw(c, good)
    assert "older" in refused(c, server, before, "MEDFW_ERR_ROLLBACK")

    # a root version that differs from the one served (a fork) is refused too
    upload_raw(c, repo.dir, targets=False)
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == 200  # same bytes: a no-op
    assert served_tree(server).keys() == before.keys()


def test_expired_and_threshold(server, medfw, tmp_path):
    c = token_client(server)
    img = tmp_path / "fw.img"
    img.write_bytes(os.urandom(1000))
    # a root signed below its threshold cannot even be pinned
    (tmp_path / "b").mkdir()
    r2 = Repo(medfw, tmp_path / "b")
    r2.sign("root", "root1")
    staged = (r2.dir / "staged" / "root.json").read_bytes()
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root?replace=true", staged,
                          "application/json")
    assert status == 422 and body["error"]["field"] == "MEDFW_ERR_THRESHOLD"

    # targets below threshold (snapshot and timestamp consistent with it)
    (tmp_path / "c").mkdir()
    r3 = Repo(medfw, tmp_path / "c")
    r3.add_release(img, name="fw.img")
    r3.sign("root", "root1", "root2")
    r3.sign("targets", "targets1", "targets2")
    r3.publish()
    pin_status = raw(c, "POST", "/api/v1/repository/trusted-root?replace=true",
                     (r3.dir / "metadata" / "1.root.json").read_bytes(), "application/json")
    assert pin_status[0] == 201
    meta = r3.dir / "metadata"
    doc = json.loads((meta / "targets.json").read_text())
    doc["signatures"] = doc["signatures"][:1]
    (meta / "targets.json").write_text(json.dumps(doc))
    upload_raw(c, r3.dir)
    assert "targets" in refused(c, server, None, "MEDFW_ERR_THRESHOLD")

    # a repository made by another TUF implementation (securesystemslib keys), with a
    # timestamp that has expired
    other = tufrepo.Repository()
    other.add_target("targets", "fw.img", b"firmware" * 100)
    other.bump("targets")
    other.update_snapshot()
    other.signed["timestamp"]["expires"] = tufrepo.utc(-1)
    other.update_timestamp()
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root?replace=true",
                          other.files["metadata/1.root.json"], "application/json")
    assert status == 201, body
    for name in ("1.root.json", "timestamp.json", "snapshot.json", "targets.json"):
        assert raw(c, "PUT", f"/api/v1/repository/metadata/{name}",
                   other.files[f"metadata/{name}"])[0] == 201
    assert raw(c, "PUT", "/api/v1/repository/targets/fw.img", b"firmware" * 100)[0] == 201
    assert "timestamp" in refused(c, server, None, "MEDFW_ERR_EXPIRED")
    # the same repository with a fresh timestamp is accepted (interoperability)
    other.signed["timestamp"]["expires"] = tufrepo.utc(1)
    other.update_timestamp()
    upload = {"timestamp.json": other.files["metadata/timestamp.json"]}
    for name in ("snapshot.json", "targets.json"):
        upload[name] = other.files[f"metadata/{name}"]
    for name, data in upload.items():
        assert raw(c, "PUT", f"/api/v1/repository/metadata/{name}", data)[0] == 201
    assert raw(c, "PUT", "/api/v1/repository/targets/fw.img", b"firmware" * 100)[0] == 201
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200, body


def test_assignment_and_director_metadata(server, medfw, tmp_path):
    repo, files = build_repo(medfw, tmp_path)
    c = token_client(server)
    pin(c, repo)
    upload_raw(c, repo.dir)
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == 200
    adm = Client(server)
    adm.login("root")
    site = make_site(adm, "St. Elsewhere")
    other_site = make_site(adm, "Mercy")
    dev = add_device(server, site, "SN-1")
    odd = add_device(server, site, "SN-2", hardware_id="acme-ventilator-rev-a")
    far = add_device(server, other_site, "SN-3")
    now = int(time.time())
    body = {"target": "pump/fw-4.2.1.img", "window_start": utc(now - 60),
            "window_end": utc(now + 86400)}
    status, _, a = c.call("PUT", f"/api/v1/devices/{dev}/assignment", body)
    assert status == 200, a
    sha = hashlib.sha256(files["pump/fw-4.2.1.img"]).hexdigest()
    assert a["hashes"]["sha256"] == sha and a["length"] == 300_000
    assert a["director_version"] == 1
    assert c.call("GET", f"/api/v1/devices/{dev}/assignment")[2]["target"] == body["target"]
    # unknown target, wrong hardware, bad window, unknown device, unknown field
    assert c.call("PUT", f"/api/v1/devices/{dev}/assignment",
                  dict(body, target="nope.img"))[0] == 422
    assert c.call("PUT", f"/api/v1/devices/{odd}/assignment", body)[2]["error"]["code"] == \
        "wrong_hardware"
    assert c.call("PUT", f"/api/v1/devices/{dev}/assignment",
                  dict(body, window_end=body["window_start"]))[0] == 400
    assert c.call("PUT", "/api/v1/devices/999/assignment", body)[0] == 404
    assert c.call("PUT", f"/api/v1/devices/{dev}/assignment", dict(body, x=1))[0] == 400

    # the signed director metadata for the device
    root = c.call("GET", "/api/v1/director/root.json")[2]
    assert root["signed"]["_type"] == "root"
    pub = json.loads((server.data_dir / "director-key.pub.json").read_text())
    keyid = root["signed"]["roles"]["targets"]["keyids"][0]
    assert root["signed"]["keys"][keyid]["keyval"] == pub["keyval"]
    tg = c.call("GET", f"/api/v1/devices/{dev}/director/targets.json")[2]["signed"]
    assert tg["version"] == 2
    entry = tg["targets"]["pump/fw-4.2.1.img"]
    assert entry["hashes"]["sha256"] == sha and entry["length"] == 300_000
    assert entry["custom"] == {"device_id": dev, "hardware_id": HWID,
                               "install_window": {"start": body["window_start"],
                                                  "end": body["window_end"]}}
    snap = c.call("GET", f"/api/v1/devices/{dev}/director/snapshot.json")[2]["signed"]
    assert snap["meta"]["targets.json"]["version"] == 2
    ts = c.call("GET", f"/api/v1/devices/{dev}/director/timestamp.json")[2]["signed"]
    assert ts["meta"]["snapshot.json"]["version"] == 2
    assert c.call("GET", f"/api/v1/devices/{dev}/director/other.json")[0] == 404
    # the device route needs device authentication
    assert server.request("GET", "/device/v1/director/targets.json")[0] == 401

    # clearing bumps the version; the targets are then empty, still signed
    status, _, cleared = c.call("DELETE", f"/api/v1/devices/{dev}/assignment")
    assert status == 200 and cleared["director_version"] == 2
    assert c.call("GET", f"/api/v1/devices/{dev}/assignment")[0] == 404
    tg = c.call("GET", f"/api/v1/devices/{dev}/director/targets.json")[2]["signed"]
    assert tg["version"] == 3 and tg["targets"] == {}

    # tenant isolation: a clinical engineer of one site cannot assign the other's device
    make_user(adm, "ce", "clinical_engineer", site)
    ce = token_client(server, "ce")
    assert ce.call("PUT", f"/api/v1/devices/{dev}/assignment", body)[0] == 200
    assert ce.call("PUT", f"/api/v1/devices/{far}/assignment", body)[0] == 404
    events = [r["event"] for r in c.call("GET", "/api/v1/audit")[2]["records"]]
    assert "director.assign" in events and "director.clear" in events


def test_assign_delegated_target(server, tmp_path):
    """An image only a delegated role lists is assigned as a TUF client finds it: the
    name, length and hashes of the delegated role's entry reach the device's director
    targets; the release notice's hardware ids still decide; a path no responsible
    role lists is refused."""
    from repo_fixture import notice
    other = tufrepo.Repository()
    other.add_delegation("targets", "pump-team", ["pump/*", "pump/*/*"],
                         terminating=True)
    other.add_delegation("pump-team", "pump-nightly", ["pump/nightly/*"])
    other.add_delegation("targets", "vent-team", ["vent/*"])
    other.add_target("targets", "base.img", b"base" * 100)
    images = {"pump-team": ("pump/fw-5.img", os.urandom(4000)),
              "pump-nightly": ("pump/nightly/fw-6.img", os.urandom(3000)),
              "vent-team": ("vent/fw-1.img", os.urandom(2000))}
    for role, (path, data) in images.items():
        other.add_target(role, path, data)
        hw = "acme-ventilator-rev-a" if role == "vent-team" else HWID
        other.signed[role]["targets"][path]["custom"] = {
            "medfw": {"release_notice": notice(hardware_ids=[hw])}}
    for role in ("pump-nightly", "pump-team", "vent-team", "targets"):
        other.bump(role)
    other.update_snapshot()
    c = token_client(server)
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root",
                          other.files["metadata/1.root.json"], "application/json")
    assert status == 201, body
    roles = ("pump-team", "pump-nightly", "vent-team")
    upload_other(c, other, roles=roles)
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200, body

    adm = Client(server)
    adm.login("root")
    site = make_site(adm, "St. Elsewhere")
    dev = add_device(server, site, "SN-1")
    now = int(time.time())
    window = {"window_start": utc(now - 60), "window_end": utc(now + 86400)}
    for role in ("pump-team", "pump-nightly"):
        path, data = images[role]
        status, _, a = c.call("PUT", f"/api/v1/devices/{dev}/assignment",
                              dict(window, target=path))
        assert status == 200, (role, a)
        assert a["target"] == path and a["length"] == len(data)
        assert a["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}
        tg = c.call("GET", f"/api/v1/devices/{dev}/director/targets.json")[2]["signed"]
        assert list(tg["targets"]) == [path]
        entry = tg["targets"][path]
        assert entry["length"] == len(data)
        assert entry["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}
        assert entry["custom"]["hardware_id"] == HWID
    before = c.call("GET", f"/api/v1/devices/{dev}/assignment")[2]
    # the ventilator image (a delegated role's) is not for this hardware
    status, _, body = c.call("PUT", f"/api/v1/devices/{dev}/assignment",
                             dict(window, target=images["vent-team"][0]))
    assert status == 422 and body["error"]["code"] == "wrong_hardware", body
    # a path no responsible role lists
    status, _, body = c.call("PUT", f"/api/v1/devices/{dev}/assignment",
                             dict(window, target="pump/nightly/fw-7.img"))
    assert status == 422 and body["error"]["code"] == "unknown_target", body
    assert c.call("GET", f"/api/v1/devices/{dev}/assignment")[2] == before
    # a device reporting an image of a nested delegated role runs a signed release
    from test_devices import CHECKIN, enrolled, get_device
    reporter = enrolled(server, adm, site, serial="SN-REPORT")
    for data, want in ((images["pump-nightly"][1], True), (b"not released", False)):
        st, resp = reporter.checkin(dict(CHECKIN,
                                         image_sha256=hashlib.sha256(data).hexdigest()))
        assert st == 200, resp
        assert get_device(adm, reporter.id)["image_is_signed_release"] is want
    # no lookup left its client directory behind
    assert not list((server.data_dir / "repository").glob(".lookup-*"))


@pytest.mark.parametrize("role,can_write,can_assign", [
    ("admin", True, True), ("release_manager", True, True),
    ("clinical_engineer", False, True), ("security_officer", False, False),
    ("remote_support", False, False), ("auditor", False, False)])
def test_permissions(server, role, can_write, can_assign):
    adm = Client(server)
    adm.login("root")
    if role != "admin":
        make_user(adm, "u", role)
    c = token_client(server, "root" if role == "admin" else "u")
    want = 201 if can_write else 403
    # a bogus root: 422 when allowed (after the permission check), else 403
    status = raw(c, "POST", "/api/v1/repository/trusted-root", b"{}", "application/json")[0]
    assert status == (422 if can_write else 403)
    assert raw(c, "PUT", "/api/v1/repository/metadata/timestamp.json", b"{}")[0] == want
    assert raw(c, "PUT", "/api/v1/repository/targets/a.img", b"x")[0] == want
    assert raw(c, "DELETE", "/api/v1/repository/staging")[0] == (200 if can_write else 403)
    assert raw(c, "POST", "/api/v1/repository/commit")[0] == (409 if can_write else 403)
    assert c.call("GET", "/api/v1/repository")[0] == 200
    assert c.call("GET", "/api/v1/director/root.json")[0] == 200
    status = c.call("PUT", "/api/v1/devices/999/assignment",
                    {"target": "a", "window_start": "2030-01-01T00:00:00Z",
                     "window_end": "2030-01-02T00:00:00Z"})[0]
    assert status == (404 if can_assign else 403)
    assert c.call("DELETE", "/api/v1/devices/999/assignment")[0] == (404 if can_assign else 403)
    # unauthenticated
    anon = Client(server)
    for method, path in (("POST", "/api/v1/repository/commit"),
                         ("PUT", "/api/v1/repository/metadata/root.json"),
                         ("GET", "/api/v1/devices/1/assignment"),
                         ("GET", "/api/v1/director/root.json")):
        assert anon.call(method, path)[0] == 401


# ---- delegated targets ----

def delegated_repo(consistent_snapshot=False):
    """targets delegates pump/* to pump-team (2 of 3 keys) and fw/*/dev-*.img (a path
    pattern per segment) to dev-team (path_hash_prefixes for nothing else)."""
    other = tufrepo.Repository(consistent_snapshot=consistent_snapshot)
    other.add_delegation("targets", "pump-team", ["pump/*"], threshold=2, keys=3)
    other.add_delegation("targets", "dev-team", ["fw/*/dev-*.img"])
    other.signers["pump-team"] = other.signers["pump-team"][:2]
    other.add_target("targets", "base.img", b"base" * 100)
    other.add_target("pump-team", "pump/fw-1.img", b"pump one" * 1000)
    other.add_target("dev-team", "fw/x/dev-2.img", b"dev two" * 50)
    for role in ("pump-team", "dev-team", "targets"):
        other.bump(role)
    other.update_snapshot()
    return other


def upload_other(c, other, roles=("pump-team", "dev-team"), targets=None):
    names = ["1.root.json", "timestamp.json", "snapshot.json", "targets.json"]
    names += [f"{r}.json" for r in roles]
    for name in names:
        status, _, body = raw(c, "PUT", f"/api/v1/repository/metadata/{name}",
                              other.files[f"metadata/{name}"])
        assert status == 201, (name, body)
    for role in ("targets",) + tuple(roles):
        for path in (targets if targets is not None else other.signed[role]["targets"]):
            status, _, body = raw(c, "PUT", f"/api/v1/repository/targets/{path}",
                                  other.files[f"targets/{path}"])
            assert status == 201, (path, body)


def test_delegated_targets_push_serve_and_client(server, medfw, tmp_path):
    other = delegated_repo(consistent_snapshot=True)
    other.write_to(tmp_path / "repo")
    c = token_client(server)
    tokfile = tmp_path / "token"
    tokfile.write_text(c.token + "\n")
    url = f"http://127.0.0.1:{server.port}"
    proc = medfw("push", "--server", url, "--token-file", tokfile, "--repo", tmp_path / "repo",
                 "--pin-root", tmp_path / "repo" / "metadata" / "1.root.json", check=0)
    assert b"2 delegated roles, 3 targets served, 3 uploaded" in proc.stdout, proc.stdout
    for path in ("base.img", "pump/fw-1.img", "fw/x/dev-2.img"):
        assert server.request("GET", f"/repo/targets/{path}")[2] == other.files[f"targets/{path}"]
    version = other.signed["pump-team"]["version"]
    assert server.request("GET", "/repo/metadata/pump-team.json")[2] == \
        other.files["metadata/pump-team.json"]
    assert server.request("GET", f"/repo/metadata/{version}.pump-team.json")[2] == \
        other.files["metadata/pump-team.json"]
    # the inventory knows delegated images as signed releases
    assert c.call("GET", "/api/v1/repository")[2]["signed_images"] == 3
    # a TUF client walks the delegations through medfwd
    base = f"{url}/repo"
    mdir, tdir = tmp_path / "mdir", tmp_path / "tdir"
    mdir.mkdir()
    tdir.mkdir()
    (tmp_path / "trusted.json").write_bytes(other.files["metadata/1.root.json"])
    medfw("tuf-client", "--metadata-dir", mdir, "init", tmp_path / "trusted.json", check=0)
    for path in ("pump/fw-1.img", "fw/x/dev-2.img"):
        medfw("tuf-client", "--metadata-dir", mdir, "--metadata-url", f"{base}/metadata",
              "--target-name", path, "--target-dir", tdir, "--target-base-url",
              f"{base}/targets/", "download", check=0)
    got = sorted(p.read_bytes() for p in tdir.rglob("*") if p.is_file())
    assert got == sorted([other.files["targets/pump/fw-1.img"],
                          other.files["targets/fw/x/dev-2.img"]])


def test_delegated_targets_refused(server, tmp_path):
    other = delegated_repo()
    c = token_client(server)
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root",
                          other.files["metadata/1.root.json"], "application/json")
    assert status == 201, body
    upload_other(c, other)
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200 and body["delegated_roles"] == 2, body
    before = served_tree(server)
    good_pump = other.files["metadata/pump-team.json"]

    # a target outside the paths the role is trusted for (the glob is per segment:
    # fw/*/dev-*.img does not cover fw/x/y/dev-3.img)
    other.add_target("dev-team", "fw/x/y/dev-3.img", b"deep dev")
    other.bump("dev-team")
    other.update_snapshot()
    upload_other(c, other, roles=("dev-team",), targets=["fw/x/y/dev-3.img"])
    msg = refused(c, server, before, "MEDFW_ERR_FIELD_VALUE")
    assert "fw/x/y/dev-3.img" in msg and "dev-team" in msg, msg
    del other.signed["dev-team"]["targets"]["fw/x/y/dev-3.img"]
    other.add_target("dev-team", "ventilator/fw.img", b"not yours")
    other.bump("dev-team")
    other.update_snapshot()
    upload_other(c, other, roles=("dev-team",), targets=["ventilator/fw.img"])
    msg = refused(c, server, before, "MEDFW_ERR_FIELD_VALUE")
    assert "ventilator/fw.img" in msg, msg
    del other.signed["dev-team"]["targets"]["ventilator/fw.img"]

    # a delegated role signed below its threshold (1 of the 2 required keys)
    other.add_target("pump-team", "pump/fw-2.img", b"pump two")
    other.signers["pump-team"], keep = other.signers["pump-team"][:1], other.signers["pump-team"]
    other.bump("pump-team")
    other.bump("dev-team")
    other.update_snapshot()
    upload_other(c, other, targets=[])
    msg = refused(c, server, before, "MEDFW_ERR_THRESHOLD")
    assert "pump-team" in msg, msg

    # properly signed: accepted, the new image served
    other.signers["pump-team"] = keep
    other.bump("pump-team")
    other.update_snapshot()
    upload_other(c, other, targets=["pump/fw-2.img"])
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200, body
    assert server.request("GET", "/repo/targets/pump/fw-2.img")[2] == b"pump two"
    before = served_tree(server)

    # a rolled-back delegated role: the older, validly signed pump-team again
    other.signed["snapshot"]["meta"]["pump-team.json"] = {"version": 2}
    other.bump("snapshot")
    other.update_timestamp()
    other.files["metadata/pump-team.json"] = good_pump
    upload_other(c, other, targets=[])
    msg = refused(c, server, before, "MEDFW_ERR_ROLLBACK")
    assert "pump-team" in msg, msg

    # a delegation whose role the snapshot does not list
    other.add_delegation("targets", "late-team", ["late/*"])
    other.bump("targets")
    other.update_snapshot()
    other.signed["snapshot"]["meta"].pop("late-team.json")
    other.signed["snapshot"]["meta"]["pump-team.json"] = {
        "version": other.signed["pump-team"]["version"]}
    other.bump("snapshot")
    other.update_timestamp()
    other.files["metadata/pump-team.json"] = other.envelope_bytes("pump-team")
    upload_other(c, other, targets=[])
    msg = refused(c, server, before, "MEDFW_ERR_NOT_FOUND")
    assert "late-team" in msg, msg
