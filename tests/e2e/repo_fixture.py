"""Builds a real medfw repository through the medfw command line, for the tests."""
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_NOTICE = ROOT / "docs" / "formats" / "release-notice.example.json"


def notice(**changes):
    """The example release notice with top-level fields replaced."""
    doc = json.loads(EXAMPLE_NOTICE.read_text())
    doc.update(changes)
    return doc


class Repo:
    """A repository with 2-of-3 root and targets keys, one snapshot and one timestamp key."""

    def __init__(self, medfw, workdir: Path, *, root_threshold=2, targets_threshold=2,
                 expires=None, passphrase=None, key_type="ed25519"):
        self.medfw = medfw
        self.dir = workdir / "repo"
        self.keys = workdir / "keys"
        self.keys.mkdir()
        self.keyids = {}
        self.key_type = key_type
        self.passfile = None
        if passphrase is not None:
            self.passfile = workdir / "passphrase"
            self.passfile.write_text(passphrase + "\n")
        for name in ("root1", "root2", "root3", "targets1", "targets2", "targets3",
                     "snapshot", "timestamp"):
            self.generate(name, key_type)
        args = ["repo", "init", "--repo", self.dir,
                "--root-threshold", str(root_threshold),
                "--targets-threshold", str(targets_threshold),
                "--snapshot-key", self.pub("snapshot"), "--timestamp-key", self.pub("timestamp")]
        for i in (1, 2, 3):
            args += ["--root-key", self.pub(f"root{i}"), "--targets-key", self.pub(f"targets{i}")]
        for role, days in (expires or {}).items():
            args += ["--expires", f"{role}={days}"]
        medfw(*args, check=0)

    def generate(self, name, key_type=None):
        args = ["key", "generate", "--type", key_type or self.key_type, "--out", self.priv(name)]
        args += ["--passphrase-file", self.passfile] if self.passfile else ["--no-passphrase"]
        self.keyids[name] = self.medfw(*args, check=0).stdout.decode().strip()
        return self.keyids[name]

    def priv(self, name):
        return self.keys / f"{name}.pem"

    def pub(self, name):
        return self.keys / f"{name}.pem.pub.json"

    def sign(self, role, *names, check=0):
        for name in names:
            args = ["repo", "sign", "--repo", self.dir, "--role", role, "--key", self.priv(name)]
            if self.passfile:
                args += ["--passphrase-file", self.passfile]
            proc = self.medfw(*args, check=check)
        return proc

    def add_release(self, image: Path, name=None, notice_doc=None, check=0):
        notice_path = image.with_suffix(".notice.json")
        notice_path.write_text(json.dumps(notice_doc or notice()))
        args = ["release", "add", "--repo", self.dir, "--image", image, "--notice", notice_path]
        if name:
            args += ["--name", name]
        return self.medfw(*args, check=check)

    def publish(self, check=0):
        args = ["repo", "publish", "--repo", self.dir, "--snapshot-key", self.priv("snapshot"),
                "--timestamp-key", self.priv("timestamp")]
        if self.passfile:
            args += ["--snapshot-passphrase-file", self.passfile,
                     "--timestamp-passphrase-file", self.passfile]
        return self.medfw(*args, check=check)

    def status(self):
        return json.loads(self.medfw("repo", "status", "--repo", self.dir, "--json",
                                     check=0).stdout)

    def snapshot_tree(self):
        """Every file of the repository with its bytes, to prove nothing changed. The
        audit trail is left out: a refused operation is recorded there (see
        test_audit_trail_records_every_change)."""
        return {p.relative_to(self.dir): p.read_bytes()
                for p in sorted(self.dir.rglob("*")) if p.is_file() and p.name != "audit.log"}

    def copy_to(self, dest: Path):
        shutil.copytree(self.dir, dest)
        return dest
