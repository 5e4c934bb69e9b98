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


MEDFWD_ROWS = ("session", "ed25519", "standin")
LABEL = {
    "session": "1. medfwd, session keys",
    "ed25519": "2. medfwd, device key",
    "standin": "medfwd, stand-in",
    "nginx": "3. nginx",
}


def combine(work):
    env = os.environ
    g = lambda k: env.get("CK_" + k, "")  # noqa: E731
    clk = int(g("CLK_TCK") or 0)
    secs = lambda k: int(g(k)) / clk if g(k) and clk else None  # noqa: E731
    num = lambda k: int(g(k)) if g(k) else None  # noqa: E731
    rows = {}
    for row in MEDFWD_ROWS:
        k = row.upper() + "_"
        rows[row] = {
            "status": g(k + "STATUS"),
            "result": _load(os.path.join(work, f"medfwd-{row}.json")),
            "rss_kib": num(k + "RSS"),
            "cpu_s": secs(k + "CPU_TICKS"),
            "session_open_cpu_s": secs(k + "OPEN_CPU_TICKS"),
            "threads": num(k + "THREADS"),
        }
    rows["nginx"] = {
        "status": g("NGINX_STATUS"),
        "result": _load(os.path.join(work, "nginx.json")),
        "rss_kib": num("NGINX_RSS"),
        "cpu_s": secs("NGINX_CPU_TICKS"),
    }
    probe = _load(os.path.join(work, "probe.body"))
    res = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "git_rev": g("GIT_REV"),
        "status": g("STATUS"),
        "mode": g("MODE"),
        "medfwd_note": g("MEDFWD_NOTE"),
        "devices": int(g("DEVICES") or 0),
        "signers": int(g("SIGNERS") or 0),
        "connections": int(g("CONNS") or 0),
        "duration_s": int(g("DURATION") or 0),
        "warmup_s": int(g("WARMUP") or 0),
        "checkin_path": g("PATH"),
        "session_path": g("SESSION_PATH"),
        "measured_path": g("TPATH"),
        "presign": num("PRESIGN"),
        "session_presign": num("SESSION_PRESIGN"),
        "setup_s": float(g("SETUP_S")) if g("SETUP_S") else None,
        "response_body_bytes": num("BODY_BYTES"),
        "next_checkin_seconds": probe.get("next_checkin_seconds")
        if isinstance(probe, dict) else None,
        "load_before": g("LOAD_BEFORE"),
        "load_after": g("LOAD_AFTER"),
        "elapsed_s": int(g("ELAPSED") or 0),
        "cores": os.cpu_count(),
        "nginx_version": g("NGINX_VERSION"),
        "medfwd_version": g("MEDFWD_VERSION"),
        "medfwd_threads_option": g("MEDFWD_THREADS_OPT"),
        "ed25519_verify_per_s": float(g("ED25519_VERIFY_PER_S"))
        if g("ED25519_VERIFY_PER_S") else None,
        "rows": rows,
    }
    n = rows["nginx"]["result"]
    for row in MEDFWD_ROWS:
        m = _measured(rows[row])
        if m and n and n.get("ok_per_s"):
            rows[row]["ratio_to_nginx"] = m["ok_per_s"] / n["ok_per_s"]
    return res


def _measured(row):
    """The client's result of a row that ran, else None."""
    return row["result"] if row and not row.get("status") and row.get("result") else None


def _errors(r):
    parts = [f"{k}×{v}" for k, v in sorted(r.get("status", {}).items())
             if not k.startswith("2")]
    parts += [f"{k}×{v}" for k, v in sorted(r.get("transport_errors", {}).items())]
    return ", ".join(parts) if parts else "0"


def _row(label, request, r):
    lat = r["latency_ms"]
    return (f"| {label} | {request} | {r['ok_per_s']:,.0f} | {lat['p50']:.2f} | "
            f"{lat['p90']:.2f} | {lat['p99']:.2f} | {lat['max']:.2f} | "
            f"{r['ok_2xx']:,} | {_errors(r)} |")


def _ratio_row(label, m, n):
    ml, nl = m["latency_ms"], n["latency_ms"]
    q = lambda a, b: f"{a / b:.2f} ×" if b else "—"  # noqa: E731
    return (f"| {label} | | {q(m['ok_per_s'], n['ok_per_s'])} | {q(ml['p50'], nl['p50'])} | "
            f"{q(ml['p90'], nl['p90'])} | {q(ml['p99'], nl['p99'])} | "
            f"{q(ml['max'], nl['max'])} | | |")


def _server_cpu_us(row):
    r = _measured(row)
    if r and row.get("cpu_s") is not None and r.get("sent_total"):
        return row["cpu_s"] * 1e6 / r["sent_total"]
    return None


def _client_cpu_us(r):
    if r and r.get("client_cpu_cores") is not None and r.get("requests_per_s"):
        return r["client_cpu_cores"] * 1e6 / r["requests_per_s"]
    return None


def _signing(name, r, cores, rates):
    """One sentence on a row's requests signed before the clock (None if none were)."""
    if not r.get("presigned"):
        return (f"{name}: every request signed inside the measured loop (no pool): the "
                f"signing is part of the client CPU below")
    if r.get("presign_cycle"):
        line = (f"{name}: a pool of {r['presigned']:,} requests signed in "
                f"{r.get('presign_s', 0):.1f} s before the clock, reused when used up")
    else:
        line = (f"{name}: {r['presigned']:,} requests signed in {r.get('presign_s', 0):.1f} s "
                f"before the clock, never reused; {r.get('live_signed', 0):,} more were "
                f"signed inside the measured loop once they were used up")
    if r.get("presign_s"):
        per = r["presign_s"] * cores / r["presigned"]
        line += (f" (up to {per * 1e6:.0f} µs of client CPU each: {cores} cores busy for "
                 f"{r['presign_s']:.1f} s")
        need = [f"~{per * v:.2f} {what}" for what, v in rates if v]
        if need:
            line += (f"; signed in the loop, that would take from the {cores} cores "
                     + " and ".join(need))
        line += ")"
    return line


def section(res):
    out = []
    w = out.append
    w(BEGIN)
    w("## Device check-ins: medfwd against nginx\n")
    real = res.get("mode") == "checkin"
    rows = res.get("rows") or {}
    body = res.get("response_body_bytes")
    cores = res.get("cores") or 1
    sess, ed, stand, ngx = (rows.get(k) or {} for k in ("session", "ed25519", "standin",
                                                       "nginx"))
    m1, m2, ms, n = (_measured(x) for x in (sess, ed, stand, ngx))
    w(f"- Date: {res['date']}; repository at `{res.get('git_rev') or '?'}`; this part took "
      f"{res['elapsed_s']} s; load average (1/5/15 min) before: {res['load_before']}, "
      f"after: {res['load_after']}")
    w("- Command: `bench/checkin.sh build/release WORK_DIR` (run by `make bench` through "
      "`bench/run.sh`; `bench/checkin.sh build/release bench/out/checkin --update "
      "BENCHMARKS.md` refreshes only this section)")
    w(f"- Server data: {res['devices']:,} enrolled devices, each with one earlier check-in "
      f"(a fleet in service), in medfwd's SQLite store, written once through the store "
      f"library by `medfw_loadgen setup`"
      + (f" in {res['setup_s']:.1f} s" if res.get("setup_s") is not None else "")
      + " (keys derived from a public seed: benchmark only); every medfwd run below starts "
      "on its own fresh copy of that store (the probe requests went to another copy)")
    nxt = res.get("next_checkin_seconds")
    per_day = (f" ({86400 // nxt:,} check-ins at the `next_checkin_seconds` of {nxt} s "
               f"medfwd answered here)" if isinstance(nxt, int) and nxt > 0 else "")
    if not real:
        w("- Rows: the check-in could not be measured (the reason is in the targets table), "
          "so medfwd's `GET /healthz` is measured as a clearly labelled stand-in, against "
          "nginx")
    else:
        w("- Rows:")
        w(f"  1. **medfwd, session keys** — the main row, the one the targets are judged "
          f"on, and the way an agent talks to medfwd: before the clock starts each signing "
          f"device opens a session (`POST {res.get('session_path') or '/device/v1/session'}` "
          f"signed with its Ed25519 key; [docs/devices.md, \"Sessions\"]"
          f"(docs/devices.md#sessions)), "
          f"then signs every check-in with RFC 9421 `hmac-sha256` under the session key. A "
          f"session lasts `device_session_lifetime`, 24 h by default, so a device opens about "
          f"one a day and its cost is spread over that day's check-ins{per_day}")
        w("  2. **medfwd, device key**: every check-in signed with the device's own Ed25519 key "
          "(`alg=\"ed25519\"`), as a device without a session does")
        w("  3. **nginx** serving a static file of the same size as medfwd's answer (below)")
    w(f"- Client: `medfw_loadgen run` (tests/tools/medfw_loadgen.c), for each row "
      f"{res['connections']} keep-alive HTTP/1.1 connections (one thread each, a new request "
      f"as soon as the answer is in), {res['warmup_s']} s warm-up then {res['duration_s']} s "
      f"measured; every request carries its own RFC 9421 signature (its own `created` time "
      f"and random nonce) over a check-in JSON body, by one of {res['signers']:,} devices "
      f"spread evenly over the {res['devices']:,}. Latency: first byte sent to last byte "
      f"received (CLOCK_MONOTONIC), log-linear histogram (< 1.6 % bucket width)")
    target_rate = RATIO_TARGET * n["ok_per_s"] if n and n.get("ok_per_s") else None
    sig = []
    for name, r in (("row 1 (hmac-sha256)", m1), ("row 2 (Ed25519)", m2)):
        if r:
            sig.append(_signing(name, r, cores, [("at this row's rate", r.get("ok_per_s")),
                                                 ("at the target rate (half nginx's)",
                                                  target_rate)]))
    if sig:
        w("- Signing: the client shares the cores with the server, so requests are signed "
          "before the clock starts and it does the same work per request in every row "
          "(sending bytes it built beforehand); `created` times are then at most a few tens "
          "of seconds old when sent, well inside medfwd's `device_clock_skew` (5 min). "
          "`BENCH_CHECKIN_SESSION_PRESIGN=0` (row 1) / `BENCH_CHECKIN_PRESIGN=0` (row 2) "
          "sign in the loop instead:")
        for line in sig:
            w(f"  - {line}")
    w(f"- nginx: the same client with the same settings sends the same kind of signed "
      f"check-in (as GET: the static module refuses POST; the body is read and discarded) "
      f"from a pool of requests signed with the device keys (Ed25519, as row 2: nginx cannot "
      f"open sessions), reused since nginx checks nothing, for a static file holding "
      f"exactly the bytes medfwd answered"
      + (f" ({body} bytes)" if body else "")
      + f"; `worker_processes {cores}`, access log on (medfwd logs every request too), "
      f"`keepalive_requests 1000000`. A session-signed request is about the size of an "
      f"Ed25519-signed one (a longer keyid, a shorter signature): the mean request sizes "
      f"measured are in the resources table")
    live = [name for name, r in (("row 1", m1), ("row 2", m2))
            if r and (not r.get("presigned") or r.get("live_signed"))]
    w(f"- Client and servers share the machine's {cores} cores: the ratio is the robust "
      f"figure (every server measured in the same run, against the same client "
      + (f"doing the same work per request, except that in {' and '.join(live)} it also "
         f"signed requests inside the measured loop: see the client CPU per request)"
         if live else "doing the same work per request)"))
    cl = [f"{c:.2f} against {lbl}" for lbl, c in
          (("row 1", (m1 or {}).get("client_cpu_cores")),
           ("row 2", (m2 or {}).get("client_cpu_cores")),
           ("the stand-in", (ms or {}).get("client_cpu_cores")),
           ("nginx", (n or {}).get("client_cpu_cores"))) if c is not None]
    if cl:
        w(f"- The client itself used, of the {cores} cores, " + ", ".join(cl)
          + " during the measured window (its CLOCK_PROCESS_CPUTIME_ID)")
    w("")

    if res.get("status"):
        w(f"**Not measured: {res['status']}**\n")
        w(END)
        return out

    w("### Targets (row 1: check-ins signed with session keys)\n")
    w("| target | measured | |\n|---|---|---|")
    if not real:
        why = res.get("medfwd_note") or "the check-in route did not answer"
        w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | **not available in this "
          f"build**: {why} | **NOT MEASURED** |")
        w(f"| check-in p99 < {P99_TARGET_MS:.0f} ms | not available in this build | "
          f"**NOT MEASURED** |")
    elif not m1:
        why = sess.get("status") or "row 1 did not run"
        for i, t in enumerate((f"check-ins/s ≥ {RATIO_TARGET} × nginx requests/s",
                               f"check-in p99 < {P99_TARGET_MS:.0f} ms",
                               "every check-in answered 2xx")):
            w(f"| {t} | row 1 not measured" + (f": {why}" if i == 0 else "")
              + " | **NOT MEASURED** |")
    else:
        r = sess.get("ratio_to_nginx")
        if r is not None:
            w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | {r:.2f} × "
              f"({m1['ok_per_s']:,.0f} vs {n['ok_per_s']:,.0f}) | "
              f"**{'PASS' if r >= RATIO_TARGET else 'FAIL'}** |")
        else:
            why = ngx.get("status") or "no result"
            w(f"| check-ins/s ≥ {RATIO_TARGET} × nginx requests/s | nginx not measured: "
              f"{why} | **NOT MEASURED** |")
        p99 = m1["latency_ms"]["p99"]
        w(f"| check-in p99 < {P99_TARGET_MS:.0f} ms | {p99:.2f} ms | "
          f"**{'PASS' if p99 < P99_TARGET_MS and m1['ok_2xx'] > 0 else 'FAIL'}** |")
        errs = _errors(m1)
        w(f"| every check-in answered 2xx | {'yes' if errs == '0' else 'no: ' + errs} | "
          f"**{'PASS' if errs == '0' else 'FAIL'}** |")
    w("")
    if real and m2:
        r2 = ed.get("ratio_to_nginx")
        w("Row 2 (device key on every request), not judged: "
          + (f"{r2:.2f} × nginx's rate, " if r2 is not None else "")
          + f"p99 {m2['latency_ms']['p99']:.2f} ms, errors {_errors(m2)}.")
        w("")

    w("### Figures\n")
    w("| row | request | 2xx/s | p50 ms | p90 ms | p99 ms | max ms | 2xx answers | errors |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---|")
    ver = res.get("medfwd_version") or "medfwd"
    shown = []  # (label, row dict, result) of the rows with figures
    if real:
        for key in ("session", "ed25519"):
            row = rows.get(key) or {}
            r = _measured(row)
            label = f"{LABEL[key]} ({ver})"
            if r:
                w(_row(label, f"POST {res['measured_path']}, signed "
                       f"{r.get('signature') or '?'}", r))
                shown.append((LABEL[key], row, r))
            else:
                w(f"| {label} | — | **{row.get('status') or 'not measured'}** | — | — | "
                  f"— | — | — | — |")
    elif ms:
        w(_row(f"{LABEL['standin']} ({ver})", f"GET {res['measured_path']} — **STAND-IN, "
               f"not a check-in** (check-in not available in this build)", ms))
        shown.append((LABEL["standin"], stand, ms))
    else:
        w(f"| {LABEL['standin']} ({ver}) | — | **{stand.get('status') or 'not measured'}** | "
          f"— | — | — | — | — | — |")
    nlabel = f"{LABEL['nginx'] if real else 'nginx'} ({res.get('nginx_version') or 'nginx'})"
    if n:
        w(_row(nlabel, f"GET /checkin.json (static, {body} bytes), signed "
               f"{n.get('signature') or '?'}", n))
        shown.append(("nginx", ngx, n))
    else:
        w(f"| {nlabel} | — | **{ngx.get('status') or 'not measured'}** | — | — | — | — | "
          f"— | — |")
    if n and n.get("ok_per_s"):
        for label, row, r in shown:
            if row is not ngx:
                w(_ratio_row(f"{label} / nginx"
                             if real else "medfwd /healthz / nginx (stand-in)", r, n))
    w("")

    if shown:
        w("| row | peak RSS MiB | server CPU µs / request | client cores used | "
          "client CPU µs / request | request bytes (mean) |")
        w("|---|---:|---:|---:|---:|---:|")
        f = lambda v, fmt: format(v, fmt) if v is not None else "—"  # noqa: E731
        for label, row, r in shown:
            rss = row.get("rss_kib")
            w(f"| {label} | {f(rss / 1024 if rss else None, '.1f')} | "
              f"{f(_server_cpu_us(row), ',.0f')} | {f(r.get('client_cpu_cores'), '.2f')} | "
              f"{f(_client_cpu_us(r), ',.0f')} | {f(r.get('request_bytes_mean'), ',.0f')} |")
        w("")
        w("Server CPU: user + system time of the server (/proc/PID/stat; nginx: master and "
          "workers) over the whole client run, warm-up included, per request sent"
          + (" (row 1: from the moment the client reported its sessions open, so without "
             "the session opening, which is below)" if m1 else "")
          + ". Client CPU: the load generator's own CPU time over the measured window, per "
          "request answered. Request bytes: request line, headers and body, as sent.")
        w("")

    if real and m1 and m1.get("sessions_opened"):
        k, t = m1["sessions_opened"], m1.get("session_open_s") or 0
        line = (f"Session opening (row 1, before its warm-up): {k:,} sessions opened in "
                f"{t:.1f} s over {m1.get('session_open_connections', '?')} connections")
        if t > 0:
            rate = k / t
            line += (f", **{rate:,.0f} sessions/s**: at that rate, a session a day for each "
                     f"of the {res['devices']:,} devices of the store takes "
                     f"{res['devices'] / rate:,.0f} s of the server's day")
        oc = sess.get("session_open_cpu_s")
        if oc is not None:
            per_open = oc * 1e6 / k
            line += f". medfwd's CPU per session opened: {per_open:,.0f} µs"
            cu = _server_cpu_us(sess)
            if cu and isinstance(nxt, int) and nxt > 0:
                day = 86400 // nxt
                share = per_open / (per_open + day * cu)
                line += (f"; with {day:,} check-ins a day at {cu:,.0f} µs each (row 1), the "
                         f"session is {share * 100:.1f} % of a device's daily server CPU")
        w(line + ".")
        w("")

    ev = res.get("ed25519_verify_per_s")
    if ev and real:
        line = (f"Ceiling of row 2: each check-in signed with the device key costs medfwd one "
                f"Ed25519 signature verification. `openssl speed -seconds 2 ed25519` on this "
                f"machine: {ev:,.0f} verifications/s on one core, so at most "
                f"~{ev * cores:,.0f}/s on all {cores} cores with nothing else running (no "
                f"HTTP, no database, no client)")
        if n and n.get("ok_per_s"):
            line += (f" — {ev * cores / n['ok_per_s']:.2f} × nginx's rate in this run, "
                     f"against the target's {RATIO_TARGET} ×")
        w(line + ". Row 1 verifies an HMAC-SHA256 per check-in instead (docs/devices.md "
          "gives about 1 µs); its Ed25519 verification happens once per session, when the "
          "session is opened.")
        w("")
    threads = (f"`threads = {res['medfwd_threads_option']}` (BENCH_CHECKIN_MEDFWD_THREADS)"
               if res.get("medfwd_threads_option")
               else "its default settings (`threads = 0`: one worker thread per core)")
    tcount = sorted({row.get("threads") for _, row, _ in shown if row.get("threads")})
    w("Peak RSS: `VmHWM` of /proc/PID/status at the end of the run (nginx: master and "
      f"workers summed{'; row 1 includes the session opening' if m1 else ''}). medfwd ran "
      f"with {threads}"
      + (f", {'/'.join(str(x) for x in tcount)} threads in all" if tcount else "")
      + ", JSON request log on standard error, into a file.")
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
