#!/usr/bin/python3
"""bench/rollout.py — a 4-wave staged rollout to a simulated fleet, and its BENCHMARKS.md
section.

  bench/rollout.py BUILD_DIR FILE.md            measure, then replace the rollout section
  bench/rollout.py measure BUILD_DIR OUT.json [--work DIR]
                                                measure only, the results as JSON
  bench/rollout.py update OUT.json FILE.md      replace the section from OUT.json

BUILD_DIR holds medfwd, medfw and medfw-sim (a release build: build/release). Only the
text between `<!-- rollout:begin` and `<!-- rollout:end -->` is replaced (appended when
FILE.md has none).

For each fleet size (BENCH_ROLLOUT_SIZES, default "10000 100000"; a size is skipped, and
says so, when the machine has less than BENCH_ROLLOUT_MIB_PER_DEVICE x size of free
memory): medfwd (SQLite, its own data dir, 127.0.0.1) with one signed release pushed;
`medfw-sim enroll` of the fleet (real CSV import, tokens, key pairs, enrolment); a site
window always open; a rollout of four waves (1 %, 10 %, 50 %, 100 %; success 95 %, error
threshold 5 %, soak BENCH_ROLLOUT_SOAK seconds each) made by one person and approved by
another; `medfw-sim run --sessions` of the whole fleet (check-in period
BENCH_ROLLOUT_INTERVAL seconds per 10,000 devices, i.e. the offered load stays
10,000/interval check-ins per second) until the rollout is completed. Measured: the
rollout's wall time from the approval to `completed`, the server's times to 50 % / 95 %,
medfwd's CPU seconds and peak RSS (/proc), check-ins per second achieved against the load
offered (a ratio), errors (failed check-ins, HTTP errors, failed or rolled-back members:
the target is none), and the simulator's own CPU and RSS.

The floor the rollout time is compared with (the physical limit of this protocol): per
wave, its soak, plus the time until 95 % of its devices have checked in once after the
wave opened (they see the instruction at their next check-in, spread evenly over one
period: 0.95 x the period), plus the simulated reboot after which the device reports the
commit. Everything else (downloads, verification, the engine's passes every 2 s) is what
the rollout costs above the floor.
"""
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (bench_main, init_repo, loadavg, machine, mem_available_mib, proc_cpu_s, proc_hwm_kib,
                      run, update_section)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN_PREFIX = "<!-- rollout:begin"
BEGIN = "<!-- rollout:begin — written by bench/rollout.py (via bench/run.sh); do not edit -->"
END = "<!-- rollout:end -->"
PASSWORD = "correct horse battery staple 42"
REBOOT = 1


def log(msg):
    print(f"[rollout-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))










class Http:
    """A small JSON client (urllib: no dependency) with a bearer token or none."""

    def __init__(self, url, token=None):
        self.url, self.token = url, token

    def call(self, method, path, body=None):
        import urllib.error
        import urllib.request
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, json.loads(r.read() or b"null"), r.headers
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None, e.headers

    def ok(self, method, path, body=None, want=(200, 201)):
        status, resp, _ = self.call(method, path, body)
        if status not in want:
            raise RuntimeError(f"{method} {path}: {status} {resp}")
        return resp


def token_for(client, username):
    """An API token for a user, through a session (tokens are made from a session; the
    session cookie is Secure, so it is carried by hand over the loopback http)."""
    status, login, headers = client.call("POST", "/api/v1/session",
                                         {"username": username, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login {username}: {status} {login}")
    cookie = re.match(r"(medfw_session=[^;]+);", headers["Set-Cookie"]).group(1)
    import urllib.request
    req = urllib.request.Request(client.url + "/api/v1/tokens",
                                 data=json.dumps({"name": "bench"}).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Cookie": cookie,
                                          "X-CSRF-Token": login["csrf_token"]})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["token"]


class Server:
    def __init__(self, build, work):
        self.build, self.work = build, work
        self.data = work / "data"
        conf = work / "medfwd.conf"
        conf.write_text(f"listen_address = 127.0.0.1\nlisten_port = 0\ndata_dir = {self.data}\n"
                        "threads = 8\nrollout_tick = 2s\nlog_level = warning\n"
                        "max_body_bytes = 8MiB\n")
        self.err = open(work / "medfwd.log", "wb")
        self.proc = subprocess.Popen([str(build / "medfwd"), "--config", str(conf),
                                      "--max-lifetime", "14400"],
                                     stdout=subprocess.PIPE, stderr=self.err, bufsize=0)
        line = self.proc.stdout.readline().decode().strip()
        m = re.match(r"medfwd listening on (http://127\.0\.0\.1:\d+)$", line)
        if not m:
            raise RuntimeError(f"medfwd did not start: {line!r}")
        self.url = m.group(1)
        more = self.proc.stdout.readline().decode().strip()
        t = re.match(r"medfwd: bootstrap token \(.*\): (\S+)$", more)
        if not t:
            raise RuntimeError(f"no bootstrap token: {more!r}")
        self.bootstrap = t.group(1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.err.close()



def publish(build, work, http_url, token_file):
    """A repository with one release (root and targets signed, published) pushed."""
    medfw = build / "medfw"
    keys, repo = init_repo(medfw, work)
    notice = json.loads((ROOT / "docs/formats/release-notice.example.json").read_text())
    notice["min_agent_version"] = "0.1.0"
    notice["product_version"] = "4.2.1"
    (work / "notice.json").write_text(json.dumps(notice))
    img = work / "fw-4.2.1.img"
    img.write_bytes(os.urandom(256 * 1024))
    run([medfw, "release", "add", "--repo", repo, "--image", img, "--notice",
         work / "notice.json", "--name", "pump/fw-4.2.1.img"], "release add", work / "add.log")
    run([medfw, "repo", "sign", "--repo", repo, "--role", "root", "--key", keys / "root.pem"],
        "sign root", work / "sign-root.log")
    run([medfw, "repo", "sign", "--repo", repo, "--role", "targets", "--key",
         keys / "targets.pem"], "sign targets", work / "sign-targets.log")
    run([medfw, "repo", "publish", "--repo", repo, "--snapshot-key", keys / "snapshot.pem",
         "--timestamp-key", keys / "timestamp.pem"], "publish", work / "publish.log")
    run([medfw, "push", "--server", http_url, "--token-file", token_file, "--repo", repo,
         "--pin-root", repo / "metadata/1.root.json"], "push", work / "push.log")
    return repo / "metadata/1.root.json", notice["hardware_ids"][0]


def one_size(build, work, n):
    interval = max(2, env_int("BENCH_ROLLOUT_INTERVAL", 10) * n // 10000)
    soak = env_int("BENCH_ROLLOUT_SOAK", 10)
    work.mkdir(parents=True)
    srv = Server(build, work)
    result = {"devices": n, "interval_s": interval, "soak_s": soak, "reboot_s": REBOOT}
    sim_proc = None
    try:
        anon = Http(srv.url)
        anon.ok("POST", "/api/v1/bootstrap", {"token": srv.bootstrap, "username": "root",
                                               "password": PASSWORD})
        admin = Http(srv.url, token_for(anon, "root"))
        site = admin.ok("POST", "/api/v1/sites", {"name": "Bench", "time_zone": "UTC"})["id"]
        for user, role in (("biomed", "clinical_engineer"), ("secoff", "security_officer")):
            admin.ok("POST", "/api/v1/users", {"username": user, "password": PASSWORD,
                                              "role": role, "site_id": site})
        author, approver = Http(srv.url, token_for(anon, "biomed")), Http(srv.url, token_for(anon, "secoff"))
        token_file = work / "token"
        token_file.write_text(admin.token + "\n")
        token_file.chmod(0o600)
        image_root, hw = publish(build, work, srv.url, token_file)
        admin.ok("PUT", f"/api/v1/sites/{site}/maintenance-windows", {"windows": [
            {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00",
             "end": "00:00"}]})
        fleet = work / "fleet.jsonl"
        log(f"{n} devices: enrolling")
        t0 = time.monotonic()
        run([build / "medfw-sim", "enroll", "--server", srv.url, "--api-token-file", token_file,
             "--site", site, "--count", n, "--model", "InfuPump 3", "--hardware-id", hw,
             "--firmware-version", "4.1.0", "--fleet", fleet, "--threads", "16"],
            "medfw-sim enroll", work / "enroll.log", timeout=7200)
        result["enrol_s"] = round(time.monotonic() - t0, 1)
        waves = [{"name": "canary", "percent": 1, "success_threshold": 95, "error_threshold": 5,
                  "soak_seconds": soak},
                 {"name": "early", "percent": 10, "success_threshold": 95, "error_threshold": 5,
                  "soak_seconds": soak},
                 {"name": "half", "percent": 50, "success_threshold": 95, "error_threshold": 5,
                  "soak_seconds": soak},
                 {"name": "all", "percent": 100, "success_threshold": 95, "error_threshold": 5,
                  "soak_seconds": soak}]
        r = author.ok("POST", "/api/v1/rollouts", {"name": "bench", "target": "pump/fw-4.2.1.img",
                                                   "selector": {"sites": [site]}, "waves": waves})
        stats = work / "sim-stats.json"
        log(f"{n} devices: running the fleet (period {interval} s) and approving the rollout")
        sim_log = open(work / "sim.log", "wb")
        sim_proc = subprocess.Popen(
            [str(build / "medfw-sim"), "run", "--server", srv.url, "--fleet", str(fleet),
             "--image-root", str(image_root), "--api-token-file", str(token_file),
             "--interval", str(interval), "--sessions", "--reboot-seconds", str(REBOOT),
             "--threads", "32", "--seed", "1", "--stats", str(stats)],
            stdout=sim_log, stderr=subprocess.STDOUT)
        # one full period for every device to check in once before the clock starts
        time.sleep(interval + 2)
        cpu0 = proc_cpu_s(srv.proc.pid)
        t0 = time.monotonic()
        approver.ok("POST", f"/api/v1/rollouts/{r['id']}/approve", {})
        deadline = t0 + env_int("BENCH_ROLLOUT_TIMEOUT", 3600)
        body = None
        while time.monotonic() < deadline:
            body = admin.ok("GET", f"/api/v1/rollouts/{r['id']}")
            if body["state"] in ("completed", "paused", "cancelled"):
                break
            time.sleep(1)
        wall = time.monotonic() - t0
        cpu1 = proc_cpu_s(srv.proc.pid)
        result["state"] = body["state"] if body else "unknown"
        result["state_reason"] = body.get("state_reason") if body else None
        result["rollout_s"] = round(wall, 1)
        result["to_50_s"] = body.get("seconds_to_50_percent") if body else None
        result["to_95_s"] = body.get("seconds_to_95_percent") if body else None
        result["members"] = body.get("members") if body else None
        result["committed"] = body["devices"]["committed"] if body else None
        result["member_errors"] = (body["devices"]["failed"] + body["devices"]["rolled_back"]
                                   if body else None)
        result["server_cpu_s"] = round(cpu1 - cpu0, 1) if cpu0 is not None and cpu1 else None
        result["server_rss_mib"] = round((proc_hwm_kib(srv.proc.pid) or 0) / 1024, 1)
        result["floor_s"] = floor_of(result)
        sim_proc.send_signal(signal.SIGTERM)
        sim_proc.wait(timeout=300)
        sim_log.close()
        s = json.loads(stats.read_text())
        offered = n / interval
        result["checkins_per_s"] = round(s["checkins_per_second"], 1)
        result["offered_per_s"] = round(offered, 1)
        result["checkins_ok"] = s["checkins_ok"]
        result["checkins_failed"] = s["checkins_failed"]
        result["http_errors"] = s["http_errors"]
        result["checkin_p99_ms"] = s["checkin_latency_ms"]["p99"]
        result["sim_cpu_s"] = s.get("cpu_seconds")
        result["sim_rss_mib"] = round(s.get("max_rss_kib", 0) / 1024, 1)
        result["downloads"] = s["downloads"]
        log(f"{n} devices: {result['state']} in {result['rollout_s']} s, "
            f"{result['checkins_per_s']} check-ins/s of {offered:.0f} offered")
    finally:
        if sim_proc is not None and sim_proc.poll() is None:
            sim_proc.kill()
        srv.stop()
    return result


def floor_of(r):
    """Four waves of: the soak, 95 % of a check-in period, the reboot."""
    return round(4 * (r["soak_s"] + 0.95 * r["interval_s"] + r["reboot_s"]), 1)


def measure(build, out, work):
    build = Path(build).resolve()
    sizes = [int(x) for x in os.environ.get("BENCH_ROLLOUT_SIZES", "10000 100000").split()]
    per_device_mib = float(os.environ.get("BENCH_ROLLOUT_MIB_PER_DEVICE", "0.05"))
    load_before = loadavg()
    results = []
    for n in sizes:
        need = int(per_device_mib * n) + 512
        have = mem_available_mib()
        if have < need:
            results.append({"devices": n, "skipped": f"needs about {need} MiB free, "
                                                     f"{have} MiB available"})
            continue
        try:
            results.append(one_size(build, Path(work) / f"n{n}", n))
        except Exception as e:  # reported, never made up
            log(f"{n} devices FAILED: {e}")
            results.append({"devices": n, "failed": str(e)})
    doc = {"machine": machine(), "date": datetime.datetime.now(datetime.timezone.utc)
           .strftime("%Y-%m-%d %H:%M UTC"),
           "command": os.environ.get("BENCH_ROLLOUT_COMMAND",
                                     f"bench/rollout.py {sys.argv[2] if len(sys.argv) > 2 else ''}"),
           "git": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
           "load_before": load_before,
           "load_after": loadavg(),
           "results": results}
    Path(out).write_text(json.dumps(doc, indent=1))
    return doc


def section(doc):
    if doc is None:
        return f"{BEGIN}\n## Staged rollout to a simulated fleet\n\nNot measured in this run.\n{END}\n"
    m = doc["machine"]
    lines = [BEGIN, "## Staged rollout to a simulated fleet", "",
             f"Measured {doc['date']} at {doc['git']} on {m['cpu']} ({m['cores']} cores, "
             f"{m['memory']}), {m['kernel']}; medfwd and medfw-sim on the same machine.",
             f"Command: `{doc['command']}`. Load average before / after: "
             f"{doc.get('load_before', 'not recorded')} / {doc.get('load_after', 'not recorded')} "
             "(the machine is shared: other jobs ran meanwhile).", "",
             "A four-wave rollout (1 %, 10 %, 50 %, 100 %; each wave 95 % committed and a soak "
             "before the next; error threshold 5 %) of one signed release to every device of a "
             "fleet enrolled for real with `medfw-sim enroll`, which then runs the fleet "
             "(`medfw-sim run --sessions`: signed check-ins, director and image metadata verified "
             "per device, downloads checked against the signed hashes, events). The clock starts "
             "at the second person's approval. *Floor*: what the protocol cannot beat — per "
             "wave its soak, the time until 95 % of its devices checked in once after it opened "
             "(0.95 x the check-in period: that is when they see the instruction) and the "
             "simulated reboot after which they report the commit. *Achieved / offered*: "
             "check-ins per second the fleet got answered against what its check-in period asks "
             "for.", "",
             "| devices | result | rollout | floor | rollout / floor | 50 % / 95 % updated | "
             "check-ins/s (achieved / offered) | ratio | check-in p99 | errors | medfwd CPU | "
             "medfwd peak RSS | medfw-sim CPU / RSS | enrolment |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in doc["results"]:
        if "skipped" in r or "failed" in r:
            lines.append(f"| {r['devices']:,} | {'skipped: ' + r['skipped'] if 'skipped' in r else 'FAILED: ' + r['failed']} "
                         "| | | | | | | | | | | | |")
            continue
        errors = r["checkins_failed"] + sum(r["http_errors"].values()) + (r["member_errors"] or 0)
        ratio = r["checkins_per_s"] / r["offered_per_s"] if r["offered_per_s"] else 0
        lines.append(
            f"| {r['devices']:,} | {r['state']} ({r['committed']:,} committed) | {r['rollout_s']} s "
            f"| {floor_of(r)} s | {r['rollout_s'] / floor_of(r):.2f}x | "
            f"{r['to_50_s']} s / {r['to_95_s']} s | {r['checkins_per_s']:,} / {r['offered_per_s']:,} "
            f"| {ratio:.2f} | {r['checkin_p99_ms']} ms | {errors} | {r['server_cpu_s']} s "
            f"| {r['server_rss_mib']} MiB | {r['sim_cpu_s']} s / {r['sim_rss_mib']} MiB "
            f"| {r['enrol_s']} s |")
    lines += ["", "Errors counts failed check-ins, HTTP errors the simulator saw and failed or "
              "rolled-back members (the target is none). Check-in period: "
              + ", ".join(f"{r['devices']:,} devices {r['interval_s']} s" for r in doc["results"]
                          if "interval_s" in r) + "; soak "
              + ", ".join(sorted({f"{r['soak_s']} s" for r in doc["results"] if "soak_s" in r}))
              + ".", END]
    return "\n".join(lines) + "\n"


def update(result_path, md_path):
    update_section(result_path, md_path, section, BEGIN_PREFIX, END)


def main(argv):
    return bench_main(argv, name="rollout", doc=__doc__, measure=measure, update=update)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
