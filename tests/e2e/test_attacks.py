"""The attack suite: one test per attack a TUF client (Uptane image repository) must
survive, against the real binaries. Each attack is mounted by a repository or network
attacker; each test asserts the failure AND that nothing the client trusts changed.

Client attacks run `medfw tuf-client` against tests/e2e/tufrepo.py (metadata signed by
securesystemslib); bundle attacks run `medfw verify` on bundles made by `medfw`."""
import datetime
import os
import time

import pytest

from repo_fixture import Repo, notice
from test_tuf_client import Client
from tufrepo import Key, Repository, Server


@pytest.fixture
def repo():
    r = Repository()
    r.add_target("targets", "pump/fw.img", b"genuine firmware")
    r.bump("targets")
    r.update_snapshot()
    return r


@pytest.fixture
def client(medfw, tmp_path, repo):
    with Server(repo) as server:
        c = Client(medfw, tmp_path, server)
        c.init()
        c.refresh()
        yield c


def trusted_state(client):
    return {name: client.content(name) for name in client.files()}


def test_arbitrary_software_substituted_image(client, repo):
    """The mirror serves other bytes (same length) for a signed target."""
    before = trusted_state(client)
    for path in list(repo.files):
        if path.startswith("targets/"):
            repo.files[path] = b"malicious firmwar"[:len(b"genuine firmware")]
    proc = client.download("pump/fw.img", check=1)
    assert b"hash" in proc.stderr
    assert os.listdir(client.target_dir) == []
    assert trusted_state(client) == before


def test_arbitrary_software_unsigned_targets(client, repo):
    """The attacker signs new targets metadata with a key the root does not list."""
    before = trusted_state(client)
    repo.signers["targets"] = [Key()]
    repo.add_target("targets", "pump/evil.img", b"evil")
    repo.bump("targets")
    repo.update_snapshot()
    proc = client.download("pump/evil.img", check=1)
    assert b"targets.json: 0 of 1 required signatures" in proc.stderr
    assert os.listdir(client.target_dir) == []
    assert client.content("targets.json") == before["targets.json"]


def test_rollback(client, repo):
    """The mirror replays an older, validly signed timestamp."""
    old = repo.files["metadata/timestamp.json"]
    repo.update_snapshot()
    client.refresh()
    before = trusted_state(client)
    repo.files["metadata/timestamp.json"] = old
    proc = client.refresh(check=1)
    assert b"timestamp" in proc.stderr
    assert trusted_state(client) == before


def test_indefinite_freeze(client, repo):
    """The mirror keeps serving the same, validly signed metadata after it expired."""
    before = trusted_state(client)
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=60)
    proc = client.refresh(check=1, faketime=later.strftime("%Y-%m-%d %H:%M:%S"))
    assert b"expired" in proc.stderr
    assert trusted_state(client) == before


def test_endless_data(client, repo):
    """The mirror answers with a body that never ends: the client stops at its cap."""
    repo.endless.add("metadata/timestamp.json")
    started = time.monotonic()
    proc = client.refresh(check=1)
    assert time.monotonic() - started < 30
    assert b"timestamp" in proc.stderr


def test_mix_and_match(client, repo):
    """The mirror combines a new timestamp with a snapshot of another version."""
    before = trusted_state(client)
    old_snapshot = repo.files["metadata/snapshot.json"]
    repo.update_snapshot()
    repo.files["metadata/snapshot.json"] = old_snapshot
    proc = client.refresh(check=1)
    assert b"snapshot" in proc.stderr
    assert client.content("snapshot.json") == before["snapshot.json"]


def test_fast_forward_recovery(client, repo):
    """A stolen timestamp key pushes the version far ahead; after the repository rotates
    the timestamp key, the client accepts the legitimate, lower version again."""
    repo.signed["timestamp"]["version"] = 1000
    repo.publish("timestamp")
    client.refresh()
    assert client.version("timestamp") == 1000
    # the repository rotates the timestamp key (root v3) and restarts at version 1
    root = repo.signed["root"]
    new = Key()
    root["roles"]["timestamp"]["keyids"] = [new.keyid]
    root["keys"][new.keyid] = new.public
    repo.bump("root")
    repo.signers["timestamp"] = [new]
    repo.signed["timestamp"]["version"] = 1
    repo.publish("timestamp")
    client.refresh()
    assert client.version("timestamp") == 1


def test_keys_below_threshold(client, repo):
    """Targets needs 2 signatures after a root update; the repository provides 1."""
    second = Key()
    root = repo.signed["root"]
    root["keys"][second.keyid] = second.public
    root["roles"]["targets"]["keyids"].append(second.keyid)
    root["roles"]["targets"]["threshold"] = 2
    repo.bump("root")
    before_targets = client.content("targets.json")
    repo.add_target("targets", "pump/fw2.img", b"v2")
    repo.bump("targets")
    repo.update_snapshot()
    proc = client.refresh(check=1)
    assert b"targets.json: 1 of 2 required signatures" in proc.stderr
    assert client.content("targets.json") == before_targets


def test_one_signature_counted_twice(client, repo):
    """With threshold 2, the same key's signature listed twice must not count twice."""
    root = repo.signed["root"]
    root["roles"]["targets"]["threshold"] = 2
    second = Key()
    root["keys"][second.keyid] = second.public
    root["roles"]["targets"]["keyids"].append(second.keyid)
    repo.bump("root")
    signer = repo.signers["targets"][0]
    repo.signers["targets"] = [signer, signer]
    repo.bump("targets")
    repo.update_snapshot()
    before = client.content("targets.json")
    proc = client.refresh(check=1)
    assert b"targets" in proc.stderr
    assert client.content("targets.json") == before


def test_malformed_key_material(client, repo):
    """A root update lists a targets key whose public value is garbage: no crash, and
    a signature claimed under that key id never counts."""
    root = repo.signed["root"]
    bogus = {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "zz" * 32}}
    root["keys"]["bogus"] = bogus
    root["roles"]["targets"]["keyids"] = ["bogus"]
    repo.bump("root")
    key = repo.signers["targets"][0]

    class Claims:  # signs with a real key but claims the bogus key id
        keyid = "bogus"

        def sign(self, data):
            return dict(key.sign(data), keyid="bogus")
    repo.signers["targets"] = [Claims()]
    repo.bump("targets")
    repo.update_snapshot()
    proc = client.refresh(check=1)
    assert b"targets.json: 0 of 1 required signatures" in proc.stderr


# ---- offline bundles: what `medfw verify` must refuse ----

@pytest.fixture
def bundle(medfw, tmp_path):
    r = Repo(medfw, tmp_path)
    img = tmp_path / "fw.img"
    img.write_bytes(os.urandom(100_000))
    r.add_release(img, name="pump/fw.img", notice_doc=notice(security_version=7))
    r.sign("root", "root1", "root2")
    r.sign("targets", "targets1", "targets2")
    r.publish()
    out = tmp_path / "fw.mfb"
    medfw("bundle", "create", "--repo", r.dir, "--target", "pump/fw.img", "--out", out, check=0)
    return out, r.dir / "metadata" / "1.root.json"


def test_wrong_hardware(medfw, bundle, tmp_path):
    path, root = bundle
    hw = notice()["hardware_ids"][0]
    medfw("verify", path, "--trusted-root", root, "--hardware-id", hw, check=0)
    proc = medfw("verify", path, "--trusted-root", root, "--hardware-id", "ventilator-x",
                 "--extract", tmp_path / "out.img", check=1)
    assert b"not for hardware" in proc.stderr
    assert not (tmp_path / "out.img").exists()


def test_security_version_rollback(medfw, bundle, tmp_path):
    path, root = bundle
    medfw("verify", path, "--trusted-root", root, "--min-security-version", "7", check=0)
    proc = medfw("verify", path, "--trusted-root", root, "--min-security-version", "8",
                 "--extract", tmp_path / "out.img", check=1)
    assert b"security version" in proc.stderr
    assert not (tmp_path / "out.img").exists()


def test_bundle_with_foreign_root(medfw, bundle, tmp_path):
    """A bundle signed by someone else's keys, checked against our root."""
    path, _ = bundle
    (tmp_path / "other").mkdir()
    other = Repo(medfw, tmp_path / "other")
    proc = medfw("verify", path, "--trusted-root", other.dir / "staged" / "root.json", check=1)
    assert b"signatures" in proc.stderr
