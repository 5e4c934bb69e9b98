"""A simulated medical device for the agent's end-to-end tests: two slot files, a boot
state file, a bootloader written here in Python from the U-Boot bootcount rules (not
from the C code), a clinical-state file, a health check whose result the test sets, a
reboot command that only records that it ran; and a fleet server with the
manufacturer's releases pushed to it."""
import hashlib
import json
import os
import time
from pathlib import Path

from conftest import run, tool_path
from repo_fixture import Repo, notice
from test_devices import enrolment_token, get_device, new_device
from test_people import PASSWORD, Client
from test_repo_server import pin, raw, token_client, upload_raw, utc

HW = notice()["hardware_ids"][0]
TRIES = 3


def agent_notice(**changes):
    """The example notice, installable by this agent (min_agent_version 0.1.0)."""
    changes.setdefault("min_agent_version", "0.1.0")
    return notice(**changes)


def parse_boot_state(text):
    vals = dict(line.split("=", 1) for line in text.splitlines() if line)
    assert set(vals) == {"BOOT_ORDER", "BOOT_A_LEFT", "BOOT_B_LEFT", "MEDFW_LAST_GOOD"}, vals
    return {"order": vals["BOOT_ORDER"].split(), "A": int(vals["BOOT_A_LEFT"]),
            "B": int(vals["BOOT_B_LEFT"]), "last_good": vals["MEDFW_LAST_GOOD"]}


def format_boot_state(st):
    return (f"BOOT_ORDER={' '.join(st['order'])}\nBOOT_A_LEFT={st['A']}\n"
            f"BOOT_B_LEFT={st['B']}\nMEDFW_LAST_GOOD={st['last_good']}\n")


class SimDevice:
    def __init__(self, tmp_path: Path, server_url, image_root: Path, name="device",
                 factory_image=b"factory image\n", hardware_id=HW, extra_config=""):
        self.dir = tmp_path / name
        self.dir.mkdir()
        self.slot = {"A": self.dir / "slot-a.img", "B": self.dir / "slot-b.img"}
        self.slot["A"].write_bytes(factory_image)
        self.slot["B"].write_bytes(b"")
        self.boot_state = self.dir / "bootstate"
        self.boot_state.write_text(format_boot_state(
            {"order": ["A", "B"], "A": TRIES, "B": 0, "last_good": "A"}))
        self.booted_file = self.dir / "booted"
        self.booted_file.write_text("A\n")
        self.clinical = self.dir / "clinical"
        self.clinical.write_text("idle\n")
        self.health_result = self.dir / "health-result"
        self.health_result.write_text("0")
        self.health = self.dir / "health.sh"
        self.health.write_text(f"#!/bin/sh\necho checking slot $MEDFW_SLOT\n"
                               f"exit $(cat {self.health_result})\n")
        self.health.chmod(0o755)
        self.reboots = self.dir / "reboots"
        self.reboot = self.dir / "reboot.sh"
        self.reboot.write_text(f"#!/bin/sh\necho reboot >> {self.reboots}\n")
        self.reboot.chmod(0o755)
        self.state_dir = self.dir / "state"
        self.config = self.dir / "agent.conf"
        self.config.write_text(
            f"server_url = {server_url}\nallow_http = true\n"
            f"state_dir = {self.state_dir}\nimage_root = {image_root}\n"
            f"hardware_id = {hardware_id}\nfactory_version = 1.0.0\n"
            f"slot_backend = file\nslot_a = {self.slot['A']}\nslot_b = {self.slot['B']}\n"
            f"boot_state_file = {self.boot_state}\nbooted_slot_file = {self.booted_file}\n"
            f"health_check = {self.health}\nhealth_check_timeout = 20s\n"
            f"clinical_state_file = {self.clinical}\nreboot_command = {self.reboot}\n"
            f"checkin_interval = 10s\nconnect_timeout = 5s\nrequest_timeout = 30s\n"
            f"low_speed_time = 5s\n" + extra_config)

    def agent(self, *args, check=None, env=None, timeout=120):
        proc = run([tool_path("medfw-agent"), "--config", self.config, *args], check=check,
                   env=env, timeout=timeout)
        # Against the ASan+UBSan build (make e2e-asan) a report fails the test whatever
        # the exit status the test expected.
        for mark in (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                     b"LeakSanitizer has encountered"):
            assert mark not in proc.stderr, proc.stderr.decode(errors="replace")
        return proc

    def once(self, check=None, env=None):
        proc = self.agent("run", "--once", check=check, env=env)
        return proc.returncode, proc.stdout.decode().strip(), proc.stderr.decode()

    def status(self):
        return json.loads(self.agent("status", "--json", check=0).stdout)

    def state(self):
        return json.loads((self.state_dir / "state.json").read_text())

    def screen(self):
        return json.loads((self.state_dir / "status.json").read_text())

    def booted(self):
        return self.booted_file.read_text().strip()

    def boot_state_now(self):
        return parse_boot_state(self.boot_state.read_text())

    def reboot_count(self):
        return len(self.reboots.read_text().splitlines()) if self.reboots.exists() else 0

    def store_boot_state(self, st):
        self.boot_state.write_text(format_boot_state(st))

    def tell_kernel(self, slot):
        self.booted_file.write_text(slot + "\n")

    def boot(self):
        """The bootloader: the first slot of BOOT_ORDER with tries left, its count
        decremented, then the kernel is told which slot it runs (the booted file)."""
        st = self.boot_state_now()
        for s in st["order"]:
            if st[s] > 0:
                st[s] -= 1
                self.store_boot_state(st)
                self.tell_kernel(s)
                return s
        raise AssertionError(f"no bootable slot: {st}")

    def slot_sha256(self, s):
        return hashlib.sha256(self.slot[s].read_bytes()).hexdigest()


class Fleet:
    """medfwd with a bootstrapped admin, a site, the manufacturer's repository (one
    release per entry of `releases`: name -> (bytes, notice)) pushed and committed."""

    def __init__(self, server, medfw, tmp_path, releases):
        self.server = server
        self.url = f"http://127.0.0.1:{server.port}"
        status, _, _ = server.json("POST", "/api/v1/bootstrap",
                                   {"token": server.bootstrap_token, "username": "root",
                                    "password": PASSWORD})
        assert status == 201
        self.c = Client(server)
        self.c.login("root")
        self.site = self.c.call("POST", "/api/v1/sites",
                                {"name": "General", "time_zone": "UTC"})[2]["id"]
        self.tmp = tmp_path
        self.medfw = medfw
        self.repo = Repo(medfw, tmp_path)
        self.images = {}
        self.t = token_client(server)
        self.pinned = False
        self.publish(releases)

    def publish(self, releases):
        for name, (data, doc) in releases.items():
            img = self.tmp / name.replace("/", "_")
            img.write_bytes(data)
            self.repo.add_release(img, name=name, notice_doc=doc)
            self.images[name] = (data, doc)
        if not self.pinned:
            self.repo.sign("root", "root1", "root2")
        self.repo.sign("targets", "targets1", "targets2")
        self.repo.publish()
        if not self.pinned:
            pin(self.t, self.repo)
            self.pinned = True
        assert raw(self.t, "DELETE", "/api/v1/repository/staging")[0] in (200, 204)
        upload_raw(self.t, self.repo.dir)
        status, _, body = raw(self.t, "POST", "/api/v1/repository/commit")
        assert status == 200, body

    @property
    def image_root(self):
        return self.repo.dir / "metadata" / "1.root.json"

    def signed(self, name):
        targets = json.loads((self.repo.dir / "metadata" / "targets.json").read_text())
        return targets["signed"]["targets"][name]

    def device(self, serial, tmp_path=None, name=None, cls=SimDevice, **kw):
        rec = new_device(self.c, self.site, serial, hardware_id=HW)
        dev = cls(tmp_path or self.tmp, kw.pop("server_url", self.url), self.image_root,
                        name=name or f"dev-{serial}", **kw)
        dev.record = rec
        token = dev.dir / "token"
        token.write_text(enrolment_token(self.c, rec["id"]) + "\n")
        dev.agent("enroll", "--token-file", token, check=0)
        assert not token.read_text() == "" and dev.state()["device_id"] == rec["id"]
        return dev

    def assign(self, dev, name, start=None, end=None):
        now = int(time.time())
        status, _, body = self.c.call(
            "PUT", f"/api/v1/devices/{dev.record['id']}/assignment",
            {"target": name, "window_start": utc(start if start is not None else now - 60),
             "window_end": utc(end if end is not None else now + 86400)})
        assert status == 200, body

    def record(self, dev):
        return get_device(self.c, dev.record["id"])

    def history(self, dev):
        status, _, body = self.c.call("GET", f"/api/v1/devices/{dev.record['id']}/events"
                                      "?limit=500")
        assert status == 200, body
        return list(reversed(body["events"]))


def random_image(size, seed):
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


def fresh_env(**extra):
    env = dict(os.environ)
    env.pop("MEDFW_AGENT_FAULT", None)
    env.update(extra)
    return env
