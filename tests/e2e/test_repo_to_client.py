"""A repository made by `medfw repo` and served as static files is consumed by
`medfw tuf-client`: what the manufacturer publishes is what a TUF client accepts."""
import functools
import http.server
import json
import os
import threading
import urllib.parse
from pathlib import Path

import pytest

from repo_fixture import Repo


class StaticServer:
    """Serves a directory on 127.0.0.1 (free port) until the test ends; logs paths."""

    def __init__(self, root: Path):
        self.requests = []
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append(urllib.parse.unquote(self.path))
                super().do_GET()

            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def published(medfw, tmp_path):
    repo = Repo(medfw, tmp_path)
    img = tmp_path / "fw.img"
    img.write_bytes(os.urandom(300_000))
    repo.add_release(img, name="pump/fw-4.2.1.img")
    repo.sign("root", "root1", "root2")
    repo.sign("targets", "targets1", "targets2")
    repo.publish()
    with StaticServer(repo.dir) as server:
        yield repo, server, img


def client(medfw, tmp_path, server, *args, check=0):
    return medfw("tuf-client", "--metadata-dir", tmp_path / "mdir",
                 "--metadata-url", f"{server.url}/metadata", *args, check=check)


def test_client_downloads_what_medfw_published(medfw, tmp_path, published):
    repo, server, img = published
    (tmp_path / "mdir").mkdir()
    medfw("tuf-client", "--metadata-dir", tmp_path / "mdir", "init",
          repo.dir / "metadata" / "1.root.json", check=0)
    client(medfw, tmp_path, server, "--target-name", "pump/fw-4.2.1.img",
           "--target-dir", tmp_path / "tdir", "--target-base-url", f"{server.url}/targets",
           "download")
    got = [p for p in (tmp_path / "tdir").iterdir()]
    assert len(got) == 1 and got[0].read_bytes() == img.read_bytes()
    sha = json.loads((repo.dir / "metadata" / "targets.json").read_text())[
        "signed"]["targets"]["pump/fw-4.2.1.img"]["hashes"]["sha256"]
    # consistent snapshots: versioned metadata and a hash-prefixed target name
    assert "/metadata/1.snapshot.json" in server.requests
    assert "/metadata/1.targets.json" in server.requests
    assert f"/targets/pump/{sha}.fw-4.2.1.img" in server.requests
    assert sorted(p.name for p in (tmp_path / "mdir").iterdir()) == [
        "root.json", "snapshot.json", "targets.json", "timestamp.json"]


def test_client_follows_root_rotation(medfw, tmp_path, published):
    repo, server, _ = published
    (tmp_path / "mdir").mkdir()
    medfw("tuf-client", "--metadata-dir", tmp_path / "mdir", "init",
          repo.dir / "metadata" / "1.root.json", check=0)
    client(medfw, tmp_path, server, "refresh")
    repo.generate("root4")
    medfw("repo", "rotate-root", "--repo", repo.dir, "--add-key", f"root={repo.pub('root4')}",
          "--remove-key", f"root={repo.keyids['root1']}", check=0)
    repo.sign("root", "root2", "root3", "root4")
    repo.publish()
    client(medfw, tmp_path, server, "refresh")
    trusted = json.loads((tmp_path / "mdir" / "root.json").read_text())
    assert trusted["signed"]["version"] == 2


def test_client_refuses_tampered_published_target(medfw, tmp_path, published):
    repo, server, _ = published
    (tmp_path / "mdir").mkdir()
    medfw("tuf-client", "--metadata-dir", tmp_path / "mdir", "init",
          repo.dir / "metadata" / "1.root.json", check=0)
    # the plain and the hash-prefixed names are hard links: change the bytes once
    path = repo.dir / "targets" / "pump" / "fw-4.2.1.img"
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    proc = client(medfw, tmp_path, server, "--target-name", "pump/fw-4.2.1.img",
                  "--target-dir", tmp_path / "tdir", "--target-base-url",
                  f"{server.url}/targets", "download", check=1)
    assert b"hash" in proc.stderr
    assert not (tmp_path / "tdir").exists() or not any((tmp_path / "tdir").iterdir())
