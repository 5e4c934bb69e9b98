#!/usr/bin/env python3
"""The check-in benchmark's results (bench/checkin.sh) and its BENCHMARKS.md section.

  checkin_report.py combine WORK_DIR            -> checkin.json on stdout (settings from CK_*)
  checkin_report.py section CHECKIN.json        -> the Markdown section on stdout
  checkin_report.py update CHECKIN.json FILE.md -> replace (or append) the section in FILE.md

bench/report.py calls section() for the full report. No figure is invented: a missing
measurement is shown as such, with the reason.
"""
import datetime
import json
import os
import sys

BEGIN = "<!-- checkin:begin — written by bench/checkin.sh (via bench/run.sh); do not edit -->"
END = "<!-- checkin:end -->"
RATIO_TARGET = 0.5
P99_TARGET_MS = 20.0


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def combine(work):
    env = os.environ
    g = lambda k: env.get("CK_" + k, "")  # noqa: E731
    medfwd = _load(os.path.join(work, "medfwd.json"))
    nginx = _load(os.path.join(work, "nginx.json"))
    res = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git_rev": g("GIT_REV"),
        "status": g("STATUS"),
        "mode": g("MODE"),
        "medfwd_note": g("MEDFWD_NOTE"),
        "nginx_status": g("NGINX_STATUS"),
        "devices": int(g("DEVICES") or 0),
        "signers": int(g("SIGNERS") or 0),
        "connections": int(g("CONNS") or 0),
        "duration_s": int(g("DURATION") or 0),
        "warmup_s": int(g("WARMUP") or 0),
        "checkin_path": g("PATH"),
        "measured_path": g("TPATH"),
        "setup_s": float(g("SETUP_S")) if g("SETUP_S") else None,
        "response_body_bytes": int(g("BODY_BYTES")) if g("BODY_BYTES") else None,
        "load_before": g("LOAD_BEFORE"),
        "load_after": g("LOAD_AFTER"),
        "elapsed_s": int(g("ELAPSED") or 0),
        "cores": os.cpu_count(),
        "nginx_version": g("NGINX_VERSION"),
        "medfwd_version": g("MEDFWD_VERSION"),
        "medfwd_threads": int(g("MEDFWD_THREADS")) if g("MEDFWD_THREADS") else None,
        "medfwd_threads_option": g("MEDFWD_THREADS_OPT"),
        "ed25519_verify_per_s": float(g("ED25519_VERIFY_PER_S"))
        if g("ED25519_VERIFY_PER_S") else None,
        "medfwd_rss_kib": int(g("MEDFWD_RSS")) if g("MEDFWD_RSS") else None,
        "nginx_rss_kib": int(g("NGINX_RSS")) if g("NGINX_RSS") else None,
        "medfwd_cpu_s": int(g("MEDFWD_CPU_TICKS")) / int(g("CLK_TCK"))
        if g("MEDFWD_CPU_TICKS") and g("CLK_TCK") else None,
        "nginx_cpu_s": int(g("NGINX_CPU_TICKS")) / int(g("CLK_TCK"))
        if g("NGINX_CPU_TICKS") and g("CLK_TCK") else None,
        "medfwd": medfwd,
        "nginx": nginx,
    }
    if medfwd and nginx and nginx.get("ok_per_s"):
        res["ratio"] = medfwd["ok_per_s"] / nginx["ok_per_s"]
    return res


def _errors(r):
    parts = [f"{k}×{v}" for k, v in sorted(r.get("status", {}).items())
             if not k.startswith("2")]
    parts += [f"{k}×{v}" for k, v in sorted(r.get("transport_errors", {}).items())]
    return ", ".join(parts) if parts else "0"


def _row(name, request, r, rss_kib):
    rss = f"{rss_kib / 1024:.1f}" if rss_kib else "—"
    lat = r["latency_ms"]
    return (f"| {name} | {request} | {r['ok_per_s']:,.0f} | {lat['p50']:.2f} | "
            f"{lat['p90']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} | "
            f"{r['ok_2xx']:,} | {_errors(r)} | {rss} |")


def section(res):
    out = []
    w = out.append
    w(BEGIN)
    w("## Device check-ins: medfwd against nginx\n")
    real = res.get("mode") == "checkin"
    body = res.get("response_body_bytes")
    w(f"- Date: {res['date']}; repository at `{res.get('git_rev') or '?'}`; this part took "
      f"{res['elapsed_s']} s; load average (1/5/15 min) before: {res['load_before']}, "
      f"after: {res['load_after']}")
    w("- Command: `bench/checkin.sh build/release WORK_DIR` (run by `make bench` through "
      "`bench/run.sh`; `bench/checkin.sh build/release bench/out/checkin --update "
      "BENCHMARKS.md` refreshes only this section)")
    w(f"- Server data: {res['devices']:,} enrolled devices in medfwd's SQLite store, written "
      f"through the store library by `medfw_loadgen setup`"
      + (f" in {res['setup_s']:.1f} s" if res.get("setup_s") is not None else "")
      + " (keys derived from a public seed: benchmark only)")
    w(f"- Client: `medfw_loadgen run` (tests/tools/medfw_loadgen.c), {res['connections']} "
      f"keep-alive HTTP/1.1 connections (one thread each, a new request as soon as the "
      f"answer is in), {res['warmup_s']} s warm-up then {res['duration_s']} s measured; "
      f"every request carries its own RFC 9421 Ed25519 signature (its own `created` time "
      f"and random nonce) over a check-in JSON body, by one of {res['signers']:,} devices "
      f"spread evenly over the {res['devices']:,}. Latency: first byte sent to last byte "
      f"received (CLOCK_MONOTONIC), log-linear histogram (< 1.6 % bucket width)")
    m = res.get("medfwd") or {}
    if m.get("presigned"):
        reuse = ("reused when used up (the stand-in route checks no signature)"
                 if m.get("presign_cycle") else
                 f"never reused; {m.get('live_signed', 0):,} more were signed inside the "
                 f"measured loop once they were used up")
        line = (f"- Signing happens before the clock starts: {m['presigned']:,} requests were "
                f"signed in {m.get('presign_s', 0):.1f} s ahead of the medfwd run, {reuse}; "
                f"their `created` times are at most a few tens of seconds old when sent, "
                f"well inside medfwd's `device_clock_skew` (5 min)")
        nn = res.get("nginx") or {}
        if m.get("presign_s") and nn.get("ok_per_s"):
            per = m["presign_s"] * res["cores"] / m["presigned"]
            line += (f". Signing costs the client up to {per * 1e6:.0f} µs of CPU a request "
                     f"({res['cores']} cores busy for {m['presign_s']:.1f} s): signed in the "
                     f"loop at nginx's rate it would need ~{per * nn['ok_per_s']:.1f} of the "
                     f"{res['cores']} cores, and the client, not the server, would set the "
                     f"pace (`BENCH_CHECKIN_PRESIGN=0` measures that way)")
        w(line)
    w(f"- nginx: the same client with the same settings sends the same kind of signed "
      f"request (as GET: the static module refuses POST; the body is read and discarded; "
      f"a pool of pre-signed requests is reused, nginx checks nothing) for a "
      f"static file holding exactly the bytes medfwd answered"
      + (f" ({body} bytes)" if body else "")
      + f"; `worker_processes {res['cores']}`, access log on (medfwd logs every request "
      f"too), `keepalive_requests 1000000`")
    w(f"- Client and servers share the machine's {res['cores']} cores: the ratio is the "
      f"robust figure (both servers measured in the same run, against the same client "
      f"doing the same work per request)")
    cm = (res.get("medfwd") or {}).get("client_cpu_cores")
    cn = (res.get("nginx") or {}).get("client_cpu_cores")
    if cm is not None and cn is not None:
        w(f"- The client itself used {cm:.2f} of the {res['cores']} cores during the measured "
          f"window against medfwd and {cn:.2f} against nginx (its CLOCK_PROCESS_CPUTIME_ID)")
    w("")

    if res.get("status"):
        w(f"**Not measured: {res['status']}**\n")
        w(END)
        return out

    m, n = res.get("medfwd"), res.get("nginx")
    w("### Targets\n")
    w("| target | measured | |\n|---|---|---|")
    if not real:
        why = res.get("medfwd_note") or "the check-in route did not answer"
        w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | **not available in this "
          f"build**: {why} | **NOT MEASURED** |")
        w(f"| check-in p99 < {P99_TARGET_MS:.0f} ms | not available in this build | "
          f"**NOT MEASURED** |")
    else:
        if res.get("ratio") is not None:
            r = res["ratio"]
            w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | {r:.2f} × "
              f"({m['ok_per_s']:,.0f} vs {n['ok_per_s']:,.0f}) | "
              f"**{'PASS' if r >= RATIO_TARGET else 'FAIL'}** |")
        else:
            w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | nginx not measured: "
              f"{res.get('nginx_status') or '?'} | **NOT MEASURED** |")
        p99 = m["latency_ms"]["p99"]
        w(f"| check-in p99 < {P99_TARGET_MS:.0f} ms | {p99:.2f} ms | "
          f"**{'PASS' if p99 < P99_TARGET_MS and m['ok_2xx'] > 0 else 'FAIL'}** |")
        errs = _errors(m)
        w(f"| every check-in answered 2xx | {'yes' if errs == '0' else 'no: ' + errs} | "
          f"**{'PASS' if errs == '0' else 'FAIL'}** |")
    w("")

    w("### Figures\n")
    w("| server | request | 2xx/s | p50 ms | p90 ms | p99 ms | max ms | 2xx answers | "
      "errors | peak RSS MiB |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    if m:
        if real:
            req = f"POST {res['measured_path']} (signed check-in)"
            name = res.get("medfwd_version") or "medfwd"
        else:
            req = (f"GET {res['measured_path']} — **STAND-IN, not a check-in** (check-in not "
                   f"available in this build)")
            name = res.get("medfwd_version") or "medfwd"
        w(_row(name, req, m, res.get("medfwd_rss_kib")))
    if n:
        w(_row(res.get("nginx_version") or "nginx",
               f"GET /checkin.json (static, {body} bytes)", n, res.get("nginx_rss_kib")))
    elif res.get("nginx_status"):
        w(f"| nginx | — | **{res['nginx_status']}** | — | — | — | — | — | — | — |")
    if m and n and n.get("ok_per_s"):
        label = "medfwd / nginx" if real else "medfwd /healthz / nginx (stand-in)"
        ml, nl = m["latency_ms"], n["latency_ms"]
        q = lambda a, b: f"{a / b:.2f}" if b else "—"  # noqa: E731
        w(f"| {label} | | {q(m['ok_per_s'], n['ok_per_s'])} × | {q(ml['p50'], nl['p50'])} × | "
          f"{q(ml['p90'], nl['p90'])} × | {q(ml['p99'], nl['p99'])} × | "
          f"{q(ml['max'], nl['max'])} × | | | |")
    w("")
    threads = (f"`threads = {res['medfwd_threads_option']}`" if res.get("medfwd_threads_option")
               else "its default settings (`threads = 0`: one worker thread per core")
    if res.get("medfwd_threads_option"):
        threads = "its default settings but " + threads + " (BENCH_CHECKIN_MEDFWD_THREADS"
    per = []
    for key, r in (("medfwd", m), ("nginx", n)):
        cpu = res.get(key + "_cpu_s")
        if cpu is not None and r and r.get("sent_total"):
            per.append(f"{key} {cpu * 1e6 / r['sent_total']:,.0f} µs")
    if per:
        w("Server CPU time (user + system, /proc/PID/stat, over the whole client run, "
          "warm-up included) per request answered: " + ", ".join(per) + ".")
        w("")
    ev = res.get("ed25519_verify_per_s")
    if ev:
        cores = res["cores"] or 1
        line = (f"Ceiling: each check-in costs medfwd one Ed25519 signature verification. "
                f"`openssl speed -seconds 2 ed25519` on this machine (OpenSSL 3.0): "
                f"{ev:,.0f} verifications/s on one core, so at most ~{ev * cores:,.0f}/s on "
                f"all {cores} cores with nothing else running (no HTTP, no database, no "
                f"client)")
        if n and n.get("ok_per_s"):
            line += (f" — {ev * cores / n['ok_per_s']:.2f} × nginx's rate in this run, "
                     f"against the target's {RATIO_TARGET} ×")
        w(line + ".")
        w("")
    w("Peak RSS: `VmHWM` of /proc/PID/status at the end of the run (nginx: master and "
      f"workers summed). medfwd ran with {threads}"
      + (f", {res['medfwd_threads']} threads in all" if res.get("medfwd_threads") else "")
      + ", JSON request log on standard error, into a file).")
    w("")
    w(END)
    return out


def update(res, path):
    text = section(res)
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = ""
    if BEGIN in old and END in old:
        a = old.index(BEGIN)
        b = old.index(END) + len(END)
        new = old[:a] + "\n".join(text) + old[b:]
    else:
        new = old.rstrip("\n") + "\n\n" + "\n".join(text) + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "combine":
        json.dump(combine(sys.argv[2]), sys.stdout, indent=2, sort_keys=True)
        print()
    elif len(sys.argv) == 3 and sys.argv[1] == "section":
        print("\n".join(section(_load(sys.argv[2]))))
    elif len(sys.argv) == 4 and sys.argv[1] == "update":
        update(_load(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
