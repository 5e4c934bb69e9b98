#!/usr/bin/python3
"""bench/agent.py — the device agent's install benchmark and its BENCHMARKS.md section.

  bench/agent.py BUILD_DIR FILE.md            measure, then replace the agent section in FILE.md
  bench/agent.py measure BUILD_DIR OUT.json [--work DIR]
                                              measure only, the results as JSON (bench/run.sh)
  bench/agent.py update OUT.json FILE.md      replace the agent section in FILE.md from OUT.json

BUILD_DIR holds medfwd, medfw and medfw-agent (a release build: build/release). Only the
text between `<!-- agent:begin` and `<!-- agent:end -->` is replaced (appended when
FILE.md has none); the rest of the file is kept byte for byte.

What is measured (bench/README.md):
1. Network install. medfwd (BUILD_DIR/medfwd, 127.0.0.1, a free port, its own data dir)
   serves a repository with one release per size (random bytes, pushed with `medfw
   push`); one enrolled device with file slots (tests/e2e/agent_fixture.SimDevice).
   First the fixed cost of a cycle (`run --once`, nothing assigned). Per size and rep,
   in turn: `openssl dgst -sha256` of the image (the hashing alone, a reference);
   `curl -sS -o FILE URL` of the served target; the same
   followed by `sync FILE`; `medfw-agent run --once` from the device's pre-install state
   (a copy of the enrolled state dir, boot state A first, slot B empty, the assignment
   in place), which must print `rebooting` and leave slot B equal to the image (SHA-256,
   checked after the clock). Wall clock around the process, peak RSS from GNU time %M.
2. Local install of the largest size from a signed package: into a raw file slot, RAUC
   1.8 (`rauc install` of a plain bundle, its service on a private D-Bus,
   `bootloader=noop`) against `medfw-agent install BUNDLE --no-reboot` of a medfw bundle
   of the same image; into a loop device, mender-client 3.4 (`mender install` of a
   signed rootfs-image artifact; stand-in boot environment, see class Mender) against
   medfw-agent again.
A run that fails is reported as FAILED with the reason; no figure is made up.

Environment: BENCH_REPS (3), BENCH_SIZE_MIB (1024: the large size; the small one is 64),
BENCH_AGENT_SIZES_MIB (e.g. "16 4": overrides both), BENCH_WORKDIR (bench/out),
BENCH_KEEP=1 keeps the work dir, BENCH_AGENT_RAUC=0 / BENCH_AGENT_MENDER=0 skip those.
Runs as root (loop devices, mounts, the RAUC service).
"""
import datetime
import hashlib
import json
import mmap
import os
import platform
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import proc_cpu_s

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN_PREFIX = "<!-- agent:begin"
BEGIN = "<!-- agent:begin — written by bench/agent.py (via bench/run.sh); do not edit -->"
END = "<!-- agent:end -->"
RATIO_TARGET = 0.80
RSS_TARGET_MIB = 16
MIB = 1024 * 1024
START_TIMEOUT = 30
RUN_TIMEOUT = 1800


def log(msg):
    print(f"[agent-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def size_label(mib):
    return f"{mib // 1024}GiB" if mib % 1024 == 0 else f"{mib}MiB"


def bench_sizes():
    """The image sizes in MiB, largest first."""
    given = os.environ.get("BENCH_AGENT_SIZES_MIB")
    if given:
        sizes = [int(x) for x in given.split()]
    else:
        sizes = [int(os.environ.get("BENCH_SIZE_MIB", "1024")), 64]
    sizes = sorted({s for s in sizes if s > 0}, reverse=True)
    if not sizes:
        sys.exit("agent.py: no image size (BENCH_AGENT_SIZES_MIB / BENCH_SIZE_MIB)")
    return sizes


def median(xs):
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(4 * MIB)
            if not b:
                return h.hexdigest()
            h.update(b)


def write_random(path, size):
    """Random bytes (incompressible), written in 4 MiB pieces; returns their SHA-256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            b = os.urandom(min(left, 4 * MIB))
            h.update(b)
            f.write(b)
            left -= len(b)
    return h.hexdigest()


def last_line(path, default=""):
    try:
        lines = [l.strip() for l in Path(path).read_text(errors="replace").splitlines()
                 if l.strip()]
    except OSError:
        return default
    return lines[-1][:200] if lines else default


FLUSH_CALLS = "fsync,fdatasync,sync_file_range,msync"


def slot_flushes(trace, slot):
    """How many flush calls of an `strace -f -y` log name the slot file."""
    try:
        text = Path(trace).read_text(errors="replace")
    except OSError:
        return None
    return len(re.findall(r"\b(?:fsync|fdatasync|sync_file_range|msync)\(\d+<"
                          + re.escape(str(slot)) + ">", text))


def cpu_stall_us():
    """Pressure stall information: total µs some runnable task waited for a CPU."""
    try:
        with open("/proc/pressure/cpu") as f:
            return int(f.readline().split("total=")[1])
    except (OSError, IndexError, ValueError):
        return None


def prime_memory(nbytes):
    """Touch NBYTES of anonymous memory, then give it back. On a VM whose freed memory
    goes back to the host after a few seconds (virtio-balloon free page reporting),
    memory used for the first time since is slow to touch (the host must back it
    again); freed just now, it is fast. Done right before every timed run, so each tool
    starts with the same amount of ready memory (page cache for its output)."""
    if nbytes <= 0:
        return
    mm = mmap.mmap(-1, nbytes)
    piece = b"\x01" * (4 * MIB)
    try:
        for off in range(0, nbytes, len(piece)):
            mm.write(piece[:min(len(piece), nbytes - off)])
    finally:
        mm.close()


class Timer:
    """Runs commands under GNU time: wall clock (monotonic, around the process), peak
    RSS (%M, KiB) and CPU time (%U + %S, the command and the children it waited for);
    the machine's CPU pressure over the run (PSI `some`: the share of the wall time in
    which some runnable task waited for a CPU, i.e. how busy the shared machine was).
    stdout and stderr of each run go to the log dir."""

    def __init__(self, logdir):
        self.logdir = logdir
        self.count = 0
        self.prime_bytes = 0  # memory touched and freed right before each timed run

    def run(self, slug, cmd, env=None, timeout=RUN_TIMEOUT):
        self.count += 1
        base = self.logdir / f"{self.count:03d}.{slug}"
        out, err, rssf = (Path(f"{base}.{x}") for x in ("out", "err", "rss"))
        with open(out, "wb") as o, open(err, "wb") as e:
            prime_memory(self.prime_bytes)
            s0 = cpu_stall_us()
            t0 = time.monotonic_ns()
            proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(rssf),
                                   *map(str, cmd)], stdout=o, stderr=e, env=env,
                                  timeout=timeout)
            t1 = time.monotonic_ns()
            s1 = cpu_stall_us()
        wall = (t1 - t0) / 1e9
        rss = cpu = None
        try:
            m, u, sy = rssf.read_text().splitlines()[-1].split()
            rss, cpu = int(m), float(u) + float(sy)
        except (OSError, ValueError, IndexError):
            pass
        psi = (s1 - s0) / 1e6 / wall * 100 if s0 is not None and s1 is not None else None
        return {"rc": proc.returncode, "wall": wall, "rss_kib": rss, "cpu_s": cpu,
                "psi_pct": psi, "stdout": out.read_text(errors="replace").strip(),
                "out": out, "err": err}


def run_checked(cmd, what, env=None, timeout=RUN_TIMEOUT, logfile=None):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, env=env,
                          timeout=timeout)
    if logfile:
        Path(logfile).write_bytes(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        why = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"{what}: exit {proc.returncode}: {why[-1] if why else ''}")
    return proc


def machine(work):
    model, mem = "?", "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    du = shutil.disk_usage(work)
    fs = "?"
    try:
        fs = subprocess.run(["df", "--output=fstype,source", str(work)], capture_output=True,
                            text=True).stdout.splitlines()[1].strip()
        fs = " on ".join(fs.split(None, 1))
    except (OSError, IndexError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "memory": mem,
            "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
            "disk_free_gib": round(du.free / 2**30, 1), "work_fs": fs}


def versions(build):
    def first(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "not available"

    def deb(pkg):
        p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                           text=True)
        return p.stdout.strip() if p.returncode == 0 else "not installed"
    return {"medfw-agent": first([str(build / "medfw-agent"), "--version"]),
            "curl": deb("curl"), "libcurl": deb("libcurl4"), "rauc": deb("rauc"),
            "squashfs-tools": deb("squashfs-tools"), "mender-client": deb("mender-client")}


# ---------------------------------------------------------------------------------------
# medfwd, the repository and the device (the e2e helpers from tests/e2e)

def e2e_imports(build):
    os.environ["MEDFW_BUILD_DIR"] = str(build)
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    global Server, Client, Repo, SimDevice, format_boot_state, agent_notice, HW, TRIES
    global new_device, enrolment_token, token_client, utc, PASSWORD
    from server_fixture import Server
    from test_people import Client, PASSWORD
    from repo_fixture import Repo
    from agent_fixture import SimDevice, format_boot_state, agent_notice, HW, TRIES
    from test_devices import new_device, enrolment_token
    from test_repo_server import token_client, utc


class BenchServer:
    """medfwd as an operator would run it: its defaults, no test routes; stops with us
    (its standard input is a pipe only this process holds)."""

    def __init__(self, build, work):
        self.build = build
        self.server = Server(work, "", (), "medfwd")
        self.proc = None

    def start(self):
        s = self.server
        s._stderr = open(s.stderr_path, "wb")
        s.proc = subprocess.Popen(
            [str(self.build / "medfwd"), "--config", str(s.config), "--stop-on-stdin-eof"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=s._stderr,
            env=dict(os.environ, TZ="UTC", LC_ALL="C"), bufsize=0)
        line = s.proc.stdout.readline().decode()
        m = re.match(r"medfwd listening on (https?)://127\.0\.0\.1:(\d+)$", line.strip())
        if not m:
            s.stop()
            raise RuntimeError(f"medfwd did not start: {line!r} {last_line(s.stderr_path)}")
        s.scheme, s.port = m.group(1), int(m.group(2))
        s.bootstrap_token = None
        ready, _, _ = select.select([s.proc.stdout], [], [], 5.0)
        if ready:
            t = re.match(r"medfwd: bootstrap token \(.*\): (\S+)$",
                         s.proc.stdout.readline().decode().strip())
            s.bootstrap_token = t.group(1) if t else None
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if s.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                s.stop()
                raise RuntimeError("medfwd: /healthz did not answer")
            time.sleep(0.05)
        if not s.bootstrap_token:
            s.stop()
            raise RuntimeError("medfwd printed no bootstrap token (data dir not fresh?)")
        return s


def medfw_runner(build):
    def medfw(*args, check=None, **kw):
        proc = subprocess.run([str(build / "medfw"), *map(str, args)], capture_output=True,
                              env=dict(os.environ, TZ="UTC", LC_ALL="C"),
                              timeout=RUN_TIMEOUT)
        if check is not None and proc.returncode != check:
            raise RuntimeError(f"medfw {' '.join(map(str, args[:2]))}: exit "
                               f"{proc.returncode}: {proc.stderr.decode(errors='replace')}")
        return proc
    return medfw


class Bench:
    def __init__(self, build, work, reps, sizes):
        self.build = build
        self.work = work
        self.reps = reps
        self.sizes = sizes
        self.logdir = work / "logs"
        self.logdir.mkdir(parents=True, exist_ok=True)
        self.timer = Timer(self.logdir)
        self.env = dict(os.environ, TZ="UTC", LC_ALL="C")
        self.env.pop("MEDFW_AGENT_FAULT", None)
        self.images = {}  # label -> {"path", "bytes", "sha256", "name"}
        self.srv = None
        self.dev = None
        self.pristine = None
        self.repo = None
        self.medfw = medfw_runner(build)
        self.to_stop = []  # (what, Popen or pid)

    # -- set-up -------------------------------------------------------------------------

    def setup(self):
        log("starting medfwd")
        self.srv = BenchServer(self.build, self.work).start()
        srv = self.srv
        self.url = f"http://127.0.0.1:{srv.port}"
        status, _, body = srv.json("POST", "/api/v1/bootstrap",
                                   {"token": srv.bootstrap_token, "username": "root",
                                    "password": PASSWORD})
        if status != 201:
            raise RuntimeError(f"bootstrap: HTTP {status} {body}")
        self.c = Client(srv)
        self.c.login("root")
        status, _, body = self.c.call("POST", "/api/v1/sites",
                                      {"name": "Bench", "time_zone": "UTC"})
        if status != 201:
            raise RuntimeError(f"site: HTTP {status} {body}")
        self.site = body["id"]

        self.repo = Repo(self.medfw, self.work)
        imgdir = self.work / "images"
        imgdir.mkdir()
        for i, mib in enumerate(self.sizes):
            label = size_label(mib)
            path = imgdir / f"bench-{label}.img"
            log(f"making the {label} random image")
            digest = write_random(path, mib * MIB)
            name = f"bench-{label}.img"
            self.repo.add_release(path, name=name, notice_doc=agent_notice(
                product_version=f"5.0.{i}", hardware_ids=[HW]))
            # the repository holds its own copy; the bundles are made from it
            path.unlink()
            self.images[label] = {"path": self.repo.dir / "targets" / name,
                                  "bytes": mib * MIB, "sha256": digest, "name": name}
        self.repo.sign("root", "root1", "root2")
        self.repo.sign("targets", "targets1", "targets2")
        self.repo.publish()
        for im in self.images.values():
            if not im["path"].is_file() or im["path"].stat().st_size != im["bytes"]:
                raise RuntimeError(f"release add left no {im['path']} of {im['bytes']} bytes")
        tok = self.work / "api-token"
        tok.write_text(token_client(srv).token + "\n")
        tok.chmod(0o600)
        log("medfw push")
        run_checked([self.build / "medfw", "push", "--server", self.url, "--token-file", tok,
                     "--repo", self.repo.dir, "--pin-root",
                     self.repo.dir / "metadata" / "1.root.json"], "medfw push", self.env,
                    logfile=self.logdir / "push.log")

        log("enrolling the device")
        rec = new_device(self.c, self.site, "BENCH-1", hardware_id=HW)
        dev = SimDevice(self.work, self.url, self.repo.dir / "metadata" / "1.root.json",
                        name="device")
        dev.record = rec
        token = dev.dir / "token"
        token.write_text(enrolment_token(self.c, rec["id"]) + "\n")
        run_checked([self.build / "medfw-agent", "--config", dev.config, "enroll",
                     "--token-file", token], "medfw-agent enroll", self.env)
        # one idle cycle: a device in service has checked in and holds current metadata
        proc = run_checked([self.build / "medfw-agent", "--config", dev.config, "run",
                            "--once"], "medfw-agent run --once (idle)", self.env)
        if proc.stdout.decode().strip() != "idle":
            raise RuntimeError(f"first agent cycle said {proc.stdout!r}, not idle")
        self.pristine = self.work / "device-state.pristine"
        shutil.copytree(dev.state_dir, self.pristine, symlinks=True)
        self.dev = dev

    def reset_device(self):
        """The device as before any install: the enrolled state, A first, B empty."""
        dev = self.dev
        shutil.rmtree(dev.state_dir)
        shutil.copytree(self.pristine, dev.state_dir, symlinks=True)
        dev.boot_state.write_text(format_boot_state(
            {"order": ["A", "B"], "A": TRIES, "B": 0, "last_good": "A"}))
        dev.booted_file.write_text("A\n")
        with open(dev.slot["B"], "wb"):
            pass
        dev.reboots.unlink(missing_ok=True)

    def assign(self, name):
        now = int(time.time())
        status, _, body = self.c.call(
            "PUT", f"/api/v1/devices/{self.dev.record['id']}/assignment",
            {"target": name, "window_start": utc(now - 60), "window_end": utc(now + 86400)})
        if status != 200:
            raise RuntimeError(f"assignment of {name}: HTTP {status} {body}")

    # -- checks after the clock -------------------------------------------------------------

    def slot_b_problem(self, im):
        b = self.dev.slot["B"]
        size = b.stat().st_size
        if size != im["bytes"]:
            return f"slot B holds {size} bytes, not {im['bytes']}"
        if sha256_file(b) != im["sha256"]:
            return "slot B's SHA-256 differs from the image's"
        return None

    def agent_problem(self, r, im, expect_out):
        if r["rc"] != 0:
            return f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
        if r["stdout"] != expect_out:
            return f"printed {r['stdout']!r}, not {expect_out!r}"
        st = self.dev.boot_state_now()
        if st["order"][0] != "B":
            return f"boot state not flipped to B: {st}"
        return self.slot_b_problem(im)

    # -- 1. network install ----------------------------------------------------------------

    def idle_cycles(self):
        """The fixed cost of one cycle: `run --once` with nothing assigned (check-in,
        session, both repositories' metadata refreshed), from the pristine state."""
        runs, why = [], None
        self.timer.prime_bytes = prime_for(0)
        for rep in range(self.reps):
            self.reset_device()
            os.sync()
            r = self.timer.run("agent-idle", [self.build / "medfw-agent", "--config",
                                              self.dev.config, "run", "--once"], self.env)
            if r["rc"] != 0 or r["stdout"] != "idle":
                why = why or (f"exit {r['rc']}, printed {r['stdout']!r}: "
                              f"{last_line(r['err'], 'no message')}")
            else:
                runs.append(r)
            log(f"  idle cycle: {r['wall']:.3f}s rss {r['rss_kib']} KiB")
        row = summary("network", "idle", "—", 0, runs, why, self.reps)
        row.pop("mib_s", None)
        return row

    def network(self):
        rows = [self.idle_cycles()]
        for label, im in self.images.items():
            url = f"{self.url}/repo/targets/{im['name']}"
            out = self.work / "curl-out.img"
            self.assign(im["name"])
            # warm: the served file read once through medfwd
            run_checked(["curl", "-sS", "-o", "/dev/null", url], "curl (warm-up)", self.env)
            self.timer.prime_bytes = prime_for(im["bytes"])
            res = {"sha256": [], "curl": [], "curl+sync": [], "agent": []}
            fail = {}
            paired = []  # per rep: curl's wall / the agent's (both ok)
            subprocess.run(["cat", str(im["path"])], stdout=subprocess.DEVNULL)
            for rep in range(self.reps):
                log(f"{label} rep {rep + 1}/{self.reps}")
                curl_wall = None
                # the hashing the agent adds, alone: SHA-256 of the same bytes (warm)
                r = self.timer.run(f"sha256.{label}", ["openssl", "dgst", "-sha256",
                                                       im["path"]], self.env)
                if r["rc"] != 0 or not r["stdout"].endswith("= " + im["sha256"]):
                    fail.setdefault("sha256", f"exit {r['rc']}: {r['stdout'][-100:]}")
                else:
                    res["sha256"].append(r)
                for kind, cmd in (("curl", ["curl", "-sS", "-o", out, url]),
                                  ("curl+sync", ["sh", "-c", 'curl -sS -o "$1" "$2" && '
                                                 'sync "$1"', "sh", out, url])):
                    out.unlink(missing_ok=True)
                    os.sync()
                    r = self.timer.run(f"{kind}.{label}", cmd, self.env)
                    why = None
                    if r["rc"] != 0:
                        why = f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
                    elif out.stat().st_size != im["bytes"] or sha256_file(out) != im["sha256"]:
                        why = "the downloaded file differs from the image"
                    if why:
                        fail.setdefault(kind, why)
                    else:
                        res[kind].append(r)
                    if kind == "curl":
                        curl_wall = None if why else r["wall"]
                    log(f"  {kind}: {r['wall']:.3f}s rss {r['rss_kib']} KiB cpu {r['cpu_s']}s "
                        f"{why or ''}")
                out.unlink(missing_ok=True)
                self.reset_device()
                os.sync()
                r = self.timer.run(f"agent-run.{label}", [self.build / "medfw-agent",
                                   "--config", self.dev.config, "run", "--once"], self.env)
                why = self.agent_problem(r, im, "rebooting")
                if why:
                    fail.setdefault("agent", why)
                else:
                    res["agent"].append(r)
                    if curl_wall:
                        paired.append(round(curl_wall / r["wall"], 3))
                log(f"  agent: {r['wall']:.3f}s rss {r['rss_kib']} KiB cpu {r['cpu_s']}s "
                    f"{why or ''}")
            for kind, runs in res.items():
                row = summary("network", kind, label, im["bytes"], runs, fail.get(kind),
                              self.reps)
                if kind == "agent":
                    row["paired"] = paired
                rows.append(row)
            with open(self.dev.slot["B"], "wb"):
                pass
        return rows

    # -- 2. local bundle install: RAUC against medfw-agent install ----------------------------

    def bundles(self):
        label = next(iter(self.images))
        im = self.images[label]
        rows = []
        bundle = self.work / f"bench-{label}.mfb"
        log(f"medfw bundle create ({label})")
        run_checked([self.build / "medfw", "bundle", "create", "--repo", self.repo.dir,
                     "--target", im["name"], "--out", bundle], "medfw bundle create",
                    self.env, logfile=self.logdir / "bundle-create.log")
        runs, why = [], None
        subprocess.run(["cat", str(bundle)], stdout=subprocess.DEVNULL)
        self.timer.prime_bytes = prime_for(im["bytes"])
        for rep in range(self.reps):
            self.reset_device()
            os.sync()
            r = self.timer.run(f"agent-install.{label}", [
                self.build / "medfw-agent", "--config", self.dev.config, "install", bundle,
                "--no-reboot"], self.env)
            problem = self.agent_problem(r, im, r["stdout"]) if r["rc"] == 0 else \
                f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
            log(f"  medfw-agent install: {r['wall']:.3f}s rss {r['rss_kib']} KiB "
                f"{problem or ''}")
            if problem:
                why = why or problem
            else:
                runs.append(r)
        row = summary("bundle", "medfw", label, im["bytes"], runs, why, self.reps)
        row["stdout"] = runs[-1]["stdout"] if runs else ""
        if runs and shutil.which("strace"):
            # one more run, untimed, under strace: how often the slot is flushed
            self.reset_device()
            trace = self.logdir / "agent-install.strace"
            subprocess.run(["strace", "-f", "-y", "-e", f"trace={FLUSH_CALLS}", "-o", trace,
                            self.build / "medfw-agent", "--config", self.dev.config,
                            "install", bundle, "--no-reboot"], env=self.env,
                           capture_output=True, timeout=RUN_TIMEOUT)
            row["slot_flushes"] = slot_flushes(trace, self.dev.slot["B"])
        rows.append(row)
        with open(self.dev.slot["B"], "wb"):
            pass
        if os.environ.get("BENCH_AGENT_RAUC", "1") == "0":
            rows.append(status_row("bundle", "rauc", label, im["bytes"],
                                   "not run (BENCH_AGENT_RAUC=0)"))
        else:
            rows.append(Rauc(self, label, im).run())
        if os.environ.get("BENCH_AGENT_MENDER", "1") == "0":
            for kind in ("mender", "medfw-loop"):
                rows.append(status_row("bundle", kind, label, im["bytes"],
                                       "not run (BENCH_AGENT_MENDER=0)"))
        else:
            rows += Mender(self, label, im, bundle).run()
        bundle.unlink()
        return rows

    def stop(self):
        if self.srv:
            self.srv.stop()
            self.srv = None


def prime_for(size):
    """Memory made ready before a timed run of an image of SIZE bytes: room for the
    output's page cache twice over (RAUC's squashfs and a loop device's backing file
    cache it once more), at least 256 MiB."""
    return max(256 * MIB, size * 5 // 2)


def memory_check(work, size):
    """How much the machine's memory recycling matters: `dd` of SIZE zero bytes into a
    new file, right after memory was touched and freed, and again 10 s after."""
    out = {"bytes": size, "page_reporting": None}
    # a virtio balloon (device id 5) offering VIRTIO_BALLOON_F_REPORTING (feature bit 5)
    for d in Path("/sys/bus/virtio/devices").glob("*"):
        try:
            if (d / "device").read_text().strip() == "0x0005":
                out["page_reporting"] = (d / "features").read_text().strip()[5:6] == "1"
        except OSError:
            pass
    f = work / "memory-check.img"
    for key in ("fresh_s", "stale_s"):
        os.sync()
        if key == "fresh_s":
            prime_memory(prime_for(size))
        else:
            time.sleep(10)
        t0 = time.monotonic()
        p = subprocess.run(["dd", "if=/dev/zero", f"of={f}", "bs=1M",
                            f"count={size // MIB}", "status=none"], capture_output=True)
        out[key] = round(time.monotonic() - t0, 3) if p.returncode == 0 else None
        f.unlink(missing_ok=True)
    os.sync()
    return out


def summary(part, kind, label, size, runs, why, reps):
    row = {"part": part, "kind": kind, "size": label, "bytes": size, "reps": reps,
           "walls": [round(r["wall"], 4) for r in runs],
           "rss_kib": max((r["rss_kib"] for r in runs if r["rss_kib"]), default=None),
           "status": "ok" if runs and not why else "FAILED", "why": why or ""}
    for key in ("service_hwm_kib", "client_rss_kib"):
        vals = [r[key] for r in runs if r.get(key)]
        if vals:
            row[key] = max(vals)
    row["psi_pct"] = [round(r["psi_pct"], 1) for r in runs if r.get("psi_pct") is not None]
    if runs and not why:
        row["wall"] = round(median([r["wall"] for r in runs]), 4)
        row["mib_s"] = round(size / MIB / row["wall"], 1)
        cpus = [r["cpu_s"] for r in runs if r.get("cpu_s") is not None]
        if len(cpus) == len(runs):
            row["cpu_s"] = round(median(cpus), 3)
    return row


def status_row(part, kind, label, size, why):
    return {"part": part, "kind": kind, "size": label, "bytes": size, "reps": 0, "walls": [],
            "rss_kib": None, "status": "not run", "why": why}


# ---------------------------------------------------------------------------------------
# RAUC: plain bundle, raw file slots, noop bootloader, its service on a private D-Bus

class Rauc:
    def __init__(self, bench, label, im):
        self.b = bench
        self.label = label
        self.im = im
        self.dir = bench.work / "rauc"
        self.bus_pid = None
        self.service = None

    def run(self):
        try:
            return self._run()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log(f"RAUC: {e}")
            return status_row("bundle", "rauc", self.label, self.im["bytes"], str(e))
        finally:
            self.stop_service()
            if self.bus_pid:
                try:
                    os.kill(self.bus_pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            self.unmount_leftovers()

    def _run(self):
        if not shutil.which("rauc"):
            raise RuntimeError("rauc is not installed (Debian package rauc)")
        for t in ("dbus-daemon", "mksquashfs", "openssl"):
            if not shutil.which(t):
                raise RuntimeError(f"{t} is not installed")
        d = self.dir
        d.mkdir()
        keys = d / "keys"
        self.make_keys(keys)
        content = d / "content"
        run_checked([HERE / "peers.sh", "rauc_dir", "plain", self.im["path"], content],
                    "peers.sh rauc_dir")
        bundle = d / "bench.raucb"
        log("rauc bundle (plain)")
        run_checked(["rauc", "bundle", f"--cert={keys / 'signer.pem'}",
                     f"--key={keys / 'signer.key'}", content, bundle], "rauc bundle",
                    logfile=self.b.logdir / "rauc-bundle.log")
        shutil.rmtree(content)
        self.slots = {"A": d / "slot-a.img", "B": d / "slot-b.img"}
        self.slots["A"].write_bytes(b"factory image\n")
        self.slots["B"].write_bytes(b"")
        (d / "data").mkdir()
        (d / "mnt").mkdir()
        self.conf = d / "system.conf"
        self.conf.write_text(
            "[system]\ncompatible=medfw-bench\nbootloader=noop\n"
            f"data-directory={d / 'data'}\nmountprefix={d / 'mnt'}\n\n"
            f"[keyring]\npath={keys / 'ca.pem'}\n\n"
            f"[slot.rootfs.0]\ndevice={self.slots['A']}\ntype=raw\nbootname=A\n\n"
            f"[slot.rootfs.1]\ndevice={self.slots['B']}\ntype=raw\nbootname=B\n")
        self.start_bus()
        subprocess.run(["cat", str(bundle)], stdout=subprocess.DEVNULL)
        runs, why = [], None
        for rep in range(self.b.reps):
            with open(self.slots["B"], "wb"):
                pass
            shutil.rmtree(d / "data")
            (d / "data").mkdir()
            self.start_service(rep + 1)
            os.sync()
            r = self.b.timer.run(f"rauc-install.{self.label}",
                                 ["rauc", "install", bundle], self.env)
            hwm = self.service_hwm()
            svc_cpu = proc_cpu_s(self.service.pid)
            self.stop_service()
            problem = None
            if r["rc"] != 0:
                problem = f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
            elif hwm is None:
                problem = "no VmHWM of the rauc service"
            elif self.slots["B"].stat().st_size != self.im["bytes"] or \
                    sha256_file(self.slots["B"]) != self.im["sha256"]:
                problem = "slot B differs from the image after rauc install"
            log(f"  rauc install: {r['wall']:.3f}s client {r['rss_kib']} KiB service "
                f"{hwm} KiB {problem or ''}")
            if problem:
                why = why or problem
            else:
                r["client_rss_kib"] = r["rss_kib"]
                r["service_hwm_kib"] = hwm
                r["rss_kib"] = hwm + (r["rss_kib"] or 0)
                if svc_cpu is not None and r["cpu_s"] is not None:
                    r["cpu_s"] += svc_cpu
                else:
                    r["cpu_s"] = None
                runs.append(r)
        row = summary("bundle", "rauc", self.label, self.im["bytes"], runs, why, self.b.reps)
        if runs and shutil.which("strace"):
            # one more run, untimed, the service under strace: how often the slot is flushed
            with open(self.slots["B"], "wb"):
                pass
            trace = self.b.logdir / "rauc-service.strace"
            self.start_service("strace", ["strace", "-f", "-y", "-e",
                                          f"trace={FLUSH_CALLS}", "-o", str(trace)])
            p = subprocess.run(["rauc", "install", bundle], env=self.env,
                               capture_output=True, timeout=RUN_TIMEOUT)
            self.stop_service()
            if p.returncode == 0:
                row["slot_flushes"] = slot_flushes(trace, self.slots["B"])
        bundle.unlink()
        for s in self.slots.values():
            s.unlink()
        return row

    def make_keys(self, d):
        """A throwaway CA and signer, as bench/peers.sh makes them for RAUC."""
        d.mkdir()
        (d / "openssl.cnf").write_text(
            "[req]\ndistinguished_name = dn\n[dn]\n[v3_ca]\n"
            "basicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier = hash\n[v3_signer]\nbasicConstraints = critical,CA:FALSE\n"
            "keyUsage = critical,digitalSignature\n"
            "extendedKeyUsage = emailProtection,codeSigning\nsubjectKeyIdentifier = hash\n"
            "authorityKeyIdentifier = keyid\n")
        cnf = str(d / "openssl.cnf")
        run_checked(["openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout",
                     d / "ca.key", "-out", d / "ca.pem", "-days", "7", "-subj",
                     "/CN=medfw agent bench throwaway CA", "-config", cnf, "-extensions",
                     "v3_ca"], "openssl (CA)")
        run_checked(["openssl", "req", "-new", "-newkey", "rsa:3072", "-nodes", "-keyout",
                     d / "signer.key", "-out", d / "signer.csr", "-subj",
                     "/CN=medfw agent bench signer", "-config", cnf], "openssl (signer key)")
        run_checked(["openssl", "x509", "-req", "-in", d / "signer.csr", "-CA", d / "ca.pem",
                     "-CAkey", d / "ca.key", "-CAcreateserial", "-out", d / "signer.pem",
                     "-days", "7", "-extfile", cnf, "-extensions", "v3_signer"],
                    "openssl (signer cert)")

    def start_bus(self):
        proc = run_checked(["dbus-daemon", "--session", "--fork", "--print-address=1",
                            "--print-pid=1", "--nopidfile"], "dbus-daemon")
        lines = proc.stdout.decode().split()
        if len(lines) < 2 or not lines[1].isdigit():
            raise RuntimeError(f"dbus-daemon printed {proc.stdout!r}")
        self.bus_pid = int(lines[1])
        self.env = dict(self.b.env, DBUS_SYSTEM_BUS_ADDRESS=lines[0])

    def start_service(self, tag, prefix=()):
        err = open(self.b.logdir / f"rauc-service.{tag}.log", "wb")
        self.service = subprocess.Popen(
            [*prefix, "rauc", "service", f"--conf={self.conf}", "--override-boot-slot=A"],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=self.env)
        err.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            p = subprocess.run(["rauc", "status"], capture_output=True, env=self.env)
            if p.returncode == 0:
                return
            if self.service.poll() is not None:
                raise RuntimeError(f"rauc service exited {self.service.returncode}: "
                                   f"{last_line(err.name, 'no message')}")
            if time.monotonic() > deadline:
                raise RuntimeError("rauc service did not answer `rauc status` in "
                                   f"{START_TIMEOUT}s: {p.stderr.decode().strip()[-200:]}")
            time.sleep(0.1)

    def service_hwm(self):
        try:
            for line in open(f"/proc/{self.service.pid}/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return None

    def stop_service(self):
        if self.service and self.service.poll() is None:
            # under strace: stop the traced service (our child's child), strace follows
            signalled = False
            try:
                pid = self.service.pid
                for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
                    os.kill(int(child), signal.SIGTERM)
                    signalled = True
            except (OSError, ValueError):
                pass
            if signalled:
                try:
                    self.service.wait(20)
                except subprocess.TimeoutExpired:
                    pass
        if self.service and self.service.poll() is None:
            self.service.terminate()
            try:
                self.service.wait(20)
            except subprocess.TimeoutExpired:
                self.service.kill()
                self.service.wait()
        self.service = None

    def unmount_leftovers(self):
        mnt = str(self.dir / "mnt")
        try:
            mounts = [l.split()[1] for l in open("/proc/mounts")]
        except OSError:
            return
        for m in reversed(mounts):
            if m.startswith(mnt + "/"):
                subprocess.run(["umount", m], capture_output=True)


# ---------------------------------------------------------------------------------------
# mender-client: `mender install` (standalone) of a rootfs-image artifact into loop devices,
# and medfw-agent installing into the same kind of slot

class Loops:
    """Loop devices over our own files; detached (only ours, checked by backing file)."""

    def __init__(self):
        self.devs = {}  # device -> backing file

    def attach(self, backing):
        dev = run_checked(["losetup", "--find", "--show", backing],
                          f"losetup {backing}").stdout.decode().strip()
        self.devs[dev] = str(backing)
        return dev

    def detach(self, dev):
        backing = self.devs.pop(dev, None)
        p = subprocess.run(["losetup", "--list", "--noheadings", "--output", "BACK-FILE", dev],
                           capture_output=True, text=True)
        if backing and p.returncode == 0 and p.stdout.strip() == backing:
            subprocess.run(["losetup", "--detach", dev], capture_output=True)

    def fresh(self, dev, backing, size):
        """A zero-filled slot of SIZE bytes: the old device detached, a new sparse file."""
        if dev:
            self.detach(dev)
        Path(backing).unlink(missing_ok=True)
        with open(backing, "wb") as f:
            f.truncate(size)
        return self.attach(backing)

    def detach_all(self):
        for dev in list(self.devs):
            self.detach(dev)


def device_problem(dev, im):
    """None when the block device DEV holds exactly the image."""
    h = hashlib.sha256()
    with open(dev, "rb") as f:
        size = f.seek(0, os.SEEK_END)
        if size != im["bytes"]:
            return f"{dev} holds {size} bytes, not {im['bytes']}"
        f.seek(0)
        while True:
            b = f.read(4 * MIB)
            if not b:
                break
            h.update(b)
    return None if h.hexdigest() == im["sha256"] else f"{dev} differs from the image"


MENDER_RUN = ('mount --make-rprivate / && mount --bind "$1/etc-mender" /etc/mender && '
              'PATH="$1/bin:$PATH" exec mender --config "$1/mender.conf" --fallback-config '
              '"$1/no-fallback.conf" --data "$1/data" --no-syslog install "$2"')


class Mender:
    """mender-client 3.4 has no file slots: its rootfs-image update writes the inactive
    one of RootfsPartA/RootfsPartB, block devices. Here: two loop devices over our files;
    the U-Boot environment is a file behind fake fw_printenv/fw_setenv; a fake `mount`
    reports slot A as the root file system (mender compares it with mender_boot_part);
    /etc/mender (artifact_info, which 3.4 reads from there whatever its configuration)
    is a directory of ours bind-mounted in a private mount namespace (unshare -m), so
    nothing outside the work dir changes. Mender only ever writes RootfsPartA or B."""

    def __init__(self, bench, label, im, bundle):
        self.b = bench
        self.label = label
        self.im = im
        self.bundle = bundle
        self.dir = bench.work / "mender"
        self.loops = Loops()

    def run(self):
        try:
            return self._run()
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log(f"mender: {e}")
            return [status_row("bundle", k, self.label, self.im["bytes"], str(e))
                    for k in ("mender", "medfw-loop")]
        finally:
            self.loops.detach_all()
            shutil.rmtree(self.dir, ignore_errors=True)

    def _run(self):
        for t, pkg in (("mender", "mender-client"), ("mender-artifact", "mender-artifact"),
                       ("losetup", "mount"), ("unshare", "util-linux")):
            if not shutil.which(t):
                raise RuntimeError(f"{t} is not installed (Debian package {pkg})")
        d = self.dir
        for sub in ("bin", "etc-mender", "data"):
            (d / sub).mkdir(parents=True)
        run_checked(["openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout",
                     "-out", d / "mender.key"], "openssl (mender key)")
        run_checked(["openssl", "ec", "-in", d / "mender.key", "-pubout", "-out",
                     d / "mender.pub"], "openssl (mender public key)")
        artifact = d / "bench.mender"
        log("mender-artifact write rootfs-image")
        run_checked(["mender-artifact", "--compression", "none", "write", "rootfs-image",
                     "-f", self.im["path"], "-n", "bench-2", "-t", "medfw-bench", "-k",
                     d / "mender.key", "-o", artifact], "mender-artifact write",
                    logfile=self.b.logdir / "mender-artifact.log")
        (d / "etc-mender" / "artifact_info").write_text("artifact_name=bench-1\n")
        env_file = d / "ubootenv"
        (d / "bin" / "fw_printenv").write_text(
            "#!/bin/sh\n# a U-Boot environment in a file (bench/agent.py)\n"
            f"env={env_file}\n"
            '[ $# -eq 0 ] && exec cat "$env"\n'
            'for v in "$@"; do grep "^$v=" "$env" || '
            '{ echo "## Error: \\"$v\\" not defined" >&2; exit 1; }; done\n')
        (d / "bin" / "fw_setenv").write_text(
            "#!/bin/sh\n# fw_setenv NAME [VALUE] | fw_setenv -s FILE|- (lines NAME VALUE)\n"
            f"env={env_file}\n"
            'set1() { grep -v "^$1=" "$env" > "$env.new"; '
            '[ -n "$2" ] && echo "$1=$2" >> "$env.new"; mv "$env.new" "$env"; }\n'
            'if [ "$1" = -s ]; then src=$2; [ "$src" = - ] && src=/dev/stdin\n'
            '  while read -r n v; do [ -n "$n" ] && set1 "$n" "$v"; done < "$src"\n'
            'else set1 "$1" "$2"; fi\n')
        slot_a = self.loops.attach(self.fresh_file(d / "slot-a.img", MIB))
        part_a = re.search(r"(\d+)$", slot_a).group(1)
        (d / "bin" / "mount").write_text(
            f"#!/bin/sh\n# what mender reads to find the running slot\n"
            f"echo '{slot_a} on / type ext4 (rw,relatime)'\n")
        for f in (d / "bin").iterdir():
            f.chmod(0o755)
        subprocess.run(["cat", str(artifact), str(self.bundle)], stdout=subprocess.DEVNULL)
        self.slot_a, self.part_a, self.artifact = slot_a, part_a, artifact
        runs = {"mender": [], "medfw-loop": []}
        why = {}
        for rep in range(self.b.reps):
            r, problem = self.mender_install()
            log(f"  mender install: {r['wall']:.3f}s rss {r['rss_kib']} KiB {problem or ''}")
            if problem:
                why.setdefault("mender", problem)
            else:
                runs["mender"].append(r)
            r, problem = self.medfw_install()
            log(f"  medfw-agent install (loop): {r['wall']:.3f}s rss {r['rss_kib']} KiB "
                f"{problem or ''}")
            if problem:
                why.setdefault("medfw-loop", problem)
            else:
                runs["medfw-loop"].append(r)
        rows = [summary("bundle", k, self.label, self.im["bytes"], v, why.get(k), self.b.reps)
                for k, v in runs.items()]
        rows[0]["version"] = run_checked(["mender", "--version"], "mender --version") \
            .stdout.decode().split()[0]
        if runs["mender"] and shutil.which("strace"):
            # one more run, untimed, under strace: how often the slot is flushed
            trace = self.b.logdir / "mender-install.strace"
            _, problem = self.mender_install(["strace", "-f", "-y", "-e",
                                              f"trace={FLUSH_CALLS}", "-o", str(trace)])
            if not problem:
                rows[0]["slot_flushes"] = slot_flushes(trace, self.last_slot)
        return rows

    def mender_install(self, prefix=()):
        """`mender install` into a fresh (zero) slot B with a fresh data dir and boot
        environment (A running); (timed result, None or what was wrong)."""
        d = self.dir
        b_dev = self.loops.fresh(None, d / "slot-b.img", self.im["bytes"])
        self.last_slot = b_dev
        part_b = re.search(r"(\d+)$", b_dev).group(1)
        (d / "mender.conf").write_text(json.dumps({
            "RootfsPartA": self.slot_a, "RootfsPartB": b_dev,
            "DeviceTypeFile": str(d / "data" / "device_type"),
            "ArtifactVerifyKey": str(d / "mender.pub")}))
        shutil.rmtree(d / "data")
        (d / "data").mkdir()
        (d / "data" / "device_type").write_text("device_type=medfw-bench\n")
        env_file = d / "ubootenv"
        env_file.write_text(f"mender_boot_part={self.part_a}\nupgrade_available=0\n"
                            "bootcount=0\n")
        os.sync()
        r = self.b.timer.run(f"mender-install.{self.label}",
                             [*prefix, "unshare", "-m", "sh", "-c", MENDER_RUN, "sh", d,
                              self.artifact], self.b.env)
        problem = None
        if r["rc"] != 0:
            problem = f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
        else:
            benv = dict(l.split("=", 1) for l in env_file.read_text().splitlines()
                        if "=" in l)
            if benv.get("mender_boot_part") != part_b or benv.get("upgrade_available") != "1":
                problem = f"boot environment not switched to {b_dev}: {benv}"
            else:
                problem = device_problem(b_dev, self.im)
        self.loops.detach(b_dev)
        (d / "slot-b.img").unlink()
        return r, problem

    def medfw_install(self):
        """medfw-agent install into a fresh (zero) loop device as slot B."""
        d = self.dir
        b_dev = self.loops.fresh(None, d / "medfw-slot-b.img", self.im["bytes"])
        conf = d / "agent-loop.conf"
        conf.write_text(re.sub(r"(?m)^slot_b = .*$", f"slot_b = {b_dev}",
                               self.b.dev.config.read_text()))
        self.b.reset_device()
        os.sync()
        r = self.b.timer.run(f"agent-install-loop.{self.label}", [
            self.b.build / "medfw-agent", "--config", conf, "install", self.bundle,
            "--no-reboot"], self.b.env)
        problem = None
        if r["rc"] != 0:
            problem = f"exit {r['rc']}: {last_line(r['err'], 'no message')}"
        elif self.b.dev.boot_state_now()["order"][0] != "B":
            problem = f"boot state not flipped to B: {self.b.dev.boot_state_now()}"
        else:
            problem = device_problem(b_dev, self.im)
        self.loops.detach(b_dev)
        (d / "medfw-slot-b.img").unlink()
        return r, problem

    @staticmethod
    def fresh_file(path, size):
        with open(path, "wb") as f:
            f.truncate(size)
        return path


# ---------------------------------------------------------------------------------------

def measure(build, out_json, work=None):
    build = Path(build).resolve()
    for b in ("medfwd", "medfw", "medfw-agent"):
        if not (build / b).is_file():
            sys.exit(f"agent.py: {build / b} is not built")
    for t in ("curl", "openssl", "/usr/bin/time"):
        if not shutil.which(t):
            sys.exit(f"agent.py: {t} is not installed")
    e2e_imports(build)
    reps = int(os.environ.get("BENCH_REPS", "3"))
    sizes = bench_sizes()
    keep = os.environ.get("BENCH_KEEP", "0") == "1"
    base = Path(os.environ.get("BENCH_WORKDIR", ROOT / "bench" / "out"))
    own_work = not work
    if work:
        work = Path(work).resolve()
        work.mkdir(parents=True)
    else:
        base.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="agent.", dir=base)).resolve()
    # image in the repository + medfwd's copy + slot B + curl's file, then a bundle,
    # RAUC's bundle and slot (after the network part is cleaned up), plus slack
    need = sum(sizes) * MIB * 4 + max(sizes) * MIB * 1 + 512 * MIB
    free = shutil.disk_usage(work).free
    if free < need:
        sys.exit(f"agent.py: need {need // MIB} MiB free in {work}, have {free // MIB} MiB")
    res = {"started": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC"),
           "command": os.environ.get("BENCH_AGENT_COMMAND") or shlex.join(
               [f"{k}={v}" for k, v in sorted(os.environ.items())
                if k.startswith("BENCH_") and k != "BENCH_AGENT_COMMAND"]
               + ["bench/agent.py", *sys.argv[1:]]),
           "reps": reps, "sizes": [size_label(s) for s in sizes],
           "machine": machine(work), "versions": versions(build),
           "load_before": open("/proc/loadavg").read().split()[:3],
           "git_rev": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True).stdout.strip(),
           "rows": [], "error": ""}
    t0 = time.monotonic()
    bench = Bench(build, work, reps, sizes)

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    try:
        bench.setup()
        res["hashes"] = sorted(json.loads(
            (bench.repo.dir / "metadata" / "targets.json").read_text())
            ["signed"]["targets"][next(iter(bench.images.values()))["name"]]["hashes"])
        res["memory_check"] = memory_check(work, min(max(sizes), 1024) * MIB)
        res["rows"] += bench.network()
        bench.stop()
        shutil.rmtree(work / "medfwd", ignore_errors=True)
        res["rows"] += bench.bundles()
    except (RuntimeError, OSError, subprocess.SubprocessError, AssertionError) as e:
        res["error"] = str(e)[:400]
        log(f"error: {res['error']}")
    finally:
        bench.stop()
        res["elapsed_s"] = round(time.monotonic() - t0)
        res["load_after"] = open("/proc/loadavg").read().split()[:3]
        with open(out_json, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
        if not keep:
            if own_work:  # else the caller (bench/run.sh) keeps work/logs
                shutil.rmtree(base / "last-agent-logs", ignore_errors=True)
                shutil.copytree(work / "logs", base / "last-agent-logs")
                shutil.copy(out_json, base / "last-agent-logs" / "agent.json")
            for p in work.iterdir():
                if p.name != "logs":
                    shutil.rmtree(p) if p.is_dir() else p.unlink()
            if own_work:
                shutil.rmtree(work)
        else:
            log(f"kept work dir {work}")
    return res


# ---------------------------------------------------------------------------------------
# the Markdown section

def fmt(x, spec, none="—"):
    return format(x, spec) if x is not None else none


def find(res, part, kind, size):
    for r in res.get("rows", []):
        if r["part"] == part and r["kind"] == kind and r["size"] == size:
            return r
    return None


def mib(kib):
    return kib / 1024 if kib is not None else None


def runs_text(r):
    return ", ".join(f"{x:.2f}" for x in r["walls"])


def psi_line(res, part, w):
    psi = [x for r in res.get("rows", []) if r["part"] == part for x in r.get("psi_pct", [])]
    if psi:
        w(f"CPU pressure during the timed runs above (PSI `some` of /proc/pressure/cpu: the "
          f"share of a run's wall time in which some task on the machine waited for a CPU; "
          f"0 % on an otherwise idle machine): median {median(psi):.0f} %, largest "
          f"{max(psi):.0f} % — other users' work slows some runs and not others, hence the "
          "spread of the runs.")
        w("")


def section(res):
    out = [BEGIN]
    w = out.append
    w("## Device agent: installing an image")
    w("")
    if res is None:
        w("**Not measured**: bench/agent.py wrote no result in this run.")
        w("")
        w(END)
        return out
    m, v = res["machine"], res["versions"]
    w(f"Written by `bench/agent.py`; command: `{res['command']}`. Date: {res['started']}; "
      f"repository at `{res.get('git_rev') or '?'}`; this part took "
      f"{res.get('elapsed_s', '?')} s. Load average (1/5/15 min) before: "
      f"{' '.join(res.get('load_before', []))}; after: {' '.join(res.get('load_after', []))}"
      " (the machine is shared: absolute times are noisy, ratios within the run are the "
      "figures to read).")
    w("")
    w(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM, {m['kernel']}; work dir "
      f"on {m['work_fs']} ({m['disk_free_gib']} GiB free at the start). {v['medfw-agent']}; "
      f"Debian packages: curl {v['curl']} (libcurl {v['libcurl']}), rauc {v['rauc']}, "
      f"squashfs-tools {v['squashfs-tools']}.")
    w("")
    mc = res.get("memory_check")
    if mc and mc.get("fresh_s") and mc.get("stale_s"):
        why = ("a VM whose balloon device hands memory that stayed free for a few seconds "
               "back to the host (virtio-balloon free page reporting is on)"
               if mc.get("page_reporting") else "this machine")
        w(f"Memory: {why}; memory used for the first time after that is slower to touch: "
          f"`dd` of {mc['bytes'] // MIB} MiB of zeros into a new file took "
          f"{mc['fresh_s']:.2f} s right after memory was touched and freed, "
          f"{mc['stale_s']:.2f} s 10 s later (measured in this run). So right before every "
          "timed run below, untimed, the harness touches and frees 2.5 × the image size of "
          "memory (at least 256 MiB): each tool starts with the same ready memory for the "
          "page cache it fills.")
        w("")
    if res.get("error"):
        w(f"**The run stopped early: {res['error']}** — what has no figure below was not "
          "measured.")
        w("")
    sizes = res["sizes"]
    big = sizes[0]
    hashes = ", ".join(h.upper().replace("SHA", "SHA-") for h in res.get("hashes", [])) or "?"

    w("### Targets")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    a, c = find(res, "network", "agent", big), find(res, "network", "curl", big)
    t = f"{big} from medfwd: agent throughput ≥ {RATIO_TARGET:.2f} × `curl -o`"
    if a and c and a.get("wall") and c.get("wall"):
        ratio = c["wall"] / a["wall"]
        per = ""
        if a.get("paired"):
            per = (f"; run by run (each agent run against the curl run of its rep): "
                   f"{', '.join(f'{x:.2f}' for x in a['paired'])}")
        w(f"| {t} | {ratio:.2f} × ({a['mib_s']:.0f} vs {c['mib_s']:.0f} MiB/s, medians"
          f"{per}) | **{'PASS' if ratio >= RATIO_TARGET else 'FAIL'}** |")
    else:
        w(f"| {t} | not measured: {(a or {}).get('why') or (c or {}).get('why') or 'no run'}"
          " | **FAIL** |")
    for size in sizes:
        a = find(res, "network", "agent", size)
        t = f"{size} from medfwd: agent peak RSS < {RSS_TARGET_MIB} MiB"
        if a and a["status"] == "ok" and a.get("rss_kib"):
            r = mib(a["rss_kib"])
            w(f"| {t} | {r:.1f} MiB | **{'PASS' if r < RSS_TARGET_MIB else 'FAIL'}** |")
        else:
            w(f"| {t} | not measured | **FAIL** |")
    if len(sizes) > 1:
        small = sizes[-1]
        a_big, a_small = find(res, "network", "agent", big), find(res, "network", "agent", small)
        t = f"memory does not grow with size ({small} → {big}): under 1 MiB more"
        if a_big and a_small and a_big.get("rss_kib") and a_small.get("rss_kib") and \
                a_big["status"] == a_small["status"] == "ok":
            d = mib(a_big["rss_kib"] - a_small["rss_kib"])
            w(f"| {t} | {d:+.1f} MiB | **{'PASS' if d < 1.0 else 'FAIL'}** |")
        else:
            w(f"| {t} | not measured | **FAIL** |")
    w("")

    w(f"### Install from medfwd over loopback into a file slot (median of {res['reps']} runs, "
      "warm cache)")
    w("")
    w("| size | command | wall s | MiB/s | agent ÷ this | CPU s | peak RSS MiB | runs (s) |")
    w("|---|---|---:|---:|---:|---:|---:|---|")
    names = {"curl": "`curl -sS -o FILE URL`",
             "curl+sync": "`curl -sS -o FILE URL && sync FILE`",
             "agent": "**`medfw-agent run --once`**: a whole cycle, the image into slot B",
             "sha256": "reference, not an install: `openssl dgst -sha256` of the image"}
    idle = find(res, "network", "idle", "—")
    if idle:
        name = "`medfw-agent run --once` with nothing to install (a cycle's fixed cost)"
        if idle["status"] != "ok":
            w(f"| — | {name} | **{idle['status']}** | | | | | {idle['why']} |")
        else:
            rss = fmt(mib(idle["rss_kib"]), ".1f")
            cpu = fmt(idle.get("cpu_s"), ".2f")
            w(f"| — | {name} | {idle['wall']:.3f} | — | — | {cpu} | {rss} | "
              f"{runs_text(idle)} |")
    for size in sizes:
        a = find(res, "network", "agent", size)
        for kind in ("curl", "curl+sync", "agent", "sha256"):
            r = find(res, "network", kind, size)
            if not r:
                continue
            if r["status"] != "ok":
                w(f"| {size} | {names[kind]} | **{r['status']}** | | | | | {r['why']} |")
                continue
            rel = "1.00" if kind == "agent" else (
                f"{r['wall'] / a['wall']:.2f}" if a and a.get("wall") else "—")
            w(f"| {size} | {names[kind]} | {r['wall']:.3f} | {r['mib_s']:.0f} | {rel} | "
              f"{fmt(r.get('cpu_s'), '.2f')} | {fmt(mib(r['rss_kib']), '.1f')} | "
              f"{runs_text(r)} |")
    w("")
    psi_line(res, "network", w)
    w("\"agent ÷ this\": the agent's throughput over that row's (the inverse of the ratio "
      "of the median wall times); the target is judged against plain `curl -o`. CPU s: "
      "user + system time of the command and its children (GNU time `%U` + `%S`, median); "
      "medfwd's share of serving the download is in neither. Per rep, in this "
      "order: the hash reference, curl, curl + sync, the agent. Before each timed run, "
      "untimed: curl's file deleted; for the agent, its state dir restored from a copy "
      "taken after enrolment and one idle check-in, the boot state reset (A first, B no "
      "tries), slot B truncated to 0 bytes; then `sync` and the memory priming above. "
      "Peak RSS: GNU time `%M`, the largest of the runs. medfwd: its default settings, on "
      "127.0.0.1, on the same two cores; the served file was read through it once before "
      "the first timed run.")
    w("")
    w("What is timed: curl only downloads and writes (no hash, no flush unless `sync`). "
      "The agent runs a full cycle: process start, a signed check-in (opening a session "
      "with its Ed25519 key), the director's and the image repository's TUF metadata "
      "refreshed and verified, the instruction checked against the release notice, slot B "
      "made unbootable, the image downloaded (libcurl) through its signed hashes "
      f"({hashes}) into slot B, the slot fsynced, the state file written atomically "
      "(fsync, rename, fsync of the directory) at each phase, events queued, the boot "
      "state flipped and the reboot command (a script that only records) run. Each run "
      "must print `rebooting`, flip the boot state to B and leave slot B equal to the image "
      "(size and SHA-256 of the slot, checked after the clock); curl's file is checked the "
      "same way; otherwise the row says FAILED and why.")
    w("")

    w(f"### Local install of the {big} image: RAUC and mender-client against medfw-agent")
    w("")
    w("| slot | command | wall s | MiB/s | medfw ÷ this | CPU s | peak RSS MiB | runs (s) |")
    w("|---|---|---:|---:|---:|---:|---:|---|")
    mf, ra = find(res, "bundle", "medfw", big), find(res, "bundle", "rauc", big)
    me, ml = find(res, "bundle", "mender", big), find(res, "bundle", "medfw-loop", big)
    mender_v = (me or {}).get("version") or v["mender-client"]
    medfw_cmd = "`medfw-agent install BUNDLE.mfb --no-reboot`"
    for slot, r, ref, name in (
            ("file", ra, mf, f"RAUC {v['rauc']}: `rauc install BUNDLE.raucb` (plain bundle)"),
            ("file", mf, mf, medfw_cmd),
            ("loop device", me, ml, f"mender-client {mender_v}: `mender install "
                                    "ARTIFACT.mender` (rootfs-image)"),
            ("loop device", ml, ml, medfw_cmd)):
        if not r:
            w(f"| {slot} | {name} | **not run** | | | | | the run stopped before it |")
        elif r["status"] != "ok":
            w(f"| {slot} | {name} | **{r['status']}** | | | | | {r['why']} |")
        else:
            rel = f"{r['wall'] / ref['wall']:.2f}" if ref and ref.get("wall") else "—"
            rss = f"{mib(r['rss_kib']):.1f}"
            if r.get("service_hwm_kib"):
                rss += (f" (service {mib(r['service_hwm_kib']):.1f} + client "
                        f"{mib(r['client_rss_kib']):.1f})")
            w(f"| {slot} | {name} | {r['wall']:.3f} | {r['mib_s']:.0f} | {rel} | "
              f"{fmt(r.get('cpu_s'), '.2f')} | {rss} | {runs_text(r)} |")
    w("")
    psi_line(res, "bundle", w)
    w("\"medfw ÷ this\": medfw-agent's throughput into the same kind of slot over that "
      "row's. Each tool installs the same image from its own signed package, warm in the "
      "page cache, into a zero slot B (a regular file truncated to 0 bytes, or a loop "
      "device over a new sparse file of the image's size), then `sync`; slot B is compared "
      "with the image (size and SHA-256) after the clock, and the boot state must name "
      "the new slot.")
    w("")
    w("**RAUC**: a plain bundle (squashfs + CMS signature, `rauc bundle` with a throwaway "
      "RSA-3072 CA and signer made with openssl at run time, as in bench/peers.sh); "
      "system.conf with `bootloader=noop` and two `type=raw` slots on the files; "
      "`rauc service --override-boot-slot=A` started fresh for each run on a private bus "
      "(`dbus-daemon --session`, its address in `DBUS_SYSTEM_BUS_ADDRESS` for service and "
      "client). Timed: the `rauc install` client, which returns when the service reports "
      "the install finished. Peak RSS: the service's `VmHWM` (from /proc after the "
      "install) plus the client's `%M`; CPU: the service's user + system time (from /proc) "
      "plus the client's. RAUC checks the CMS signature over the whole bundle with the "
      "bundle mapped, so the mapped pages count and its RSS grows with the bundle; it then "
      "loop-mounts the squashfs and copies the image into the slot. With "
      "`bootloader=noop` RAUC does not record the new slot anywhere, so only the slot's "
      "content is checked for it.")
    w("")
    w("**mender-client** (`mender install`, standalone, no server): its rootfs-image update "
      "writes only the inactive one of `RootfsPartA`/`RootfsPartB`, block devices, so both "
      "slots are loop devices over files of the work dir. The U-Boot environment is a file "
      "behind stand-in `fw_printenv`/`fw_setenv` scripts; a stand-in `mount` in its PATH "
      "reports slot A as the root file system (mender matches it with "
      "`mender_boot_part`); `/etc/mender` (where 3.4 reads `artifact_info`) is a directory "
      "of the work dir bind-mounted in a private mount namespace (`unshare -m`), so "
      "nothing outside the work dir changes. The artifact: `mender-artifact write "
      "rootfs-image --compression none`, signed with a throwaway ECDSA P-256 key whose "
      "public half is `ArtifactVerifyKey`, so the client checks the signature, then "
      "hashes (SHA-256) the payload as it writes it in 1 MiB pieces (its \"optimized "
      "block-device writer\" skips pieces the slot already holds; slot B is zero, so "
      "every piece is written). Timed: the "
      "`unshare … mender install` process; it must exit 0 with `mender_boot_part` naming "
      "slot B and `upgrade_available=1`.")
    w("")
    w("**medfw-agent**: a bundle from `medfw bundle create` (TUF metadata + image) of the "
      "same release; the metadata chain verified from the device's pinned image root, the "
      "release notice checked (hardware id, security version, agent version, clinical "
      f"state), the image streamed once through its signed hashes ({hashes}) into slot B, "
      "slot B fsynced, the boot state flipped (`--no-reboot`: the reboot command is not "
      "run); for the loop-device row its configuration names the loop device as "
      "`slot_b`.")
    flushes = [(n, r.get("slot_flushes")) for n, r in (
        ("RAUC's service", ra), ("mender", me), ("medfw-agent", mf)) if r]
    if any(f is not None for _, f in flushes):
        w("")
        w("Flushes of slot B (`fsync`, `fdatasync`, `sync_file_range` or `msync` on it, "
          "counted with `strace -f -y` in one more, untimed run of each): "
          + "; ".join(f"{n} {f if f is not None else 'not counted'}" for n, f in flushes)
          + ".")
    w("")
    w(END)
    return out


def update(res, path):
    text = "\n".join(section(res))
    try:
        old = Path(path).read_text()
    except FileNotFoundError:
        old = ""
    a = old.find(BEGIN_PREFIX)
    b = old.find(END, a) if a >= 0 else -1
    if a >= 0 and b >= 0:
        new = old[:a] + text + old[b + len(END):]
    else:
        new = (old.rstrip("\n") + "\n\n" if old else "") + text + "\n"
    tmp = Path(f"{path}.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    args = sys.argv[1:]
    if len(args) in (3, 5) and args[0] == "measure":
        work = None
        if len(args) == 5:
            if args[3] != "--work":
                sys.exit(__doc__)
            work = args[4]
        res = measure(args[1], args[2], work)
        sys.exit(1 if res.get("error") else 0)
    elif len(args) == 3 and args[0] == "update":
        update(load(args[1]), args[2])
    elif len(args) == 2 and args[0] not in ("measure", "update", "-h", "--help"):
        with tempfile.NamedTemporaryFile(prefix="agent-bench.", suffix=".json",
                                         delete=False) as f:
            out_json = f.name
        try:
            res = measure(args[0], out_json)
            update(res, args[1])
        finally:
            os.unlink(out_json)
        log(f"wrote the agent section of {args[1]}")
        sys.exit(1 if res.get("error") else 0)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
