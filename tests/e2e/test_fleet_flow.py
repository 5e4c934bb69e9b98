"""The fleet server's parts together: a device enrolled through the API checks in with a
signed request; its reported image is recognised as a signed release of the repository
the manufacturer pushed; an assignment reaches the device as director metadata it
fetches with its own signature, naming the same image (name, length, hashes) as the
image repository."""
import json
import time

import pytest

from repo_fixture import notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import CHECKIN, Device, enrolment_token, get_device, new_device
from test_people import PASSWORD, Client
from test_repo_server import build_repo, pin, raw, token_client, upload_raw, utc

HW = notice()["hardware_ids"][0]


@pytest.fixture
def server(medfwd_server):
    srv = medfwd_server(extra_config="max_body_bytes = 4MiB\n")
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    return srv


class Fleet:
    """A server with the manufacturer's repository committed (one image, `name` with its
    signed `entry`) and one device of hardware HW enrolled in a new site."""

    def __init__(self, server, medfw, tmp_path, serial):
        self.repo, self.files = build_repo(medfw, tmp_path)
        t = token_client(server)
        pin(t, self.repo)
        upload_raw(t, self.repo.dir)
        assert raw(t, "POST", "/api/v1/repository/commit")[0] == 200
        targets = json.loads((self.repo.dir / "metadata" / "targets.json").read_text())
        self.name, self.entry = next(iter(targets["signed"]["targets"].items()))
        self.c = Client(server)
        self.c.login("root")
        site = self.c.call("POST", "/api/v1/sites", {"name": "H", "time_zone": "UTC"})[2]["id"]
        self.rec = new_device(self.c, site, serial, hardware_id=HW)
        self.dev = Device(server)
        assert self.dev.enrol(enrolment_token(self.c, self.rec["id"]))[0] == 200


def test_release_to_device(server, medfw, tmp_path):
    f = Fleet(server, medfw, tmp_path, "SN-9")
    name, entry, c, rec, dev = f.name, f.entry, f.c, f.rec, f.dev

    # a check-in reporting the signed image, then one reporting something else
    state = dict(CHECKIN, image_sha256=entry["hashes"]["sha256"])
    assert dev.checkin(state)[0] == 200
    assert get_device(c, rec["id"])["image_is_signed_release"] is True
    status, body = dev.checkin(dict(CHECKIN, image_sha256="cd" * 32))
    assert status == 200
    assert get_device(c, rec["id"])["image_is_signed_release"] is False
    version_before = body["director_version"]

    # assign the release: the device sees a new director version and fetches its targets
    now = int(time.time())
    status, _, resp = c.call("PUT", f"/api/v1/devices/{rec['id']}/assignment",
                             {"target": name, "window_start": utc(now - 60),
                              "window_end": utc(now + 86400)})
    assert status == 200, resp
    status, body = dev.checkin(state)
    assert body["director_version"] > version_before
    path = "/device/v1/director/targets.json"
    hdrs = dev.sign("GET", path, b"")
    status, _, data = server.request("GET", path, headers=hdrs)
    assert status == 200, data
    director = json.loads(data)
    dt = director["signed"]["targets"]
    assert list(dt) == [name]
    assert dt[name]["length"] == entry["length"] and dt[name]["hashes"] == entry["hashes"]
    assert dt[name]["custom"]["device_id"] == rec["id"]
    # the director's signature verifies under the director root people can fetch
    root = c.call("GET", "/api/v1/director/root.json")[2]
    keyids = root["signed"]["roles"]["targets"]["keyids"]
    assert {s["keyid"] for s in director["signatures"]} & set(keyids)
    # an unsigned or other device's request gets nothing
    assert server.request("GET", path)[0] == 401
    other = Device(server, rec["id"])
    assert server.request("GET", path, headers=other.sign("GET", path, b""))[0] == 401


def test_commit_reclassifies_devices(server, medfw, tmp_path):
    """A device that reported an image before the release was pushed is marked as
    running a signed release by the commit, without a new check-in."""
    repo, files = build_repo(medfw, tmp_path)
    targets = json.loads((repo.dir / "metadata" / "targets.json").read_text())["signed"]
    name, entry = next(iter(targets["targets"].items()))
    c = Client(server)
    c.login("root")
    site = c.call("POST", "/api/v1/sites", {"name": "H", "time_zone": "UTC"})[2]["id"]
    rec = new_device(c, site, "SN-10", hardware_id=HW)
    dev = Device(server)
    assert dev.enrol(enrolment_token(c, rec["id"]))[0] == 200
    assert dev.checkin(dict(CHECKIN, image_sha256=entry["hashes"]["sha256"]))[0] == 200
    assert get_device(c, rec["id"])["image_is_signed_release"] is None
    t = token_client(server)
    pin(t, repo)
    upload_raw(t, repo.dir)
    assert raw(t, "POST", "/api/v1/repository/commit")[0] == 200
    assert get_device(c, rec["id"])["image_is_signed_release"] is True
    commits = [r for r in c.call("GET", "/api/v1/audit?event=repository.commit")[2]["records"]]
    assert commits[-1]["detail"]["devices_reclassified"] == 1
