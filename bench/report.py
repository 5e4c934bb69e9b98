#!/usr/bin/env python3
"""Write BENCHMARKS.md (to stdout) from bench/run.sh's TSV results.

Usage: report.py RESULTS.tsv HYPER.tsv TAMPER.tsv   (settings come from the environment)
"""
import datetime
import json
import os
import platform
import sys

BASE = "openssl dgst -sha256"

NOTES = {
    ("RAUC plain", "verify"): "checks the CMS signature over the whole bundle; maps the "
    "bundle, so RSS grows with its size",
    ("RAUC verity", "verify"): "checks the manifest signature only: the payload is checked "
    "block by block by dm-verity when installed, not by `rauc info`",
    ("RAUC plain", "create"): "mksquashfs (gzip tried on random data) + CMS signature",
    ("RAUC verity", "create"): "mksquashfs + dm-verity hash tree + CMS signature",
    ("mender-artifact", "create"): "`--compression none` (the default, gzip, costs more)",
    ("mender-artifact", "verify"): "reads the whole artifact, checks the payload sha256 "
    "against the signed manifest",
    ("SWUpdate", "create"): "sha256sum + `openssl cms -sign` of sw-description + CPIO (newc)",
    ("SWUpdate", "verify"): "CMS-signed sw-description checked against the CA (-k), image "
    "sha256 checked while streaming (`installed-directly`); most runs spend about 1 s "
    "waiting at shut-down whatever the image size (see the 1 KiB table: a few runs end "
    "in ~25 ms)",
    ("minisign", "verify"): "pre-hashed (BLAKE2b-512) signature of the bare file: no "
    "metadata, versions or hardware binding",
    ("sha256sum", "hash"): "GNU coreutils",
    (BASE, "hash"): "the SHA-256 limit of this machine: the reference (1.00)",
}


def read_tsv(path, ncols):
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            rows.append(parts + [""] * (ncols - len(parts)))
    return rows


def machine():
    model, flags = "?", ""
    cores = 0
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if key == "model name":
                model = val
                cores += 1
            elif key == "flags" and not flags:
                flags = val
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    flag_set = set(flags.split())
    return {
        "CPU": model,
        "Cores": f"{os.cpu_count()} online ({cores} in /proc/cpuinfo)",
        "Memory": mem,
        "Kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "SHA-NI": "yes (`sha_ni` in /proc/cpuinfo)" if "sha_ni" in flag_set
        else "no (`sha_ni` absent from /proc/cpuinfo)",
        "AVX2": "yes" if "avx2" in flag_set else "no",
    }


def fnum(x, fmt):
    return format(x, fmt) if x is not None else "—"


def main():
    results = read_tsv(sys.argv[1], 8)
    hyper = read_tsv(sys.argv[2], 7)
    tamper = read_tsv(sys.argv[3], 2)
    env = os.environ
    big, small, reps = env["BIG"], env["SMALL"], env["REPS"]
    medfw_status = env.get("MEDFW_STATUS", "")

    def base_wall(size):
        for r in results:
            if r[0] == BASE and r[2] == size and r[3] == "ok":
                return float(r[4])
        return None

    def row_for(tool, kind, size):
        for r in results:
            if r[0] == tool and r[2] == size and r[1].startswith(kind):
                return r
        return None

    out = []
    w = out.append
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w("# medfw benchmarks\n")
    w("Written by `bench/run.sh` — regenerate with **`make bench`** (which runs "
      "`scripts/install-deps.sh --bench` then `bench/run.sh build/release/medfw`). "
      "Do not edit by hand.\n")
    w(f"- Date: {now}; repository at `{env.get('GIT_REV', '?')}`; whole run took "
      f"{env.get('ELAPSED', '?')} s")
    w("- Warm cache (every input read once before timing, plus one untimed run of each "
      f"verify/hash step); wall time = median of {reps} runs; peak RSS = GNU time `%M`, "
      f"largest of the {reps} runs; images are random (incompressible) bytes")
    w(f"- Load average (1/5/15 min) before the run: {env.get('LOAD_BEFORE', '?')}; after: "
      f"{env.get('LOAD_AFTER', '?')} — other work on the machine during the run shows here "
      "and makes absolute times noisier; ratios within the run are the robust figures")
    w(f"- Ratio = wall time / wall time of `{BASE}` on the same file in the same run\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    for k, v in machine().items():
        w(f"| {k} | {v} |")
    w(f"| Tools (Debian) | {env.get('TOOL_VERSIONS', '').strip().replace(' ', ', ')} |")
    w(f"| medfw | {env.get('MEDFW_VERSION') or medfw_status or '?'} |\n")

    # medfw targets
    w("## medfw targets\n")
    if medfw_status:
        w(f"**{medfw_status}** — medfw's figures are not measured in this run; the "
          "baselines and peers below are.\n")
    else:
        lines = []
        v = row_for("medfw", "verify", big)
        bw = base_wall(big)
        if v and v[3] == "ok" and bw:
            ratio = float(v[4]) / bw
            lines.append((f"verify {big}: wall ≤ 1.05 × `{BASE}`", f"{ratio:.2f} ×",
                          "PASS" if ratio <= 1.05 else "FAIL"))
        else:
            lines.append((f"verify {big}: wall ≤ 1.05 × `{BASE}`",
                          v[3] if v else "not run", "FAIL"))
        for size in (big, small):
            v = row_for("medfw", "verify", size)
            if v and v[3] == "ok" and v[5]:
                rss = int(v[5]) / 1024
                lines.append((f"verify {size}: peak RSS < 16 MiB", f"{rss:.1f} MiB",
                              "PASS" if rss < 16 else "FAIL"))
            else:
                lines.append((f"verify {size}: peak RSS < 16 MiB", "not measured", "FAIL"))
        h = [x for x in hyper if x[0] == "medfw"]
        if h and h[0][2] == "ok":
            ms = float(h[0][3]) * 1000
            lines.append((f"verify {small}: mean < 5 ms (hyperfine)", f"{ms:.2f} ms",
                          "PASS" if ms < 5 else "FAIL"))
        else:
            lines.append((f"verify {small}: mean < 5 ms (hyperfine)", "not measured", "FAIL"))
        tam = [x for x in tamper if x[0] == "medfw"]
        if tam:
            lines.append(("tampered payload (1 MiB bundle) rejected", tam[0][1],
                          "PASS" if tam[0][1].startswith("rejected")
                          and "FAILED" not in tam[0][1] else "FAIL"))
        w("| target | measured | |\n|---|---|---|")
        for a, b, c in lines:
            w(f"| {a} | {b} | **{c}** |")
        w("")

    # big table
    bw = base_wall(big)
    w(f"## {big} image\n")
    w(f"| tool | step | wall s (median of {reps}) | × `{BASE}` | peak RSS MiB | notes |")
    w("|---|---|---:|---:|---:|---|")
    for r in results:
        tool, step, size, status, wall, rss, _n, note = r[:8]
        if size != big:
            continue
        kind = step.split(":")[0]
        notes = "; ".join(x for x in (NOTES.get((tool, kind), ""), note) if x)
        if status == "ok":
            wall_f = float(wall)
            ratio = f"{wall_f / bw:.2f}" if bw else "—"
            w(f"| {tool} | {step} | {wall_f:.3f} | {ratio} | {int(rss) / 1024:.1f} | {notes} |")
        else:
            w(f"| {tool} | {step} | **{status}** | — | — | {notes} |")
    w("")

    # small table
    sb = None
    for h in hyper:
        if h[0] == BASE and h[2] == "ok":
            sb = float(h[3])
    w(f"## {small} image: verify time (hyperfine)\n")
    w("`hyperfine -N --warmup 3 --min-runs 10 --max-runs 50` (about 3 s of runs per tool); "
      "mostly process start-up, key loading and signature checking. Target for medfw: "
      "< 5 ms.\n")
    w(f"| tool | step | mean ms | ± σ ms | median ms | runs | × `{BASE}` (mean) | peak RSS MiB |")
    w("|---|---|---:|---:|---:|---:|---:|---:|")
    for h in hyper:
        tool, size, status, mean, sd, runs, med = h[:7]
        r = row_for(tool, "verify", small) or row_for(tool, "hash", small)
        step = r[1] if r else ""
        rss = f"{int(r[5]) / 1024:.1f}" if r and r[3] == "ok" and r[5] else "—"
        if status == "ok":
            m = float(mean)
            ratio = f"{m / sb:.2f}" if sb else "—"
            w(f"| {tool} | {step} | {m * 1000:.2f} | {float(sd) * 1000:.2f} | "
              f"{float(med) * 1000:.2f} | {runs} | {ratio} | {rss} |")
        else:
            w(f"| {tool} | {step} | **{status}** | — | — | — | — | {rss} |")
    for r in results:
        if r[2] == small and r[3] != "ok" and not any(h[0] == r[0] for h in hyper):
            why = f": {r[7]}" if r[7] else ""
            w(f"| {r[0]} | {r[1]} | **{r[3]}**{why} | — | — | — | — | — |")
    w("")

    w("## Tamper check (1 MiB bundles)\n")
    w("One bit of the image is flipped where it sits inside the bundle (or in the signed "
      "file, for minisign); the verify step must reject it (and still accept the untouched "
      "bundle).\n")
    w("| tool | tampered payload |\n|---|---|")
    for t in tamper:
        w(f"| {t[0]} | {t[1]} |")
    if medfw_status:
        w(f"| medfw | not tested: {medfw_status} |")
    w("")

    w("## How each peer is set up\n")
    w("- **RAUC**: a throwaway CA and signer certificate made with `openssl` at run time; "
      "manifest `[update] compatible/version`, `[bundle] format=plain|verity`, one "
      "`[image.rootfs]`; `rauc bundle --cert --key DIR B.raucb`, then "
      "`rauc info --keyring=CA B.raucb` (verifies the signature). RAUC's own full check of a "
      "verity bundle happens in the kernel (dm-verity) when it is mounted for installation; "
      "that needs device-mapper and loop devices and is not measured here.")
    w("- **mender-artifact**: ECDSA P-256 key (SEC1 PEM); "
      "`mender-artifact --compression none write rootfs-image -f IMG -n NAME -t TYPE -k KEY "
      "-o A.mender`, then `mender-artifact validate -k PUB A.mender`.")
    w("- **SWUpdate**: sw-description (libconfig) with the image's sha256, "
      "`installed-directly = true` (streamed, no copy in $TMPDIR) and "
      "`hardware-compatibility`, signed with `openssl cms -sign -binary -nosmimecap` "
      "(sw-description.sig), packed as CPIO newc (`bench/mkcpio.py`: no `cpio` needed); "
      "`swupdate -c -k CA -H bench:1.0 -i A.swu`. Debian's swupdate is built with CMS "
      "signature checking.")
    w(f"  Debian's swupdate 2022.12 exits 1 at random after a successful check (a shut-down "
      f"race; {env.get('SWU_SPURIOUS', '?').strip()} of the {env.get('SWU_RUNS', '?').strip()} "
      "`swupdate -c` runs in this benchmark): `bench/swupdate-check.sh` counts a run as "
      "passed when it exits 0, or exits 1 after printing `SWUPDATE successful` and no "
      "`[ERROR]`; failures print `[ERROR]` lines and are not affected.")
    w("- **minisign**: passwordless key (`-G -W`), `minisign -S -s KEY -m IMG`, "
      "`minisign -V -q -p PUB -x SIG -m IMG`.")
    w("- **medfw**: `medfw_prepare_bundle()` in `bench/run.sh` (keys, repo init, release "
      "add, sign, publish, bundle create), then "
      "`medfw verify B.mfb --trusted-root 1.root.json`.")
    checkin = env.get("CHECKIN_RESULT", "")
    w("")
    if checkin and os.path.exists(checkin):
        import checkin_report
        with open(checkin) as f:
            out.extend(checkin_report.section(json.load(f)))
    else:
        w("## Device check-ins: medfwd against nginx\n")
        w("**Not measured**: bench/checkin.sh wrote no result in this run.")
    print("\n".join(out))


if __name__ == "__main__":
    main()
