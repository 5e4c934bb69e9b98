"""A small TUF repository simulator for the tuf-client end-to-end tests.

Metadata is signed with securesystemslib 0.26's keys API (ed25519) over the
canonical JSON of "signed" (securesystemslib.formats.encode_canonical), and served
by http.server on 127.0.0.1 (free port, own thread). Every requested path is
recorded, so tests can assert the exact request sequence of the client.

URL layout (as tuf-conformance's simulator):
  /metadata/<version>.<quoted role>.json   every version of every role
  /metadata/<quoted role>.json              the latest version (not for root)
  /targets/<path>                           target files
  /targets/<dir>/<sha256>.<basename>        the same, hash-prefixed
"""
import datetime
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from securesystemslib import formats, keys

SPEC_VERSION = "1.0.31"
TOP_ROLES = ("root", "timestamp", "snapshot", "targets")


def utc(days: float) -> str:
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(obj) -> bytes:
    return formats.encode_canonical(obj).encode("utf-8")


class Key:
    """An ed25519 key pair; the key id is computed over the public key object
    exactly as it appears in metadata."""

    def __init__(self):
        self._sslib = keys.generate_ed25519_key()
        self.public = {
            "keytype": "ed25519",
            "scheme": "ed25519",
            "keyval": {"public": self._sslib["keyval"]["public"]},
        }
        self.keyid = hashlib.sha256(canonical(self.public)).hexdigest()

    def sign(self, data: bytes) -> dict:
        sig = keys.create_signature(self._sslib, data)
        return {"keyid": self.keyid, "sig": sig["sig"]}


class Repository:
    def __init__(self, consistent_snapshot: bool = False, expiry_days: float = 30):
        self.files: dict[str, bytes] = {}   # URL path (without leading "/") -> body
        self.requests: list[str] = []
        self.endless: set[str] = set()     # paths answered with a never-ending body
        self.signed: dict[str, dict] = {}
        self.signers: dict[str, list[Key]] = {}
        root = self._base("root", expiry_days)
        root.update(consistent_snapshot=consistent_snapshot, keys={},
                    roles={r: {"keyids": [], "threshold": 1} for r in TOP_ROLES})
        self.signed["root"] = root
        ts = self._base("timestamp", expiry_days)
        ts["meta"] = {"snapshot.json": {"version": 1}}
        self.signed["timestamp"] = ts
        sn = self._base("snapshot", expiry_days)
        sn["meta"] = {"targets.json": {"version": 1}}
        self.signed["snapshot"] = sn
        tg = self._base("targets", expiry_days)
        tg["targets"] = {}
        self.signed["targets"] = tg
        for role in TOP_ROLES:
            key = Key()
            self.signers[role] = [key]
            self._authorize(root, role, key)
        for role in TOP_ROLES:
            self.publish(role)

    # ---- metadata ----

    @staticmethod
    def _base(type_: str, expiry_days: float) -> dict:
        return {"_type": type_, "spec_version": SPEC_VERSION, "version": 1,
                "expires": utc(expiry_days)}

    @staticmethod
    def _authorize(delegator: dict, role: str, key: Key) -> None:
        if delegator["_type"] == "root":
            delegator["keys"][key.keyid] = key.public
            delegator["roles"][role]["keyids"].append(key.keyid)
            return
        delegations = delegator["delegations"]
        delegations["keys"][key.keyid] = key.public
        for r in delegations["roles"]:
            if r["name"] == role:
                r["keyids"].append(key.keyid)

    def envelope_bytes(self, role: str) -> bytes:
        signed = self.signed[role]
        data = canonical(signed)
        envelope = {"signatures": [k.sign(data) for k in self.signers[role]],
                    "signed": signed}
        return json.dumps(envelope, indent=1, sort_keys=True).encode() + b"\n"

    def publish(self, role: str) -> bytes:
        body = self.envelope_bytes(role)
        version = self.signed[role]["version"]
        name = quote(role, safe="")
        self.files[f"metadata/{version}.{name}.json"] = body
        if role != "root":
            self.files[f"metadata/{name}.json"] = body
        return body

    def bump(self, role: str) -> bytes:
        self.signed[role]["version"] += 1
        return self.publish(role)

    def update_timestamp(self) -> None:
        self.signed["timestamp"]["meta"]["snapshot.json"] = {
            "version": self.signed["snapshot"]["version"]}
        self.bump("timestamp")

    def update_snapshot(self) -> None:
        for role, signed in self.signed.items():
            if signed["_type"] == "targets":
                self.signed["snapshot"]["meta"][f"{role}.json"] = {
                    "version": signed["version"]}
        self.bump("snapshot")
        self.update_timestamp()

    def rotate_root_key(self) -> None:
        """Root version N+1 with a new root key, signed by the old and the new key."""
        old = self.signers["root"]
        new = Key()
        root = self.signed["root"]
        root["roles"]["root"]["keyids"] = []
        self._authorize(root, "root", new)
        self.signers["root"] = old + [new]
        self.bump("root")
        self.signers["root"] = [new]

    def add_target(self, role: str, path: str, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self.signed[role]["targets"][path] = {"length": len(data),
                                              "hashes": {"sha256": digest}}
        self.files[f"targets/{path}"] = data
        head, sep, base = path.rpartition("/")
        self.files[f"targets/{head}{sep}{digest}.{base}"] = data

    def add_delegation(self, delegator: str, name: str, paths: list[str] | None,
                       terminating: bool = False, threshold: int = 1, keys: int = 1,
                       path_hash_prefixes: list[str] | None = None) -> None:
        """Delegate from `delegator` to a new targets role `name`, trusted for `paths`
        (globs) or `path_hash_prefixes`, with `keys` new keys of which `threshold`
        must sign."""
        d = self.signed[delegator]
        d.setdefault("delegations", {"keys": {}, "roles": []})
        role = {"name": name, "keyids": [], "threshold": threshold,
                "terminating": terminating}
        if path_hash_prefixes is not None:
            role["path_hash_prefixes"] = path_hash_prefixes
        else:
            role["paths"] = paths
        d["delegations"]["roles"].append(role)
        self.signers[name] = [Key() for _ in range(keys)]
        for key in self.signers[name]:
            self._authorize(d, name, key)
        t = self._base("targets", 30)
        t["targets"] = {}
        self.signed[name] = t

    def write_to(self, directory) -> None:
        """Lay the repository out on disk as `medfw repo publish` does
        (DIR/metadata/..., DIR/targets/...), for `medfw push`."""
        from pathlib import Path
        for rel, body in self.files.items():
            path = Path(directory) / unquote(rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)

    def metadata_requests(self) -> list[str]:
        return [r for r in self.requests if r.startswith("metadata/")]

    def target_requests(self) -> list[str]:
        return [r for r in self.requests if r.startswith("targets/")]


class _Handler(BaseHTTPRequestHandler):
    repo: Repository  # set per server

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = self.path.lstrip("/")
        self.server.repo.requests.append(path)
        if path in self.server.repo.endless:
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(100000):  # 6.4 GB at most, the client must stop first
                    self.wfile.write(b"x" * 65536)
            except OSError:
                pass
            return
        body = self.server.repo.files.get(path)
        if body is None:
            body = self.server.repo.files.get(unquote(path))
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


class Server:
    """Serves a Repository on 127.0.0.1 at a free port from a thread; use as a
    context manager (stops and closes on exit)."""

    def __init__(self, repo: Repository):
        self.repo = repo
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.repo = repo
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        port = self._httpd.server_address[1]
        self.metadata_url = f"http://127.0.0.1:{port}/metadata"
        self.targets_url = f"http://127.0.0.1:{port}/targets"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
        return False

