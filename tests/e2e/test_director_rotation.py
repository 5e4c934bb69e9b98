"""Director key rotation (docs/director.md, "Key rotation"): medfwd --rotate-director-key
on a stopped server's data directory makes root version N+1 signed by the old and the
new key; after a restart the director metadata is signed by the new key, devices that
pinned root N follow N.root.json -> N+1.root.json (checked here with an independent
Ed25519/canonical-JSON check), the audit chain holds director.key_rotated and still
verifies; rotating while the server runs is refused and changes nothing."""
import json
import os
import subprocess
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from server_fixture import medfwd_server, tool_path  # noqa: F401 (fixture)
from test_fleet_flow import Fleet, server  # noqa: F401 (fixture: bootstrapped medfwd)
from test_people import Client, export_and_key
from test_repo_server import utc
from tufrepo import canonical



def valid_keyids(doc, keys, keyids):
    """The key ids of `keyids` whose Ed25519 signature over the canonical signed part
    verifies."""
    msg = canonical(doc["signed"])
    good = set()
    for sig in doc["signatures"]:
        if sig["keyid"] not in keyids or sig["keyid"] not in keys:
            continue
        key = keys[sig["keyid"]]
        assert key["keytype"] == "ed25519"
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(key["keyval"]["public"])) \
                .verify(bytes.fromhex(sig["sig"]), msg)
            good.add(sig["keyid"])
        except InvalidSignature:
            pass
    return good


def role_ok(doc, root, role):
    rule = root["signed"]["roles"][role]
    return len(valid_keyids(doc, root["signed"]["keys"], rule["keyids"])) >= rule["threshold"]


def follow_chain(pinned, newer):
    """As a TUF client: each root N+1 signed by the threshold of root N and of itself."""
    trusted = pinned
    for root in newer:
        assert root["signed"]["version"] == trusted["signed"]["version"] + 1
        assert role_ok(root, trusted, "root"), "not signed by the previous root's keys"
        assert role_ok(root, root, "root"), "not signed by its own root keys"
        trusted = root
    return trusted


def rotate(srv):
    return subprocess.run([str(tool_path("medfwd")), "--rotate-director-key", "--config",
                           str(srv.config)], capture_output=True, timeout=60,
                          env=dict(os.environ, TZ="UTC", LC_ALL="C"))


def device_get(srv, dev, path):
    status, _, data = srv.request("GET", path, headers=dev.sign("GET", path, b""))
    assert status == 200, data
    return json.loads(data)


def test_rotate_director_key(server, medfw, tmp_path):
    f = Fleet(server, medfw, tmp_path, "SN-1")
    name, entry, c, rec, dev = f.name, f.entry, f.c, f.rec, f.dev
    now = int(time.time())
    status, _, resp = c.call("PUT", f"/api/v1/devices/{rec['id']}/assignment",
                             {"target": name, "window_start": utc(now - 60),
                              "window_end": utc(now + 86400)})
    assert status == 200, resp

    # what the device pinned at enrolment, and metadata signed by it
    pinned = device_get(server, dev, "/device/v1/director/root.json")
    assert pinned["signed"]["version"] == 1
    assert device_get(server, dev, "/device/v1/director/1.root.json") == pinned
    old_keyid = pinned["signed"]["roles"]["targets"]["keyids"][0]
    before = device_get(server, dev, "/device/v1/director/targets.json")
    assert role_ok(before, pinned, "targets")
    for bad in ("2.root.json", "0.root.json", "01x.root.json", "99999999999.root.json",
                "-1.root.json", "root.json.bak"):
        path = f"/device/v1/director/{bad}"
        assert server.request("GET", path, headers=dev.sign("GET", path, b""))[0] == 404, bad

    # refused while the server runs: nothing changes
    data = server.data_dir
    key_before = (data / "director-key.pem").read_bytes()
    proc = rotate(server)
    assert proc.returncode == 1 and b"in use by another medfwd" in proc.stderr, proc.stderr
    assert (data / "director-key.pem").read_bytes() == key_before
    assert not (data / "director-roots" / "2.root.json").exists()

    server.stop()
    proc = rotate(server)
    assert proc.returncode == 0, proc.stderr
    assert b"root v2" in proc.stdout, proc.stdout
    assert (data / "director-key.pem").stat().st_mode & 0o777 == 0o600
    assert (data / "director-key.pem").read_bytes() != key_before
    assert not list(data.glob("director-key*.pem.*")) and \
        not (data / "director-key.next.pem").exists()
    server.start()

    root2 = device_get(server, dev, "/device/v1/director/2.root.json")
    assert device_get(server, dev, "/device/v1/director/root.json") == root2
    assert device_get(server, dev, "/device/v1/director/1.root.json") == pinned
    assert c.call("GET", "/api/v1/director/2.root.json")[2] == root2
    assert c.call("GET", "/api/v1/director/1.root.json")[2] == pinned
    assert c.call("GET", "/api/v1/director/3.root.json")[0] == 404
    assert root2["signed"]["version"] == 2
    new_keyid = root2["signed"]["roles"]["targets"]["keyids"][0]
    assert new_keyid != old_keyid
    assert {s["keyid"] for s in root2["signatures"]} == {old_keyid, new_keyid}
    trusted = follow_chain(pinned, [root2])
    pub = json.loads((data / "director-key.pub.json").read_text())
    assert trusted["signed"]["keys"][new_keyid]["keyval"] == pub["keyval"]

    # the device's metadata is signed by the new key only, verifies under root v2
    # reached from the pinned root, and no longer under root v1
    c = Client(server)
    c.login("root")
    docs = {r: device_get(server, dev, f"/device/v1/director/{r}.json")
            for r in ("timestamp", "snapshot", "targets")}
    for role, doc in docs.items():
        assert {s["keyid"] for s in doc["signatures"]} == {new_keyid}, role
        assert role_ok(doc, trusted, role), role
        assert not role_ok(doc, pinned, role), role
    assert docs["targets"]["signed"]["targets"][name]["hashes"] == entry["hashes"]
    # a root signed only by the new key would not be followed (the check is not vacuous)
    forged = dict(root2, signatures=[s for s in root2["signatures"]
                                     if s["keyid"] == new_keyid])
    with pytest.raises(AssertionError):
        follow_chain(pinned, [forged])

    # the audit chain: the rotation record, and the export verifies offline
    export, key = export_and_key(c, tmp_path)
    records = [json.loads(line) for line in export.read_text().splitlines()]
    rotated = [r for r in records if r.get("event") == "director.key_rotated"]
    assert len(rotated) == 1, rotated
    detail = rotated[0]["detail"]
    assert detail["old_key_id"] == old_keyid and detail["new_key_id"] == new_keyid
    assert detail["root_version"] == 2
    out = json.loads(medfw("audit", "verify", export, "--server-key", key, "--json",
                           check=0).stdout)
    assert out["verified"], out

    # a second rotation: 3.root.json chains on
    server.stop()
    assert rotate(server).returncode == 0
    server.start()
    root3 = device_get(server, dev, "/device/v1/director/3.root.json")
    assert follow_chain(pinned, [root2, root3])["signed"]["version"] == 3
