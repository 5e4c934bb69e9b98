"""medfwd end to end: the real server on 127.0.0.1 with a free port.

Front end (help, man page, config reference and route table kept in sync with the
docs), configuration errors, the HTTP layer's answers to good and hostile requests,
metrics, logs, the data-directory lock, graceful shutdown and TLS.
"""
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time

import pytest
import yaml

from conftest import ROOT, run, tool_path
from server_fixture import Server, medfwd_server  # noqa: F401 (fixture)

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
}


def medfwd(*args, check=None):
    return run([tool_path("medfwd"), *args], check=check)


def assert_error(status, headers, body, want_status, code):
    assert status == want_status, body
    assert headers["content-type"] == "application/json"
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert re.fullmatch(r"[0-9a-f]{16}", headers["x-request-id"])
    err = json.loads(body)["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"]
    assert set(err) <= {"code", "message", "field"}
    return err


# ---- the front end and its documents ----

def test_help_and_version():
    out = medfwd("--help", check=0).stdout.decode()
    for opt in ("--config", "--check-config", "--routes", "--man", "--stop-on-stdin-eof"):
        assert opt in out
    assert medfwd("--version", check=0).stdout.decode().startswith("medfwd ")
    assert b"unknown option" in medfwd("--frobnicate", check=2).stderr
    assert b"missing the argument" in medfwd("--config", check=2).stderr
    medfwd(check=2)


def test_man_page_in_sync():
    """docs/man/medfwd.8 is `medfwd --man`: regenerate it when an option changes."""
    generated = medfwd("--man", check=0).stdout.decode()
    assert (ROOT / "docs" / "man" / "medfwd.8").read_text() == generated, \
        "docs/man/medfwd.8 is stale: build/release/medfwd --man > docs/man/medfwd.8"
    for line in medfwd("--config-reference", check=0).stdout.decode().splitlines()[2:]:
        name = line.split("`")[1]
        assert f".B {name}\n" in generated.replace("\\-", "-")


def test_config_reference_in_docs():
    """docs/server.md's option table is `medfwd --config-reference`, between markers."""
    text = (ROOT / "docs" / "server.md").read_text()
    m = re.search(r"<!-- options:begin -->\n(.*?)<!-- options:end -->", text, re.S)
    assert m, "docs/server.md lacks the <!-- options:begin/end --> markers"
    assert m.group(1) == medfwd("--config-reference", check=0).stdout.decode(), \
        "docs/server.md options are stale: paste `medfwd --config-reference` between the markers"


def test_openapi_matches_routes():
    """docs/api/openapi.yaml names exactly the routes of `medfwd --routes`."""
    doc = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text())
    assert doc["openapi"].startswith("3.0")
    documented = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add((method.upper(), path))
                assert op.get("operationId") and op.get("responses"), (method, path)
    served = set()
    for line in medfwd("--routes", check=0).stdout.decode().splitlines():
        method, pattern, auth, name = line.split()
        assert auth in ("none", "session", "token", "device", "device-key")
        served.add((method, pattern))
    assert served, "no routes"
    assert served - documented == set(), "routes missing from docs/api/openapi.yaml"
    assert documented - served == set(), "docs/api/openapi.yaml names routes that do not exist"


# ---- configuration ----

def write(tmp_path, text, name="bad.conf"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,line,message", [
    ("data_dir = /x\nlisten_prot = 1\n", 2, "unknown option 'listen_prot'"),
    ("data_dir = /x\nthreads = 2\nthreads = 3\n", 3, "threads is set twice"),
    ("data_dir = /x\nlisten_port = 70000\n", 2, "listen_port: 70000 is out of range"),
    ("data_dir = /x\n\nmax_body_bytes = lots\n", 3, "max_body_bytes: 'lots' is not a valid size"),
    ("data_dir = /x\nrequest_timeout = 0\n", 2, "out of range"),
    ("data_dir = /x\nlog_format = xml\n", 2, "'xml' is not one of json|text"),
    ("# c\ndata_dir = relative/dir\n", 2, "is not an absolute path"),
    ("data_dir /x\n", 1, "expected 'key = value'"),
])
def test_config_errors_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    err = medfwd("--check-config", path, check=1).stderr.decode()
    assert f"{path}:{line}: " in err and message in err, err


def test_config_cross_checks(tmp_path):
    err = medfwd("--check-config", write(tmp_path, "listen_port = 1\n"), check=1).stderr
    assert b"required option 'data_dir' is not set" in err
    err = medfwd("--check-config", write(tmp_path, "data_dir = /x\ntls_cert = /c.pem\n"),
                 check=1).stderr
    assert b"tls_cert and tls_key must be set together" in err
    assert b"No such file" in medfwd("--check-config", tmp_path / "none.conf", check=1).stderr
    out = medfwd("--check-config", write(tmp_path, "data_dir = /srv/m\nrequest_timeout = 2m\n",
                                         "good.conf"), check=0).stdout.decode()
    assert "request_timeout = 120\n" in out and "listen_port = 8443\n" in out
    # A bad config stops the real server too, before it listens.
    proc = medfwd("--config", write(tmp_path, "data_dir = /x\nbogus = 1\n"), check=1)
    assert b"bad.conf:2: unknown option" in proc.stderr and proc.stdout == b""


# ---- the HTTP layer ----

def test_healthz(medfwd_server):
    srv = medfwd_server()
    status, headers, body = srv.request("GET", "/healthz")
    assert status == 200
    doc = json.loads(body)
    assert doc["status"] == "ok" and doc["version"] and doc["uptime_seconds"] >= 0
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    status, headers, body = srv.request("HEAD", "/healthz")
    assert status == 200 and body == b""


def parse_metrics(text):
    """Prometheus text format 0.0.4 -> ({(name, labels): value}, {family: type})."""
    samples, types = {}, {}
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped")
            types[name] = kind
            continue
        if line.startswith("#") or not line:
            continue
        m = sample_re.match(line)
        assert m, f"bad sample line {line!r}"
        labels = tuple(sorted(label_re.findall(m.group(3) or "")))
        key = (m.group(1), labels)
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = float(m.group(4))
    return samples, types


def test_metrics(medfwd_server):
    srv = medfwd_server()
    for _ in range(3):
        srv.request("GET", "/healthz")
    srv.request("GET", "/nowhere")
    status, headers, body = srv.request("GET", "/metrics")
    assert status == 200
    assert headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples, types = parse_metrics(body.decode())
    assert types["medfwd_http_requests_total"] == "counter"
    assert types["medfwd_http_request_duration_seconds"] == "histogram"
    assert types["process_start_time_seconds"] == "gauge"
    req = lambda route, method, st: samples.get(("medfwd_http_requests_total", (
        ("method", method), ("route", route), ("status", st))))
    assert req("healthz", "GET", "200") >= 4  # the fixture's wait + 3
    assert req("unmatched", "GET", "404") == 1
    assert samples[("medfwd_build_info", (("version", medfwd("--version").stdout.decode().split()[1]),))] == 1
    assert abs(samples[("process_start_time_seconds", ())] - time.time()) < 600
    # Histogram: cumulative buckets, +Inf equals the count.
    buckets = sorted(((float(dict(l)["le"]), v) for (n, l), v in samples.items()
                      if n == "medfwd_http_request_duration_seconds_bucket"
                      and dict(l)["route"] == "healthz"), key=lambda x: x[0])
    assert len(buckets) >= 10 and buckets[-1][0] == float("inf")
    assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:]))
    count = samples[("medfwd_http_request_duration_seconds_count", (("route", "healthz"),))]
    assert buckets[-1][1] == count >= 4


def test_not_found_and_method_not_allowed(medfwd_server):
    srv = medfwd_server()
    assert_error(*srv.request("GET", "/api/v1/nothing"), 404, "not_found")
    status, headers, body = srv.request("DELETE", "/healthz")
    assert_error(status, headers, body, 405, "method_not_allowed")
    assert headers["allow"] == "GET, HEAD"
    status, headers, body = srv.request("GET", "/api/v1/selftest/echo")
    assert_error(status, headers, body, 405, "method_not_allowed")
    assert headers["allow"] == "POST"
    assert_error(*srv.request("GET", "/healthz/"), 404, "not_found")


def test_auth_routes_fail_closed(medfwd_server):
    """No authenticator installed yet: a route that needs one is refused."""
    srv = medfwd_server()
    assert_error(*srv.request("GET", "/api/v1/selftest/private",
                              headers={"Authorization": "Bearer x"}), 401, "unauthenticated")


def raw_exchange(srv, data, timeout=10):
    """Send raw bytes, return (status, headers, body) of the first response."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
        want = int(headers.get("content-length", "0"))
        while len(body) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body


def test_oversized_body(medfwd_server):
    srv = medfwd_server("max_body_bytes = 4KiB\n")
    # Refused from Content-Length, before the body is sent.
    status, headers, body = raw_exchange(
        srv, b"POST /api/v1/selftest/echo HTTP/1.1\r\nHost: x\r\n"
             b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n")
    err = assert_error(status, headers, body, 413, "too_large")
    assert "4096" in err["message"]
    # Chunked, without Content-Length: counted as it arrives.
    chunk = b'"' + b"a" * 5000 + b'"'
    req = (b"POST /api/v1/selftest/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
           b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
           + f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n")
    assert_error(*raw_exchange(srv, req), 413, "too_large")
    # Just under the limit is fine.
    status, _, doc = srv.json("POST", "/api/v1/selftest/echo", {"a": "b" * 4000})
    assert status == 200 and doc["echo"]["a"] == "b" * 4000
    assert srv.request("GET", "/healthz")[0] == 200


@pytest.mark.parametrize("raw,code,needle", [
    (b'{"a": [1, 2,\n  }', "bad_json", "line 2, column"),
    (b'{"a": 1} trailing', "bad_json", "line 1"),
    (b'', "bad_json", "JSON"),
    (b'{"a": 1, "a": 2}', "bad_json", "duplicate"),
    (b'{"a": "\xff\xfe"}', "bad_json", "line 1"),
    (b'{"a": "\xed\xa0\x80"}', "bad_json", "line 1"),
    (b'{"a": "x\\u0000y"}', "bad_json", "line 1"),
    (b"[" * 40 + b"]" * 40, "too_deep", "deeper"),
])
def test_bad_json_bodies(medfwd_server, raw, code, needle):
    srv = medfwd_server("max_json_depth = 32\n")
    status, headers, body = srv.request("POST", "/api/v1/selftest/echo", body=raw,
                                        headers={"Content-Type": "application/json"})
    err = assert_error(status, headers, body, 400, code)
    assert needle.lower() in err["message"].lower(), err


def test_json_content_type_and_echo(medfwd_server):
    srv = medfwd_server()
    assert_error(*srv.request("POST", "/api/v1/selftest/echo", body=b"{}",
                              headers={"Content-Type": "text/plain"}), 415,
                 "unsupported_media_type")
    status, _, doc = srv.json("POST", "/api/v1/selftest/echo", {"ü": ["é", 1, None]},
                              headers={"Content-Type": "application/json; charset=utf-8"})
    assert status == 200 and doc == {"echo": {"ü": ["é", 1, None]}}


@pytest.mark.parametrize("path,status,code", [
    ("/heal%00thz", 400, "bad_path"),
    ("/api/v1/../healthz", 400, "bad_path"),
    ("/api/v1/%2e%2e/healthz", 400, "bad_path"),
    ("/api/v1/./x", 400, "bad_path"),
    ("/a%2Fb", 400, "bad_path"),
    ("/%ff%fe", 400, "bad_path"),
    ("/%zz", 400, "bad_path"),
    ("/%4", 400, "bad_path"),
    ("/" + "a/" * 100, 404, "not_found"),
    ("/" + "x" * 9000, 414, "uri_too_long"),
    ("/healthz?x=%00", 400, "bad_query"),
    ("/healthz?x=%ff", 400, "bad_query"),
    ("/healthz?" + "&".join(f"k{i}=v" for i in range(70)), 400, "bad_query"),
])
def test_hostile_paths(medfwd_server, path, status, code):
    srv = medfwd_server()
    assert_error(*raw_exchange(srv, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()),
                 status, code)
    assert srv.request("GET", "/healthz")[0] == 200


def test_hostile_requests_keep_the_server_alive(medfwd_server):
    srv = medfwd_server()
    garbage = [
        b"GET /" + b"y" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # past MHD's memory
        b"\x00\x01\x02 garbage\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + b"h" * 100000 + b"\r\n\r\n",
        b"POST /api/v1/selftest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"POST /api/v1/selftest/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{",
    ]
    for data in garbage:
        try:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as s:
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
                s.recv(65536)
        except OSError:
            pass
    assert srv.request("GET", "/healthz")[0] == 200
    assert srv.proc.poll() is None


def test_logs_are_json_lines_without_secrets(medfwd_server):
    srv = medfwd_server()
    srv.request("GET", "/healthz?token=querysecret", headers={
        "Authorization": "Bearer sekrit-token-value", "Cookie": "medfw_session=sekrit-cookie"})
    srv.json("POST", "/api/v1/selftest/echo", {"password": "sekrit-body"})
    assert srv.stop() == 0
    text = srv.log_text()
    for secret in ("sekrit-token-value", "sekrit-cookie", "sekrit-body", "querysecret"):
        assert secret not in text
    records = srv.log_records()
    assert len(records) == len(text.splitlines())  # every line is one JSON object
    reqs = [r for r in records if r["event"] == "http.request"]
    assert reqs and all({"time", "level", "request_id", "method", "route", "status",
                         "duration_ms", "remote"} <= set(r) for r in reqs)
    assert {"healthz", "selftest.echo"} <= {r["route"] for r in reqs}
    events = [r["event"] for r in records]
    assert events[0] == "server.start" and events[-1] == "server.stopped"


def test_text_logs(medfwd_server):
    srv = medfwd_server("log_format = text\nlog_level = warning\n")
    srv.request("GET", "/healthz")
    assert srv.stop() == 0
    assert "http.request" not in srv.log_text()  # info is below warning


# ---- process life ----

def test_data_dir_created_private_and_locked(medfwd_server, tmp_path):
    srv = medfwd_server()
    mode = stat.S_IMODE(os.stat(srv.data_dir).st_mode)
    assert mode == 0o700
    assert (srv.data_dir / "medfwd.pid").read_text().strip() == str(srv.proc.pid)
    second = tmp_path / "second.conf"
    second.write_text(f"data_dir = {srv.data_dir}\nlisten_port = 0\n")
    proc = medfwd("--config", second, check=1)
    assert b"in use by another medfwd" in proc.stderr
    assert srv.request("GET", "/healthz")[0] == 200
    # After the first stops (even killed), the directory is free again.
    srv.proc.kill()
    srv.stop()
    again = Server(tmp_path, name="again")
    again.data_dir = srv.data_dir
    again.config.write_text(f"data_dir = {srv.data_dir}\nlisten_port = 0\nlisten_address = 127.0.0.1\n")
    again.start()
    assert again.stop() == 0


def test_graceful_sigterm_finishes_requests_in_flight(medfwd_server):
    srv = medfwd_server()
    results = []

    def slow():
        results.append(srv.json("POST", "/api/v1/selftest/echo?delay_ms=3000", {"n": 1}))
    threads = [threading.Thread(target=slow) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # both requests reach the server (generous for a loaded CI machine)
    started = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join(20)
    assert srv.proc.wait(20) == 0
    assert time.monotonic() - started < 10
    assert [r[0] for r in results] == [200, 200]
    assert results[0][2] == {"echo": {"n": 1}}
    events = {r["event"]: r for r in srv.log_records()}
    assert events["server.stopping"]["reason"] == "SIGTERM"
    assert events["server.stopped"]["abandoned_requests"] == 0
    with pytest.raises(OSError):
        srv.request("GET", "/healthz", timeout=2)  # no longer accepting


def test_shutdown_wait_is_bounded(medfwd_server):
    srv = medfwd_server("shutdown_timeout = 1s\n")
    def slow():
        try:
            srv.request("POST", "/api/v1/selftest/echo?delay_ms=4000", body=b"{}",
                        headers={"Content-Type": "application/json"})
        except OSError:
            pass  # abandoned at the deadline: the connection is closed
    t = threading.Thread(target=slow, daemon=True)
    t.start()
    time.sleep(1.0)
    started = time.monotonic()
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(20) == 0
    assert time.monotonic() - started < 4.5


def test_stops_when_stdin_closes(medfwd_server):
    srv = medfwd_server()
    srv.proc.stdin.close()
    assert srv.proc.wait(10) == 0
    assert any(r.get("reason") == "stdin closed" for r in srv.log_records())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https(medfwd_server, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
    srv = medfwd_server(f"tls_cert = {cert}\ntls_key = {key}\n")
    assert srv.scheme == "https"
    status, headers, body = srv.request("GET", "/healthz")
    assert status == 200 and headers["strict-transport-security"].startswith("max-age=")
