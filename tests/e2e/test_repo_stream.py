"""Streamed uploads to the hosted repository and target paths of any depth.

The server runs with max_body_bytes = 64 KiB: every target below is far larger, so it
can only arrive through the streaming path (PUT /api/v1/repository/targets/{path*}:
chunks to a temporary file in staging, hashed on the way, renamed when complete).
Refused, oversized and cut uploads must leave nothing in staging, and the server's
peak memory must not grow with the upload size."""
import hashlib
import http.client
import json
import os
import socket
import time

import pytest

import tufrepo
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_people import PASSWORD, Client, make_user
from test_repo_server import pin, raw, served_tree, token_client

DEEP = "firmware/pump/v2/2026/image.bin"
MIB = 1024 * 1024


@pytest.fixture
def server(medfwd_server):
    # request_timeout: libmicrohttpd (epoll, edge-triggered) may notice a client that
    # went away mid-body only when the connection times out
    srv = medfwd_server(extra_config="max_body_bytes = 64KiB\nmax_target_bytes = 8MiB\n"
                                     "request_timeout = 3s\n")
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": PASSWORD})
    assert status == 201, body
    return srv


def staged_files(srv):
    """Every file under data_dir/repository/staging (temporary uploads included)."""
    staging = srv.data_dir / "repository" / "staging"
    return sorted(str(p.relative_to(staging)) for p in staging.rglob("*") if p.is_file())


def wait_staging_empty(srv, timeout=10):
    deadline = time.monotonic() + timeout
    while staged_files(srv) and time.monotonic() < deadline:
        time.sleep(0.05)
    return staged_files(srv)


def put_stream(srv, token, path, chunks, length=None):
    """PUT a body produced chunk by chunk (Content-Length when given, else chunked)."""
    conn = srv.connection(timeout=120)
    try:
        conn.putrequest("PUT", path)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", "application/octet-stream")
        if length is None:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(length))
        conn.endheaders()
        for chunk in chunks:
            if length is None:
                conn.send(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            else:
                conn.send(chunk)
        if length is None:
            conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, json.loads(data) if data else None
    finally:
        conn.close()


def raw_socket(srv, head: bytes):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(head)
    return s


def read_status(s):
    data = b""
    while b"\r\n\r\n" not in data:
        more = s.recv(65536)
        if not more:
            break
        data += more
    return int(data.split(b" ", 2)[1]), data


def deep_repo(size, consistent_snapshot=False):
    other = tufrepo.Repository(consistent_snapshot=consistent_snapshot)
    data = os.urandom(size)
    other.add_target("targets", DEEP, data)
    other.add_target("targets", "top.bin", b"top" * 100)
    other.bump("targets")
    other.update_snapshot()
    return other, data


def upload_tufrepo(c, other, targets):
    for name in ("1.root.json", "timestamp.json", "snapshot.json", "targets.json"):
        status, _, body = raw(c, "PUT", f"/api/v1/repository/metadata/{name}",
                              other.files[f"metadata/{name}"])
        assert status == 201, body
    for name in targets:
        status, _, body = raw(c, "PUT", f"/api/v1/repository/targets/{name}",
                              other.files[f"targets/{name}"])
        assert status == 201, body


def test_large_deep_target_upload_commit_download(server, medfw, tmp_path):
    """A 3 MiB target (48 x max_body_bytes) at depth 5: upload, commit, download, and
    the same through medfw tuf-client with consistent snapshots (HASH.NAME at depth)."""
    other, data = deep_repo(3 * MIB, consistent_snapshot=True)
    c = token_client(server)
    status, _, body = raw(c, "POST", "/api/v1/repository/trusted-root",
                          other.files["metadata/1.root.json"], "application/json")
    assert status == 201, body
    upload_tufrepo(c, other, [])
    status, body = put_stream(server, c.token, f"/api/v1/repository/targets/{DEEP}",
                              (data[i:i + 100_000] for i in range(0, len(data), 100_000)),
                              len(data))
    assert status == 201, body
    assert body["name"] == DEEP and body["length"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["sha512"] == hashlib.sha512(data).hexdigest()
    assert [f for f in staged_files(server) if not f.startswith("metadata/")] == \
        ["targets/" + DEEP]
    status, _, body = raw(c, "PUT", "/api/v1/repository/targets/top.bin", b"top" * 100)
    assert status == 201, body
    status, _, body = raw(c, "POST", "/api/v1/repository/commit")
    assert status == 200, body
    assert body["target_count"] == 2
    assert server.request("GET", f"/repo/targets/{DEEP}")[2] == data
    digest = hashlib.sha256(data).hexdigest()
    alias = f"/repo/targets/firmware/pump/v2/2026/{digest}.image.bin"
    assert server.request("GET", alias)[2] == data
    status, _, part = server.request("GET", f"/repo/targets/{DEEP}",
                                     headers={"Range": "bytes=1048576-1048675"})
    assert status == 206 and part == data[MIB:MIB + 100]
    events = [(r["event"], r.get("detail") or {}) for r in
              c.call("GET", "/api/v1/audit")[2]["records"]]
    assert any(e == "repository.stage" and d.get("name") == DEEP and d.get("length") == len(data)
               for e, d in events), events

    base = f"http://127.0.0.1:{server.port}/repo"
    mdir, tdir = tmp_path / "mdir", tmp_path / "tdir"
    mdir.mkdir()
    tdir.mkdir()
    (tmp_path / "trusted.json").write_bytes(other.files["metadata/1.root.json"])
    medfw("tuf-client", "--metadata-dir", mdir, "init", tmp_path / "trusted.json", check=0)
    medfw("tuf-client", "--metadata-dir", mdir, "--metadata-url", f"{base}/metadata",
          "--target-name", DEEP, "--target-dir", tdir, "--target-base-url", f"{base}/targets/",
          "download", check=0)
    got = [p for p in tdir.rglob("*") if p.is_file()]
    assert len(got) == 1 and got[0].read_bytes() == data


def test_medfw_push_streams_large_deep_target(server, medfw, tmp_path):
    other, data = deep_repo(5 * MIB)
    other.write_to(tmp_path / "repo")
    c = token_client(server)
    tokfile = tmp_path / "token"
    tokfile.write_text(c.token + "\n")
    proc = medfw("push", "--server", f"http://127.0.0.1:{server.port}", "--token-file", tokfile,
                 "--repo", tmp_path / "repo", "--pin-root",
                 tmp_path / "repo" / "metadata" / "1.root.json", check=0)
    assert b"committed" in proc.stdout and b"2 targets served" in proc.stdout
    assert server.request("GET", f"/repo/targets/{DEEP}")[2] == data
    assert staged_files(server) == []


def test_over_limit_refused_and_nothing_left(server):
    c = token_client(server)
    # Content-Length over max_target_bytes: 413 at once, before the body is sent
    s = raw_socket(server, (f"PUT /api/v1/repository/targets/{DEEP} HTTP/1.1\r\n"
                            f"Host: x\r\nAuthorization: Bearer {c.token}\r\n"
                            f"Content-Length: {100 * 1024 * MIB}\r\n\r\n").encode())
    status, head = read_status(s)
    s.settimeout(5)
    while b"max_target_bytes" not in head:
        more = s.recv(65536)
        if not more:
            break
        head += more
    s.close()
    assert status == 413 and b"max_target_bytes" in head, head
    # the same over http.client: the message names the limit and its value
    conn = server.connection()
    conn.putrequest("PUT", "/api/v1/repository/targets/big.bin")
    conn.putheader("Authorization", f"Bearer {c.token}")
    conn.putheader("Content-Length", str(8 * MIB + 1))
    conn.endheaders()
    resp = conn.getresponse()
    err = json.loads(resp.read())["error"]
    conn.close()
    assert resp.status == 413 and "max_target_bytes" in err["message"], err
    assert "8388608" in err["message"], err
    # no Content-Length (chunked): refused as soon as it passes the limit
    status, body = put_stream(server, c.token, "/api/v1/repository/targets/big.bin",
                              (b"x" * MIB for _ in range(10)))
    assert status == 413 and "max_target_bytes" in body["error"]["message"], body
    assert wait_staging_empty(server) == []
    # exactly at the limit is fine
    status, body = put_stream(server, c.token, "/api/v1/repository/targets/edge.bin",
                              (b"y" * MIB for _ in range(8)), 8 * MIB)
    assert status == 201 and body["length"] == 8 * MIB, body
    assert staged_files(server) == ["targets/edge.bin"]
    # metadata is bounded by its TUF size cap (timestamp: 16384 bytes)
    status, _, body = raw(c, "PUT", "/api/v1/repository/metadata/timestamp.json",
                          b"{" * 20000)
    assert status == 413 and "timestamp.json" in body["error"]["message"], body
    assert staged_files(server) == ["targets/edge.bin"]


def test_interrupted_upload_leaves_nothing(server):
    c = token_client(server)
    s = raw_socket(server, (f"PUT /api/v1/repository/targets/{DEEP} HTTP/1.1\r\n"
                            f"Host: x\r\nAuthorization: Bearer {c.token}\r\n"
                            f"Content-Length: {4 * MIB}\r\n\r\n").encode())
    s.sendall(os.urandom(MIB + 12345))
    # the temporary file exists while the upload runs
    deadline = time.monotonic() + 10
    while not staged_files(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [f for f in staged_files(server) if f.startswith(".upload-")], staged_files(server)
    s.close()
    assert wait_staging_empty(server, timeout=15) == []
    assert any(r.get("aborted") and r.get("route") == "repository.stage.target"
               for r in server.log_records())
    # the server keeps serving, and a complete upload works
    assert server.request("GET", "/healthz")[0] == 200
    status, body = put_stream(server, c.token, f"/api/v1/repository/targets/{DEEP}",
                              [b"z" * (2 * MIB)], 2 * MIB)
    assert status == 201, body
    assert staged_files(server) == ["targets/" + DEEP]


def test_refused_before_any_byte_is_written(server):
    """Authentication, permission and CSRF are checked on the headers: a refused
    upload never creates a file (the body is not even read)."""
    adm = Client(server)
    adm.login("root")
    make_user(adm, "aud", "auditor")
    auditor = token_client(server, "aud")
    for token, want in ((None, 401), ("mft_nonsense", 401), (auditor.token, 403)):
        head = f"PUT /api/v1/repository/targets/{DEEP} HTTP/1.1\r\nHost: x\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        s = raw_socket(server, (head + f"Content-Length: {4 * MIB}\r\n\r\n").encode())
        s.sendall(b"a" * 65536)
        status, _ = read_status(s)
        s.close()
        assert status == want, (token, status)
        assert staged_files(server) == []
    # a session without the CSRF header
    status, _, _ = server.request("PUT", "/api/v1/repository/targets/a.bin", body=b"x" * 100,
                                  headers={"Cookie": f"medfw_session={adm.cookie}"})
    assert status == 401
    status, _, _ = server.request("PUT", "/api/v1/repository/targets/a.bin", body=b"x" * 100,
                                  headers={"Cookie": f"medfw_session={adm.cookie}",
                                           "X-CSRF-Token": adm.csrf})
    assert status == 201
    assert staged_files(server) == ["targets/a.bin"]


@pytest.mark.parametrize("path,want", [
    ("a/b/../c", 400), ("a/b/%2e%2e/c", 400), ("a/b/%2E%2E/%2E%2E/medfwd.db", 400),
    ("a/b%2Fc/d", 400), ("a/b/./c", 400), ("x/y/z/%ff/w", 400), ("a/.hidden/b", 400),
    ("a/b/c%00d", 400), ("a//b", 404), ("a/b/", 404), ("/".join(["s"] * 40), 404),
    ("a/b\\c/d", 400)])
def test_traversal_at_depth_refused(server, path, want):
    c = token_client(server)
    status, _, body = raw(c, "PUT", f"/api/v1/repository/targets/{path}", b"evil")
    assert status == want, (path, body)
    assert staged_files(server) == []
    assert server.request("GET", f"/repo/targets/{path}")[0] in (400, 404)
    assert not (server.data_dir / "repository" / "c").exists()


def test_peak_memory_does_not_grow_with_upload(medfwd_server):
    srv = medfwd_server(extra_config="max_body_bytes = 64KiB\nmax_target_bytes = 1GiB\n")
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": PASSWORD})
    assert status == 201, body
    c = token_client(srv)

    def hwm_kib():
        for line in open(f"/proc/{srv.proc.pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")

    # warm up (first upload allocates the thread's buffers, hash contexts, ...)
    assert put_stream(srv, c.token, "/api/v1/repository/targets/warm.bin",
                      [b"w" * MIB], MIB)[0] == 201
    before = hwm_kib()
    block = os.urandom(MIB)
    status, body = put_stream(srv, c.token, "/api/v1/repository/targets/big/image.bin",
                              (block for _ in range(64)), 64 * MIB)
    assert status == 201 and body["length"] == 64 * MIB, body
    grown = hwm_kib() - before
    assert grown < 16 * 1024, f"medfwd's peak RSS grew by {grown} KiB for a 64 MiB upload"
