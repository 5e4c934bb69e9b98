"""medfw bundle create / verify / inspect, driven through the real binary.

The repository is made by one fixture (`repo`) with the test tool mkrepo; it can be
switched to `medfw key generate` + `medfw repo ...` once those commands land."""
import json
import struct
from pathlib import Path

import pytest

from conftest import ROOT, run, tool_path

NOTICE = ROOT / "docs" / "formats" / "release-notice.example.json"
TARGET = "fw/pump-4.2.1.bin"
HWID = "acme-infusion-pump-rev-c"


def make_repo(tool, tmp: Path, name: str, *opts) -> Path:
    image = tmp / "image.bin"
    if not image.exists():
        image.write_bytes(bytes((i * 7 + i // 100) & 0xFF for i in range(300000)))
    repo = tmp / name
    run([tool("mkrepo"), repo, image, TARGET, NOTICE, *opts], check=0)
    return repo


@pytest.fixture
def repo(tool, tmp_path):
    return make_repo(tool, tmp_path, "repo")


@pytest.fixture
def bundle(medfw, repo, tmp_path):
    out = tmp_path / "good.medfw"
    medfw("bundle", "create", "--repo", repo, "--target", TARGET, "--out", out, check=0)
    return out


def split(path: Path):
    data = path.read_bytes()
    hlen = struct.unpack(">I", data[8:12])[0]
    header = json.loads(data[12:12 + hlen])
    off = 12 + hlen
    files = []
    for e in header["metadata"]:
        files.append(data[off:off + e["length"]])
        off += e["length"]
    return header, files, data[off:]


def join(path: Path, header, files, image, raw_header=None):
    for e, f in zip(header["metadata"], files):
        e["length"] = len(f)
    hb = raw_header if raw_header is not None else json.dumps(header).encode()
    path.write_bytes(b"MEDFWBN\x01" + struct.pack(">I", len(hb)) + hb + b"".join(files) + image)
    return path


def verify_fails(medfw, bundle, root, tmp_path, needle, *extra, env=None):
    dest = tmp_path / "extracted.bin"
    p = medfw("verify", bundle, "--trusted-root", root, "--extract", dest, *extra, check=1,
              env=env)
    err = p.stderr.decode()
    assert err.count("\n") == 1, err
    assert err.startswith("medfw: verify: "), err
    assert needle in err, err
    assert p.stdout == b""
    assert not dest.exists()
    assert not list(tmp_path.glob("extracted.bin*"))
    return err


def test_verify_ok_text_json_extract(medfw, repo, bundle, tmp_path):
    root = repo / "metadata" / "1.root.json"
    dest = tmp_path / "out.bin"
    p = medfw("verify", bundle, "--trusted-root", root, "--hardware-id", HWID,
              "--min-security-version", "7", "--extract", dest, check=0)
    out = p.stdout.decode()
    assert "FIRMWARE RELEASE NOTICE" in out and "CLINICAL IMPACT" in out
    assert TARGET in out and "required signatures valid" in out
    assert dest.read_bytes() == (tmp_path / "image.bin").read_bytes()
    doc = json.loads(medfw("verify", bundle, "--trusted-root", root, "--json", check=0).stdout)
    assert doc["verified"] is True and doc["target"] == TARGET
    assert doc["length"] == 300000 and len(doc["sha256"]) == 64
    assert doc["release_notice"]["security_version"] == 7
    assert [m["role"] for m in doc["metadata"]] == ["root", "timestamp", "snapshot", "targets"]


def test_compressed_and_rotated_root(medfw, tool, tmp_path):
    repo = make_repo(tool, tmp_path, "rot", "--rotate-root")
    out = tmp_path / "z.medfw"
    medfw("bundle", "create", "--repo", repo, "--target", TARGET, "--out", out, "--compress",
          check=0)
    assert out.stat().st_size < 300000
    for root in ("1.root.json", "2.root.json"):
        doc = json.loads(medfw("verify", out, "--trusted-root", repo / "metadata" / root,
                               "--json", check=0).stdout)
        assert doc["encoding"] == "zstd" and doc["metadata"][0]["version"] == 2


def test_inspect_is_labelled_unverified(medfw, repo, bundle):
    p = medfw("inspect", bundle, check=0)
    assert p.stdout.decode().startswith("UNVERIFIED")
    doc = json.loads(medfw("inspect", bundle, "--json", check=0).stdout)
    assert doc["verified"] is False and doc["kind"] == "bundle"
    doc = json.loads(medfw("inspect", repo / "metadata" / "timestamp.json", "--json",
                           check=0).stdout)
    assert doc["role"] == "timestamp" and doc["verified"] is False


def test_usage(medfw, bundle):
    assert medfw("verify", bundle, check=2).returncode == 2
    assert medfw("verify", "--trusted-root", "x", check=2).returncode == 2
    assert medfw("verify", "--help", check=0).stdout.startswith(b"Usage: medfw verify")
    medfw("bundle", "create", "--repo", "x", check=2)


def test_truncated(medfw, repo, bundle, tmp_path):
    data = bundle.read_bytes()
    for n in (0, 5, 11, 40, len(data) // 2, len(data) - 1):
        bad = tmp_path / "t.medfw"
        bad.write_bytes(data[:n])
        verify_fails(medfw, bad, repo / "metadata/1.root.json", tmp_path, "truncated")


def test_corrupted_and_trailing(medfw, repo, bundle, tmp_path):
    root = repo / "metadata/1.root.json"
    data = bytearray(bundle.read_bytes())
    data[0] ^= 1
    bad = tmp_path / "c.medfw"
    bad.write_bytes(bytes(data))
    verify_fails(medfw, bad, root, tmp_path, "bad magic")
    bad.write_bytes(bundle.read_bytes() + b"\0")
    verify_fails(medfw, bad, root, tmp_path, "trailing data")


def test_wrong_root(medfw, tool, bundle, tmp_path):
    other = make_repo(tool, tmp_path, "other")
    verify_fails(medfw, bundle, other / "metadata/1.root.json", tmp_path,
                 "0 of 1 required signatures are valid")


def test_expired(repo, bundle, tmp_path):
    dest = tmp_path / "extracted.bin"
    p = run(["faketime", "2060-01-01 00:00:00", tool_path("medfw"), "verify", bundle,
             "--trusted-root", repo / "metadata/1.root.json", "--extract", dest], check=1)
    err = p.stderr.decode()
    assert err.count("\n") == 1 and "expired" in err, err
    assert not dest.exists()


def test_threshold_not_met(medfw, tool, tmp_path):
    repo = make_repo(tool, tmp_path, "t23", "--targets-keys", "3", "--targets-threshold", "2")
    good = tmp_path / "t23.medfw"
    medfw("bundle", "create", "--repo", repo, "--target", TARGET, "--out", good, check=0)
    header, files, image = split(good)
    targets = json.loads(files[3])
    assert len(targets["signatures"]) == 2
    targets["signatures"] = targets["signatures"][:1]
    files[3] = json.dumps(targets).encode()
    bad = join(tmp_path / "bad.medfw", header, files, image)
    verify_fails(medfw, bad, repo / "metadata/1.root.json", tmp_path,
                 "medfw: verify: targets: 1 of 2 required signatures are valid")


def test_tampered_image(medfw, repo, bundle, tmp_path):
    header, files, image = split(bundle)
    image = bytearray(image)
    image[1000] ^= 0xFF
    bad = join(tmp_path / "img.medfw", header, files, bytes(image))
    verify_fails(medfw, bad, repo / "metadata/1.root.json", tmp_path,
                 "sha256 hash does not match")


def test_policy(medfw, repo, bundle, tmp_path):
    root = repo / "metadata/1.root.json"
    verify_fails(medfw, bundle, root, tmp_path, "not for hardware", "--hardware-id", "ventilator-x")
    verify_fails(medfw, bundle, root, tmp_path, "security version 7 is below the minimum 8",
                 "--min-security-version", "8")


def test_hostile_header(medfw, repo, bundle, tmp_path):
    root = repo / "metadata/1.root.json"
    header, files, image = split(bundle)
    bad = tmp_path / "h.medfw"
    data = bundle.read_bytes()
    bad.write_bytes(data[:8] + struct.pack(">I", 0x7FFFFFFF) + data[12:])
    verify_fails(medfw, bad, root, tmp_path, "header of")
    nested = b"[" * 5000 + b"]" * 5000
    join(bad, header, files, image, raw_header=nested)
    verify_fails(medfw, bad, root, tmp_path, "bundle header")
    header["extra"] = 1
    join(bad, header, files, image)
    verify_fails(medfw, bad, root, tmp_path, "bundle header")


def test_malformed_notice(medfw, tool, tmp_path):
    repo = make_repo(tool, tmp_path, "badnotice", "--bad-notice")
    out = tmp_path / "n.medfw"
    p = medfw("bundle", "create", "--repo", repo, "--target", TARGET, "--out", out, check=1)
    assert b"release notice" in p.stderr and not out.exists()
    # Assemble the bundle by hand from the repository's files.
    md = repo / "metadata"
    ts = json.loads((md / "timestamp.json").read_bytes())
    sv = ts["signed"]["meta"]["snapshot.json"]["version"]
    snap = json.loads((md / f"{sv}.snapshot.json").read_bytes())
    tv = snap["signed"]["meta"]["targets.json"]["version"]
    files = [(md / "1.root.json").read_bytes(), (md / "timestamp.json").read_bytes(),
             (md / f"{sv}.snapshot.json").read_bytes(), (md / f"{tv}.targets.json").read_bytes()]
    image = (repo / "targets" / TARGET).read_bytes()
    header = {"format": 1, "target": TARGET,
              "image": {"encoding": "raw", "stored_length": len(image)},
              "metadata": [{"name": n, "length": 0}
                           for n in ("root", "timestamp", "snapshot", "targets")]}
    bad = join(tmp_path / "bn.medfw", header, files, image)
    verify_fails(medfw, bad, md / "1.root.json", tmp_path, "security_version")


def test_repo_made_with_the_cli(medfw, tmp_path):
    """The whole manufacturer-to-hospital path through the medfw command line only:
    key generate, repo init, release add, repo sign (2 of 3), repo publish, bundle
    create, verify. (The other tests use mkrepo for variants the CLI refuses to make.)"""
    from repo_fixture import Repo
    repo = Repo(medfw, tmp_path)
    image = tmp_path / "pump.bin"
    image.write_bytes(b"\x7fFW" * 4000)
    repo.add_release(image, name=TARGET)
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets3")
    repo.publish()
    out = tmp_path / "cli.medfw"
    medfw("bundle", "create", "--repo", repo.dir, "--target", TARGET, "--out", out, "--compress",
          check=0)
    dest = tmp_path / "fw.bin"
    doc = json.loads(medfw("verify", out, "--trusted-root", repo.dir / "metadata/1.root.json",
                           "--hardware-id", HWID, "--extract", dest, "--json", check=0).stdout)
    assert doc["metadata"][3] == {**doc["metadata"][3], "valid_signatures": 2, "threshold": 2}
    assert dest.read_bytes() == image.read_bytes()
