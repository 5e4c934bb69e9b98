"""medfw-agent against a hostile or broken path to the server, a full disk, compressed
targets, and the U-Boot and GRUB boot-state backends. A small HTTP proxy in front of the
real medfwd mutates what the agent receives: a dropped connection (the download resumes
with Range and the image still verifies), a target cut short every time, a server
sending more bytes than were signed, garbage metadata. Every refusal is reported to the
server and leaves the running slot untouched."""
import http.client
import http.server
import json
import os
import shutil
import subprocess
import threading

import pytest

from agent_fixture import (Fleet, SimDevice, agent_notice, format_boot_state,
                           parse_boot_state, random_image)
from server_fixture import medfwd_server  # noqa: F401 (fixture)

IMG = "pump/fw-4.2.1.img"
ZST = "pump/fw-4.3.0.img.zst"
PLAIN_ZST = random_image(300_000, "zst") * 2  # compresses well


def zstd(data, tmp_path):
    src = tmp_path / "zin"
    src.write_bytes(data)
    subprocess.run(["zstd", "-q", "-f", "-19", str(src), "-o", str(tmp_path / "zout")],
                   check=True)
    return (tmp_path / "zout").read_bytes()


class Proxy:
    """Forwards to medfwd; `mode` decides what happens to target and metadata GETs."""

    def __init__(self, upstream_port):
        self.mode = "pass"
        self.seen = []
        self.stale = None
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                up = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
                hdrs = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                up.request(self.command, self.path, body=body, headers=hdrs)
                r = up.getresponse()
                data = r.read()
                up.close()
                outer.seen.append((self.command, self.path, self.headers.get("Range")))
                is_target = self.path.startswith("/repo/targets/")
                mode = outer.mode
                if is_target and mode == "drop_once":
                    outer.mode = "pass"
                if is_target and mode in ("drop_once", "truncate"):
                    self.send_response(r.status)
                    for k, v in r.getheaders():
                        if k.lower() not in ("connection", "transfer-encoding"):
                            self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if is_target and mode == "extend" and r.status == 200:
                    data = data + b"\0" * 4096
                if self.path == "/repo/metadata/timestamp.json" and mode == "garbage":
                    data = b'{"signed": {"_type": "timestamp", "version": '
                if self.path == "/device/v1/director/timestamp.json" and mode == "stale_once":
                    outer.mode = "pass"
                    data = outer.stale
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("connection", "transfer-encoding", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _forward

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    srv = medfwd_server()
    f = Fleet(srv, medfw, tmp_path, {
        IMG: (random_image(200_000, "one"), agent_notice(product_version="4.2.1")),
        ZST: (zstd(PLAIN_ZST, tmp_path), agent_notice(product_version="4.3.0")),
    })
    f.proxy = Proxy(srv.port)
    yield f
    f.proxy.close()


def proxied(fleet, serial, **kw):
    return fleet.device(serial, server_url=f"http://127.0.0.1:{fleet.proxy.port}",
                        extra_config="download_attempts = 3\n", **kw)


def last_failure(fleet, dev):
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed, fleet.history(dev)
    return failed[-1]


def untouched(dev, before_a):
    assert dev.booted() == "A" and dev.slot["A"].read_bytes() == before_a
    st = dev.boot_state_now()
    assert st["order"][0] == "A" and st["B"] == 0
    assert dev.status()["update"] is None


def test_dropped_connection_resumes(fleet):
    dev = proxied(fleet, "SN-R1")
    fleet.assign(dev, IMG)
    fleet.proxy.mode = "drop_once"
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err
    assert dev.slot["B"].read_bytes() == fleet.images[IMG][0]
    ranges = [r for m, p, r in fleet.proxy.seen if p.startswith("/repo/targets/")]
    assert ranges[0] is None and ranges[1] == "bytes=100000-", ranges


@pytest.mark.parametrize("mode,check", [("truncate", "MEDFW_ERR_TRUNCATED"),
                                        ("extend", "MEDFW_ERR_TOO_LARGE"),
                                        ("garbage", "MEDFW_ERR_JSON_SYNTAX")])
def test_bad_server_refused(fleet, mode, check):
    dev = proxied(fleet, "SN-" + mode)
    before_a = dev.slot["A"].read_bytes()
    fleet.assign(dev, IMG)
    fleet.proxy.mode = mode
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    assert last_failure(fleet, dev)["check"] == check
    untouched(dev, before_a)
    if mode == "truncate":
        gets = [r for m, p, r in fleet.proxy.seen if p.startswith("/repo/targets/")]
        assert len(gets) == 3  # download_attempts, each resuming where the last stopped
    # once the path is clean again, the same instruction installs
    fleet.proxy.mode = "pass"
    assert dev.once()[1] == "rebooting"


def test_director_documents_fetched_across_the_hour(medfwd_server, medfw, tmp_path):
    """The director re-signs a device's documents each hour: a timestamp fetched just
    before the hour and a snapshot just after do not match. The agent fetches the three
    again once instead of refusing (and reporting a failure) for the whole cycle."""
    srv = medfwd_server("device_clock_skew = 1h\n")
    f = Fleet(srv, medfw, tmp_path, {IMG: (random_image(50_000, "hour"), agent_notice())})
    f.proxy = Proxy(srv.port)
    try:
        dev = proxied(f, "SN-HOUR")
        f.assign(dev, IMG)
        path = f"/api/v1/devices/{dev.record['id']}/director/timestamp.json"
        status, _, stale = f.t.call("GET", path)
        assert status == 200
        # the server's clock (test routes) moves to the next hour; the device's requests,
        # signed with its own clock, stay within device_clock_skew
        status, _, _ = f.t.call("POST", "/api/v1/selftest/clock", {"advance_seconds": 3599})
        assert status == 200
        status, _, fresh = f.t.call("GET", path)
        assert status == 200 and fresh != stale  # another hour: re-signed
        f.proxy.stale = json.dumps(stale, separators=(",", ":")).encode()
        f.proxy.mode = "stale_once"
        rc, out, err = dev.once()
        assert (rc, out) == (0, "rebooting"), err
        gets = [p for m, p, r in f.proxy.seen if p == "/device/v1/director/timestamp.json"]
        assert len(gets) == 2  # the stale one, then the set again
        status, _, body = f.t.call("GET", f"/api/v1/devices/{dev.record['id']}/events?limit=50")
        assert [e for e in body["events"] if e["type"] == "failed"] == []
    finally:
        f.proxy.close()


def test_full_disk_refused(fleet, tmp_path):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private tmpfs")
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"])
    if probe.returncode != 0:
        pytest.skip("mount namespaces are not available here")
    dev = fleet.device("SN-FULL")
    before_a = dev.slot["A"].read_bytes()
    small = tmp_path / "small"
    small.mkdir()
    dev.config.write_text(dev.config.read_text().replace(
        f"slot_b = {dev.slot['B']}", f"slot_b = {small}/slot-b.img"))
    fleet.assign(dev, IMG)
    agent = os.path.join(os.environ["MEDFW_BUILD_DIR"], "medfw-agent")
    proc = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c",
         f"mount -t tmpfs -o size=64k tmpfs {small} && "
         f"exec {agent} --config {dev.config} run --once"],
        capture_output=True, env=dict(os.environ, TZ="UTC", LC_ALL="C"), timeout=120)
    assert proc.returncode == 3 and proc.stdout.decode().strip() == "failed", proc.stderr
    failure = last_failure(fleet, dev)
    assert failure["check"] == "MEDFW_ERR_NO_SPACE", failure
    untouched(dev, before_a)


def test_zstd_target_decompressed_into_the_slot(fleet):
    dev = fleet.device("SN-ZST")
    fleet.assign(dev, ZST)
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err
    assert dev.slot["B"].read_bytes() == PLAIN_ZST
    dev.boot()
    assert dev.once()[1] == "committed"
    assert dev.status()["slots"]["B"]["target"] == ZST


# ---- the other boot-state backends, with a bootloader written here ----

OUR_VARS = ("BOOT_ORDER", "BOOT_A_LEFT", "BOOT_B_LEFT", "MEDFW_LAST_GOOD")


def our_vars(listing):
    return parse_boot_state("".join(line + "\n" for line in listing.splitlines()
                                    if line.split("=")[0] in OUR_VARS))


class GrubDevice(SimDevice):
    """The boot state in a grubenv file, read and written with grub-editenv as GRUB's
    load_env / save_env would; the kernel command line names the slot."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.env = self.dir / "grubenv"
        subprocess.run(["grub-editenv", str(self.env), "create"], check=True)
        self.store_boot_state(parse_boot_state(self.boot_state.read_text()))
        text = self.config.read_text().replace("slot_backend = file",
                                               "slot_backend = grub")
        text = text.replace(f"boot_state_file = {self.boot_state}", f"grubenv = {self.env}")
        self.config.write_text(text)

    def store_boot_state(self, st):
        subprocess.run(["grub-editenv", str(self.env), "set",
                        *format_boot_state(st).splitlines()], check=True)

    def boot_state_now(self):
        return our_vars(subprocess.run(["grub-editenv", str(self.env), "list"], check=True,
                                       capture_output=True).stdout.decode())

    def tell_kernel(self, slot):
        self.booted_file.write_text(f"BOOT_IMAGE=/vmlinuz root=/dev/sda2 medfw.slot={slot} ro\n")

    def booted(self):
        return self.booted_file.read_text().split("medfw.slot=")[-1].split()[0]


class UbootDevice(SimDevice):
    """The boot state in a U-Boot environment file, through fw_setenv / fw_printenv."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.env = self.dir / "uboot.env"
        self.fwcfg = self.dir / "fw_env.config"
        self.env.write_bytes(b"\0" * 0x4000)
        self.fwcfg.write_text(f"{self.env} 0x0 0x4000\n")
        defenv = self.dir / "default.env"
        defenv.write_text("bootcmd=run medfw_boot\nbootdelay=3\n")
        subprocess.run(["fw_setenv", "-c", str(self.fwcfg), "-f", str(defenv), "bootdelay",
                        "1"], check=True, capture_output=True)
        self.store_boot_state(parse_boot_state(self.boot_state.read_text()))
        text = self.config.read_text().replace("slot_backend = file",
                                               "slot_backend = uboot")
        text = text.replace(f"boot_state_file = {self.boot_state}",
                            f"uboot_config = {self.fwcfg}")
        self.config.write_text(text)

    def store_boot_state(self, st):
        for line in format_boot_state(st).splitlines():
            subprocess.run(["fw_setenv", "-c", str(self.fwcfg), *line.split("=", 1)],
                           check=True, capture_output=True)

    def boot_state_now(self):
        return our_vars(subprocess.run(["fw_printenv", "-c", str(self.fwcfg)], check=True,
                                       capture_output=True).stdout.decode())


@pytest.mark.parametrize("kind", ["grub", "uboot"])
def test_update_with_bootloader_backend(fleet, kind, tmp_path):
    if kind == "uboot" and shutil.which("fw_setenv") is None:
        pytest.fail("fw_setenv (libubootenv-tool) is not installed: scripts/install-deps.sh")
    cls = GrubDevice if kind == "grub" else UbootDevice
    dev = fleet.device("SN-" + kind, cls=cls)
    fleet.assign(dev, IMG)
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err
    st = dev.boot_state_now()
    assert st["order"] == ["B", "A"] and st["B"] == 3
    assert dev.boot() == "B"
    rc, out, err = dev.once()
    assert (rc, out) == (0, "committed"), err
    st = dev.boot_state_now()
    assert st["last_good"] == "B" and st["B"] == 3
    assert dev.slot["B"].read_bytes() == fleet.images[IMG][0]
    status = json.loads(dev.agent("status", "--json", check=0).stdout)
    assert status["backend"] == kind and status["booted"] == "B"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_update_over_https_with_the_pinned_ca(medfwd_server, medfw, tmp_path):
    from test_device_client import make_server_pki
    ca, other, cert, key = make_server_pki(tmp_path / "pki")
    srv = medfwd_server(f"tls_cert = {cert}\ntls_key = {key}\n")
    assert srv.scheme == "https"
    fleet = Fleet(srv, medfw, tmp_path, {
        IMG: (random_image(120_000, "tls"), agent_notice(product_version="4.2.1"))})
    url = f"https://127.0.0.1:{srv.port}"
    # a device that trusts another CA cannot even enrol (the token stays unused)
    from test_devices import enrolment_token, new_device
    rec = new_device(fleet.c, fleet.site, "SN-TLS0", hardware_id=agent_notice()["hardware_ids"][0])
    stranger = SimDevice(tmp_path, url, fleet.image_root, name="stranger",
                         extra_config=f"ca_file = {other}\n")
    token = stranger.dir / "token"
    token.write_text(enrolment_token(fleet.c, rec["id"]))
    proc = stranger.agent("enroll", "--token-file", token)
    assert proc.returncode == 1 and b"MEDFW_ERR_FETCH" not in proc.stdout, proc.stderr
    assert fleet.c.call("GET", f"/api/v1/devices/{rec['id']}")[2]["enrolment_state"] == "pending"
    # the device that pins the server's CA updates over TLS
    dev = fleet.device("SN-TLS1", server_url=url, extra_config=f"ca_file = {ca}\n")
    fleet.assign(dev, IMG)
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err
    assert dev.slot["B"].read_bytes() == fleet.images[IMG][0]
    dev.boot()
    assert dev.once()[1] == "committed"
