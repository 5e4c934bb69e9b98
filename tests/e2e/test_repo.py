"""medfw key generate, repo init / sign / publish / status / rotate-root, release add."""
import hashlib
import json
import os
import stat

import pytest
from securesystemslib import formats, keys as sslib_keys

from repo_fixture import Repo, notice


@pytest.fixture
def repo(medfw, tmp_path):
    return Repo(medfw, tmp_path)


def image(tmp_path, name="fw.img", size=65536):
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def published(repo, name):
    return json.loads((repo.dir / "metadata" / name).read_text())


def sslib_verify(meta, key_objects):
    """Count signatures over meta's canonical signed bytes that securesystemslib accepts."""
    data = formats.encode_canonical(meta["signed"]).encode()
    valid = 0
    for sig in meta["signatures"]:
        key = key_objects.get(sig["keyid"])
        if key is None:
            continue
        key = dict(key, keyid=sig["keyid"])
        if sslib_keys.verify_signature(key, sig, data):
            valid += 1
    return valid


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa", "rsa"])
def test_key_generate(medfw, tmp_path, key_type):
    out = tmp_path / "k.pem"
    keyid = medfw("key", "generate", "--type", key_type, "--out", out, "--no-passphrase",
                  check=0).stdout.decode().strip()
    assert len(keyid) == 64
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    pub = json.loads((tmp_path / "k.pem.pub.json").read_text())
    assert "private" not in json.dumps(pub)
    assert pub["keyval"]["public"]
    # refuses to overwrite
    proc = medfw("key", "generate", "--type", key_type, "--out", out, "--no-passphrase", check=1)
    assert b"exists" in proc.stderr


def test_key_generate_encrypted(medfw, tmp_path):
    pw = tmp_path / "pw"
    pw.write_text("correct horse\n")
    medfw("key", "generate", "--type", "ed25519", "--out", tmp_path / "k.pem",
          "--passphrase-file", pw, check=0)
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "k.pem").read_bytes()
    empty = tmp_path / "empty"
    empty.write_text("\n")
    proc = medfw("key", "generate", "--type", "ed25519", "--out", tmp_path / "k2.pem",
                 "--passphrase-file", empty, check=1)
    assert b"empty passphrase" in proc.stderr
    assert not (tmp_path / "k2.pem").exists()


@pytest.mark.parametrize("args", [
    [], ["--type", "ed25519"], ["--type", "dsa", "--out", "x.pem"],
    ["--type", "ed25519", "--out", "x.pem", "--no-passphrase", "--passphrase-file", "f"],
    ["--type", "ed25519", "--out", "x.pem", "extra"]])
def test_key_generate_usage(medfw, tmp_path, args):
    proc = medfw("key", "generate", *args, check=2, cwd=tmp_path)
    assert b"Try 'medfw key generate --help'" in proc.stderr
    assert not (tmp_path / "x.pem").exists()


def test_release_flow_and_threshold(repo, medfw, tmp_path):
    repo.add_release(image(tmp_path), name="pump/fw-4.2.1.img")
    # root needs 2 of 3 root keys
    repo.sign("root", "root1")
    proc = repo.publish(check=1)
    assert b"staged root (its own keys): 1 of 2 required signatures are valid" in proc.stderr
    assert not (repo.dir / "metadata" / "root.json").exists()
    repo.sign("root", "root2")
    # targets 1 of 2: refused, nothing written
    out = repo.sign("targets", "targets1").stdout.decode()
    assert "You are signing" in out and "pump/fw-4.2.1.img" in out
    before = repo.snapshot_tree()
    proc = repo.publish(check=1)
    assert b"staged targets: 1 of 2 required signatures are valid" in proc.stderr
    assert repo.snapshot_tree() == before
    st = repo.status()
    assert st["staged"]["targets"]["signatures"]["valid_signatures"] == 1
    assert st["staged"]["targets"]["signatures"]["threshold"] == 2
    repo.sign("targets", "targets2")
    repo.publish()
    meta = repo.dir / "metadata"
    for name in ("1.root.json", "root.json", "1.targets.json", "targets.json",
                 "1.snapshot.json", "snapshot.json", "timestamp.json"):
        assert (meta / name).is_file(), name
    targets = published(repo, "targets.json")
    entry = targets["signed"]["targets"]["pump/fw-4.2.1.img"]
    assert entry["custom"]["medfw"]["release_notice"]["product_version"]
    sha = entry["hashes"]["sha256"]
    assert (repo.dir / "targets" / "pump" / f"{sha}.fw-4.2.1.img").is_file()
    assert (repo.dir / "targets" / "pump" / "fw-4.2.1.img").is_file()
    assert not (repo.dir / "staged" / "targets.json").exists()
    # securesystemslib accepts our signatures on the published metadata
    root = published(repo, "root.json")
    keys = root["signed"]["keys"]
    assert sslib_verify(root, keys) == 2
    assert sslib_verify(targets, keys) == 2
    assert sslib_verify(published(repo, "snapshot.json"), keys) == 1
    assert sslib_verify(published(repo, "timestamp.json"), keys) == 1
    ts = published(repo, "timestamp.json")["signed"]["meta"]["snapshot.json"]
    assert ts["length"] == len((meta / "snapshot.json").read_bytes())


def test_republish_refreshes_online_roles(repo, tmp_path):
    repo.add_release(image(tmp_path))
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets3")
    repo.publish()
    repo.publish()
    st = repo.status()
    assert st["published"]["snapshot"]["version"] == 2
    assert st["published"]["timestamp"]["version"] == 2
    assert st["published"]["targets"]["version"] == 1


def test_bad_notice_rejected_and_nothing_staged(repo, tmp_path):
    before = repo.snapshot_tree()
    bad = notice(reason={"summary": "x", "cve_ids": ["CVE-20-1"], "severity": "high"})
    proc = repo.add_release(image(tmp_path), notice_doc=bad, check=1)
    assert b"reason.cve_ids[0]" in proc.stderr
    assert proc.stderr.count(b"\n") == 1
    assert repo.snapshot_tree() == before


@pytest.mark.parametrize("name", ["../evil.img", "/abs.img", "a//b.img", "a/./b", "sp ace.img"])
def test_bad_target_names(repo, tmp_path, name):
    before = repo.snapshot_tree()
    proc = repo.add_release(image(tmp_path), name=name, check=1)
    assert b"target name" in proc.stderr
    assert repo.snapshot_tree() == before


def test_duplicate_target_refused(repo, tmp_path):
    repo.add_release(image(tmp_path), name="fw.img")
    proc = repo.add_release(image(tmp_path, "other.img"), name="fw.img", check=1)
    assert b"already exists" in proc.stderr


def test_wrong_key_refused(repo, tmp_path):
    repo.add_release(image(tmp_path))
    before = repo.snapshot_tree()
    proc = repo.sign("targets", "snapshot", check=1)
    assert b"would not count" in proc.stderr
    assert repo.snapshot_tree() == before


def test_tampered_staged_image_refused(repo, tmp_path):
    repo.add_release(image(tmp_path), name="fw.img")
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets2")
    staged = repo.dir / "staged" / "images" / "fw.img"
    data = bytearray(staged.read_bytes())
    data[100] ^= 1
    staged.write_bytes(bytes(data))
    proc = repo.publish(check=1)
    assert b"sha256 hash does not match" in proc.stderr
    assert not (repo.dir / "metadata" / "timestamp.json").exists()


def test_rotate_root(repo, medfw, tmp_path):
    repo.add_release(image(tmp_path))
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets2")
    repo.publish()
    repo.generate("root4")
    medfw("repo", "rotate-root", "--repo", repo.dir, "--add-key", f"root={repo.pub('root4')}",
          "--remove-key", f"root={repo.keyids['root1']}", check=0)
    # the old root1 alone plus new root4 alone: 1 old + 1 new is not enough
    repo.sign("root", "root1", "root4")
    proc = repo.publish(check=1)
    assert b"staged root" in proc.stderr
    repo.sign("root", "root2")
    repo.publish()
    assert (repo.dir / "metadata" / "2.root.json").is_file()
    root2 = published(repo, "2.root.json")
    assert _keyid(repo, "root1") not in root2["signed"]["roles"]["root"]["keyids"]
    assert _keyid(repo, "root4") in root2["signed"]["roles"]["root"]["keyids"]
    # signed by the threshold of root 1 and of root 2
    assert sslib_verify(root2, published(repo, "1.root.json")["signed"]["keys"]) >= 2
    assert sslib_verify(root2, root2["signed"]["keys"]) >= 2


def _keyid(repo, name):
    """Key id as TUF defines it, computed independently with securesystemslib."""
    obj = json.loads(repo.pub(name).read_text())
    keyid = hashlib.sha256(formats.encode_canonical(obj).encode()).hexdigest()
    assert keyid == repo.keyids[name]
    return keyid


def test_rotate_root_usage(repo, medfw):
    medfw("repo", "rotate-root", "--repo", repo.dir, check=1)
    medfw("repo", "rotate-root", "--repo", repo.dir, "--threshold", "root=9", check=1)
    medfw("repo", "rotate-root", "--repo", repo.dir, "--threshold", "nosuchrole=1", check=2)


def test_encrypted_keys_end_to_end(medfw, tmp_path):
    repo = Repo(medfw, tmp_path, root_threshold=1, targets_threshold=1, passphrase="s3cret")
    repo.add_release(image(tmp_path))
    repo.sign("root", "root1")
    repo.sign("targets", "targets1")
    repo.publish()
    repo.add_release(image(tmp_path, "fw2.img"))
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    proc = medfw("repo", "sign", "--repo", repo.dir, "--role", "targets", "--key",
                 repo.priv("targets2"), "--passphrase-file", wrong, check=1)
    assert b"passphrase" in proc.stderr


def test_init_refuses_nonempty_and_bad_threshold(medfw, tmp_path):
    repo = Repo(medfw, tmp_path)
    proc = medfw("repo", "init", "--repo", repo.dir, "--root-key", repo.pub("root1"),
                 "--targets-key", repo.pub("targets1"), "--snapshot-key", repo.pub("snapshot"),
                 "--timestamp-key", repo.pub("timestamp"), check=1)
    assert b"not empty" in proc.stderr
    proc = medfw("repo", "init", "--repo", tmp_path / "r2", "--root-key", repo.pub("root1"),
                 "--root-threshold", "2", "--targets-key", repo.pub("targets1"),
                 "--snapshot-key", repo.pub("snapshot"), "--timestamp-key",
                 repo.pub("timestamp"), check=1)
    assert b"threshold 2" in proc.stderr
    assert not (tmp_path / "r2").exists()


@pytest.mark.parametrize("key_type", ["ecdsa", "rsa"])
def test_published_metadata_verifies_in_securesystemslib(medfw, tmp_path, key_type):
    """Every key type medfw signs with is accepted by the reference implementation."""
    repo = Repo(medfw, tmp_path, key_type=key_type)
    repo.add_release(image(tmp_path))
    repo.sign("root", "root1", "root3")
    repo.sign("targets", "targets2", "targets3")
    repo.publish()
    root = published(repo, "root.json")
    keys = root["signed"]["keys"]
    assert {k["keytype"] for k in keys.values()} == {key_type}
    assert sslib_verify(root, keys) == 2
    assert sslib_verify(published(repo, "targets.json"), keys) == 2
    assert sslib_verify(published(repo, "timestamp.json"), keys) == 1


def audit_records(repo):
    return [json.loads(line) for line in (repo.dir / "audit.log").read_text().splitlines()]


def test_audit_trail_records_every_change(repo, tmp_path):
    repo.add_release(image(tmp_path), name="fw.img")
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1")
    repo.publish(check=1)
    repo.sign("targets", "targets2")
    repo.publish()
    records = audit_records(repo)
    assert [r["event"] for r in records] == [
        "repo.init", "repo.release.add", "repo.sign", "repo.sign", "repo.sign",
        "repo.publish.refused", "repo.sign", "repo.publish"]
    assert records[1]["target"] == "fw.img" and len(records[1]["hashes"]["sha256"]) == 64
    assert records[4]["keyid"] == repo.keyids["targets1"] and records[4]["role"] == "targets"
    assert "1 of 2 required signatures" in records[5]["reason"]
    assert records[7]["timestamp"] == 1
    # the chain: each "prev" is the SHA-256 of the line before
    lines = (repo.dir / "audit.log").read_bytes().splitlines()
    assert records[0]["prev"] == "0" * 64
    for before, rec in zip(lines, records[1:]):
        assert rec["prev"] == hashlib.sha256(before).hexdigest()
    st = repo.status()
    assert st["audit"] == {"records": 8, "chain_ok": True, "detail": "hash chain intact"}
    # no secret material ever lands in the trail
    log = (repo.dir / "audit.log").read_text()
    for name in ("root1", "targets1", "snapshot"):
        assert repo.priv(name).read_text().splitlines()[1] not in log


def test_broken_audit_chain_blocks_changes(repo, tmp_path):
    repo.add_release(image(tmp_path), name="fw.img")
    log = repo.dir / "audit.log"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text(lines[0].replace("repo.init", "repo.iNit") + "".join(lines[1:]))
    st = repo.status()
    assert st["audit"]["chain_ok"] is False
    assert "line 2" in st["audit"]["detail"]
    before = repo.snapshot_tree()
    proc = repo.add_release(image(tmp_path, "b.img"), name="b.img", check=1)
    assert b"audit.log: the chain is broken at line 2" in proc.stderr
    proc = repo.sign("root", "root1", check=1)
    assert b"chain is broken" in proc.stderr
    assert repo.snapshot_tree() == before
    log.unlink()
    proc = repo.publish(check=1)
    assert b"audit trail (audit.log) is missing" in proc.stderr
