"""What bench/rollout.py and bench/vuln.py share: the machine's description, /proc
readings of a process, and replacing one section of BENCHMARKS.md between its markers
(the rest of the file is kept byte for byte)."""
import json
import os
import platform
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
