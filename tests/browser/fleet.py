#!/usr/bin/python3
"""The fleet controller of the dashboard's browser tests (protocol: README.md here).

Starts a real medfwd on 127.0.0.1 and builds a realistic fleet behind it with the e2e
helpers of tests/e2e (imported by path): two sites, six people (TOTP enrolled for all but
the bootstrap admin), the manufacturer's signed repository with three releases, their
SBOMs and a small vulnerability feed (findings: critical with a fix, KEV, undetermined),
37 medfw-sim devices (GS1 UDIs, serials, locations, network zones), two of them reporting
an image that is not a signed release. Then prints one JSON "ready" line on stdout and
answers JSON commands, one per line on stdin, one JSON line each: run the simulator,
call the API as a person, hand out a fresh TOTP code, quit.

    MEDFW_BUILD_DIR=build/release /usr/bin/python3 tests/browser/fleet.py \
        --workdir /tmp/fleet [--web-dir DIR] [--max-lifetime SECONDS]

stdout carries the protocol only; logs go to standard error and to files in the workdir,
which is never cleaned (tests keep the artifacts). Exit status: 0 after quit or end of
input; 1 set-up failure (after the {"ready": false} line) or medfwd / medfw-sim ended
badly; 2 usage; 3 medfwd or medfw-sim reported an AddressSanitizer / UBSan problem.
"""
import argparse
import ctypes
import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

E2E = Path(__file__).resolve().parents[1] / "e2e"
sys.path.insert(0, str(E2E))

from agent_fixture import HW, agent_notice, random_image  # noqa: E402
from conftest import BUILD, SHARED, run  # noqa: E402
from repo_fixture import Repo  # noqa: E402
from server_fixture import Server  # noqa: E402
from sim_fixture import SANITIZER_MARKS  # noqa: E402
from test_people import Client, totp  # noqa: E402
from test_repo_server import pin, raw, upload_raw  # noqa: E402

OLD, BAD, NEW = "pump/fw-4.1.1.img", "pump/fw-4.2.0.img", "pump/fw-4.2.1.img"
MODEL = "InfuPump 3"
GTIN_BASE = "0950600013435"           # the pump's GS1 GTIN without its check digit
TOTP_STEP = 30
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TOTP_ROLES = ["clinical_engineer", "security_officer", "auditor"]

MAX_COMMAND_BYTES = 1 << 20           # one command line
MAX_SIM_SECONDS = 600                 # sim_run
SIM_STOP_TIMEOUT = 30
SETUP_DEADLINE = 90                   # set-up gives up after this (it takes 5-25 s)
EVALUATION_TIMEOUT = 60
DEFAULT_MAX_LIFETIME = 7200           # medfwd stops by itself after this
# medfwd allows 10 sign-in attempts per client address, then 10 a minute (app.c): the
# controller signs in from an address of its own, leaving 127.0.0.1's to the browser
CONTROLLER_ADDRESS = "127.0.0.2"

# name -> (role, site key or None: manufacturer-wide, display name). relmgr and relmgr2 must each
# make and approve rollouts (docs/permissions.md): only admin and clinical_engineer
# hold both rollouts.write and rollouts.approve (release_manager cannot approve), and
# manufacturer-wide clinical engineers are the least powerful people who can.
PEOPLE = {
    "admin": ("admin", None, None),
    "biomed": ("clinical_engineer", "st_marys", "Dana Whitfield"),
    "secoff": ("security_officer", "st_marys", "Ravi Patel"),
    "relmgr": ("clinical_engineer", None, "Mia Schneider"),
    "relmgr2": ("clinical_engineer", None, "Tom Okafor"),
    "auditor": ("auditor", None, "Grace Lindqvist"),
}

SBOM_COMPONENTS = {  # release -> (openssl, xz, dante application library)
    OLD: ("1.1.1i", "5.6.0", "1.2.0"),
    BAD: ("3.0.13", "5.6.0", "1.2.0"),
    NEW: ("3.0.13", "5.6.2", "1.2.0"),
}
# the feed: real records from the shared test data (MEDFW_SHARED_DIR); name -> source
FEED_FILES = [
    ("nvd/CVE-2024-3094.json", "nvd/records/CVE-2024-3094.json"),
    ("cve5/CVE-2024-3094.json", "cve5/CVE-2024-3094.json"),
    ("nvd/CVE-2022-0778.json", "nvd/records/CVE-2022-0778.json"),
    ("kev/known_exploited_vulnerabilities.json",
     "kev/known_exploited_vulnerabilities.subset.json"),
]
# one record of an NVD page, cut out and imported on its own
FEED_PAGE_RECORD = ("nvd/CVE-2022-23748.json", "nvd/pages/cves-2023-page.json",
                    "CVE-2022-23748")

# the fleet: (key, site key, department, count, serial prefix, location, zone, vlan, signed)
GROUPS = [
    ("icu", "st_marys", "ICU", 20, "SMH-ICU-", "ICU bed {n:02d}", "icu-med-iot", 120, True),
    ("or", "st_marys", "OR", 10, "SMH-OR-", "Operating room {room}, pump {ab}",
     "or-med-iot", 130, True),
    ("unsigned", "st_marys", "Oncology", 2, "SMH-ONC-", "Oncology day unit, chair {n}",
     "onc-med-iot", 140, False),
    ("northside", "northside", "Outpatient infusion", 5, "NSC-INF-",
     "Infusion suite, chair {n}", "clinic-med-iot", 210, True),
]


class Loopback:
    """Server.request / Server.json (server_fixture) from the controller's own loopback
    address, for test_people.Client and test_repo_server.raw."""

    json = Server.json

    def __init__(self, server, source):
        self.port, self.source = server.port, source

    def request(self, method, path, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(self.source, 0) if self.source
                                          else None)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()


def usable_address(address):
    """address when this host can send from it (any 127/8 address on Linux), else None."""
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return address
    except OSError:
        return None


class SetupError(Exception):
    """A set-up step failed: the message says which and why."""


class CommandError(Exception):
    """A command is refused: the message names what was wrong."""


def log(msg):
    print(f"fleet.py: {msg}", file=sys.stderr, flush=True)


def gs1_gtin(base13):
    """GTIN-14 with its GS1 check digit (weights 3, 1, 3, ... from the right)."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(base13)))
    return base13 + str((10 - total % 10) % 10)


def utc_text(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def sign_in(client, username, password, code=None):
    """POST /api/v1/session as test_people.Client.login does, without asserting:
    (status, body); on 200 the client holds the session cookie and CSRF token."""
    body = {"username": username, "password": password}
    if code is not None:
        body["totp_code"] = code
    status, h, resp = client.srv.json("POST", "/api/v1/session", body)
    if status == 200:
        m = re.match(r"medfw_session=([^;]+);", h.get("set-cookie", ""))
        if not m:
            return 500, {"error": {"message": "the sign-in answer set no session cookie"}}
        client.cookie, client.csrf = m.group(1), resp["csrf_token"]
    return status, resp


def expect(answer, want, what):
    """answer = (status, headers, body) of a call; want: status or tuple of statuses."""
    status, _, body = answer
    if status not in (want if isinstance(want, tuple) else (want,)):
        text = json.dumps(body)[:600] if isinstance(body, (dict, list)) else repr(body)[:600]
        raise SetupError(f"{what}: HTTP {status}: {text}")
    return body


def release_notice(version, date, summary, cves, severity, sbom_target):
    return agent_notice(
        product_version=version, security_version=7, release_date=date,
        install={"estimated_minutes": 25, "downtime_minutes": 15, "reboot_required": True},
        clinical_impact=("The pump is unavailable for infusions for about 15 minutes. Running "
                         "infusions must be stopped and the pump removed from the patient "
                         "before the update. Drug library, alarm limits and patient history "
                         "are kept."),
        reason={"summary": summary, "cve_ids": cves, "severity": severity},
        instructions=["Schedule the update when the pump is not in clinical use.",
                      "Stop any running infusion and disconnect the pump from the patient.",
                      "Connect the pump to mains power; the update does not start on battery.",
                      f"After the restart, check that the About screen shows {version} and "
                      "run the self-test."],
        sbom_target=sbom_target)


RELEASES = {
    OLD: ("4.1.1", "2024-11-04", "Fixes a privilege escalation in the pump's operating system "
          "(glibc) reachable from the service port.", ["CVE-2023-4911"], "high"),
    BAD: ("4.2.0", "2025-03-10", "Updates OpenSSL: a crafted certificate could make the pump's "
          "network service loop forever, stopping remote monitoring.", ["CVE-2022-0778"],
          "high"),
    NEW: ("4.2.1", "2025-03-24", "Replaces the compromised xz library (a backdoor allowing "
          "remote code execution) and fixes the OpenSSL certificate-parsing loop; also fixes "
          "the health-check failure of 4.2.0.", ["CVE-2022-0778", "CVE-2024-3094"], "critical"),
}


def sbom(release, version):
    openssl, xz, dante = SBOM_COMPONENTS[release]
    digest = hashlib.sha256(release.encode()).hexdigest()
    serial = f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"
    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "serialNumber": f"urn:uuid:{serial}",
        "metadata": {"component": {"type": "firmware", "bom-ref": "infupump",
                                   "name": MODEL, "version": version}},
        "components": [
            {"type": "library", "bom-ref": "openssl", "name": "openssl", "version": openssl,
             "cpe": f"cpe:2.3:a:openssl:openssl:{openssl}:*:*:*:*:*:*:*"},
            {"type": "library", "bom-ref": "xz", "name": "xz", "version": xz,
             "purl": f"pkg:github/tukaani-project/xz@{xz}",
             "cpe": f"cpe:2.3:a:tukaani:xz:{xz}:*:*:*:*:*:*:*"},
            {"type": "library", "bom-ref": "dante", "name": "dante_application_library",
             "version": dante,
             "cpe": f"cpe:2.3:a:audinate:dante_application_library:{dante}:*:*:*:*:*:*:*"},
        ],
    }


class Person:
    def __init__(self, name, role, site_key, display_name, password):
        self.name, self.role, self.site_key, self.password = name, role, site_key, password
        self.display_name = display_name
        self.totp_secret = None
        self.client = None
        self.last_step = 0  # newest TOTP step used or handed out


def set_parent_death_signal():
    """medfw-sim gets SIGTERM when the controller dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Controller:
    def __init__(self, workdir: Path, web_dir, max_lifetime):
        self.workdir = workdir
        self.web_dir = web_dir
        self.max_lifetime = max_lifetime
        self.started = time.monotonic()
        self.server = None
        self.people = {}
        self.sites = {}
        self.devices = []
        self.sim_proc = None
        self.sim_log = None
        self.sim_log_offset = 0
        self.problems = []       # sanitizer reports of medfw-sim
        self.ready = False       # the ready line was printed
        self.fleet_file = workdir / "fleet.jsonl"
        self.stats_file = workdir / "sim-stats.json"
        self.token_file = workdir / "api-token"
        self.sim_log_path = workdir / "sim.log"

    # ---------------------------------------------------------------- set-up

    def check_deadline(self, step):
        if time.monotonic() - self.started > SETUP_DEADLINE:
            raise SetupError(f"set-up took longer than {SETUP_DEADLINE} s (at: {step})")

    def tool(self, name):
        path = BUILD / name
        if not path.is_file() or not os.access(path, os.X_OK):
            raise SetupError(f"{path} is not built (MEDFW_BUILD_DIR={BUILD})")
        return path

    def medfw(self, *args, check=0):
        return run([self.tool("medfw"), *args], check=check, timeout=60)

    def setup(self):
        for name in ("medfwd", "medfw", "medfw-sim"):
            self.tool(name)
        self.start_server()
        self.people_and_sites()
        self.check_deadline("people")
        self.repository()
        self.check_deadline("repository")
        generation = self.vulnerability_inputs()
        self.check_deadline("vulnerability inputs")
        self.enrol_fleet()
        self.check_deadline("enrolment")
        self.maintenance_windows()
        self.first_checkins()
        self.check_deadline("first check-ins")
        findings = self.findings(generation)
        return {
            "ready": True,
            "url": self.url,
            "users": {p.name: {"password": p.password, "totp_secret": p.totp_secret,
                               "role": p.role, "display_name": p.display_name,
                               "site": self.sites[p.site_key] if p.site_key else None}
                      for p in self.people.values()},
            "sites": dict(self.sites),
            "releases": {"old": OLD, "bad": BAD, "new": NEW},
            "devices": self.devices,
            "findings": findings,
            "controller_address": self.address,
            "workdir": str(self.workdir),
            "files": {"medfwd_log": str(self.server.stderr_path),
                      "medfwd_config": str(self.server.config),
                      "sim_log": str(self.sim_log_path),
                      "fleet": str(self.fleet_file),
                      "image_root": str(self.image_root)},
            "setup_seconds": round(time.monotonic() - self.started, 1),
        }

    def start_server(self):
        config = "rollout_tick = 1s\nvuln_eval_delay = 0s\nthreads = 4\n"
        if self.web_dir is not None:
            config += f"web_dir = {self.web_dir}\n"
        srv = Server(self.workdir, config, args=["--max-lifetime", str(self.max_lifetime)])
        self.server = srv
        try:
            srv.start()
        except AssertionError as e:
            # medfwd's last words (a configuration error names the file and line)
            lines = [l for l in srv.log_text().splitlines() if l.strip()] or \
                str(e).strip().splitlines() or ["no output"]
            raise SetupError(f"medfwd did not start: {lines[-1][:500]} "
                             f"(log: {srv.stderr_path})") from None
        if not srv.bootstrap_token:
            raise SetupError("medfwd printed no bootstrap token")
        self.url = f"http://127.0.0.1:{srv.port}"
        self.address = usable_address(CONTROLLER_ADDRESS)
        self.http = Loopback(srv, self.address)
        log(f"medfwd listening on {self.url} (log {srv.stderr_path}); the controller "
            f"calls it from {self.address or 'the default address'}")

    def people_and_sites(self):
        srv = self.http
        for name, (role, site_key, display_name) in PEOPLE.items():
            # 24 random URL-safe characters, with a digit and a punctuation mark added
            self.people[name] = Person(name, role, site_key, display_name,
                                       secrets.token_urlsafe(18) + "-7")
        admin = self.people["admin"]
        status, _, body = srv.json("POST", "/api/v1/bootstrap",
                                   {"token": self.server.bootstrap_token, "username": "admin",
                                    "password": admin.password})
        if status != 201:
            raise SetupError(f"bootstrap of admin: HTTP {status}: {body}")
        admin.client = Client(srv)
        status, body = sign_in(admin.client, "admin", admin.password)
        if status != 200:
            raise SetupError(f"admin sign-in: HTTP {status}: {body}")
        c = admin.client
        for key, name, zone in (("st_marys", "St. Mary's Hospital", "UTC"),
                                ("northside", "Northside Clinic", "America/Chicago")):
            self.sites[key] = expect(c.call("POST", "/api/v1/sites",
                                            {"name": name, "time_zone": zone}),
                                     201, f"site {name}")["id"]
        expect(c.call("PUT", "/api/v1/policy/totp", {"roles": TOTP_ROLES}), 200,
               "TOTP policy")
        for p in self.people.values():
            if p.name == "admin":
                continue
            expect(c.call("POST", "/api/v1/users",
                          {"username": p.name, "password": p.password, "role": p.role,
                           "display_name": p.display_name,
                           "site_id": self.sites[p.site_key] if p.site_key else 0}),
                   201, f"user {p.name}")
            self.enrol_totp(p)
        # the API token of this controller's scripts and of medfw-sim (admin's)
        token = expect(c.call("POST", "/api/v1/tokens", {"name": "browser-test fleet"}), 201,
                       "API token")["token"]
        fd = os.open(self.token_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
        self.t = Client(srv)
        self.t.token = token
        log("sites, people (TOTP enrolled) and an API token made")

    def enrol_totp(self, p):
        """Signs p in and enrols TOTP (POST /api/v1/me/totp, confirmed with the current
        code); the session stays signed in and is what `api` uses."""
        p.client = Client(self.http)
        status, body = sign_in(p.client, p.name, p.password)
        if status != 200:
            raise SetupError(f"{p.name} sign-in: HTTP {status}: {body}")
        secret = expect(p.client.call("POST", "/api/v1/me/totp"), 200,
                        f"TOTP enrolment of {p.name}")["secret"]
        now = time.time()
        expect(p.client.call("POST", "/api/v1/me/totp/confirm", {"code": totp(secret, now)}),
               200, f"TOTP confirmation of {p.name}")
        p.totp_secret = secret
        p.last_step = int(now // TOTP_STEP)

    def repository(self):
        """The manufacturer's repository (2-of-3 root and targets keys), three releases,
        pinned, pushed and committed, as agent_fixture.Fleet.publish does."""
        mdir = self.workdir / "manufacturer"
        mdir.mkdir()
        repo = Repo(self.medfw, mdir)
        self.images = {}
        for i, (name, (version, date, summary, cves, severity)) in enumerate(RELEASES.items()):
            data = random_image(200_000 + 4096 * i, f"infupump-{version}")
            img = mdir / name.replace("/", "_")
            img.write_bytes(data)
            repo.add_release(img, name=name, notice_doc=release_notice(
                version, date, summary, cves, severity, f"sbom/infupump-{version}.cdx.json"))
            self.images[name] = data
        repo.sign("root", "root1", "root2")
        repo.sign("targets", "targets1", "targets2")
        repo.publish()
        t = self.t
        pin(t, repo)
        status = raw(t, "DELETE", "/api/v1/repository/staging")[0]
        if status not in (200, 204):
            raise SetupError(f"emptying the repository staging area: HTTP {status}")
        upload_raw(t, repo.dir)
        expect(raw(t, "POST", "/api/v1/repository/commit"), 200, "repository commit")
        self.repo = repo
        self.image_root = repo.dir / "metadata" / "1.root.json"
        log("repository with 4.1.1, 4.2.0, 4.2.1 committed")

    def vulnerability_inputs(self):
        """Release SBOMs and the feed; returns the newest evaluation generation queued."""
        c = self.people["admin"].client
        generation = 0

        def queued(body):
            nonlocal generation
            ev = body.get("evaluation") if isinstance(body, dict) else None
            if ev is not None and ev.get("queued"):
                generation = max(generation, ev["generation"])

        for name, (version, *_) in RELEASES.items():
            queued(expect(c.call("PUT", f"/api/v1/releases/{name}/sbom",
                                 raw=json.dumps(sbom(name, version)).encode()),
                          (200, 201), f"SBOM of {name}"))
        testdata = SHARED / "testdata"
        feeds = []
        for name, source in FEED_FILES:
            path = testdata / source
            if not path.is_file():
                raise SetupError(f"{path} is missing (the shared test data: MEDFW_SHARED_DIR)")
            feeds.append((name, path.read_bytes()))
        name, source, cve = FEED_PAGE_RECORD
        try:
            page = json.loads((testdata / source).read_bytes())
            record = next(v["cve"] for v in page["vulnerabilities"] if v["cve"]["id"] == cve)
        except (OSError, ValueError, KeyError, StopIteration) as e:
            raise SetupError(f"{cve} from {testdata / source}: {e}") from None
        feeds.append((name, json.dumps(record).encode()))
        for name, data in feeds:
            body = expect(c.call("POST", f"/api/v1/vulnerabilities/import?name={name}",
                                 raw=data), 200, f"feed {name}")
            if body.get("rejected"):
                raise SetupError(f"feed {name}: records rejected: {body.get('problems')}")
            queued(body)
        log(f"3 SBOMs and {len(feeds)} feed files stored (evaluation generation {generation})")
        return generation

    def sim(self, *args, timeout):
        """medfw-sim, blocking; its output is appended to sim.log."""
        args = [str(a) for a in (self.tool("medfw-sim"), *args)]
        proc = run(args, timeout=timeout)
        with open(self.sim_log_path, "ab") as f:
            f.write(("\n# " + " ".join(args) + "\n").encode() + proc.stdout + proc.stderr)
        self.note_sanitizers(proc.stderr)
        return proc

    def enrol_fleet(self):
        for key, site_key, dept, count, prefix, _, zone, _, signed in GROUPS:
            if signed:
                version, image = "4.1.1", self.images[OLD]
            else:  # the official version string, an image the manufacturer never signed
                version, image = "4.1.1", random_image(200_000, "infupump-4.1.1-field-patch")
            proc = self.sim("enroll", "--server", self.url, "--api-token-file", self.token_file,
                            "--site", str(self.sites[site_key]), "--count", str(count),
                            "--model", MODEL, "--hardware-id", HW, "--department", dept,
                            "--network-zone", zone, "--serial-prefix", prefix,
                            "--firmware-version", version,
                            "--image-sha256", hashlib.sha256(image).hexdigest(),
                            "--fleet", self.fleet_file, "--threads", "4", timeout=120)
            if proc.returncode != 0:
                raise SetupError(f"medfw-sim enroll ({key}): exit {proc.returncode}: "
                                 f"{proc.stderr.decode(errors='replace')[-800:]}")
        enrolled = [json.loads(line) for line in self.fleet_file.read_text().splitlines()
                    if line and not line.startswith("#")]
        gtin = gs1_gtin(GTIN_BASE)
        c = self.people["admin"].client
        for key, site_key, dept, count, prefix, location, zone, vlan, signed in GROUPS:
            group = sorted((d for d in enrolled if d["serial"].startswith(prefix)),
                           key=lambda d: d["serial"])
            if len(group) != count:
                raise SetupError(f"{key}: {len(group)} devices enrolled, expected {count}")
            for n, d in enumerate(group, 1):
                made = f"23{(n - 1) % 12 + 1:02d}{n % 28 + 1:02d}"  # (11) production date
                udi = f"(01){gtin}(11){made}(21){d['serial']}"
                where = location.format(n=n, room=(n + 1) // 2, ab="AB"[(n - 1) % 2])
                rec = expect(c.call("PATCH", f"/api/v1/devices/{d['id']}",
                                    {"udi": udi, "location": where, "vlan": vlan}),
                             200, f"device {d['id']} ({d['serial']})")
                self.devices.append({
                    "id": d["id"], "udi": udi, "udi_di": rec["udi_di"], "serial": d["serial"],
                    "site": self.sites[site_key], "department": dept, "location": where,
                    "network_zone": zone, "model": MODEL, "firmware_version": "4.1.1",
                    "image_signed": signed})
        self.devices.sort(key=lambda d: d["id"])
        log(f"{len(self.devices)} devices enrolled with UDIs and locations")

    def maintenance_windows(self):
        c = self.people["admin"].client
        now = time.time()
        start = time.gmtime(now - 3600)
        end = time.gmtime(now - 3600 + 8 * 3600)
        audit_day = time.strftime("%Y-%m-%d", time.gmtime(now + 45 * 86400))
        # St. Mary's (UTC): every day, from an hour ago for eight hours (across midnight
        # when it comes to that); a blackout day in six weeks
        expect(c.call("PUT", f"/api/v1/sites/{self.sites['st_marys']}/maintenance-windows",
                      {"windows": [{"days": DAYS, "start": time.strftime("%H:%M", start),
                                    "end": time.strftime("%H:%M", end)}],
                       "blackouts": [{"from": audit_day, "to": audit_day,
                                      "reason": "Joint Commission survey"}]}),
               200, "St. Mary's maintenance windows")
        expect(c.call("PUT", f"/api/v1/sites/{self.sites['northside']}/maintenance-windows",
                      {"windows": [{"days": DAYS[:5], "start": "22:00", "end": "04:00"}]}),
               200, "Northside maintenance windows")

    def sim_args(self, only_site=None, rates=None, seed=7, duration=None):
        args = [self.tool("medfw-sim"), "run", "--server", self.url, "--fleet", self.fleet_file,
                "--image-root", self.image_root, "--api-token-file", self.token_file,
                "--interval", "1", "--reboot-seconds", "1", "--threads", "4",
                "--seed", str(seed), "--stats", self.stats_file]
        if only_site is not None:
            args += ["--only-site", str(only_site)]
        for name, value in (rates or {}).items():
            args += ["--" + name.replace("_", "-"), repr(float(value))]
        if duration is not None:
            args += ["--duration", str(duration)]
        return [str(a) for a in args]

    def first_checkins(self):
        """Every device checks in (reports its firmware and image) for a few seconds."""
        proc = self.sim(*self.sim_args(duration=3)[1:], timeout=60)
        if proc.returncode != 0:
            raise SetupError(f"medfw-sim run: exit {proc.returncode}: "
                             f"{proc.stderr.decode(errors='replace')[-800:]}")
        c = self.people["admin"].client
        body = expect(c.call("GET", "/api/v1/devices?limit=500"), 200, "device list")
        seen = {d["id"]: d for d in body["devices"]}
        for d in self.devices:
            rec = seen.get(d["id"])
            if rec is None or rec["last_seen"] is None:
                raise SetupError(f"device {d['id']} did not check in")
            if rec["image_is_signed_release"] != d["image_signed"]:
                raise SetupError(f"device {d['id']}: image_is_signed_release is "
                                 f"{rec['image_is_signed_release']}, expected "
                                 f"{d['image_signed']}")
        log("every device checked in")

    def findings(self, generation):
        c = self.people["admin"].client
        deadline = time.monotonic() + EVALUATION_TIMEOUT
        while True:
            st = expect(c.call("GET", "/api/v1/vulnerabilities/evaluation"), 200, "evaluation")
            last = st.get("last")
            if last is not None and not last["ok"]:
                raise SetupError(f"the vulnerability evaluation failed: {last}")
            if last is not None and last["statistics"]["generation"] >= generation:
                break
            if time.monotonic() > deadline:
                raise SetupError(f"no evaluation of generation {generation} within "
                                 f"{EVALUATION_TIMEOUT} s: {st}")
            time.sleep(0.1)
        body = expect(c.call("GET", f"/api/v1/vulnerabilities/findings?release={OLD}&limit=1000"),
                      200, "findings")
        by_key = {(f["component"]["ref"], f["vulnerability"]): f for f in body["findings"]}

        def pick(ref, cve, what, check):
            f = by_key.get((ref, cve))
            if f is None or not check(f):
                raise SetupError(f"no {what} finding {cve} ({ref}) in {OLD}: {f}")
            return {"id": f["id"], "release": OLD, "component": ref, "vulnerability": cve,
                    "status": f["status"], "severity": f["severity_level"],
                    "kev": bool((f.get("kev") or {}).get("listed")), "fixed_by": f["fixed_by"]}

        out = {
            "critical": pick("xz", "CVE-2024-3094", "critical, fixed by 4.2.1",
                             lambda f: f["status"] == "affected"
                             and f["severity_level"] == "critical" and f["fixed_by"] == NEW),
            "high": pick("openssl", "CVE-2022-0778", "high",
                         lambda f: f["status"] == "affected" and f["severity_level"] == "high"
                         and f["fixed_by"] is not None),
            "undetermined": pick("dante", "CVE-2022-23748", "undetermined",
                                 lambda f: f["status"] == "undetermined"),
        }
        out["kev"] = pick("dante", "CVE-2022-23748", "KEV (CISA catalog)",
                          lambda f: bool((f.get("kev") or {}).get("listed")))
        out["total"] = body["total"]
        log(f"{body['total']} findings in {OLD}")
        return out

    # ---------------------------------------------------------------- commands

    def handle(self, cmd):
        if not isinstance(cmd, dict):
            raise CommandError("a command is a JSON object")
        name = cmd.get("cmd")
        handlers = {"sim_start": self.cmd_sim_start, "sim_stop": self.cmd_sim_stop,
                    "sim_run": self.cmd_sim_run, "api": self.cmd_api, "totp": self.cmd_totp}
        if not isinstance(name, str):
            raise CommandError('"cmd" must be a string: one of quit, '
                               + ", ".join(sorted(handlers)))
        if name not in handlers:
            raise CommandError(f'unknown cmd "{name[:64]}": one of quit, '
                               + ", ".join(sorted(handlers)))
        return handlers[name](cmd)

    @staticmethod
    def only(cmd, *allowed):
        for key in cmd:
            if key != "cmd" and key not in allowed:
                raise CommandError(f'{cmd["cmd"]}: unknown field "{str(key)[:64]}"')

    @staticmethod
    def rates(cmd):
        out = {}
        for key in ("health_fail_rate", "download_fail_rate", "clinical_use_rate"):
            if key in cmd:
                v = cmd[key]
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                    raise CommandError(f"{cmd['cmd']}: {key} must be a number from 0 to 1")
                out[key] = v
        return out

    @staticmethod
    def seed(cmd):
        v = cmd.get("seed", 7)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2 ** 63:
            raise CommandError(f"{cmd['cmd']}: seed must be an integer from 0 to 2^63-1")
        return v

    def stats(self):
        try:
            return json.loads(self.stats_file.read_text())
        except (OSError, ValueError):
            return None

    def note_sanitizers(self, stderr):
        for line in stderr.decode(errors="replace").splitlines():
            if any(m.decode() in line for m in SANITIZER_MARKS):
                self.problems.append(f"medfw-sim: {line}")

    def cmd_sim_start(self, cmd):
        self.only(cmd, "health_fail_rate", "download_fail_rate", "clinical_use_rate", "seed")
        rates, seed = self.rates(cmd), self.seed(cmd)
        if self.sim_proc is not None:
            rc = self.sim_proc.poll()
            raise CommandError("sim_start: the simulator is running already (sim_stop first)"
                               if rc is None else f"sim_start: the simulator ended by itself "
                               f"with status {rc}: sim_stop collects it first")
        self.stats_file.unlink(missing_ok=True)
        self.sim_log = open(self.sim_log_path, "ab")
        self.sim_log_offset = self.sim_log.tell()
        # --duration: it ends by itself at the latest when medfwd would
        args = self.sim_args(self.sites["st_marys"], rates, seed, duration=self.max_lifetime)
        self.sim_log.write(("\n# " + " ".join(args) + "\n").encode())
        self.sim_log.flush()
        self.sim_proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.sim_log,
                                         stderr=self.sim_log, env=dict(os.environ, TZ="UTC",
                                                                       LC_ALL="C"),
                                         preexec_fn=set_parent_death_signal)
        log(f"medfw-sim started (pid {self.sim_proc.pid})")
        return {"pid": self.sim_proc.pid,
                "devices": sum(1 for d in self.devices if d["site"] == self.sites["st_marys"])}

    def stop_sim(self):
        """Stops the background medfw-sim: (exit status, seconds it took, log tail)."""
        proc, t0 = self.sim_proc, time.monotonic()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(SIM_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        took = time.monotonic() - t0
        self.sim_log.close()
        self.sim_proc = self.sim_log = None
        with open(self.sim_log_path, "rb") as f:
            f.seek(self.sim_log_offset)
            text = f.read()
        self.note_sanitizers(text)
        return proc.returncode, took, text.decode(errors="replace")[-800:]

    def cmd_sim_stop(self, cmd):
        self.only(cmd)
        if self.sim_proc is None:
            raise CommandError("sim_stop: the simulator is not running (sim_start first)")
        rc, took, tail = self.stop_sim()
        if rc != 0:
            raise CommandError(f"medfw-sim exited with status {rc}: {tail}")
        return {"exit": rc, "seconds_to_stop": round(took, 2), "stats": self.stats()}

    def cmd_sim_run(self, cmd):
        self.only(cmd, "seconds", "health_fail_rate", "download_fail_rate", "clinical_use_rate",
                  "seed")
        seconds = cmd.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, int) or \
                not 1 <= seconds <= MAX_SIM_SECONDS:
            raise CommandError(f"sim_run: seconds must be an integer from 1 to {MAX_SIM_SECONDS}")
        rates, seed = self.rates(cmd), self.seed(cmd)
        if self.sim_proc is not None:
            raise CommandError("sim_run: the simulator is running in the background (sim_stop "
                               "first)")
        self.stats_file.unlink(missing_ok=True)
        args = self.sim_args(self.sites["st_marys"], rates, seed, duration=seconds)
        try:
            proc = self.sim(*args[1:], timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            raise CommandError(f"sim_run: medfw-sim did not end within {seconds + 60} s") \
                from None
        if proc.returncode != 0:
            raise CommandError(f"medfw-sim exited with status {proc.returncode}: "
                               f"{proc.stderr.decode(errors='replace')[-800:]}")
        return {"exit": 0, "stats": self.stats()}

    def person(self, cmd, allow_none=False):
        name = cmd.get("user")
        if name is None and allow_none and "user" in cmd:
            return None
        if not isinstance(name, str) or name not in self.people:
            raise CommandError(f"{cmd['cmd']}: user must be one of "
                               + ", ".join(self.people) + (" or null" if allow_none else ""))
        return self.people[name]

    def fresh_step(self, p):
        """A TOTP step newer than every one used or handed out for p: the current one,
        or the next after waiting for it. Marks it used."""
        now = time.time()
        step = int(now // TOTP_STEP)
        if step <= p.last_step:
            wait = (p.last_step + 1) * TOTP_STEP - now
            log(f"waiting {wait:.1f} s for a fresh TOTP step of {p.name}")
            time.sleep(max(wait, 0) + 0.05)
            step = p.last_step + 1
        p.last_step = step
        return step

    def login(self, p):
        client = Client(self.http)
        code = None
        if p.totp_secret is not None:
            code = totp(p.totp_secret, self.fresh_step(p) * TOTP_STEP)
        status, body = sign_in(client, p.name, p.password, code)
        if status != 200:
            raise CommandError(f"signing {p.name} in again: HTTP {status}: {body}")
        p.client = client

    def cmd_api(self, cmd):
        self.only(cmd, "user", "method", "path", "body", "data", "content_type")
        p = self.person(cmd, allow_none=True)
        method, path = cmd.get("method"), cmd.get("path")
        if method not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"):
            raise CommandError("api: method must be GET, POST, PUT, PATCH, DELETE or HEAD")
        if not isinstance(path, str) or not path.startswith("/") or len(path) > 8192 or \
                any(ord(ch) < 0x21 or ord(ch) > 0x7e for ch in path):
            raise CommandError("api: path must start with / and be printable ASCII without "
                               "spaces (at most 8192 characters)")
        if "body" in cmd and "data" in cmd:
            raise CommandError('api: give "body" (JSON) or "data" (a string), not both')
        ctype = cmd.get("content_type", "application/json")
        if not isinstance(ctype, str) or not re.fullmatch(r"[\x21-\x7e][\x20-\x7e]{0,127}", ctype):
            raise CommandError("api: content_type must be a printable ASCII string")
        if "data" in cmd and not isinstance(cmd["data"], str):
            raise CommandError("api: data must be a string (sent as UTF-8)")
        data = (json.dumps(cmd["body"]).encode() if "body" in cmd
                else cmd["data"].encode() if "data" in cmd else None)

        def once():
            headers = {"Content-Type": ctype}
            if p is not None:
                headers["Cookie"] = f"medfw_session={p.client.cookie}"
                headers["X-CSRF-Token"] = p.client.csrf
            try:
                return self.http.request(method, path, body=data, headers=headers)
            except OSError as e:
                raise CommandError(f"api: {method} {path}: {e}") from None

        status, headers, raw_body = once()
        if status == 401 and p is not None:
            # the session may have ended (idle timeout, signed out): sign in again
            # (a fresh TOTP code) and try once more; a 401 was not acted upon
            me = p.client.call("GET", "/api/v1/me")[0]
            if me == 401:
                self.login(p)
                status, headers, raw_body = once()
        ctype_back = headers.get("content-type", "")
        body = None
        if raw_body:
            if ctype_back.split(";")[0].strip() == "application/json":
                try:
                    body = json.loads(raw_body)
                except ValueError:
                    body = raw_body.decode(errors="replace")
            else:
                body = raw_body.decode(errors="replace")
        return {"status": status, "content_type": ctype_back, "body": body}

    def cmd_totp(self, cmd):
        self.only(cmd, "user")
        p = self.person(cmd)
        if p.totp_secret is None:
            raise CommandError(f"totp: {p.name} has no TOTP (signs in with the password only)")
        t0 = time.monotonic()
        step = self.fresh_step(p)
        return {"code": totp(p.totp_secret, step * TOTP_STEP), "step": step,
                "waited": round(time.monotonic() - t0, 1)}

    # ---------------------------------------------------------------- the end

    def shutdown(self):
        """Stops medfw-sim and medfwd; the exit status."""
        status = 0
        if self.sim_proc is not None:
            rc, _, tail = self.stop_sim()
            if rc != 0:
                log(f"medfw-sim exited with status {rc}: {tail}")
                status = 1
        srv = self.server
        if srv is not None and srv.proc is not None:
            if srv.proc.returncode is None:  # not stopped yet (a failed start was)
                rc = srv.stop()
                if rc != 0:
                    log(f"medfwd exited with status {rc} (log: {srv.stderr_path})")
                    status = 1
            self.problems += [f"medfwd: {r}" for r in srv.sanitizer_reports]
        if self.problems:
            log("sanitizer reports:\n" + "\n".join(self.problems))
            status = 3
        return status


def read_command(stream):
    """One line of stdin, at most MAX_COMMAND_BYTES: (bytes or None at EOF, too_long)."""
    line = stream.readline(MAX_COMMAND_BYTES + 1)
    if not line:
        return None, False
    if len(line) > MAX_COMMAND_BYTES and not line.endswith(b"\n"):
        while True:  # drop the rest of the line
            more = stream.readline(65536)
            if not more or more.endswith(b"\n"):
                break
        return b"", True
    return line, False


class Stop(BaseException):
    """SIGTERM or SIGINT: stop as on quit."""


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workdir", required=True, type=Path,
                    help="every file goes here (created; must be empty)")
    ap.add_argument("--web-dir", type=Path, help="passed to medfwd as web_dir = DIR")
    ap.add_argument("--max-lifetime", type=int, default=DEFAULT_MAX_LIFETIME,
                    help="medfwd stops by itself after SECONDS (default %(default)s)")
    args = ap.parse_args(argv)
    if not 60 <= args.max_lifetime <= 86400:
        ap.error("--max-lifetime takes 60..86400 seconds")

    proto = sys.stdout          # the protocol's channel
    sys.stdout = sys.stderr     # anything else printed goes to standard error

    def answer(obj):
        proto.write(json.dumps(obj, separators=(",", ":")) + "\n")
        proto.flush()

    def stop_on_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)

    web_dir = args.web_dir.resolve() if args.web_dir is not None else None
    ctl = Controller(args.workdir.resolve(), web_dir, args.max_lifetime)
    status = 0
    try:
        status = serve(ctl, answer)
    except Stop as e:
        log(f"stopped by {e}")
        status = 0 if ctl.ready else 1
    except BrokenPipeError:
        log("standard output closed")
    finally:
        code = ctl.shutdown()
        status = code if code != 0 else status
    return status


def serve(ctl, answer):
    """Set-up, the ready line, the command loop: the exit status so far."""
    try:
        ctl.workdir.mkdir(parents=True, exist_ok=True)
        if any(ctl.workdir.iterdir()):
            raise SetupError(f"the workdir {ctl.workdir} is not empty")
        if ctl.web_dir is not None and not ctl.web_dir.is_dir():
            raise SetupError(f"--web-dir {ctl.web_dir} is not a directory")
        ready = ctl.setup()
    except (SetupError, AssertionError, OSError, subprocess.SubprocessError,
            KeyError, ValueError) as e:
        msg = str(e).strip() or type(e).__name__
        log(f"set-up failed: {msg}")
        answer({"ready": False, "error": msg[:4000]})
        return 1
    except Stop:
        answer({"ready": False, "error": "stopped by a signal during set-up"})
        raise
    log(f"ready after {ready['setup_seconds']} s")
    answer(ready)
    ctl.ready = True
    stdin = sys.stdin.buffer
    while True:
        line, too_long = read_command(stdin)
        if line is None:
            log("end of input")
            return 0
        if too_long:
            answer({"ok": False, "error": f"a command is at most {MAX_COMMAND_BYTES} bytes"})
            continue
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
        except ValueError as e:
            answer({"ok": False, "error": f"not JSON: {e}"})
            continue
        if isinstance(cmd, dict) and cmd.get("cmd") == "quit":
            if len(cmd) != 1:
                answer({"ok": False, "error": "quit takes no other field"})
                continue
            answer({"ok": True})
            return 0
        try:
            result = ctl.handle(cmd)
        except CommandError as e:
            answer({"ok": False, "error": str(e)})
            continue
        except Exception as e:  # noqa: BLE001 -- a bug here must not end the session
            log(f"command failed: {type(e).__name__}: {e}")
            answer({"ok": False, "error": f"{type(e).__name__}: {e}"})
            continue
        answer(dict({"ok": True}, **result))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
