"""`medfw tuf-client` end to end: the tuf-conformance CLI protocol against a local
repository simulator (tests/e2e/tufrepo.py), scenarios modeled on the conformance
suite."""
import json
import os

import pytest

from conftest import run, tool_path
from tufrepo import Repository, Server


class Client:
    """Drives `medfw tuf-client` like tuf-conformance's ClientRunner."""

    def __init__(self, medfw, tmp_path, server):
        self.medfw = medfw
        self.server = server
        self.metadata_dir = tmp_path / "metadata"
        self.target_dir = tmp_path / "targets"
        self.metadata_dir.mkdir()
        self.target_dir.mkdir()
        self.tmp = tmp_path

    def init(self, root_bytes=None, check=0):
        trusted = self.tmp / "initial_root.json"
        if root_bytes is None:
            root_bytes = self.server.repo.files["metadata/1.root.json"]
        trusted.write_bytes(root_bytes)
        return self.medfw("tuf-client", "--metadata-dir", self.metadata_dir, "init", trusted,
                          check=check)

    def refresh(self, check=0, faketime=None):
        args = ["--metadata-url", self.server.metadata_url, "--metadata-dir",
                self.metadata_dir, "refresh"]
        return self._run(args, check, faketime)

    def download(self, *names, check=0, faketime=None):
        args = ["--metadata-url", self.server.metadata_url, "--metadata-dir",
                self.metadata_dir]
        for n in names:
            args += ["--target-name", n]
        args += ["--target-dir", self.target_dir, "--target-base-url",
                 self.server.targets_url, "download"]
        return self._run(args, check, faketime)

    def _run(self, args, check, faketime):
        self.server.repo.requests.clear()
        if faketime is None:
            return self.medfw("tuf-client", *args, check=check)
        return run(["faketime", faketime, tool_path("medfw"), "tuf-client", *args],
                   check=check)

    def files(self):
        return sorted(os.listdir(self.metadata_dir))

    def version(self, role):
        with open(self.metadata_dir / f"{role}.json", "rb") as f:
            return json.load(f)["signed"]["version"]

    def content(self, name):
        return (self.metadata_dir / name).read_bytes()


@pytest.fixture
def repo():
    return Repository()


@pytest.fixture
def server(repo):
    with Server(repo) as srv:
        yield srv


@pytest.fixture
def client(medfw, tmp_path, server):
    return Client(medfw, tmp_path, server)


TOP = ["root.json", "snapshot.json", "targets.json", "timestamp.json"]


def test_basic_init_refresh_download(client, repo):
    repo.add_target("targets", "path/to/file.txt", b"firmware v1")
    repo.bump("targets")
    repo.update_snapshot()

    client.init()
    assert client.files() == ["root.json"]
    assert client.content("root.json") == repo.files["metadata/1.root.json"]

    client.refresh()
    assert repo.requests == ["metadata/2.root.json", "metadata/timestamp.json",
                             "metadata/snapshot.json", "metadata/targets.json"]
    assert client.files() == TOP
    for role in ("timestamp", "snapshot", "targets"):
        assert client.content(f"{role}.json") == repo.files[f"metadata/{role}.json"]

    client.download("path/to/file.txt")
    assert repo.target_requests() == ["targets/path/to/file.txt"]
    assert os.listdir(client.target_dir) == ["path%2Fto%2Ffile.txt"]
    assert (client.target_dir / "path%2Fto%2Ffile.txt").read_bytes() == b"firmware v1"

    # cached: only root and timestamp are asked for, and no target
    client.download("path/to/file.txt")
    assert repo.requests == ["metadata/2.root.json", "metadata/timestamp.json"]

    # unknown target: failure, but metadata was refreshed
    proc = client.download("nonexistent artifact", check=1)
    assert b"medfw: tuf-client: " in proc.stderr
    assert client.files() == TOP


def test_implicit_refresh_on_download(client, repo):
    client.init()
    client.download("missing", check=1)
    assert repo.metadata_requests() == ["metadata/2.root.json", "metadata/timestamp.json",
                                        "metadata/snapshot.json", "metadata/targets.json"]
    assert client.files() == TOP


def test_init_refuses_garbage_and_usage_errors(client, repo, medfw):
    proc = client.init(b"{not json", check=1)
    assert proc.stderr.startswith(b"medfw: tuf-client: ")
    assert client.files() == []
    root = json.loads(repo.files["metadata/1.root.json"])
    del root["signed"]["version"]
    client.init(json.dumps(root).encode(), check=1)
    # an unsigned root is refused too
    root = json.loads(repo.files["metadata/1.root.json"])
    root["signatures"][0]["sig"] = "00" * 64
    client.init(json.dumps(root).encode(), check=1)
    assert client.files() == []
    # usage errors exit 1 as the protocol asks
    medfw("tuf-client", check=1)
    medfw("tuf-client", "--metadata-dir", client.metadata_dir, "refresh", check=1)
    medfw("tuf-client", "--metadata-dir", client.metadata_dir, "--bogus", "refresh", check=1)
    medfw("tuf-client", "--metadata-dir", client.metadata_dir, "frobnicate", check=1)
    assert repo.requests == []


def test_invalid_local_root_makes_no_request(client, repo):
    client.init()
    root = json.loads(client.content("root.json"))
    root["signatures"][0]["sig"] = "11" * 64
    (client.metadata_dir / "root.json").write_text(json.dumps(root))
    client.refresh(check=1)
    assert repo.requests == []


def test_root_rotation(client, repo):
    client.init()
    client.refresh()
    repo.rotate_root_key()  # v2
    repo.rotate_root_key()  # v3
    client.refresh()
    assert repo.metadata_requests()[:4] == ["metadata/2.root.json", "metadata/3.root.json",
                                            "metadata/4.root.json", "metadata/timestamp.json"]
    assert client.content("root.json") == repo.files["metadata/3.root.json"]


def test_root_signed_by_new_keys_only_is_rejected(client, repo):
    client.init()
    client.refresh()
    before = client.content("root.json")
    root = repo.signed["root"]
    repo.rotate_root_key()
    # replace 2.root.json by one signed only by the new key
    repo.files["metadata/2.root.json"] = repo.envelope_bytes("root")
    assert root["version"] == 2
    proc = client.refresh(check=1)
    assert b"root v2" in proc.stderr
    assert client.content("root.json") == before


@pytest.mark.parametrize("stale", ["root", "timestamp", "snapshot", "targets"])
def test_expired_metadata(client, repo, stale):
    for role in ("root", "timestamp", "snapshot", "targets"):
        repo.signed[role]["expires"] = "2030-01-01T00:00:00Z" if role == stale else \
            "2050-01-01T00:00:00Z"
    repo.bump("root")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    client.refresh()
    before = {f: client.content(f) for f in client.files()}
    proc = client.refresh(check=1, faketime="2040-01-01 00:00:00")
    assert b"expired" in proc.stderr
    assert stale.encode() in proc.stderr
    assert {f: client.content(f) for f in client.files()} == before
    client.refresh()  # still fine today


def test_timestamp_rollback(client, repo):
    client.init()
    old = repo.files["metadata/timestamp.json"]
    repo.update_timestamp()
    client.refresh()
    assert client.version("timestamp") == 2
    repo.files["metadata/timestamp.json"] = old
    proc = client.refresh(check=1)
    assert b"timestamp" in proc.stderr
    assert client.version("timestamp") == 2


def test_timestamp_same_version_keeps_old(client, repo):
    client.init()
    client.refresh()
    before = client.content("timestamp.json")
    repo.signed["timestamp"]["meta"]["snapshot.json"]["version"] = 100
    repo.publish("timestamp")
    client.refresh()
    assert client.content("timestamp.json") == before


def test_consistent_snapshot_urls(medfw, tmp_path):
    repo = Repository(consistent_snapshot=True)
    repo.add_target("targets", "dir/fw.bin", b"image")
    repo.bump("targets")
    repo.update_snapshot()
    digest = repo.signed["targets"]["targets"]["dir/fw.bin"]["hashes"]["sha256"]
    with Server(repo) as server:
        client = Client(medfw, tmp_path, server)
        client.init()
        client.download("dir/fw.bin")
        assert repo.requests == ["metadata/2.root.json", "metadata/timestamp.json",
                                 "metadata/2.snapshot.json", "metadata/2.targets.json",
                                 f"targets/dir/{digest}.fw.bin"]
        assert (client.target_dir / "dir%2Ffw.bin").read_bytes() == b"image"


def test_delegated_role_name_is_percent_encoded(client, repo):
    name = "../a role?#"
    repo.add_delegation("targets", name, ["*"])
    repo.add_target(name, "delegated.txt", b"from a delegated role")
    repo.publish(name)
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    client.download("delegated.txt")
    assert "metadata/..%2Fa%20role%3F%23.json" in repo.requests
    assert client.files() == sorted(TOP + ["..%2Fa%20role%3F%23.json"])
    assert (client.target_dir / "delegated.txt").read_bytes() == b"from a delegated role"


def test_terminating_delegation_stops_search(client, repo):
    repo.add_delegation("targets", "first", ["x/*"], terminating=True)
    repo.add_delegation("targets", "second", ["*/*"])
    repo.add_target("second", "x/file", b"unreachable")
    repo.publish("first")
    repo.publish("second")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    client.download("x/file", check=1)
    assert repo.metadata_requests()[-1] == "metadata/first.json"
    assert "metadata/second.json" not in repo.requests


def test_no_partial_target_after_hash_mismatch(client, repo):
    repo.add_target("targets", "fw.img", b"good image")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    repo.files["targets/fw.img"] = b"evil image"
    proc = client.download("fw.img", check=1)
    assert b"hash" in proc.stderr
    assert os.listdir(client.target_dir) == []
    repo.files["targets/fw.img"] = b"good image, but longer"
    client.download("fw.img", check=1)
    assert os.listdir(client.target_dir) == []
    repo.files["targets/fw.img"] = b"good image"
    client.download("fw.img")
    assert os.listdir(client.target_dir) == ["fw.img"]


def test_substituted_cached_target_is_not_replaced(client, repo):
    repo.add_target("targets", "a.txt", b"legit")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    client.download("a.txt")
    repo.files["targets/a.txt"] = b"malicious"
    client.download("a.txt")  # cached: not fetched again
    assert repo.target_requests() == []
    assert (client.target_dir / "a.txt").read_bytes() == b"legit"


def test_endless_timestamp(client, repo):
    client.init()
    repo.signed["timestamp"]["padding"] = "x" * 20000
    repo.update_timestamp()
    proc = client.refresh(check=1)
    assert b"timestamp" in proc.stderr
    assert client.files() == ["root.json"]


def test_target_path_with_space(client, repo):
    repo.add_target("targets", "a dir/fw 1.bin", b"spaced")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    client.download("a dir/fw 1.bin")
    assert repo.target_requests() == ["targets/a%20dir/fw%201.bin"]
    assert (client.target_dir / "a%20dir%2Ffw%201.bin").read_bytes() == b"spaced"


@pytest.mark.parametrize("role", ["timestamp", "snapshot"])
def test_endless_data_stream(client, repo, role):
    client.init()
    repo.endless.add(f"metadata/{role}.json")
    proc = client.refresh(check=1)
    assert b"more than" in proc.stderr
    assert role.encode() in proc.stderr


def test_endless_target_stream(client, repo):
    repo.add_target("targets", "fw.img", b"0123456789")
    repo.bump("targets")
    repo.update_snapshot()
    client.init()
    repo.endless.add("targets/fw.img")
    proc = client.download("fw.img", check=1)
    assert b"longer than the signed length" in proc.stderr
    assert os.listdir(client.target_dir) == []
