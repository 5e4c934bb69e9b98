#!/usr/bin/python3
"""bench/web.py — the web dashboard: its files served by medfwd against nginx, and its
pages at fleet scale in chromium against the API calls they make; its BENCHMARKS.md
section.

  bench/web.py BUILD_DIR FILE.md            measure, then replace the web section
  bench/web.py measure BUILD_DIR OUT.json [--work DIR]
                                            measure only, the results as JSON
  bench/web.py update OUT.json FILE.md      replace the section from OUT.json

BUILD_DIR holds medfwd and medfw (a release build: build/release); the dashboard's files
are BUILD_DIR/../web (scripts/build-web.sh), the browser's driver is playwright-core
from tests/browser/node_modules (scripts/build-web.sh --tests) driving /usr/bin/chromium
(MEDFW_CHROMIUM) launched by tests/browser/harness.mjs's launchBrowser(), as the
browser tests launch it. Only the text between `<!-- web:begin` and `<!-- web:end -->`
is replaced (appended when FILE.md has none).

Part 1, serving the dashboard's files: a fresh medfwd (default settings, web_dir = the
built tree) and nginx (worker_processes = cores, configuration generated here as
bench/checkin.sh does, root = the same tree, access log on as medfwd logs every
request) on 127.0.0.1. First both must answer /ui and the main JS asset with the bytes
of the files (SHA-256), and medfwd's answer must carry its Content-Security-Policy;
else nothing is measured and the section says why. Then one load generator, wrk
(Debian's; scripts/install-deps.sh --bench), BENCH_WEB_CONNECTIONS (64) keep-alive
connections on BENCH_WEB_THREADS (cores) threads, a BENCH_WEB_WARMUP (2) s run not
counted then BENCH_WEB_DURATION (10) s measured, per row: GET /ui (index.html), GET of
the main JS asset, and GET /ui with If-None-Match: its ETag (304), each against medfwd
then nginx. Requests/s, body MB/s (requests/s x body bytes), bytes on the wire, p50/p99
latency, errors, server CPU per request; ratio medfwd / nginx.

Part 2, the dashboard at fleet scale: for each of BENCH_WEB_SIZES ("10000 100000") a
fresh medfwd (default settings) holding a fleet of that size:
  - the device records through the API: CSV imports (POST /api/v1/devices/import, at
    most 10,000 rows and 900 kB a request, under the default max_body_bytes) of devices
    over 5 sites, 4 models (a GS1 UDI each: the model's GTIN, production date, serial),
    9 firmware versions, departments, locations and network zones;
  - a sample of BENCH_WEB_REAL_SAMPLE (256) devices enrolled (token, Ed25519 key) and
    checked in through the protocol (POST /device/v1/enrol, a signed POST
    /device/v1/checkin), timed: at that rate the whole fleet would take minutes to
    hours, so
  - the other devices' enrolment and check-in state (enrolled, a public key, last seen,
    image SHA-256, agent version, clinical state) is written to the SQLite store
    directly with medfwd stopped (the columns src/lib/store/devices.c writes at a
    check-in), BENCHMARK ONLY: 2 % of the devices stay pending (never seen), 3 % report
    an image that is not a signed release, the rest the image of their version's
    signed release; last seen spread over the last 10 minutes (7 % over the last week);
  - medfwd started again on that store; a repository with one signed release per model
    and version (root, targets, snapshot, timestamp keys; `medfw push`): its commit makes
    medfwd itself decide, for every device, whether its image is a signed release (timed
    until the firmware report has no device left to decide).
Then in chromium (headless, one context, signed in once as the bootstrap admin: a
manufacturer-wide admin without TOTP), BENCH_WEB_REPS (3) rounds after one round not
counted (it warms the browser's cache: /assets/* are immutable, index.html is
revalidated), each round: (a) navigation to /ui until both charts of the overview have
pixels and its device count is the fleet's; (b) navigation to /ui/devices until the
table shows the first 50 devices the API lists and the total; (c) a search by a
device's full UDI typed into the search box until the table shows that one device;
(d) a click on "Last seen" until the table shows the first 50 by last seen; (e) a click
on "Export CSV" until the file is downloaded (bytes, and the same SHA-256 as the API's
export). Page times are the page's own clock (performance.now(): from the navigation's
start, or from just before the submit or click) when the condition was first seen
(polled every animation frame). For each, the API floor: the same API calls, in the same
order and concurrency as the page makes them (after a navigation the app's start-up
GET /api/v1/me then GET /api/v1/sites, then the page's calls together), made from this
machine with http.client, BENCH_WEB_FLOOR_REPS (3) times before and as many after the
browser, median; ratio page / floor. The browser's own timing of the API calls
(Resource Timing) is kept too. medfwd's peak RSS (VmHWM) and CPU are read at the end of
each size (import phase and serving phase separately). The bundle (JS and CSS bytes and
their gzip -9 size) is measured on the built files.

Load average (/proc/loadavg) before and after is recorded: the machine may be shared.
Nothing is made up: a part that could not run says why.
"""
import datetime
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import base64
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchlib import (bench_main, init_repo, loadavg, machine, proc_cpu_s, proc_hwm_kib, run,
                      update_section)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN_PREFIX = "<!-- web:begin"
BEGIN = "<!-- web:begin — written by bench/web.py (via bench/run.sh); do not edit -->"
END = "<!-- web:end -->"
PASSWORD = "correct horse battery staple 42"
ADMIN = "root"
CLIENT_ADDRESS = "127.0.0.2"  # the bench's own API calls: not the browser's address
PAGE = 50                      # the devices page's page size (web/src/pages/Devices.tsx)
CSV_MAX_ROWS = 10000
CSV_MAX_BYTES = 900 * 1000     # under medfwd's default max_body_bytes (1 MiB)
CSP_MUST = ("default-src 'none'", "script-src 'self'", "style-src 'self'",
            "frame-ancestors 'none'")

SITES = [("St. Mary's Hospital", "Europe/London", "SMH", 35),
         ("Northside Clinic", "America/Chicago", "NSC", 25),
         ("Riverside General", "America/New_York", "RVG", 20),
         ("Lakeview Children's", "Europe/Berlin", "LVC", 12),
         ("Hillcrest Cardiac Centre", "Australia/Sydney", "HCC", 8)]
# model, hardware id, GTIN without its check digit, serial code, share %,
# [(firmware version, share %)]: every version has a signed release
MODELS = [("InfuPump 3", "acme-infusion-pump-rev-c", "0950600013435", "IP3", 40,
           [("4.1.1", 30), ("4.2.0", 20), ("4.2.1", 50)]),
          ("VentiCare 2", "acme-ventilator-v2", "0950600013436", "VC2", 25,
           [("2.0.3", 45), ("2.1.0", 55)]),
          ("CardioMon 5", "acme-monitor-5", "0950600013437", "CM5", 20,
           [("5.0.1", 20), ("5.1.0", 30), ("5.2.0", 50)]),
          ("GlucoSense 1", "acme-glucose-1", "0950600013438", "GS1", 15,
           [("1.4.2", 100)])]
DEPARTMENTS = ["ICU", "OR", "Emergency", "Oncology", "Cardiology", "Paediatrics", "Ward A",
               "Ward B", "Ward C", "Radiology", "Dialysis", "Neonatal"]
ZONES = ["med-iot", "icu-med-iot", "or-devices", "clinical", "ward-iot"]
PENDING_PCT, NOT_SIGNED_PCT, STALE_PCT = 2, 3, 7


def log(msg):
    print(f"[web-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))


def median(xs):
    return statistics.median(xs) if xs else None


def gtin(base13):
    """The GTIN-14 with its GS1 check digit."""
    s = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(base13)))
    return base13 + str((10 - s % 10) % 10)


def b64(b):
    return base64.b64encode(b).decode()


# ------------------------------------------------------------------ HTTP


class Api:
    """http.client calls from CLIENT_ADDRESS (a new connection per call, as simple and
    as cheap on the loopback as a reused one), with the session cookie when signed in."""

    def __init__(self, port):
        self.port, self.cookie, self.csrf = port, None, None

    def request(self, method, path, body=None, headers=None, timeout=300):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                       source_address=(CLIENT_ADDRESS, 0))
        try:
            h = dict(headers or {})
            if self.cookie:
                h["Cookie"] = self.cookie
                if method not in ("GET", "HEAD"):
                    h["X-CSRF-Token"] = self.csrf
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            c.close()

    def json(self, method, path, body=None, want=(200, 201)):
        data = json.dumps(body).encode() if body is not None else None
        status, _, raw = self.request(method, path, data, {"Content-Type": "application/json"})
        if status not in want:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None

    def sign_in(self):
        status, headers, raw = self.request(
            "POST", "/api/v1/session", json.dumps({"username": ADMIN, "password": PASSWORD}),
            {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"sign-in: HTTP {status}: {raw[:300]!r}")
        self.cookie = re.match(r"(medfw_session=[^;]+);", headers["Set-Cookie"]).group(1)
        self.csrf = json.loads(raw)["csrf_token"]


class Medfwd:
    """medfwd on 127.0.0.1, a free port, its own data dir; default settings but
    web_dir (and log_level, kept at info: every request logged, as nginx's access log)."""

    def __init__(self, build, work, web_dir, name):
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.conf = work / "medfwd.conf"
        self.conf.write_text(f"listen_address = 127.0.0.1\nlisten_port = 0\n"
                             f"data_dir = {work / 'data'}\nweb_dir = {web_dir}\n")
        self.build, self.name, self.proc = build, name, None
        self.bootstrap = None

    def start(self, first):
        self.err = open(self.work / f"{self.name}.log", "ab")
        self.proc = subprocess.Popen([str(self.build / "medfwd"), "--config", str(self.conf),
                                      "--max-lifetime", "3600"],
                                     stdout=subprocess.PIPE, stderr=self.err, bufsize=0)
        line = self.proc.stdout.readline().decode().strip()
        m = re.match(r"medfwd listening on http://127\.0\.0\.1:(\d+)$", line)
        if not m:
            self.stop()
            raise RuntimeError(f"medfwd did not start: {line!r} (log {self.err.name})")
        self.port = int(m.group(1))
        self.url = f"http://127.0.0.1:{self.port}"
        if first:
            more = self.proc.stdout.readline().decode().strip()
            t = re.match(r"medfwd: bootstrap token \(.*\): (\S+)$", more)
            if not t:
                self.stop()
                raise RuntimeError(f"no bootstrap token: {more!r}")
            self.bootstrap = t.group(1)
        return self

    def figures(self):
        return {"rss_mib": round((proc_hwm_kib(self.proc.pid) or 0) / 1024, 1),
                "cpu_s": proc_cpu_s(self.proc.pid)}

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.proc.stdout.close()
        self.err.close()



# ------------------------------------------------------------------ part 1: files


def web_files(web_dir):
    index = web_dir / "index.html"
    assets = sorted((web_dir / "assets").glob("*.js"), key=lambda p: p.stat().st_size)
    css = sorted((web_dir / "assets").glob("*.css"))
    if not index.is_file() or not assets:
        raise RuntimeError(f"{web_dir} has no index.html or no assets/*.js: run "
                           "scripts/build-web.sh")
    main_js = assets[-1]  # the largest: the app itself
    return index, main_js, assets, css


def bundle_figures(web_dir):
    _, main_js, js, css = web_files(web_dir)

    def sizes(files):
        raw = sum(p.stat().st_size for p in files)
        gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in files)
        return {"files": len(files), "bytes": raw, "gzip_bytes": gz}
    return {"js": sizes(js), "css": sizes(css), "main_js": main_js.name,
            "index_bytes": (web_dir / "index.html").stat().st_size}


def wrk_parse(text):
    """wrk's report: requests, duration, bytes read, rates, latency percentiles, errors."""
    def unit(v, units):
        m = re.match(r"([\d.]+)([A-Za-z]*)$", v)
        return float(m.group(1)) * units[m.group(2)]
    sizes = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4, "": 1}
    times = {"us": 1e-3, "ms": 1, "s": 1000, "m": 60000}
    m = re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+\w+) read", text)
    if not m:
        raise RuntimeError(f"cannot read wrk's output: {text[-300:]!r}")
    res = {"requests": int(m.group(1)),
           "seconds": unit(m.group(2) + m.group(3), {"s": 1, "ms": 1e-3, "m": 60, "us": 1e-6}),
           "bytes_read": unit(m.group(4), sizes)}
    res["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    for pct in ("50", "99"):
        p = re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", text, re.M)
        res[f"p{pct}_ms"] = unit(p.group(1), times) if p else None
    e = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    res["socket_errors"] = sum(int(x) for x in e.groups()) if e else 0
    n = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    res["bad_status"] = int(n.group(1)) if n else 0
    return res


def header_bytes(h):
    """The response's header lines as sent (name, ": ", value, CRLF), without the
    status line."""
    return sum(len(k) + len(v) + 4 for k, v in h.items()) + 2


def cpu_of(pids):
    return sum(proc_cpu_s(p) or 0 for p in pids)


def children(pid):
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]
    except OSError:
        return []


def start_nginx(work, web_dir):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx")
                                      else None)
    if nginx is None:
        raise RuntimeError("nginx is not installed: run scripts/install-deps.sh --bench")
    n = work / "nginx"
    shutil.rmtree(n, ignore_errors=True)
    for d in ("tmp", "logs"):
        (n / d).mkdir(parents=True)
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    user = ""
    if os.getuid() == 0:
        import grp
        import pwd
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};"
    (n / "nginx.conf").write_text(f"""# written by bench/web.py
{user}
worker_processes {os.cpu_count()};
daemon off;
pid {n}/nginx.pid;
error_log {n}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    types {{ text/html html; application/javascript js; text/css css; image/svg+xml svg; }}
    default_type application/octet-stream;
    access_log {n}/logs/access.log;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path {n}/tmp/body;
    proxy_temp_path {n}/tmp/proxy;
    fastcgi_temp_path {n}/tmp/fastcgi;
    uwsgi_temp_path {n}/tmp/uwsgi;
    scgi_temp_path {n}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {web_dir};
        location = /ui {{ try_files /index.html =404; }}
        location /ui/ {{ try_files /index.html =404; }}
    }}
}}
""")
    err = open(work / "nginx.stderr", "wb")
    proc = subprocess.Popen([nginx, "-c", str(n / "nginx.conf"), "-p", f"{n}/", "-e",
                             str(n / "logs/error.log")], stdout=err, stderr=err)
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/index.html")
            if c.getresponse().status == 200:
                c.close()
                break
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError(f"nginx did not start: {(n / 'logs/error.log').read_text()[-300:]}")
    if proc.poll() is not None:
        raise RuntimeError(f"nginx exited: {(n / 'logs/error.log').read_text()[-300:]}")
    version = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr.strip()
    return proc, port, version.replace("nginx version: ", "")


def stop_nginx(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, r.headers, r.read()
    finally:
        c.close()


def part_files(build, work, web_dir):
    """medfwd against nginx serving the same tree: the checks, then the wrk rows."""
    if shutil.which("wrk") is None:
        return {"status": "wrk is not installed: run scripts/install-deps.sh --bench"}
    index, main_js, _, _ = web_files(web_dir)
    conns = env_int("BENCH_WEB_CONNECTIONS", 64)
    threads = env_int("BENCH_WEB_THREADS", os.cpu_count() or 2)
    duration = env_int("BENCH_WEB_DURATION", 10)
    warmup = env_int("BENCH_WEB_WARMUP", 2)
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    wrk_version = (wrk_version.stdout + wrk_version.stderr).split("\n")[0].split(" [")[0]
    out = {"connections": conns, "threads": threads, "duration_s": duration,
           "warmup_s": warmup, "wrk": wrk_version, "main_js": main_js.name,
           "index_bytes": index.stat().st_size, "js_bytes": main_js.stat().st_size}
    srv = Medfwd(build, work / "medfwd-files", web_dir, "medfwd").start(first=True)
    ngx = None
    try:
        ngx, nport, out["nginx_version"] = start_nginx(work, web_dir)
        out["medfwd_version"] = subprocess.run([str(build / "medfwd"), "--version"],
                                               capture_output=True, text=True).stdout.strip()
        paths = {"index": ("/ui", index), "js": (f"/assets/{main_js.name}", main_js)}
        etags, checks = {}, []
        for key, (path, f) in paths.items():
            want = hashlib.sha256(f.read_bytes()).hexdigest()
            for name, port in (("medfwd", srv.port), ("nginx", nport)):
                st, h, body = get(port, path)
                got = hashlib.sha256(body).hexdigest()
                if st != 200 or got != want:
                    out["status"] = (f"{name} GET {path}: HTTP {st}, SHA-256 {got[:16]}..., "
                                     f"the file's is {want[:16]}...: not the same bytes")
                    return out
                etags[(name, key)] = h.get("ETag")
                if name == "medfwd":
                    csp = h.get("Content-Security-Policy") or ""
                    missing = [d for d in CSP_MUST if d not in csp]
                    if missing:
                        out["status"] = (f"medfwd GET {path}: its Content-Security-Policy "
                                         f"{csp!r} lacks {', '.join(missing)}")
                        return out
                    out["csp"] = csp
                    out[f"medfwd_cache_{key}"] = h.get("Cache-Control")
                out[f"{name}_header_bytes_{key}"] = header_bytes(h)
            checks.append(f"GET {path}: both 200, SHA-256 {want[:16]}... = the file's")
        for name, port in (("medfwd", srv.port), ("nginx", nport)):
            tag = etags[(name, "index")]
            st, _, body = get(port, "/ui", {"If-None-Match": tag or '"none"'})
            if st != 304 or body:
                out["status"] = f"{name} GET /ui If-None-Match {tag}: HTTP {st}, not 304"
                return out
        checks.append("GET /ui with If-None-Match: its ETag: both 304 without a body")
        out["checks"] = checks
        rows = []
        plan = [("index", "GET /ui (index.html)", "/ui", None),
                ("js", f"GET /assets/{main_js.name}", f"/assets/{main_js.name}", None),
                ("304", "GET /ui, If-None-Match: ETag (304)", "/ui", "etag")]
        for key, label, path, hdr in plan:
            for name, port, pid in (("medfwd", srv.port, srv.proc.pid),
                                    ("nginx", nport, ngx.pid)):
                args = ["wrk", "-t", str(threads), "-c", str(conns), "--latency"]
                if hdr:
                    args += ["-H", f"If-None-Match: {etags[(name, 'index')]}"]
                url = f"http://127.0.0.1:{port}{path}"
                subprocess.run(args + ["-d", f"{warmup}s", url], capture_output=True,
                               timeout=warmup + 60)
                pids = [pid] + (children(pid) if name == "nginx" else [])
                c0 = cpu_of(pids)
                log(f"wrk {name} {label}")
                r = subprocess.run(args + ["-d", f"{duration}s", url], capture_output=True,
                                   text=True, timeout=duration + 60)
                c1 = cpu_of(pids)
                (work / f"wrk-{name}-{key}.txt").write_text(r.stdout + r.stderr)
                res = wrk_parse(r.stdout)
                body = 0 if key == "304" else paths[key][1].stat().st_size
                res.update({"row": key, "label": label, "server": name, "body_bytes": body,
                            "server_cpu_us": round((c1 - c0) / res["requests"] * 1e6, 1)
                            if res["requests"] else None})
                rows.append(res)
        out["rows"] = rows
        out["medfwd_rss_mib"] = srv.figures()["rss_mib"]
        out["nginx_rss_mib"] = round(sum(proc_hwm_kib(p) or 0 for p in
                                         [ngx.pid] + children(ngx.pid)) / 1024, 1)
        out["medfwd_threads"] = int(re.search(r"Threads:\s+(\d+)", Path(
            f"/proc/{srv.proc.pid}/status").read_text()).group(1))
        out["status"] = "ok"
    finally:
        if ngx is not None:
            stop_nginx(ngx)
        srv.stop()
    return out


# ------------------------------------------------------------------ part 2: the fleet


def fleet_plan(n, sites):
    """The devices, deterministic for a size: dicts with the CSV fields and the state."""
    rng = random.Random(f"medfw-web-bench-{n}")
    site_w = [s[3] for s in SITES]
    model_w = [m[4] for m in MODELS]
    devices, counters = [], {}
    for i in range(n):
        si = rng.choices(range(len(SITES)), site_w)[0]
        mi = rng.choices(range(len(MODELS)), model_w)[0]
        model, hw, gbase, code, _, versions = MODELS[mi]
        version = rng.choices([v for v, _ in versions], [w for _, w in versions])[0]
        k = counters[(si, mi)] = counters.get((si, mi), 0) + 1
        serial = f"{SITES[si][2]}-{code}-{k:07d}"
        made = f"{2021 + (k % 4):02d}"[2:] + f"{1 + k % 12:02d}{1 + k % 28:02d}"
        dept = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        roll = rng.randrange(100)
        state = ("pending" if roll < PENDING_PCT else
                 "not_signed" if roll < PENDING_PCT + NOT_SIGNED_PCT else "signed")
        devices.append({
            "site_id": sites[si], "udi": f"(01){gtin(gbase)}(11){made}(21){serial}",
            "serial": serial, "model": model, "hardware_id": hw, "department": dept,
            "location": f"{dept} bed {rng.randrange(1, 61):02d}",
            "network_zone": ZONES[rng.randrange(len(ZONES))], "firmware_version": version,
            "state": state, "stale": rng.randrange(100) < STALE_PCT,
            "seen_ago": rng.randrange(1, 600)})
    for d in devices:
        if d["stale"]:
            d["seen_ago"] = 600 + rng.randrange(7 * 86400)
    return devices


def csv_chunks(devices):
    cols = ["site_id", "udi", "serial", "model", "hardware_id", "department", "location",
            "network_zone", "firmware_version"]
    head = ",".join(cols) + "\n"
    chunk, size, count = [head], len(head), 0
    for d in devices:
        line = ",".join(str(d[c]) if "," not in str(d[c]) else '"' + str(d[c]) + '"'
                        for c in cols) + "\n"
        if count == CSV_MAX_ROWS or size + len(line) > CSV_MAX_BYTES:
            yield "".join(chunk), count
            chunk, size, count = [head], len(head), 0
        chunk.append(line)
        size += len(line)
        count += 1
    if count:
        yield "".join(chunk), count


def publish(build, work, url, token_file):
    """One signed release per model and version; pushed (medfwd commits it). Returns
    ({(model, version): image sha256}, when the push started, how long it took)."""
    medfw = build / "medfw"
    keys, repo = init_repo(medfw, work)
    base = json.loads((ROOT / "docs/formats/release-notice.example.json").read_text())
    images = {}
    rng = random.Random("medfw-web-bench-images")
    for model, hw, gbase, code, _, versions in MODELS:
        for version, _ in versions:
            notice = dict(base, product_version=version, hardware_ids=[hw],
                          udi_dis=[gtin(gbase)], min_agent_version="0.1.0")
            notice["sbom_target"] = f"sbom/{code.lower()}-{version}.cdx.json"
            nf = work / f"notice-{code}-{version}.json"
            nf.write_text(json.dumps(notice))
            img = work / f"{code}-{version}.img"
            img.write_bytes(rng.randbytes(4096))
            images[(model, version)] = hashlib.sha256(img.read_bytes()).hexdigest()
            run([medfw, "release", "add", "--repo", repo, "--image", img, "--notice", nf,
                 "--name", f"{code.lower()}/fw-{version}.img"], "release add",
                work / f"add-{code}-{version}.log")
    run([medfw, "repo", "sign", "--repo", repo, "--role", "root", "--key", keys / "root.pem"],
        "sign root", work / "sign-root.log")
    run([medfw, "repo", "sign", "--repo", repo, "--role", "targets", "--key",
         keys / "targets.pem"], "sign targets", work / "sign-targets.log")
    run([medfw, "repo", "publish", "--repo", repo, "--snapshot-key", keys / "snapshot.pem",
         "--timestamp-key", keys / "timestamp.pem"], "publish", work / "publish.log")
    t0 = time.monotonic()
    run([medfw, "push", "--server", url, "--token-file", token_file, "--repo", repo,
         "--pin-root", repo / "metadata/1.root.json"], "push", work / "push.log")
    return images, t0, round(time.monotonic() - t0, 2)


def checkin_body(d, image):
    return json.dumps({"firmware_version": d["firmware_version"], "image_sha256": image,
                       "agent_version": "0.1.0", "clinical_state": "idle",
                       "network_zone": d["network_zone"]}).encode()


def real_sample(api, devices, ids, images, count):
    """Enrol and check in `count` devices through the protocol (16 client threads);
    returns (seconds, their indexes)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    step = max(1, len(devices) // count)
    picked = [i for i in range(0, len(devices), step)
              if devices[i]["state"] != "pending"][:count]

    def one(i):
        d, dev_id = devices[i], ids[i]
        tok = api.json("POST", f"/api/v1/devices/{dev_id}/enrolment-token",
                       {"expires_in": 3600})["token"]
        key = Ed25519PrivateKey.generate()
        pub = key.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw).hex()
        dev = Api(api.port)
        dev.json("POST", "/device/v1/enrol", {"token": tok, "public_key": pub,
                                              "agent_version": "0.1.0",
                                              "hardware_id": d["hardware_id"]})
        body = checkin_body(d, images[i])
        digest = f"sha-256=:{b64(hashlib.sha256(body).digest())}:"
        params = (f'("@method" "@path" "content-digest");created={int(time.time())};'
                  f'nonce="{b64(os.urandom(16))}";keyid="device:{dev_id}";alg="ed25519"')
        sig_base = (f'"@method": POST\n"@path": /device/v1/checkin\n"content-digest": '
                    f'{digest}\n"@signature-params": {params}')
        st, _, raw = dev.request("POST", "/device/v1/checkin", body, {
            "Content-Type": "application/json", "Content-Digest": digest,
            "Signature-Input": f"sig1={params}",
            "Signature": f"sig1=:{b64(key.sign(sig_base.encode()))}:"})
        if st != 200:
            raise RuntimeError(f"check-in of device {dev_id}: HTTP {st}: {raw[:200]!r}")
    t0 = time.monotonic()
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(one, picked))
    return time.monotonic() - t0, picked


def write_store(db, devices, ids, images, skip, now):
    """BENCHMARK ONLY: the check-in state of the devices not in `skip`, written to the
    store with medfwd stopped (the columns a check-in writes; enrolled with a key that
    no one holds). Returns seconds."""
    rng = random.Random("medfw-web-bench-keys")
    rows = []
    for i, d in enumerate(devices):
        if i in skip or d["state"] == "pending":
            continue
        rows.append((rng.randbytes(32), now - d["seen_ago"], images[i], d["network_zone"],
                     ids[i]))
    t0 = time.monotonic()
    con = sqlite3.connect(db, timeout=60)
    try:
        with con:
            con.executemany(
                "UPDATE devices SET enrolment_state = 'enrolled', public_key = ?, "
                "last_seen = ?, image_sha256 = ?, agent_version = '0.1.0', "
                "clinical_state = 'idle', network_zone = ? WHERE id = ?", rows)
            changed = con.total_changes
    finally:
        con.close()
    if changed != len(rows):
        raise RuntimeError(f"store write: {changed} rows changed of {len(rows)}")
    return time.monotonic() - t0


def firmware_counts(report):
    unknown = sum(v["unknown"] for m in report["models"] for v in m["versions"])
    signed = sum(v["signed_release"] for m in report["models"] for v in m["versions"])
    return signed, report["not_signed_total"], unknown


def timed(api, path):
    t0 = time.perf_counter()
    st, _, body = api.request("GET", path)
    t = time.perf_counter() - t0
    if st != 200:
        raise RuntimeError(f"GET {path}: HTTP {st}: {body[:200]!r}")
    return t, body


def chain(api, boot, group, wait_for):
    """The calls as the page makes them: `boot` one after the other, then `group`
    together; the time until every call of `wait_for` answered (ms), and each call's."""
    t0 = time.perf_counter()
    each = {}
    for p in boot:
        each[p] = timed(api, p)[0]
    done = {}

    def call(p):
        dt, body = timed(api, p)
        done[p] = time.perf_counter() - t0
        each[p] = dt
        return body
    with ThreadPoolExecutor(len(group)) as ex:
        bodies = dict(zip(group, ex.map(call, group)))
    return max(done[p] for p in wait_for) * 1000, {p: v * 1000 for p, v in each.items()}, bodies


def floors(api, steps, reps):
    """The steps' chains, `reps` rounds; each call also made alone (nothing else running:
    its own cost) in every round, under the key "alone"."""
    out = {k: {"total": [], "calls": {}} for k in steps}
    out["alone"] = {}
    paths = sorted({p for boot, group, _ in steps.values() for p in boot + group})
    extra = {}
    for _ in range(reps):
        for p in paths:
            out["alone"].setdefault(p, []).append(timed(api, p)[0] * 1000)
        for key, (boot, group, wait_for) in steps.items():
            total, each, bodies = chain(api, boot, group, wait_for)
            out[key]["total"].append(total)
            for p, v in each.items():
                out[key]["calls"].setdefault(p, []).append(v)
            if key == "e":
                body = bodies[group[0]]
                extra = {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    return out, extra


DRIVER = r"""
// bench/web.py's browser driver (written by it into its work dir; not a test).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { launchBrowser } = await import(pathToFileURL(cfg.harness).href);
const browser = await launchBrowser();
const out = { rounds: [], chromium: browser.version() };
const log = (m) => process.stderr.write(`[web-bench driver] ${m}\n`);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(cfg.timeout_ms);
  // the app's API calls in flight, from the first page on: a step starts only when the
  // last one's are done (a navigation cancels the browser's fetch, not the server's work:
  // a slow call left behind would be measured in the next step)
  const inflight = new Set();
  const isApi = (q) => q.resourceType() === 'fetch' && q.url().includes('/api/v1/');
  page.on('request', (q) => { if (isApi(q)) inflight.add(q); });
  page.on('requestfinished', (q) => inflight.delete(q));
  page.on('requestfailed', (q) => inflight.delete(q));
  const settle = async () => {
    const until = Date.now() + cfg.timeout_ms;
    while (inflight.size > 0) {
      if (Date.now() > until) throw new Error(`${inflight.size} API calls still running after ${cfg.timeout_ms} ms`);
      await new Promise((res) => setTimeout(res, 5));
    }
  };

  // signed in once (untimed; its 401 from GET /api/v1/me before signing in is expected)
  await page.goto(`${cfg.url}/ui`);
  await page.getByLabel('Username').fill(cfg.username);
  await page.getByLabel('Password').fill(cfg.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  // from here on, anything the page reports is kept and shown in the section
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });

  const wait = (fn, arg) => page.waitForFunction(fn, arg, { polling: 'raf', timeout: cfg.timeout_ms }).then((h) => h.jsonValue());
  const apiEntries = (since) => page.evaluate((t) => performance.getEntriesByType('resource')
    .filter((e) => e.name.includes('/api/v1/') && e.startTime >= t)
    .map((e) => ({ path: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime - t, end: e.responseEnd - t, bytes: e.encodedBodySize })), since);

  const tableIs = (exp) => {
    const rows = document.querySelectorAll('table[aria-label="Devices"] tbody tr');
    if (rows.length !== exp.serials.length) return false;
    for (let i = 0; i < rows.length; i++) if (rows[i].querySelector('td a')?.textContent !== exp.serials[i]) return false;
    const st = document.querySelector('p.muted[role="status"]');
    if (!st || !st.textContent.startsWith(`${exp.total.toLocaleString('en')} device`)) return false;
    return performance.now();
  };
  const chartsDrawn = (n) => {
    const tile = document.querySelector('.tiles .tile .tile-n');
    if (!tile || tile.textContent !== n.toLocaleString('en')) return false;
    for (const id of ['chart-models-title', 'chart-signed-title']) {
      const c = document.querySelector(`canvas[aria-labelledby="${id}"]`);
      if (!c || c.width === 0 || c.height === 0) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = false;
      for (let i = 3; i < d.length; i += 16) if (d[i] !== 0) { ink = true; break; }
      if (!ink) return false;
    }
    return performance.now();
  };

  for (let round = 0; round <= cfg.reps; round++) {
    const r = { round };
    await settle();
    // (a) the overview, from the navigation's start
    await page.goto(`${cfg.url}/ui`, { waitUntil: 'commit' });
    r.a = await wait(chartsDrawn, cfg.total);
    await settle();
    r.a_api = await apiEntries(0);
    // (b) the device list's first page
    await page.goto(`${cfg.url}/ui/devices`, { waitUntil: 'commit' });
    r.b = await wait(tableIs, cfg.first_page);
    await settle();
    r.b_api = await apiEntries(0);
    // (c) a search by a full UDI, from just before the submit
    await page.locator('#device-q').fill(cfg.udi);
    const c0 = await page.evaluate(() => {
      performance.clearResourceTimings();
      const t = performance.now();
      document.querySelector('form.filters').requestSubmit();
      return t;
    });
    r.c = (await wait(tableIs, cfg.search)) - c0;
    await settle();
    r.c_api = await apiEntries(c0);
    // (d) sort by last seen, from just before the click (on a fresh, unsorted list)
    await page.goto(`${cfg.url}/ui/devices`, { waitUntil: 'commit' });
    await wait(tableIs, cfg.first_page);
    await settle();
    const d0 = await page.evaluate(() => {
      performance.clearResourceTimings();
      const b = [...document.querySelectorAll('th button.sort')].find((x) => x.textContent.trim().startsWith('Last seen'));
      const t = performance.now();
      b.click();
      return t;
    });
    r.d = (await wait(tableIs, cfg.sorted)) - d0;
    await settle();
    r.d_api = await apiEntries(d0);
    // (e) the CSV export of every device: from the click until the file is complete
    const link = page.getByRole('link', { name: 'Export CSV' });
    const href = await link.getAttribute('href');
    const t0 = performance.now();
    const [dl] = await Promise.all([page.waitForEvent('download', { timeout: cfg.timeout_ms }), link.click()]);
    const file = await dl.path();
    r.e = performance.now() - t0;
    r.e_href = href;
    r.e_bytes = statSync(file).size;
    r.e_sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
    await dl.delete();
    out.rounds.push(r);
    log(`round ${round}: a ${r.a.toFixed(0)} b ${r.b.toFixed(0)} c ${r.c.toFixed(0)} d ${r.d.toFixed(0)} e ${r.e.toFixed(0)} ms`);
  }
  out.problems = problems;
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out));
"""


def browser_ready(build):
    chromium = os.environ.get("MEDFW_CHROMIUM", "/usr/bin/chromium")
    if not os.access(chromium, os.X_OK):
        return f"chromium is not installed ({chromium}): scripts/install-deps.sh"
    if shutil.which("node") is None:
        return "node is not installed: scripts/install-deps.sh"
    if not (ROOT / "tests/browser/node_modules/playwright-core").is_dir():
        return ("playwright-core is not installed in tests/browser/node_modules: run "
                "scripts/build-web.sh --tests")
    return None


def one_size(build, work, web_dir, n):
    reps = env_int("BENCH_WEB_REPS", 3)
    floor_reps = env_int("BENCH_WEB_FLOOR_REPS", 3)
    sample_n = env_int("BENCH_WEB_REAL_SAMPLE", 256)
    res = {"devices": n, "reps": reps, "floor_reps": floor_reps}
    work.mkdir(parents=True)
    srv = Medfwd(build, work, web_dir, "medfwd").start(first=True)
    try:
        api = Api(srv.port)
        api.json("POST", "/api/v1/bootstrap", {"token": srv.bootstrap, "username": ADMIN,
                                               "password": PASSWORD})
        api.sign_in()
        site_ids = [api.json("POST", "/api/v1/sites", {"name": s[0], "time_zone": s[1]})["id"]
                    for s in SITES]
        devices = fleet_plan(n, site_ids)
        log(f"{n} devices: CSV import")
        t0 = time.monotonic()
        ids, requests = [], 0
        for text, count in csv_chunks(devices):
            st, _, raw = api.request("POST", "/api/v1/devices/import", text.encode(),
                                     {"Content-Type": "text/csv"})
            if st != 201:
                raise RuntimeError(f"CSV import: HTTP {st}: {raw[:300]!r}")
            got = json.loads(raw)["ids"]
            if len(got) != count:
                raise RuntimeError(f"CSV import: {len(got)} ids for {count} rows")
            ids += got
            requests += 1
        res["import_s"] = round(time.monotonic() - t0, 2)
        res["import_requests"] = requests
        # what each device reports: its version's signed image, or another image
        rng = random.Random(f"medfw-web-bench-state-{n}")
        signed_images = {}
        rng_img = random.Random("medfw-web-bench-images")
        for model, _, _, _, _, versions in MODELS:
            for version, _ in versions:
                signed_images[(model, version)] = hashlib.sha256(
                    rng_img.randbytes(4096)).hexdigest()
        images = [signed_images[(d["model"], d["firmware_version"])] if d["state"] == "signed"
                  else rng.randbytes(32).hex() for d in devices]
        log(f"{n} devices: {sample_n} enrolled and checked in through the protocol")
        s, picked = real_sample(api, devices, ids, images, sample_n)
        res["real_sample"] = len(picked)
        res["real_sample_s"] = round(s, 2)
        res["real_rate_per_s"] = round(len(picked) / s, 1)
        res["import_phase"] = srv.figures()
        srv.stop()
        log(f"{n} devices: the others' check-in state written to the store")
        now = int(time.time())
        res["store_write_s"] = round(write_store(work / "data/medfwd.db", devices, ids, images,
                                                 set(picked), now), 2)
        srv.start(first=False)
        cpu0 = proc_cpu_s(srv.proc.pid)
        api = Api(srv.port)
        api.sign_in()
        token = api.json("POST", "/api/v1/tokens", {"name": "bench"})["token"]
        (work / "token").write_text(token + "\n")
        (work / "token").chmod(0o600)
        log(f"{n} devices: releases signed and pushed; medfwd decides every device's image")
        images_pub, t0, res["push_s"] = publish(build, work, srv.url, work / "token")
        if images_pub != signed_images:
            raise RuntimeError("the pushed images are not the ones the devices report")
        want = (sum(d["state"] == "signed" for d in devices),
                sum(d["state"] == "not_signed" for d in devices),
                sum(d["state"] == "pending" for d in devices))
        deadline = time.monotonic() + 600
        while True:
            got = firmware_counts(api.json("GET", "/api/v1/reports/firmware"))
            if got == want:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"firmware report after the push: signed / not signed / "
                                   f"unknown {got}, expected {want}")
            time.sleep(0.2)
        res["flags_s"] = round(time.monotonic() - t0, 2)
        res["signed"], res["not_signed"], res["unknown"] = want
        res["models"], res["versions"], res["sites"] = (
            len(MODELS), sum(len(m[5]) for m in MODELS), len(SITES))

        # what the pages must show, from the API
        first = api.json("GET", f"/api/v1/devices?limit={PAGE}")
        pick = next(i for i in range(len(devices) // 2, len(devices))
                    if devices[i]["model"] == MODELS[0][0])
        udi = devices[pick]["udi"]
        q = "/api/v1/devices?" + urllib.parse.urlencode({"q": udi, "limit": PAGE})
        found = api.json("GET", q)
        if found["total"] != 1 or found["devices"][0]["id"] != ids[pick]:
            raise RuntimeError(f"the API's search for {udi} found {found['total']} devices")
        sort_q = f"/api/v1/devices?sort=last_seen&order=asc&limit={PAGE}"
        by_seen = api.json("GET", sort_q)
        serials = lambda p: [d["serial"] for d in p["devices"]]  # noqa: E731
        if serials(by_seen) == serials(first):
            raise RuntimeError("sorting by last seen gives the same first page: the sort "
                               "step would measure nothing")
        same_di = sum(1 for d in devices if d["model"] == MODELS[0][0])
        res.update({"udi": udi, "udi_di_devices": same_di, "total": first["total"]})

        me, sites = "/api/v1/me", "/api/v1/sites"
        fw, vr, ro = ("/api/v1/reports/firmware", "/api/v1/reports/vulnerabilities",
                      "/api/v1/rollouts?limit=100")
        dl = f"/api/v1/devices?limit={PAGE}"
        export = "/api/v1/devices/export?format=csv"
        steps = {"a": ([me, sites], [fw, vr, ro], [fw]),
                 "b": ([me, sites], [fw, dl], [dl]),
                 "c": ([], [q], [q]),
                 "d": ([], [f"/api/v1/devices?sort=last_seen&order=asc&limit={PAGE}"],
                       [f"/api/v1/devices?sort=last_seen&order=asc&limit={PAGE}"]),
                 "e": ([], [export], [export])}
        res["calls"] = {k: {"boot": v[0], "group": v[1], "wait_for": v[2]}
                        for k, v in steps.items()}
        log(f"{n} devices: API floors ({floor_reps} rounds)")
        fl1, exp1 = floors(api, steps, floor_reps)

        why = browser_ready(build)
        if why:
            res["browser_status"] = why
        else:
            cfg = {"harness": str(ROOT / "tests/browser/harness.mjs"), "url": srv.url,
                   "username": ADMIN, "password": PASSWORD, "reps": reps,
                   "timeout_ms": 240000, "total": n, "udi": udi,
                   "first_page": {"serials": serials(first), "total": first["total"]},
                   "search": {"serials": [devices[pick]["serial"]], "total": 1},
                   "sorted": {"serials": serials(by_seen), "total": by_seen["total"]}}
            (work / "driver.json").write_text(json.dumps(cfg))
            (work / "driver.mjs").write_text(DRIVER)
            log(f"{n} devices: chromium, {reps} rounds after one not counted")
            env = dict(os.environ, TZ="UTC", LC_ALL="C", MEDFW_BUILD_DIR=str(build),
                       MEDFW_WEB_DIR=str(web_dir))
            with open(work / "driver.log", "wb") as err:
                p = subprocess.run(["node", str(work / "driver.mjs"), str(work / "driver.json")],
                                   stdout=subprocess.PIPE, stderr=err, env=env, timeout=1200)
            if p.returncode != 0:
                tail = (work / "driver.log").read_text(errors="replace").strip()
                res["browser_status"] = ("the browser driver failed: "
                                         + " / ".join(tail.splitlines()[-4:])[-600:])
            else:
                res["browser"] = json.loads(p.stdout)
                res["browser_status"] = "ok"
        log(f"{n} devices: API floors again ({floor_reps} rounds)")
        fl2, exp2 = floors(api, steps, floor_reps)
        res["floor"] = {k: {"total": fl1[k]["total"] + fl2[k]["total"],
                            "calls": {p: fl1[k]["calls"][p] + fl2[k]["calls"][p]
                                      for p in fl1[k]["calls"]}} for k in steps}
        res["alone"] = {p: fl1["alone"][p] + fl2["alone"][p] for p in fl1["alone"]}
        res["export_api"] = exp2
        if exp1 != exp2:
            res["export_note"] = "the API's export changed between the two floor rounds"
        fig = srv.figures()
        res["serve_phase"] = {"rss_mib": fig["rss_mib"],
                              "cpu_s": round(fig["cpu_s"] - cpu0, 1)
                              if fig["cpu_s"] is not None and cpu0 is not None else None}
        res["db_mib"] = round(sum(f.stat().st_size for f in (work / "data").glob("medfwd.db*"))
                              / 2 ** 20, 1)
    finally:
        srv.stop()
    return res


def measure(build, out, work):
    build = Path(build).resolve()
    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    web_dir = Path(os.environ.get("BENCH_WEB_DIR", build.parent / "web")).resolve()
    sizes = [int(x) for x in os.environ.get("BENCH_WEB_SIZES", "10000 100000").split()]
    started = time.monotonic()
    doc = {"machine": machine(),
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": os.environ.get("BENCH_WEB_COMMAND", f"bench/web.py measure {build}"),
           "git": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
           "load_before": loadavg(), "web_dir": str(web_dir), "sizes": sizes}
    try:
        doc["bundle"] = bundle_figures(web_dir)
    except (OSError, RuntimeError) as e:
        doc["status"] = str(e)
    if "status" not in doc and not (build / "medfwd").exists():
        doc["status"] = f"medfwd is not built ({build / 'medfwd'})"
    if "status" not in doc:
        log("part 1: the dashboard's files, medfwd against nginx")
        try:
            doc["files"] = part_files(build, work / "files", web_dir)
        except Exception as e:  # reported, never made up
            log(f"part 1 FAILED: {e}")
            doc["files"] = {"status": f"failed: {e}"}
        doc["load_mid"] = loadavg()
        doc["fleets"] = []
        for n in sizes:
            try:
                doc["fleets"].append(one_size(build, work / f"n{n}", web_dir, n))
            except Exception as e:  # reported, never made up
                log(f"{n} devices FAILED: {e}")
                doc["fleets"].append({"devices": n, "failed": str(e)})
    doc["load_after"] = loadavg()
    doc["elapsed_s"] = round(time.monotonic() - started)
    doc["chromium"] = next((f["browser"]["chromium"] for f in doc.get("fleets", [])
                            if "browser" in f), None)
    Path(out).write_text(json.dumps(doc, indent=1))
    return doc


# ------------------------------------------------------------------ the section


def fmt_ms(v):
    if v is None:
        return "—"
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.1f} ms"


def duration(s):
    return f"{s:.0f} s" if s < 120 else f"{s / 60:.0f} min"


def fmt_n(v, d=0):
    return "—" if v is None else f"{v:,.{d}f}"


def wire_rate(r):
    return r["bytes_read"] / r["seconds"]


def files_lines(f):
    lines = ["### 1. Serving the dashboard's files: medfwd against nginx", ""]
    if f.get("status") != "ok":
        return lines + [f"Not measured: {f.get('status')}.", ""]
    lines += [
        f"Both servers on 127.0.0.1 serve the same build (`index.html` {f['index_bytes']:,} "
        f"bytes, main JS `{f['main_js']}` {f['js_bytes']:,} bytes), checked before the clock: "
        + "; ".join(f["checks"]) + f". medfwd's answer carries its CSP (`{f['csp']}`); "
        f"`Cache-Control` {f.get('medfwd_cache_index')} for /ui, "
        f"{f.get('medfwd_cache_js')} for the asset. Neither compresses (medfwd has no "
        "gzip; nginx's is off by default), so the bodies are the files' bytes.",
        "",
        f"Load generator: {f['wrk']} (one for both servers), {f['connections']} keep-alive "
        f"connections on {f['threads']} threads, {f['warmup_s']} s warm-up not counted, then "
        f"{f['duration_s']} s. medfwd ({f.get('medfwd_version', '?')}): default settings "
        f"({f.get('medfwd_threads', '?')} threads in all), every request logged (JSON on standard "
        f"error, to a file); nginx ({f['nginx_version']}): `worker_processes "
        f"{os.cpu_count()}`, sendfile, access log on. Body MB/s = requests/s × body bytes "
        "(10^6 bytes); wire MB/s = what wrk read, headers included (medfwd sends "
        f"{f.get('medfwd_header_bytes_index', '?')} header bytes with index.html against "
        f"nginx's {f.get('nginx_header_bytes_index', '?')}: its CSP and security headers). "
        "Server CPU: user + system time of the server process (nginx: master and workers) "
        "over the measured run, per request. Client and server share the 2 cores.", "",
        "| request | server | requests/s | body MB/s | wire MB/s | p50 | p99 | errors | "
        "server CPU µs/req |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    by = {(r["row"], r["server"]): r for r in f["rows"]}
    for key in ("index", "js", "304"):
        m, n = by.get((key, "medfwd")), by.get((key, "nginx"))
        for r in (m, n):
            if r is None:
                continue
            body = r["rps"] * r["body_bytes"] / 1e6
            wire = wire_rate(r) / 1e6
            lines.append(
                f"| {r['label']} | {r['server']} | {fmt_n(r['rps'])} | {body:,.1f} | "
                f"{wire:,.1f} | {fmt_ms(r['p50_ms'])} | {fmt_ms(r['p99_ms'])} | "
                f"{r['socket_errors'] + r['bad_status']} | {fmt_n(r['server_cpu_us'], 1)} |")
        if m and n and n["rps"]:
            lines.append(f"| | **medfwd / nginx** | **{m['rps'] / n['rps']:.2f} ×** | | "
                         f"{wire_rate(m) / wire_rate(n):.2f} × | "
                         f"{m['p50_ms'] / n['p50_ms']:.2f} × | "
                         f"{m['p99_ms'] / n['p99_ms']:.2f} × | | "
                         f"{m['server_cpu_us'] / n['server_cpu_us']:.2f} × |")
    lines += ["", f"Peak RSS (VmHWM at the end): medfwd {f['medfwd_rss_mib']} MiB, nginx "
              f"{f['nginx_rss_mib']} MiB (master and workers summed). Errors: socket errors "
              "and answers outside 2xx/3xx, as wrk counts them.", ""]
    return lines


STEP_NAMES = {"a": "(a) overview: both charts drawn (navigation)",
              "b": "(b) device list: first page shown (navigation)",
              "c": "(c) search by a full UDI: one row",
              "d": "(d) sort by last seen: first page",
              "e": "(e) CSV export of every device: downloaded"}


def browser_parts(r, k, x):
    """A page time split by the browser's Resource Timing: (until the first API call was
    sent, from it until the call the step waits for answered, from then until the page
    showed it); None when the entries are not all there (or for the download)."""
    entries = x.get(f"{k}_api") or []
    want = r["calls"][k]["wait_for"]
    ends = [e["end"] for e in entries if e["path"] in want]
    if not entries or len(ends) != len(want):
        return None
    start, end = min(e["start"] for e in entries), max(ends)
    return start, end - start, x[k] - end


def fleet_lines(r):
    n = r["devices"]
    if "failed" in r:
        return [f"**{n:,} devices: FAILED** — {r['failed']}", ""]
    lines = [f"#### {n:,} devices", "",
             f"Made in: CSV import {r['import_s']} s ({r['import_requests']} "
             f"request{'s' if r['import_requests'] != 1 else ''}); "
             f"{r['real_sample']} devices enrolled and checked in through the protocol in "
             f"{r['real_sample_s']} s (**{r['real_rate_per_s']} devices/s**: the whole fleet "
             f"would take {duration(n / r['real_rate_per_s'])} that way, hence the store "
             f"write for the others: {r['store_write_s']} s); the releases pushed in "
             f"{r['push_s']:.1f} s and every device's image decided by medfwd "
             f"{r['flags_s']} s after the push started. Fleet: {r['sites']} sites, "
             f"{r['models']} models, {r['versions']} firmware versions; {r['signed']:,} "
             f"devices on a signed release, {r['not_signed']:,} not, {r['unknown']:,} never "
             f"seen. The UDI searched for: `{r['udi']}` (its UDI-DI is shared by "
             f"{r['udi_di_devices']:,} devices). Store: {r['db_mib']} MiB.", ""]
    fl = r["floor"]
    if r.get("browser_status") != "ok":
        lines += [f"Browser: not measured — {r.get('browser_status')}.", "",
                  "| step | API floor (median) |", "|---|---:|"]
        for k in "abcde":
            lines.append(f"| {STEP_NAMES[k]} | {fmt_ms(median(fl[k]['total']))} |")
        return lines + [""]
    rounds = [x for x in r["browser"]["rounds"] if x["round"] > 0]
    first = r["browser"]["rounds"][0]
    lines += ["| step | page (median) | min – max | API floor (median) | **page / floor** | "
              "in the browser: until the first API call | the API calls | after the answer "
              "until shown | first round (not counted) |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for k in "abcde":
        pages = [x[k] for x in rounds]
        page_m, floor_m = median(pages), median(fl[k]["total"])
        parts = [browser_parts(r, k, x) for x in rounds]
        parts = [p for p in parts if p is not None]
        cells = ["—", "—", "—"] if not parts else [
            fmt_ms(median([p[i] for p in parts])) for i in range(3)]
        lines.append(f"| {STEP_NAMES[k]} | {fmt_ms(page_m)} | {fmt_ms(min(pages))} – "
                     f"{fmt_ms(max(pages))} | {fmt_ms(floor_m)} | **{page_m / floor_m:.2f} ×** | "
                     + " | ".join(cells) + f" | {fmt_ms(first[k])} |")
    e_bytes = {x["e_bytes"] for x in r["browser"]["rounds"]}
    e_sha = {x["e_sha256"] for x in r["browser"]["rounds"]}
    same = e_sha == {r["export_api"]["sha256"]}
    same_txt = ("the same bytes as the API export (SHA-256)" if same else
                "NOT the bytes of the API export: " + r["export_api"]["sha256"][:16])
    e_page = median([x["e"] for x in rounds]) / 1000
    lines += ["", f"Export: {', '.join(f'{b:,}' for b in sorted(e_bytes))} bytes "
              f"({same_txt}), "
              f"{r['export_api']['bytes'] / e_page / 1e6:.1f} MB/s through the browser. "
              f"medfwd peak RSS: {r['import_phase']['rss_mib']} MiB while the fleet was "
              f"imported, {r['serve_phase']['rss_mib']} MiB while serving the pages "
              f"(from the push to the end; {r['serve_phase']['cpu_s']} s of CPU)."
              + (f" Note: {r['export_note']}." if r.get("export_note") else "")
              + (f" The page reported: {'; '.join(r['browser']['problems'][:3])}."
                 if r["browser"].get("problems") else ""), ""]
    calls = ["API calls per step, median of the floor rounds, as the page makes them "
             "(in its chain, together with the others): "]
    parts = []
    for k in "abcde":
        c = r["calls"][k]
        each = ", ".join(f"`{p}` {fmt_ms(median(fl[k]['calls'][p]))}"
                         for p in c["boot"] + c["group"])
        parts.append(f"{k}: {each}")
    lines += [calls[0] + "; ".join(parts) + "."]
    if r.get("alone"):
        lines += ["Each call alone (nothing else running): " + ", ".join(
            f"`{p}` {fmt_ms(median(v))}" for p, v in sorted(r["alone"].items())) + "."]
    lines += [""]
    return lines


def section(doc):
    head = [BEGIN, "## Web dashboard", ""]
    if doc is None:
        return "\n".join(head + ["Not measured in this run.", END]) + "\n"
    m = doc["machine"]
    lines = head + [
        f"Measured {doc['date']} at `{doc['git']}` on {m['cpu']} ({m['cores']} cores, "
        f"{m['memory']}), {m['kernel']}; servers, load generator and browser on the same "
        f"machine. Command: `{doc['command']}`; this part took {doc['elapsed_s']} s. "
        f"Load average (1/5/15 min) before: {doc['load_before']}; between the two parts: "
        f"{doc.get('load_mid', '—')}; after: {doc['load_after']} (the machine is shared "
        "with other work: absolute times are noisy, ratios within the run are the figures "
        "to read).", ""]
    if doc.get("status"):
        return "\n".join(lines + [f"Not measured: {doc['status']}.", END]) + "\n"
    b = doc["bundle"]
    lines += [f"Bundle (`{doc['web_dir'].replace(str(ROOT) + '/', '')}`, built by "
              "`scripts/build-web.sh`): "
              f"JS {b['js']['bytes']:,} bytes in {b['js']['files']} "
              f"file{'s' if b['js']['files'] != 1 else ''}, "
              f"{b['js']['gzip_bytes']:,} gzip -9; CSS {b['css']['bytes']:,} bytes, "
              f"{b['css']['gzip_bytes']:,} gzip -9; index.html {b['index_bytes']:,} bytes. "
              "Served uncompressed (medfwd does not compress): a browser fetches "
              f"{(b['js']['bytes'] + b['css']['bytes'] + b['index_bytes']) / 1000:,.0f} kB on "
              "its first visit, then only revalidates index.html (the assets are immutable).",
              ""]
    lines += files_lines(doc.get("files", {"status": "not run"}))
    lines += ["### 2. The dashboard at fleet scale, in chromium", "",
              f"Chromium {doc.get('chromium') or '(not run)'} headless, launched by "
              "`tests/browser/harness.mjs` as the browser tests launch it, driven by "
              "playwright-core; one context signed in once as the bootstrap admin "
              "(manufacturer-wide, no TOTP), 1280×800. medfwd: default settings, a fresh data "
              "dir per size. Devices made through the API (CSV import, UDIs GS1 with the "
              "model's GTIN), a sample enrolled and checked in through the protocol, the "
              "others' check-in state written to the store directly (benchmark only: the "
              "protocol's rate, measured, is below), then a signed release per model and "
              "version pushed, so medfwd itself marks every image signed or not.", "",
              "*Page*: the page's own clock (`performance.now()`, polled each animation "
              "frame) from the navigation's start ((a), (b)) or from just before the submit "
              "or click ((c), (d)) until what the step names is on screen: (a) both charts "
              "have pixels and the device tile shows the fleet's count; (b) (c) (d) the table "
              "holds exactly the rows the API lists, in its order, and the total; (e) from "
              "the click until the downloaded file is complete (driver's clock). Median of "
              "the rounds after a first one not counted (it fills the browser's cache; "
              "/assets/* are then served from it, index.html is revalidated: 304); a step "
              "starts when every API call of the one before has answered. *API "
              "floor*: the same API calls in the same order and concurrency as the page makes "
              "them (after a navigation the app's start-up `GET /api/v1/me` then `GET "
              "/api/v1/sites`, then the page's calls together; the time until the call the "
              "step waits for answered), made from the same machine with Python's "
              "http.client (a new connection per call), median of the rounds before and "
              "after the browser's. *In the "
              "browser*: the page time split with the browser's Resource Timing: until the "
              "page sent its first API call (after a navigation: index.html revalidated, the "
              "cached JS parsed and run; after a click: the app's routing), from then until "
              "the call the step waits for answered (the browser's view of what the floor "
              "measures), and from that answer until the condition was seen on screen "
              "(JSON parsing, rendering, drawing; polled once per frame, ~16 ms).", ""]
    for r in doc.get("fleets", []):
        lines += fleet_lines(r)
    lines += interpretation(doc)
    lines.append(END)
    return "\n".join(lines) + "\n"


def interpretation(doc):
    """A short reading of the figures, computed from them (so it follows the numbers)."""
    out = ["### What the numbers say", ""]
    f = doc.get("files", {})
    if f.get("status") == "ok":
        by = {(r["row"], r["server"]): r for r in f["rows"]}
        keys = [k for k in ("index", "js", "304") if (k, "medfwd") in by and (k, "nginx") in by]
        rate = {k: by[(k, "medfwd")]["rps"] / by[(k, "nginx")]["rps"] for k in keys}
        cpu = {k: by[(k, "medfwd")]["server_cpu_us"] / by[(k, "nginx")]["server_cpu_us"]
               for k in keys}
        names = {"index": "index.html", "js": "the main JS", "304": "the 304"}
        out.append(
            "- **Files.** medfwd answers " + ", ".join(
                f"{names[k]} at {rate[k]:.2f} ×" for k in keys)
            + " nginx's rate, spending " + ", ".join(
                f"{cpu[k]:.2f} ×" for k in keys)
            + " its CPU per request. The load generator shares the 2 cores, so the rates are "
            "partly the client's limit; CPU per request is the server's own cost. On the small "
            "answers (index.html, 304) medfwd does more per request than nginx: routing, "
            f"{f.get('medfwd_header_bytes_index', '?')} bytes of headers (CSP and the other "
            f"security headers) against nginx's {f.get('nginx_header_bytes_index', '?')}, a "
            f"JSON log record. On the JS ({f['js_bytes'] / 1000:.0f} kB an answer) the work "
            "is moving the bytes for both. "
            "A browser fetches the JS once (immutable) and revalidates index.html once per "
            "navigation (a 304): even medfwd's lowest rate here is thousands of times what a "
            "hospital's dashboard users ask for.")
    ok = [r for r in doc.get("fleets", []) if r.get("browser_status") == "ok"]
    for r in ok:
        rounds = [x for x in r["browser"]["rounds"] if x["round"] > 0]
        page = {k: median([x[k] for x in rounds]) for k in "abcde"}
        floor = {k: median(r["floor"][k]["total"]) for k in "abcde"}
        parts = {k: [p for p in (browser_parts(r, k, x) for x in rounds) if p] for k in "abcd"}
        app = {k: median([p[0] + p[2] for p in v]) for k, v in parts.items() if v}
        low = [k for k in "abcde" if page[k] / floor[k] < 1.5]
        high = [k for k in "abcde" if page[k] / floor[k] >= 3]
        txt = (f"- **{r['devices']:,} devices.** Every step is shown within "
               f"{fmt_ms(max(page.values()))}. ")
        if app:
            txt += ("The app's own part (until its first API call, plus from the answer to "
                    "the screen) is " + ", ".join(f"{k} {fmt_ms(v)}" for k, v in app.items())
                    + ". ")
        if high:
            txt += ("Where the API answers in a few milliseconds that fixed part is most of "
                    "the page time, hence page / floor of " + ", ".join(
                        f"{k} {page[k] / floor[k]:.1f} ×" for k in high) + ". ")
        if low:
            txt += ("Where the server's work is large the browser adds little: " + ", ".join(
                f"{k} {page[k] / floor[k]:.2f} ×" for k in low) + ".")
        out.append(txt.rstrip())
    if len(ok) >= 2:
        a, b = ok[0], ok[-1]
        fa = {k: median(a["floor"][k]["total"]) for k in "abcde"}
        fb = {k: median(b["floor"][k]["total"]) for k in "abcde"}
        def call(r, k, path):
            v = r["floor"][k]["calls"].get(path)
            return median(v) if v else None
        export = "/api/v1/devices/export?format=csv"
        x = b["devices"] / a["devices"]
        grows = fb["c"] / fa["c"] > x / 2

        def app_part(r):
            rounds = [y for y in r["browser"]["rounds"] if y["round"] > 0]
            total = 0
            for k in "abcd":
                p = [q for q in (browser_parts(r, k, y) for y in rounds) if q]
                if not p:
                    return None
                total += median([q[0] + q[2] for q in p])
            return total
        app_a, app_b = app_part(a), app_part(b)
        per_a = call(a, "e", export) / a["devices"] * 1000
        per_b = call(b, "e", export) / b["devices"] * 1000
        out.append(
            f"- **What limits it.** From {a['devices']:,} to {b['devices']:,} devices "
            f"({x:.0f} ×) the API floors grow " + ", ".join(
                f"{k} {fb[k] / fa[k]:.1f} ×" for k in "abcde")
            + ": the server's queries"
            + (f", while the app's own part of steps a-d together goes from {fmt_ms(app_a)} "
               f"to {fmt_ms(app_b)}" if app_a and app_b else "")
            + " (the pages fetch 50 rows, and the reports' few rows, whatever the fleet's "
            "size). At "
            f"{b['devices']:,}: the firmware report (the overview's charts) takes "
            f"{fmt_ms(call(b, 'a', '/api/v1/reports/firmware'))}, the vulnerability report "
            f"{fmt_ms(call(b, 'a', '/api/v1/reports/vulnerabilities'))} (the overview's "
            "exposure figures; not awaited by the charts, and this fleet has no SBOM or "
            "feed, so it is the cost of the devices alone), the search by a full UDI "
            f"{fmt_ms(fb['c'])} ({fb['c'] / fa['c']:.1f} × its {a['devices']:,}-device time"
            + (": in this build it looks the UDI-DI up in the UNIQUE (udi_di, udi_pi) index "
               "and checks the serial of every device sharing it, "
               f"{b['udi_di_devices']:,} here, for the one it finds" if grows else "")
            + f"), the sort by last seen {fmt_ms(fb['d'])}, the CSV export {fmt_ms(fb['e'])} "
            f"({b['export_api']['bytes'] / fb['e'] * 1e-3:,.1f} MB/s; {per_b:.0f} µs per "
            f"device against {per_a:.0f} µs at {a['devices']:,}"
            + ("; its cost per device grows with the fleet (it reads the devices in "
               "pages of 500 after the last id: look at the store's query plan)"
               if per_b > 1.5 * per_a else "")
            + "), while the first page of the list stays at "
            f"{fmt_ms(call(b, 'b', f'/api/v1/devices?limit={PAGE}'))}.")
        ro = "/api/v1/rollouts?limit=100"
        ro_chain, ro_alone = call(b, "a", ro), median(b.get("alone", {}).get(ro, []))
        rounds_b = [y for y in b["browser"]["rounds"] if y["round"] > 0]
        b_parts = [q for q in (browser_parts(b, "b", y) for y in rounds_b) if q]
        b_api = median([q[1] for q in b_parts]) if b_parts else None
        waits = []
        if ro_chain and ro_alone and ro_chain > 5 * ro_alone and ro_chain > 20:
            waits.append(
                f"`GET {ro}` (an empty list) takes {fmt_ms(ro_alone)} alone but "
                f"{fmt_ms(ro_chain)} when made together with the two reports, as the overview "
                "makes it")
        if b_api and b_api > 5 * fb["b"] and b_api > 50:
            waits.append(
                "in (b) the browser had the first page of devices (a "
                f"{fmt_ms(call(b, 'b', f'/api/v1/devices?limit={PAGE}'))} "
                f"call in the floor) {fmt_ms(b_api)} after its first API call, against the "
                f"floor's {fmt_ms(fb['b'])}: it asks for it together with the firmware "
                "report, on its kept-alive connections, while the floor opens a new "
                "connection per call")
        if waits:
            out.append(
                f"- **Waiting behind the reports.** At {b['devices']:,} devices "
                + "; ".join(waits) + ". medfwd's default is one worker thread per core "
                f"({doc['machine']['cores']} here), each running its own event loop: a call on a "
                "connection whose worker is computing a report waits for it, even when "
                "the other worker is free. Short calls then cost as much as the report next "
                "to them.")
        out.append(
            f"- **Setting the fleet up.** The repository push answered in {a['push_s']} s "
            f"at {a['devices']:,} devices and {b['push_s']} s at {b['devices']:,} "
            f"({b['push_s'] / a['push_s']:.1f} × for {x:.0f} × the devices): the commit "
            "decides again, for every device, whether its image is a signed release, before "
            "it answers" + (" (in this build recompute_signed_flags in "
                           "src/server/handlers/repo.c: pages of 256 devices by OFFSET, one "
                           "update each)" if b["push_s"] > 1.5 * x * a["push_s"] else "")
            + ". medfwd's peak RSS while serving the pages: "
            f"{a['serve_phase']['rss_mib']} MiB at {a['devices']:,}, "
            f"{b['serve_phase']['rss_mib']} MiB at {b['devices']:,}.")
    out.append("")
    return out


def update(result_path, md_path):
    update_section(result_path, md_path, section, BEGIN_PREFIX, END)


def keep_logs(work, out):
    keep = ROOT / "bench/out/last-web-logs"
    shutil.rmtree(keep, ignore_errors=True)
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(out, keep / "web.json")
    for p in work.rglob("*"):
        if p.is_file() and p.suffix in (".log", ".txt", ".json", ".mjs") and \
                "data" not in p.parts and "repo" not in p.parts and p.name != "token":
            dest = keep / p.relative_to(work)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, dest)


def main(argv):
    return bench_main(argv, name="web", doc=__doc__, measure=measure, update=update,
                      keep=keep_logs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
