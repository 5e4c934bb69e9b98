"""What bench/rollout.py, bench/vuln.py and bench/web.py share: the machine's
description, /proc readings of a process, replacing one section of BENCHMARKS.md between
its markers (the rest of the file is kept byte for byte), running a logged command, a
fresh TUF repository, and their command line."""
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def machine():
    model = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    return {"cpu": model, "cores": os.cpu_count(), "memory": f"{mem:.1f} GiB",
            "kernel": f"{platform.system()} {platform.release()} {platform.machine()}"}


def mem_available_mib():
    for line in open("/proc/meminfo"):
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) // 1024
    return 0


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def proc_cpu_s(pid):
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def proc_hwm_kib(pid):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def update_section(result_path, md_path, section, begin_prefix, end):
    """Replace the section from `begin_prefix` to `end` in md_path with
    section(result or None), or append it when the file has none."""
    doc = json.loads(Path(result_path).read_text()) if Path(result_path).exists() else None
    text = Path(md_path).read_text() if Path(md_path).exists() else ""
    new = section(doc)
    a = text.find(begin_prefix)
    if a >= 0:
        b = text.index(end, a) + len(end)
        if b < len(text) and text[b] == "\n":
            b += 1
        text = text[:a] + new + text[b:]
    else:
        text = text.rstrip("\n") + "\n\n" + new
    Path(md_path).write_text(text)


def run(cmd, what, logfile, timeout=600):
    """Run cmd with its output in logfile; a failure raises naming `what` and the log's
    last lines."""
    with open(logfile, "wb") as out:
        proc = subprocess.run([str(c) for c in cmd], stdout=out, stderr=subprocess.STDOUT,
                              timeout=timeout)
    if proc.returncode != 0:
        tail = Path(logfile).read_text(errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{what}: exit {proc.returncode}: {' / '.join(tail)}")


def init_repo(medfw, work):
    """Ed25519 keys for the four roles (no passphrase) and `medfw repo init` with them,
    in work/keys and work/repo; returns (keys, repo)."""
    keys = work / "keys"
    keys.mkdir()
    for k in ("root", "targets", "snapshot", "timestamp"):
        run([medfw, "key", "generate", "--type", "ed25519", "--out", keys / f"{k}.pem",
             "--no-passphrase"], "key generate", work / f"key-{k}.log")
    repo = work / "repo"
    run([medfw, "repo", "init", "--repo", repo, "--root-key", keys / "root.pem.pub.json",
         "--targets-key", keys / "targets.pem.pub.json", "--snapshot-key",
         keys / "snapshot.pem.pub.json", "--timestamp-key", keys / "timestamp.pem.pub.json"],
        "repo init", work / "repo-init.log")
    return keys, repo


def bench_main(argv, *, name, doc, measure, update, keep=None, extra=None, work_base=None):
    """The command line every section bench has:
      NAME.py BUILD_DIR FILE.md        measure, then replace the section
      NAME.py measure BUILD_DIR OUT.json [--work DIR]
      NAME.py update OUT.json FILE.md
    keep(work, out), when given, saves the logs of a full run before the work directory
    is removed (BENCH_KEEP=1 keeps it whole); extra(argv) answers other subcommands
    (None: not one of them). Work directories go to BENCH_WORKDIR, else work_base, else
    the system's temporary directory."""
    def workdir():
        base = os.environ.get("BENCH_WORKDIR", work_base)
        if base is not None:
            Path(base).mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))

    if len(argv) >= 3 and argv[0] == "measure":
        given = "--work" in argv
        work = Path(argv[argv.index("--work") + 1]) if given else workdir()
        measure(argv[1], argv[2], work)
        if not given and os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        return 0
    if len(argv) == 3 and argv[0] == "update":
        update(argv[1], argv[2])
        return 0
    if extra is not None:
        code = extra(argv)
        if code is not None:
            return code
    if len(argv) == 2:
        work = workdir()
        out = work / f"{name}.json"
        os.environ.setdefault(f"BENCH_{name.upper()}_COMMAND", f"bench/{name}.py {argv[0]} {argv[1]}")
        measure(argv[0], out, work)
        update(out, argv[1])
        if keep is not None:
            keep(work, out)
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        return 0
    print(doc, file=sys.stderr)
    return 2
