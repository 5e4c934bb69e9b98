#!/usr/bin/python3
"""bench/vuln.py — vulnerability feed import and full re-match, and its BENCHMARKS.md section.

  bench/vuln.py BUILD_DIR FILE.md            measure, then replace the vuln section of FILE.md
  bench/vuln.py measure BUILD_DIR OUT.json [--work DIR]
                                             measure only, the results as JSON (bench/run.sh)
  bench/vuln.py update OUT.json FILE.md      replace the section from OUT.json
  bench/vuln.py generate BUILD_DIR DIR       only write the synthetic data set into DIR

BUILD_DIR holds medfwd and tests/tools' vulnbench (a release build: build/release). Only
the text between `<!-- vuln:begin` and `<!-- vuln:end -->` is replaced (appended when
FILE.md has none); the rest of the file is kept byte for byte.

The data (bench/README.md, "Vulnerability feeds"): records scaled up from the real ones
in testdata (../shared/testdata, or $MEDFW_TESTDATA): copy k of a real record gets new
ids (a CVE id keeps its year and number and gets k as six more digits:
CVE-2022-0778 -> CVE-2022-0778000012; any other id gets "-k") and every product or
package name it is about becomes a product variant "NAME_vJ" (J = k mod V, V = the
variant count of its format; J = 0 keeps the real name), nothing else changed (ranges,
versions, dates, scores are the real ones). Release SBOMs (CycloneDX 1.6) are made of
the components of the real SBOMs in testdata (names, versions, purls, CPEs), each used
as several variants with the same renaming, so a component variant meets the record
variants of its name exactly as the real component meets the real records.

What is measured:
1. Import throughput of NVD CVE API 2.0 pages (2,000 records each) and of OSV records
   (arrays of 2,000): the library loader (vulnbench load: medfw_feed_set_load, the code
   behind `medfw vuln match --feed`), medfwd's POST /api/v1/vulnerabilities/import into
   SQLite (every file, then every file again: nothing may change), against this
   machine's JSON parsing of the same bytes (python3 json.load; jq when installed) and
   the I/O floor (cat, sha256sum).
2. Full re-match: BENCH_VULN_RECORDS records (NVD, OSV, CVE 5 mixed) against
   BENCH_VULN_RELEASES releases of BENCH_VULN_COMPONENTS components: the server's
   medfw_store_vuln_reevaluate on a SQLite store (vulnbench store-reevaluate; first
   evaluation, then again with nothing changed), wall time and peak RSS; the library
   alone (vulnbench match: the feed set, the index and medfw_vuln_match per release) as
   the floor; findings counted by status in both (they must agree). Then medfwd on that
   store: 10 NVD pages whose records all changed, imported one after the other; the
   answer times and the time until the background re-evaluation has the findings, against
   one evaluation per file (what an evaluation inside each request cost).
A step that fails is reported as FAILED with the reason; no figure is made up.
"""
import copy
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from benchlib import (bench_main, loadavg, machine, mem_available_mib, proc_cpu_s, proc_hwm_kib,
                      update_section)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEGIN_PREFIX = "<!-- vuln:begin"
BEGIN = "<!-- vuln:begin — written by bench/vuln.py (via bench/run.sh); do not edit -->"
END = "<!-- vuln:end -->"
PASSWORD = "correct horse battery staple 42"
PAGE = 2000            # records per NVD page / OSV array file (the NVD API's largest page)
FAMILY_COPIES = 2      # copies of one real record per product variant (at most)
MIN_VARIANTS = 400     # product variants per format at least
MODELS = 20            # device models; releases are spread evenly over them
CHURN_PERCENT = 5      # each later release of a model replaces this share of components
RECORD_SHARE = 15      # % of a release's components made from the products the records name
MB = 1e6


def log(msg):
    print(f"[vuln-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def env_int(name, default):
    return int(os.environ.get(name, default))


def testdata_dir():
    return Path(os.environ.get("MEDFW_TESTDATA", ROOT.parent / "shared" / "testdata")).resolve()


# ------------------------------------------------------------------ renaming

CVE_RE = re.compile(r"^CVE-(\d{4})-(\d{4,})$")


def new_id(old, k):
    """The id of copy k: a CVE id keeps year and number and gets k as six more digits."""
    m = CVE_RE.match(old)
    if m:
        return f"CVE-{m.group(1)}-{m.group(2)}{k:06d}"
    return f"{old}-{k}"


def variant(name, j):
    if j == 0 or not isinstance(name, str) or name in ("", "*", "-", "n/a", "N/A"):
        return name
    return f"{name}_v{j}"


def cpe_split(text):
    """A CPE 2.3 formatted string into its fields (':' escaped with '\\' kept)."""
    out, cur, esc = [], [], False
    for ch in text:
        if esc:
            cur.append(ch)
            esc = False
        elif ch == "\\":
            cur.append(ch)
            esc = True
        elif ch == ":":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def cpe_variant(text, j, version=None):
    """The CPE with its product renamed (and its version replaced when given)."""
    if not isinstance(text, str) or not text.startswith("cpe:2.3:"):
        return text
    f = cpe_split(text)
    if len(f) != 13:
        return text
    if f[4] not in ("*", "-"):
        f[4] = variant(f[4], j)
    if version is not None:
        f[5] = re.sub(r"([^A-Za-z0-9_.\-])", r"\\\1", version)
    return ":".join(f)


def purl_variant(text, j):
    """The purl with its name renamed (type, namespace, version, qualifiers kept)."""
    if not isinstance(text, str) or not text.startswith("pkg:") or j == 0:
        return text
    rest, sub = (text.split("#", 1) + [None])[:2]
    rest, qual = (rest.split("?", 1) + [None])[:2]
    at = rest.rfind("@")
    ver = None
    if at > rest.rfind("/"):
        rest, ver = rest[:at], rest[at + 1:]
    slash = rest.rfind("/")
    rest = rest[:slash + 1] + variant(rest[slash + 1:], j)
    if ver is not None:
        rest += "@" + ver
    if qual is not None:
        rest += "?" + qual
    if sub is not None:
        rest += "#" + sub
    return rest


def repo_variant(url, j):
    if not isinstance(url, str) or j == 0:
        return url
    u = url.rstrip("/")
    if u.endswith(".git"):
        u = u[:-4]
    return variant(u, j)


def nvd_copy(cve, k, j):
    c = copy.deepcopy(cve)
    c["id"] = new_id(c["id"], k)
    for cfg in c.get("configurations", []):
        for node in cfg.get("nodes", []):
            for m in node.get("cpeMatch", []):
                if m.get("vulnerable"):
                    m["criteria"] = cpe_variant(m["criteria"], j)
    return c


def osv_copy(rec, k, j):
    r = copy.deepcopy(rec)
    r["id"] = new_id(r["id"], k)
    for key in ("aliases", "upstream", "related"):
        if isinstance(r.get(key), list):
            r[key] = [new_id(x, k) for x in r[key]]
    for a in r.get("affected", []):
        p = a.get("package")
        if isinstance(p, dict):
            if "name" in p:
                p["name"] = variant(p["name"], j)
            if "purl" in p:
                p["purl"] = purl_variant(p["purl"], j)
        for rng in a.get("ranges", []):
            if "repo" in rng:
                rng["repo"] = repo_variant(rng["repo"], j)
    return r


def cve5_copy(rec, k, j):
    r = copy.deepcopy(rec)
    r["cveMetadata"]["cveId"] = new_id(r["cveMetadata"]["cveId"], k)
    containers = [r["containers"].get("cna", {})] + list(r["containers"].get("adp", []))
    for cont in containers:
        for a in cont.get("affected", []):
            for key in ("product", "packageName"):
                if key in a:
                    a[key] = variant(a[key], j)
            if "packageURL" in a:
                a["packageURL"] = purl_variant(a["packageURL"], j)
            if isinstance(a.get("cpes"), list):
                a["cpes"] = [cpe_variant(x, j) for x in a["cpes"]]
    return r


# ------------------------------------------------------------------ templates

def nvd_templates(td):
    """Every NVD CVE object in testdata (pages and single records), by id."""
    out = {}
    files = sorted((td / "nvd" / "pages").glob("*.json")) + sorted((td / "nvd" / "records").glob("*.json"))
    for f in files:
        d = json.loads(f.read_text())
        if d.get("format") == "NVD_CVE":
            for v in d.get("vulnerabilities", []):
                out.setdefault(v["cve"]["id"], (f, v["cve"]))
        elif "id" in d and "lastModified" in d:
            out.setdefault(d["id"], (f, d))
        elif isinstance(d.get("cve"), dict):
            out.setdefault(d["cve"]["id"], (f, d["cve"]))
    return [out[k] for k in sorted(out)]


def osv_templates(td):
    out = []
    for sub in ("records", "records-ghsa", "oss-fuzz"):
        for f in sorted((td / "osv" / sub).glob("*.json")):
            out.append((f, json.loads(f.read_text())))
    return out


def cve5_templates(td):
    return [(f, json.loads(f.read_text())) for f in sorted((td / "cve5").glob("*.json"))]


def sbom_bases(td):
    """Real components: (source, name, versions, purl, cpe)."""
    import csv
    bases = []
    for rel in ("cyclonedx/medical-device/narrow.sbom.json", "cyclonedx/examples/cern-lhc-vdm-editor.bom.json",
                "cyclonedx/examples/laravel-7.12.0.bom.1.4.json", "cyclonedx/vex/bom.json"):
        d = json.loads((td / rel).read_text())
        for c in d.get("components", []):
            if not c.get("name"):
                continue
            bases.append({"source": rel, "name": c["name"], "group": c.get("group"),
                          "versions": [c["version"]] if c.get("version") else [],
                          "purl": c.get("purl"), "cpe": c.get("cpe"), "type": c.get("type", "library")})
    for rel in sorted((td / "spdx").glob("*.json")) + sorted((td / "spdx" / "examples").glob("*.json")):
        d = json.loads(rel.read_text())
        for p in d.get("packages", []):
            refs = {r.get("referenceType"): r.get("referenceLocator") for r in p.get("externalRefs", [])}
            bases.append({"source": str(rel.relative_to(td)), "name": p["name"], "group": None,
                          "versions": [p["versionInfo"]] if p.get("versionInfo") else [],
                          "purl": refs.get("purl"), "cpe": refs.get("cpe23Type"), "type": "library"})
    # Buildroot: the Raspberry Pi image (versions, CPE ids) and the Laird SOM60 manifest
    # (versions) are both Buildroot package lists: one component per package, with the
    # versions of both images as its versions.
    info = json.loads((td / "buildroot/show-info-rpi.cpe_data_pp.json").read_text())
    laird = {r["PACKAGE"]: r["VERSION"] for r in
             csv.DictReader(open(td / "buildroot/legal-info-manifest-laird-som60.csv"))}
    seen = set()
    for key, v in info.items():
        name = key[5:] if key.startswith("host-") else key
        if name in seen or v.get("type") == "host" and name in info:
            continue
        seen.add(name)
        versions = [x for x in (v.get("version"), laird.get(name)) if x]
        bases.append({"source": "buildroot/show-info-rpi.cpe_data_pp.json", "name": name, "group": None,
                      "versions": sorted(set(versions), key=versions.index),
                      "purl": None, "cpe": v.get("cpe-id"),
                      "type": "operating-system" if name == "linux" else "library"})
    for name, ver in laird.items():
        if name in seen:
            continue
        seen.add(name)
        bases.append({"source": "buildroot/legal-info-manifest-laird-som60.csv", "name": name, "group": None,
                      "versions": [ver] if ver else [], "purl": None, "cpe": None, "type": "library"})
    return bases


OSV_PURL_TYPES = {"PyPI": "pypi", "npm": "npm", "Go": "golang", "RubyGems": "gem", "Alpine": "apk/alpine",
                  "Debian": "deb/debian", "Ubuntu": "deb/ubuntu", "Red Hat": "rpm/redhat",
                  "crates.io": "cargo", "NuGet": "nuget", "Packagist": "composer", "Maven": "maven"}


def cpe_unescape(v):
    return re.sub(r"\\(.)", r"\1", v)


def record_components(td, nvd_t, osv_t, cve5_t):
    """One component per real record: the product it is about, as an SBOM names it, with
    the versions the record itself gives (a version in range and the fixed one, when it
    states both), so that each variant meets the record variants of its copy family."""
    out = []
    for f, cve in nvd_t:
        for cfg in cve.get("configurations", []):
            cm = next((m for n in cfg.get("nodes", []) for m in n.get("cpeMatch", [])
                       if m.get("vulnerable") and cpe_split(m["criteria"])[4] not in ("*", "-")), None)
            if cm is None:
                continue
            fld = cpe_split(cm["criteria"])
            versions = []
            if fld[5] not in ("*", "-"):
                versions.append(cpe_unescape(fld[5]) + ("" if fld[6] in ("*", "-") else "-" + cpe_unescape(fld[6])))
            for key in ("versionStartIncluding", "versionEndIncluding", "versionEndExcluding"):
                if cm.get(key) and cm[key] not in versions:
                    versions.append(cm[key])
            cpe = ":".join(fld[:5] + ["*"] * 8)
            out.append({"source": str(f.relative_to(td)), "name": cpe_unescape(fld[4]), "group": None,
                        "supplier": cpe_unescape(fld[3]), "versions": versions[:2], "purl": None,
                        "cpe": cpe, "type": "operating-system" if fld[2] == "o" else
                        ("device" if fld[2] == "h" else "library")})
            break
    for f, rec in osv_t:
        a = next((x for x in rec.get("affected", []) if isinstance(x.get("package"), dict)), None)
        if a is None:
            continue
        pkg = a["package"]
        versions = []
        for rng in a.get("ranges", []):
            if rng.get("type") == "GIT":
                continue
            for ev in rng.get("events", []):
                v = ev.get("introduced") or ev.get("fixed")
                if v and v != "0" and v not in versions:
                    versions.append(v)
        versions += [v for v in a.get("versions", [])[:2] if v not in versions]
        purl = pkg.get("purl")
        if purl:
            purl = purl.split("?")[0].split("@")[0]
        else:
            eco = pkg.get("ecosystem", "").split(":")[0]
            t = OSV_PURL_TYPES.get(eco)
            if t == "maven" and ":" in pkg["name"]:
                purl = "pkg:maven/" + "/".join(pkg["name"].split(":", 1))
            elif t is not None:
                purl = f"pkg:{t}/{pkg['name']}"
        out.append({"source": str(f.relative_to(td)), "name": pkg["name"].split(":")[-1], "group": None,
                    "supplier": None, "versions": versions[:2], "purl": purl, "cpe": None,
                    "type": "library", "purl_version": True})
    for f, rec in cve5_t:
        a = next((x for x in rec["containers"]["cna"].get("affected", [])
                  if x.get("product", "n/a") != "n/a" or x.get("packageName")), None)
        if a is None:
            continue
        versions = []
        for v in a.get("versions", []):
            for key in ("version", "lessThan", "lessThanOrEqual"):
                x = v.get(key)
                if x and x not in ("0", "n/a", "unspecified", "*") and not x.startswith(">") \
                        and re.fullmatch(r"[0-9][0-9A-Za-z.\-]*", x) and x not in versions:
                    versions.append(x)
        purl = None
        url = a.get("collectionURL", "")
        if a.get("packageName") and "github.com/" in url:
            owner = url.rstrip("/").split("github.com/")[1].split("/")[0]
            purl = f"pkg:github/{owner}/{a['packageName']}"
        vendor = a.get("vendor")
        out.append({"source": str(f.relative_to(td)), "name": a.get("packageName") or a["product"],
                    "group": None, "supplier": vendor if vendor and vendor != "n/a" else None,
                    "versions": versions[:2], "purl": purl, "cpe": None, "type": "library",
                    "purl_version": True})
    return out


# ------------------------------------------------------------------ generation

def spread(n, templates):
    """Copy k of template t for record r = k * T + t, r < n."""
    t = len(templates)
    for r in range(n):
        yield r // t, templates[r % t]


def variants_for(n, templates):
    copies = -(-n // max(1, len(templates)))
    return max(MIN_VARIANTS, -(-copies // FAMILY_COPIES))


def write_json(path, obj):
    path.write_text(json.dumps(obj, separators=(",", ":")))


def generate(out, records, releases, components):
    """The data set under `out`; returns its description. A real record medfw refuses is
    copied all the same: the loader and medfwd then report its copies as problems."""
    td = testdata_dir()
    n_nvd = records // 2
    n_osv = records * 2 // 5
    n_cve5 = records - n_nvd - n_osv
    nvd_t, osv_t, cve5_t = nvd_templates(td), osv_templates(td), cve5_templates(td)
    desc = {"records": {"nvd": n_nvd, "osv": n_osv, "cve5": n_cve5},
            "templates": {"nvd": len(nvd_t), "osv": len(osv_t), "cve5": len(cve5_t)},
            "variants": {"nvd": variants_for(n_nvd, nvd_t), "osv": variants_for(n_osv, osv_t),
                         "cve5": variants_for(n_cve5, cve5_t)},
            "bytes": {}, "files": {}}
    stamp = "2024-06-01T00:00:00.000"
    # NVD pages
    d = out / "nvd"
    d.mkdir(parents=True)
    page, n_page, total = [], 0, 0
    vn = desc["variants"]["nvd"]
    for k, (f, cve) in spread(n_nvd, nvd_t):
        page.append({"cve": nvd_copy(cve, k, k % vn)})
        if len(page) == PAGE or total + len(page) == n_nvd:
            n_page += 1
            write_json(d / f"nvd-{n_page:04d}.json",
                       {"resultsPerPage": len(page), "startIndex": total, "totalResults": n_nvd,
                        "format": "NVD_CVE", "version": "2.0", "timestamp": stamp,
                        "vulnerabilities": page})
            total += len(page)
            page = []
    # OSV arrays
    d = out / "osv"
    d.mkdir()
    batch, n_file = [], 0
    vo = desc["variants"]["osv"]
    for i, (k, (f, rec)) in enumerate(spread(n_osv, osv_t)):
        batch.append(osv_copy(rec, k, k % vo))
        if len(batch) == PAGE or i + 1 == n_osv:
            n_file += 1
            write_json(d / f"osv-{n_file:04d}.json", batch)
            batch = []
    # CVE 5 records, one per file as the CVE List publishes them
    d = out / "cve5"
    d.mkdir()
    vc = desc["variants"]["cve5"]
    for k, (f, rec) in spread(n_cve5, cve5_t):
        c = cve5_copy(rec, k, k % vc)
        write_json(d / f"{c['cveMetadata']['cveId']}.json", c)
    for fmt in ("nvd", "osv", "cve5"):
        files = sorted((out / fmt).glob("*.json"))
        desc["files"][fmt] = len(files)
        desc["bytes"][fmt] = sum(p.stat().st_size for p in files)
    desc["sboms"] = generate_sboms(out / "sbom", releases, components, td,
                                   record_components(td, nvd_t, osv_t, cve5_t))
    (out / "dataset.json").write_text(json.dumps(desc, indent=1))
    return desc


def component_of(base, j, slot):
    versions = base["versions"]
    version = versions[j % len(versions)] if versions else None
    c = {"type": base["type"], "bom-ref": f"c{slot}", "name": variant(base["name"], j)}
    if base.get("group"):
        c["group"] = base["group"]
    if base.get("supplier"):
        c["supplier"] = {"name": base["supplier"]}
    if version:
        c["version"] = version
    if base.get("purl"):
        c["purl"] = purl_variant(base["purl"], j)
        if version and base.get("purl_version"):
            c["purl"] += "@" + version
    if base.get("cpe") and base["cpe"].startswith("cpe:2.3:"):
        c["cpe"] = cpe_variant(base["cpe"], j, version if len(versions) > 1 else None)
    return c


def generate_sboms(d, releases, components, td, recs):
    """`releases` releases over MODELS models. A release's components: RECORD_SHARE % made
    from the records (record_components), the others from the real SBOMs (sbom_bases),
    each model using its own variants; release n of a model replaces n x CHURN_PERCENT %
    of its first release's components by other variants of the same components."""
    d.mkdir(parents=True)
    bases = sbom_bases(td)
    nb, nr = len(bases), len(recs)
    n_rec = components * RECORD_SHARE // 100 if nr else 0
    per_model_b = -(-(components - n_rec) // nb)   # variants of each base in one model
    per_model_r = -(-n_rec // nr) if nr else 0
    models = min(MODELS, releases)
    index = []
    for r in range(releases):
        m, n = r % models, r // models
        comps = []
        for i in range(components):
            if i < n_rec:
                pool, b, j, per = recs, i % nr, m * per_model_r + i // nr, per_model_r
            else:
                pool, b, j, per = bases, (i - n_rec) % nb, m * per_model_b + (i - n_rec) // nb, per_model_b
            if (i * 2654435761 % 100) < CHURN_PERCENT * n:  # replaced in this release
                j = (j + models * per * n) % MIN_VARIANTS
            comps.append(component_of(pool[b], j, i))
        model = f"InfuPump M{m + 1}"
        target = f"m{m + 1}/fw-{n + 1}.0.img"
        date = (datetime.date(2024, 1, 1) + datetime.timedelta(days=30 * n)).isoformat()
        doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
               "metadata": {"component": {"type": "device", "bom-ref": "product", "name": model,
                                          "version": f"{n + 1}.0"}},
               "components": comps}
        path = d / f"release-{r:04d}.cdx.json"
        write_json(path, doc)
        index.append({"target": target, "model": model, "date": date, "security_version": n + 1,
                      "sbom": str(path)})
    (d / "releases.json").write_text(json.dumps(index, indent=0))
    return {"releases": releases, "components": components, "models": models,
            "sbom_bases": nb, "record_bases": nr, "from_records": n_rec,
            "bytes": sum(p.stat().st_size for p in d.glob("*.cdx.json"))}


# ------------------------------------------------------------------ measuring

class StepFailed(Exception):
    pass












def run_timed(cmd, logs, name, stdout_path=None, timeout=7200):
    """One run under GNU time: wall clock around the process (monotonic), peak RSS (%M)
    and CPU (%U + %S). A failure raises StepFailed with the end of its output."""
    rss_file = logs / f"{name}.time"
    log_file = logs / f"{name}.log"
    with open(log_file, "wb") as err, \
            open(stdout_path if stdout_path else os.devnull, "wb") as out:
        t0 = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", str(rss_file)] +
                              [str(c) for c in cmd], stdout=out, stderr=err, timeout=timeout)
        wall = time.monotonic() - t0
    if proc.returncode != 0:
        tail = log_file.read_text(errors="replace").strip().splitlines()[-2:]
        raise StepFailed(f"{name}: exit {proc.returncode}: {' / '.join(tail)}")
    rss, user, sys_ = rss_file.read_text().split()[-3:]
    return {"wall_s": wall, "rss_kib": int(rss), "cpu_s": float(user) + float(sys_)}


def median_run(cmd, logs, name, reps, stdout_path=None):
    runs = [run_timed(cmd, logs, f"{name}.{i}", stdout_path) for i in range(reps)]
    runs.sort(key=lambda r: r["wall_s"])
    best = dict(runs[len(runs) // 2])
    best["runs"] = [round(r["wall_s"], 3) for r in runs]
    best["rss_kib"] = max(r["rss_kib"] for r in runs)
    return best


class Medfwd:
    """medfwd on 127.0.0.1 (a free port) with its own data dir, SQLite."""

    def __init__(self, build, work, data=None, extra=""):
        self.data = data if data is not None else work / "data"
        conf = work / "medfwd.conf"
        conf.write_text(f"listen_address = 127.0.0.1\nlisten_port = 0\ndata_dir = {self.data}\n"
                        "log_level = warning\nmax_body_bytes = 128MiB\n" + extra)
        self.err = open(work / "medfwd.log", "wb")
        self.proc = subprocess.Popen([str(build / "medfwd"), "--config", str(conf),
                                      "--max-lifetime", "14400"],
                                     stdout=subprocess.PIPE, stderr=self.err, bufsize=0)
        line = self.proc.stdout.readline().decode().strip()
        m = re.match(r"medfwd listening on http://127\.0\.0\.1:(\d+)$", line)
        if not m:
            self.stop()
            raise StepFailed(f"medfwd did not start: {line!r}")
        self.port = int(m.group(1))
        more = self.proc.stdout.readline().decode().strip()
        t = re.match(r"medfwd: bootstrap token \(.*\): (\S+)$", more)
        if not t:
            self.stop()
            raise StepFailed(f"medfwd printed no bootstrap token: {more!r}")
        self.bootstrap = t.group(1)
        self.conn = None
        self.token = None

    def call(self, method, path, body=None, headers=None, raw=False):
        import http.client
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        h = {"Content-Type": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(headers or {})
        data = body if raw or body is None else json.dumps(body).encode()
        self.conn.request(method, path, body=data, headers=h)
        r = self.conn.getresponse()
        payload = r.read()
        return r.status, json.loads(payload) if payload else None, r.headers

    def login(self):
        """Bootstrap the first user and take an API token through a session (the session
        cookie is Secure: carried by hand over the loopback http)."""
        st, body, _ = self.call("POST", "/api/v1/bootstrap",
                                {"token": self.bootstrap, "username": "root", "password": PASSWORD})
        if st not in (200, 201):
            raise StepFailed(f"bootstrap: {st} {body}")
        st, login, headers = self.call("POST", "/api/v1/session",
                                       {"username": "root", "password": PASSWORD})
        if st != 200:
            raise StepFailed(f"login: {st} {login}")
        cookie = re.match(r"(medfw_session=[^;]+);", headers["Set-Cookie"]).group(1)
        st, tok, _ = self.call("POST", "/api/v1/tokens", {"name": "bench"},
                               headers={"Cookie": cookie, "X-CSRF-Token": login["csrf_token"]})
        if st not in (200, 201):
            raise StepFailed(f"token: {st} {tok}")
        self.token = tok["token"]

    def evaluation(self):
        st, body, _ = self.call("GET", "/api/v1/vulnerabilities/evaluation")
        if st != 200:
            raise StepFailed(f"evaluation state: {st} {body}")
        return body

    def wait_evaluated(self, generation, timeout=3600):
        """Poll the background re-evaluation until the findings include `generation`;
        its state then."""
        deadline = time.monotonic() + timeout
        while True:
            st = self.evaluation()
            if st["evaluated_generation"] >= generation and st["state"] != "running":
                return st
            if time.monotonic() > deadline:
                raise StepFailed(f"not evaluated after {timeout} s: {st}")
            time.sleep(0.2)

    def stop(self):
        if self.conn is not None:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.err.close()


def server_import(build, work, files, expect):
    """Every file POSTed to a fresh medfwd, then every file again (nothing may change)."""
    work.mkdir(parents=True)
    # no settling delay: the (cheap, release-less) evaluations run beside the imports
    srv = Medfwd(build, work, extra="vuln_eval_delay = 0s\n")
    out = {}
    try:
        srv.login()
        for rnd in ("first", "again"):
            added = updated = unchanged = rejected = evals = 0
            generation = -1
            problems = []
            cpu0 = proc_cpu_s(srv.proc.pid)
            ev0 = srv.evaluation()["evaluations"]
            t0 = time.monotonic()
            for f in files:
                st, body, _ = srv.call("POST", f"/api/v1/vulnerabilities/import?name={f.name}",
                                       f.read_bytes(), {"Content-Type": "application/json"}, raw=True)
                if st != 200:
                    raise StepFailed(f"import of {f.name} ({rnd}): {st} {body}")
                added += body["added"]
                updated += body["updated"]
                unchanged += body["unchanged"]
                rejected += body["rejected"]
                if body.get("evaluation") is not None:
                    evals += 1
                    generation = max(generation, body["evaluation"]["generation"])
                if rnd == "again" and (body["added"] or body["updated"] or
                                       body.get("evaluation") is not None):
                    problems.append(f"{f.name}: the second import changed something "
                                    f"(added {body['added']}, updated {body['updated']})")
            # the background re-evaluation of what was queued belongs to the import
            state = srv.wait_evaluated(generation) if generation >= 0 else srv.evaluation()
            if state["last"] is not None and not state["last"]["ok"]:
                problems.append(f"evaluation: {state['last']['error']}")
            wall = time.monotonic() - t0
            cpu1 = proc_cpu_s(srv.proc.pid)
            out[rnd] = {"wall_s": wall, "server_cpu_s": (cpu1 - cpu0) if cpu0 is not None else None,
                        "added": added, "updated": updated, "unchanged": unchanged,
                        "rejected": rejected, "evaluations": evals,
                        "evaluations_run": state["evaluations"] - ev0, "problems": problems[:5]}
            log(f"  medfwd import ({rnd}): {wall:.1f} s, added {added}, unchanged {unchanged}")
        out["server_rss_kib"] = proc_hwm_kib(srv.proc.pid)
        if out["first"]["added"] != expect:
            out["first"]["problems"].append(f"added {out['first']['added']} of {expect} records")
        if out["again"]["unchanged"] != expect:
            out["again"]["problems"].append(f"unchanged {out['again']['unchanged']} of {expect}")
    finally:
        srv.stop()
    shutil.rmtree(work / "data", ignore_errors=True)
    return out


def import_part(build, data, work, reps):
    """Part 1, per format: references, the library loader, medfwd's import."""
    tool = build / "vulnbench"
    logs = work / "logs"
    res = {}
    for fmt, label in (("nvd", "NVD CVE API 2.0 response pages (2,000 records each)"),
                       ("osv", "OSV arrays (2,000 records each)")):
        files = sorted((data / fmt).glob("*.json"))
        size = sum(f.stat().st_size for f in files)
        count = json.loads((data / "dataset.json").read_text())["records"][fmt]
        r = {"label": label, "files": len(files), "bytes": size, "records": count, "rows": {}}
        res[fmt] = r
        log(f"{label}: {len(files)} files, {size / MB:.0f} MB, {count} records")
        subprocess.run(["cat"] + [str(f) for f in files], stdout=subprocess.DEVNULL)  # warm
        steps = [("cat", ["cat"] + files),
                 ("sha256sum", ["sha256sum"] + files),
                 ("python3 json.load", ["/usr/bin/python3", "-c",
                                        "import json, sys\nfor f in sys.argv[1:]:\n"
                                        "    with open(f, 'rb') as h:\n        json.load(h)"] + files)]
        if shutil.which("jq"):
            steps.append(("jq empty", ["jq", "empty"] + files))
        for name, cmd in steps:
            try:
                r["rows"][name] = median_run(cmd, logs, f"{fmt}.{name.split()[0]}", reps)
            except (StepFailed, OSError, subprocess.TimeoutExpired) as e:
                r["rows"][name] = {"failed": str(e)}
        try:
            out = work / f"{fmt}.load.json"
            row = median_run([tool, "load", data / fmt], logs, f"{fmt}.load", reps, out)
            got = json.loads(out.read_text())
            row["records_loaded"] = got["records"][fmt]
            row["problem_count"] = got["problem_count"]
            if got["records"][fmt] != count or got["problem_count"]:
                row["note"] = f"{got['records'][fmt]} records, {got['problem_count']} problems"
            r["rows"]["library loader"] = row
        except (StepFailed, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
            r["rows"]["library loader"] = {"failed": str(e)}
        try:
            r["server"] = server_import(build, work / f"medfwd-{fmt}", files, count)
        except (StepFailed, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
            log(f"medfwd import of {fmt} FAILED: {e}")
            r["server"] = {"failed": str(e)}
    return res


def rematch_part(build, data, work):
    """Part 2: a store with every record and release SBOM; medfw_store_vuln_reevaluate
    twice (first, then nothing changed); the library alone as the floor."""
    tool = build / "vulnbench"
    logs = work / "logs"
    store = work / "store"
    res = {}
    files = sorted((data / "nvd").glob("*.json")) + sorted((data / "osv").glob("*.json")) + \
        sorted((data / "cve5").glob("*.json"))
    lst = work / "files.list"
    lst.write_text("".join(f"{f}\n" for f in files))
    log(f"re-match: importing {len(files)} files into the store (setup)")
    setup = run_timed([tool, "store-import", "--data-dir", store, "--list", lst], logs,
                      "store-import", work / "store-import.json")
    imp = json.loads((work / "store-import.json").read_text())
    res["setup_import"] = {"wall_s": setup["wall_s"], "added": imp["added"],
                           "rejected": imp["rejected"], "bytes": imp["bytes"]}
    log("re-match: storing the release SBOMs (setup)")
    sb = run_timed([tool, "store-sboms", "--data-dir", store, "--releases",
                    data / "sbom" / "releases.json"], logs, "store-sboms", work / "store-sboms.json")
    res["setup_sboms"] = {"wall_s": sb["wall_s"],
                          **json.loads((work / "store-sboms.json").read_text())}
    for name in ("first", "again"):
        log(f"re-match: medfw_store_vuln_reevaluate ({name})")
        try:
            row = run_timed([tool, "store-reevaluate", "--data-dir", store], logs,
                            f"reevaluate-{name}", work / f"reevaluate-{name}.json")
            row.update(json.loads((work / f"reevaluate-{name}.json").read_text()))
            res[name] = row
        except (StepFailed, OSError, subprocess.TimeoutExpired, ValueError) as e:
            log(f"re-evaluation ({name}) FAILED: {e}")
            res[name] = {"failed": str(e)}
    if "wall_s" in res.get("again", {}):
        try:
            res["background"] = background_part(build, data, work / "background", store)
        except (StepFailed, OSError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
            log(f"background re-evaluation FAILED: {e}")
            res["background"] = {"failed": str(e)}
    shutil.rmtree(store, ignore_errors=True)
    log("re-match: the library alone (vulnbench match)")
    try:
        row = run_timed([tool, "match", "--releases", data / "sbom" / "releases.json",
                         data / "nvd", data / "osv", data / "cve5"], logs, "library-match",
                        work / "library-match.json")
        got = json.loads((work / "library-match.json").read_text())
        got.pop("problems", None)
        row.update(got)
        res["library"] = row
    except (StepFailed, OSError, subprocess.TimeoutExpired, ValueError) as e:
        log(f"library match FAILED: {e}")
        res["library"] = {"failed": str(e)}
    return res


BACKGROUND_FILES = 10


def background_part(build, data, work, store):
    """medfwd on the store of the full re-match (every record, every release SBOM, findings
    evaluated): BACKGROUND_FILES NVD pages whose records all changed (a later
    lastModified) imported one after the other, as `medfw vuln import DIR` sends them.
    Each answer comes when the file is stored; the worker evaluates them together."""
    work.mkdir(parents=True)
    pages = sorted((data / "nvd").glob("*.json"))[:BACKGROUND_FILES]
    files = []
    for i, f in enumerate(pages):
        doc = json.loads(f.read_text())
        for v in doc["vulnerabilities"]:
            v["cve"]["lastModified"] = "2030-01-%02dT00:00:00.000" % (i + 1)
        g = work / f"changed-{f.name}"
        g.write_text(json.dumps(doc))
        files.append(g)
    log(f"background: medfwd on the re-match store, {len(files)} changed NVD pages")
    srv = Medfwd(build, work, data=store)
    out = {"files": len(files), "bytes": sum(g.stat().st_size for g in files)}
    try:
        srv.login()
        before = srv.evaluation()
        if before["state"] != "idle" or before["evaluated_generation"] != before["generation"]:
            raise StepFailed(f"the store was not evaluated: {before}")
        answers, updated, generation = [], 0, -1
        t0 = time.monotonic()
        for g in files:
            t = time.monotonic()
            st, body, _ = srv.call("POST", f"/api/v1/vulnerabilities/import?name={g.name}",
                                   g.read_bytes(), {"Content-Type": "application/json"}, raw=True)
            answers.append(time.monotonic() - t)
            if st != 200:
                raise StepFailed(f"import of {g.name}: {st} {body}")
            updated += body["updated"]
            generation = max(generation, body["evaluation"]["generation"])
        out["answered_s"] = time.monotonic() - t0
        state = srv.wait_evaluated(generation)
        out["findings_s"] = time.monotonic() - t0
        out["answer_max_s"] = max(answers)
        out["answer_median_s"] = sorted(answers)[len(answers) // 2]
        out["updated"] = updated
        out["evaluations"] = state["evaluations"] - before["evaluations"]
        last = state["last"]
        if not last["ok"]:
            raise StepFailed(f"the evaluation failed: {last['error']}")
        out["last"] = {k: last["statistics"][k] for k in ("records", "releases", "findings",
                                                          "inserted", "updated",
                                                          "status_changes", "milliseconds")}
        out["detail"] = last["detail"][:200]
        out["server_rss_kib"] = proc_hwm_kib(srv.proc.pid)
        log(f"  answered in {out['answered_s']:.1f} s, findings after {out['findings_s']:.1f} s, "
            f"{out['evaluations']} evaluation(s)")
    finally:
        srv.stop()
    for g in files:
        g.unlink()
    return out


def measure(build, out, work):
    build = Path(build).resolve()
    work = Path(work)
    (work / "logs").mkdir(parents=True, exist_ok=True)
    records = env_int("BENCH_VULN_RECORDS", 200000)
    releases = env_int("BENCH_VULN_RELEASES", 200)
    components = env_int("BENCH_VULN_COMPONENTS", 5000)
    reps = env_int("BENCH_VULN_REPS", env_int("BENCH_REPS", 3))
    doc = {"machine": machine(), "load_before": loadavg(),
           "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "command": os.environ.get("BENCH_VULN_COMMAND",
                                     f"bench/vuln.py {sys.argv[2] if len(sys.argv) > 2 else ''}"),
           "git": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                 capture_output=True, text=True).stdout.strip(),
           "scale": {"records": records, "releases": releases, "components": components},
           "reps": reps}
    t_start = time.monotonic()
    try:
        for t in ("vulnbench", "medfwd"):
            if not (build / t).is_file():
                raise StepFailed(f"{build / t} is not built")
        need = 1536 * records // 200000 + 1024
        have = mem_available_mib()
        if have < need:
            raise StepFailed(f"needs about {need} MiB of free memory, {have} MiB available")
        need = 5120 * records // 200000 + 512
        have = shutil.disk_usage(work).free // (1024 * 1024)
        if have < need:
            raise StepFailed(f"needs about {need} MiB of free disk in {work}, {have} MiB free")
        data = work / "data"
        log(f"generating {records} records and {releases} x {components} SBOM components")
        t0 = time.monotonic()
        doc["dataset"] = generate(data, records, releases, components)
        doc["generate_s"] = round(time.monotonic() - t0, 1)
        doc["import"] = import_part(build, data, work, reps)
        doc["rematch"] = rematch_part(build, data, work)
    except (StepFailed, OSError, subprocess.TimeoutExpired) as e:
        log(f"FAILED: {e}")
        doc["failed"] = str(e)
    doc["elapsed_s"] = round(time.monotonic() - t_start)
    doc["load_after"] = loadavg()
    Path(out).write_text(json.dumps(doc, indent=1))
    return doc


# ------------------------------------------------------------------ the section

def mb_s(nbytes, wall):
    return nbytes / MB / wall if wall else 0.0


def fmt_s(x):
    return f"{x:.1f} s" if x >= 10 else f"{x:.2f} s"


def fmt_mib(kib):
    return f"{kib / 1024:,.0f} MiB" if kib is not None else "?"


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "—"


def import_table(imp, reps):
    lines = ["| data | step | wall | MB/s | × json.load | × jq | × sha256sum | × cat | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|"]
    notes, heads = [], []
    for fmt in ("nvd", "osv"):
        r = imp.get(fmt)
        if r is None:
            continue
        size = r["bytes"]
        speed = {k: mb_s(size, v["wall_s"]) for k, v in r["rows"].items() if "wall_s" in v}
        ref = (speed.get("python3 json.load"), speed.get("jq empty"), speed.get("sha256sum"),
               speed.get("cat"))
        what = {"nvd": "NVD", "osv": "OSV"}[fmt]
        heads.append(f"{what}: {r['files']} {r['label']}, {size / MB:,.1f} MB, "
                     f"{r['records']:,} records.")

        def row(step, wall, rss, note=""):
            s = mb_s(size, wall)
            return (f"| {what} | {step}{note} | {fmt_s(wall)} | {s:,.1f} | {ratio(s, ref[0])} | "
                    f"{ratio(s, ref[1])} | {ratio(s, ref[2])} | {ratio(s, ref[3])} | {rss} |")
        for step in ("cat", "sha256sum", "python3 json.load", "jq empty", "library loader"):
            v = r["rows"].get(step)
            if v is None:
                continue
            label = {"library loader": "library loader (`vulnbench load`, medfw_feed_set_load)",
                     "cat": "`cat` (I/O floor)", "sha256sum": "`sha256sum`",
                     "python3 json.load": "`python3` json.load (JSON parsing)",
                     "jq empty": "`jq empty` (JSON parsing)"}[step]
            if "failed" in v:
                lines.append(f"| {what} | {label} | FAILED: {v['failed']} | | | | | | |")
                continue
            lines.append(row(label, v["wall_s"], fmt_mib(v["rss_kib"]),
                             f" — {v['note']}" if v.get("note") else ""))
        srv = r.get("server", {})
        if "failed" in srv:
            lines.append(f"| {what} | medfwd import | FAILED: {srv['failed']} | | | | | | |")
            continue
        for rnd, label in (("first", "medfwd `POST /api/v1/vulnerabilities/import`, each file"),
                           ("again", "the same again (must change nothing)")):
            v = srv[rnd]
            lines.append(row(label, v["wall_s"], fmt_mib(srv.get("server_rss_kib"))))
            for p in v["problems"]:
                notes.append(f"PROBLEM ({what}, {rnd}): {p}")
        f, a = srv["first"], srv["again"]
        notes.append(f"{what}: medfwd added {f['added']:,} records ({f['rejected']} rejected), "
                     f"CPU {f['server_cpu_s']:.1f} s; again: {a['unchanged']:,} unchanged, "
                     f"{a['added']} added, {a['updated']} updated, {a['evaluations']} re-evaluations "
                     f"queued, CPU {a['server_cpu_s']:.1f} s; first round: {f['evaluations']} "
                     f"re-evaluations queued, {f.get('evaluations_run', '?')} run.")
    return heads, lines, notes


def counts(c):
    return (f"{c.get('affected', 0):,} / {c.get('not_affected', 0):,} / "
            f"{c.get('undetermined', 0):,} / {c.get('fixed', 0) + c.get('under_investigation', 0):,}")


def rematch_table(rm):
    lines = ["| run | wall | load / index / match / write | peak RSS | findings: affected / "
             "not affected / undetermined / fixed + under investigation | written |",
             "|---|---|---|---|---|---|"]
    for name, label in (("first", "medfwd store: `medfw_store_vuln_reevaluate`, first evaluation"),
                        ("again", "medfwd store: the same again, nothing changed")):
        v = rm.get(name, {"failed": "not run"})
        if "failed" in v:
            lines.append(f"| {label} | FAILED: {v['failed']} | | | | |")
            continue
        lines.append(f"| {label} | {fmt_s(v['wall_s'])} | {v['ms_load'] / 1e3:.1f} / "
                     f"{v['ms_index'] / 1e3:.1f} / {v['ms_match'] / 1e3:.1f} / "
                     f"{v['ms_write'] / 1e3:.1f} s | {fmt_mib(v['rss_kib'])} | {counts(v['stored'])} "
                     f"| {v['inserted']:,} new, {v['updated']:,} changed, "
                     f"{v['status_changes']:,} history events |")
    v = rm.get("library", {"failed": "not run"})
    if "failed" in v:
        lines.append(f"| library alone (floor) | FAILED: {v['failed']} | | | | |")
    else:
        lines.append(f"| library alone (floor): feed files → feed set, index, `medfw_vuln_match` "
                     f"per release | {fmt_s(v['wall_s'])} | {v['load_s']:.1f} / {v['index_s']:.1f} / "
                     f"{v['match_s'] + v['sbom_parse_s']:.1f} / — s | {fmt_mib(v['rss_kib'])} | "
                     f"{counts(v['by_status'])} | — |")
    return lines


def section(doc):
    if doc is None:
        return (f"{BEGIN}\n## Vulnerability feeds: import and full re-match\n\n"
                f"Not measured in this run.\n{END}\n")
    m = doc["machine"]
    lines = [BEGIN, "## Vulnerability feeds: import and full re-match", "",
             f"Measured {doc['date']} at {doc['git']} on {m['cpu']} ({m['cores']} cores, "
             f"{m['memory']}), {m['kernel']}, in {doc.get('elapsed_s', '?')} s. Load average "
             f"(1/5/15 min) before: {doc['load_before']}, after: {doc['load_after']}: these cores "
             "are shared with other engineers' builds and tests, so every wall time here is an "
             "upper bound. Command: `" + doc["command"] + "`.", ""]
    if "failed" in doc and "dataset" not in doc:
        lines += [f"FAILED: {doc['failed']}", END]
        return "\n".join(lines) + "\n"
    d = doc["dataset"]
    sb = d["sboms"]
    t = d["templates"]
    lines += [
        f"**Data** (`bench/vuln.py`, {doc.get('generate_s', '?')} s to write). "
        f"{sum(d['records'].values()):,} records scaled up from the "
        f"{sum(t.values())} real ones in testdata ({t['nvd']} NVD, {t['osv']} OSV, {t['cve5']} "
        "CVE 5 records): copy k of a record gets new ids (a CVE id keeps its year and number "
        "and gets k as six more digits, CVE-2022-0778 → CVE-2022-0778000012; any other id gets "
        "`-k`; aliases are rewritten the same way, so a copy's ids still join) and every "
        "product or package name it is about becomes the variant `NAME_vJ` (J = k mod V, "
        f"V = {d['variants']['nvd']} / {d['variants']['osv']} / {d['variants']['cve5']} for "
        "NVD / OSV / CVE 5: at most two copies of a record per variant; J = 0 keeps the real "
        "name); ranges, versions, dates and scores stay the real ones. "
        f"NVD: {d['records']['nvd']:,} records in {d['files']['nvd']} API pages of 2,000 "
        f"({d['bytes']['nvd'] / MB:,.0f} MB); OSV: {d['records']['osv']:,} records in "
        f"{d['files']['osv']} arrays of 2,000 ({d['bytes']['osv'] / MB:,.0f} MB); CVE 5: "
        f"{d['records']['cve5']:,} records, one file each ({d['bytes']['cve5'] / MB:,.0f} MB). "
        f"Release SBOMs (CycloneDX 1.6, {sb['bytes'] / MB:,.0f} MB): {sb['releases']} releases "
        f"of {sb['models']} models, {sb['components']:,} components each: "
        f"{sb['from_records'] * 100 // sb['components']} % made from the products the records "
        f"name ({sb['record_bases']}, with the versions the records give: one in range, the fixed "
        f"one), the others from the {sb['sbom_bases']} components of the real SBOMs in testdata "
        "(the medical-device SBOM, the Buildroot Raspberry Pi image and Laird SOM60 manifest "
        "joined by package, the CycloneDX and SPDX examples); each is used as several variants "
        "with the same renaming, and each later release of a model replaces 5 % more of its "
        "components by other variants.", ""]
    if "import" in doc:
        heads, tbl, notes = import_table(doc["import"], doc["reps"])
        lines += ["### Import throughput", "",
                  f"Wall time: median of {doc['reps']} run{'s' if doc['reps'] != 1 else ''}, warm page cache; MB/s over the bytes "
                  "of the files; × columns: ratio of that MB/s to the reference's on the same bytes "
                  "in the same run (`python3` json.load and `jq empty`: this machine's JSON "
                  "parsing; `sha256sum` and `cat`: the I/O floor). The library loader parses and "
                  "checks every record into a feed set. medfwd (release build, SQLite, its own "
                  "data dir, no release stored) gets one file per request over one keep-alive "
                  "connection, in turn: it cuts each record out of the file, compares it with the "
                  "stored one by (format, id) and modified date, stores it zstd-compressed, and "
                  "queues a re-evaluation when something was added (`vuln_eval_delay = 0s`: "
                  "the worker evaluates beside the imports; the wall includes waiting for the "
                  "last evaluation; without releases it is a count); "
                  "once, then the same files again. Peak RSS: GNU time `%M`; medfwd: `VmHWM` at "
                  "the end (both rounds).", ""] + [f"- {h}" for h in heads] + [""] + tbl + [""]
        lines += [f"- {n}" for n in notes] + [""]
    rm = doc.get("rematch")
    if rm:
        lines += ["### Full re-match", "",
                  f"Every stored record against every release: {doc['scale']['records']:,} "
                  f"records, {doc['scale']['releases']} releases × "
                  f"{doc['scale']['components']:,} components. medfwd's store (SQLite, set up "
                  "with `vulnbench store-import` and `store-sboms`, i.e. medfw_store_vuln_import "
                  "per file and medfw_store_release_sbom_put per release) re-evaluated with "
                  "`vulnbench store-reevaluate` (medfw_store_vuln_reevaluate, what medfwd runs "
                  "after an import, an SBOM upload or a VEX change), each run in its own process: "
                  "the first evaluation writes every finding and its history, the second finds "
                  "nothing changed. The floor: the library alone (`vulnbench match`): the feed "
                  "files into a feed set, the index, `medfw_vuln_match` of each release's SBOM in "
                  "turn; no store, no finding JSON. Wall: once each; peak RSS: GNU time `%M`.",
                  ""] + rematch_table(rm) + [""]
        first, lib = rm.get("first", {}), rm.get("library", {})
        if "wall_s" in first and "wall_s" in lib:
            agree = all(first["stored"].get(k, 0) == lib["by_status"].get(k, 0)
                        for k in ("affected", "not_affected", "undetermined", "fixed",
                                  "under_investigation"))
            lines.append(f"- Store against the floor: wall {first['wall_s'] / lib['wall_s']:.2f}×, "
                         f"peak RSS {first['rss_kib'] / lib['rss_kib']:.2f}×. Findings by status "
                         f"{'agree' if agree else 'DISAGREE'} between the store and the library "
                         f"({first['findings']:,} findings from {first['components']:,} component "
                         f"matches, {first['evaluations']:,} evaluator calls; "
                         f"{lib['components_with_findings']:,} components "
                         f"({100 * lib['components_with_findings'] / max(1, lib['components']):.1f} "
                         "%) have at least one finding).")
        again = rm.get("again", {})
        if "wall_s" in again and "wall_s" in first:
            lines.append(f"- Nothing changed: {again['wall_s']:.0f} s, of which reading and "
                         f"parsing the stored records {again['ms_load'] / 1e3:.0f} s: the least "
                         "an evaluation costs while releases are stored (medfwd runs them in the "
                         "background, changes that come together in one evaluation: below).")
        if "setup_import" in rm:
            si, ss = rm["setup_import"], rm["setup_sboms"]
            lines.append(f"- Setup, not measured as such: {si['added']:,} records stored in "
                         f"{si['wall_s']:.0f} s ({mb_s(si['bytes'], si['wall_s']):.1f} MB/s through "
                         f"medfw_store_vuln_import, {si['rejected']} rejected); {ss['releases']} "
                         f"SBOMs stored in {ss['wall_s']:.0f} s.")
        bg = rm.get("background")
        if bg is not None:
            lines += ["", "### Re-evaluation in the background (medfwd)", "",
                      "medfwd (release build) started on the store above (every record, every "
                      "release SBOM, its findings evaluated), then "
                      f"{bg.get('files', BACKGROUND_FILES)} NVD pages of the data set in which every "
                      "record changed (a later `lastModified`) are imported one after the other, "
                      "as `medfw vuln import DIR` sends them: each request is answered when the "
                      "file is stored; the re-evaluation worker (default `vuln_eval_delay` 2 s) "
                      "evaluates the changes together. *Findings*: from the first request until "
                      "`GET /api/v1/vulnerabilities/evaluation` shows them evaluated. Compared "
                      "with an evaluation inside each request (what medfwd did before: one full "
                      "evaluation per file, each at least the 'nothing changed' evaluation "
                      "measured above in this run).", ""]
            if "failed" in bg:
                lines.append(f"FAILED: {bg['failed']}")
            else:
                ms = bg["last"]["milliseconds"]
                inline = bg["files"] * again.get("wall_s", 0)
                lines += [
                    "| files | records updated | answers (median / max) | all answered | "
                    "findings | evaluations | inline: files × one evaluation | findings / inline "
                    "| medfwd peak RSS |",
                    "|---|---|---|---|---|---|---|---|---|",
                    f"| {bg['files']} ({bg['bytes'] / MB:,.0f} MB) | {bg['updated']:,} | "
                    f"{bg['answer_median_s']:.2f} s / {bg['answer_max_s']:.2f} s | "
                    f"{fmt_s(bg['answered_s'])} | {fmt_s(bg['findings_s'])} | {bg['evaluations']} | "
                    f"≥ {inline:,.0f} s | {ratio(bg['findings_s'], inline)} | "
                    f"{fmt_mib(bg['server_rss_kib'])} |", "",
                    f"- The evaluation: {bg['last']['records']:,} records, "
                    f"{bg['last']['releases']} releases, {bg['last']['findings']:,} findings "
                    f"({bg['last']['inserted']:,} new, {bg['last']['updated']:,} changed, "
                    f"{bg['last']['status_changes']:,} status changes); load / index / match / "
                    f"write / exposures {ms['load'] / 1e3:.1f} / {ms['index'] / 1e3:.1f} / "
                    f"{ms['match'] / 1e3:.1f} / {ms['write'] / 1e3:.1f} / "
                    f"{ms['exposures'] / 1e3:.1f} s. Its history detail: "
                    f"\"{bg['detail']}...\""]
        lines.append("")
    if "failed" in doc:
        lines += [f"FAILED: {doc['failed']}", ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def update(result_path, md_path):
    update_section(result_path, md_path, section, BEGIN_PREFIX, END)


def generate_command(argv):
    if len(argv) == 3 and argv[0] == "generate":
        print(json.dumps(generate(Path(argv[2]), env_int("BENCH_VULN_RECORDS", 200000),
                                  env_int("BENCH_VULN_RELEASES", 200),
                                  env_int("BENCH_VULN_COMPONENTS", 5000)), indent=1))
        return 0
    return None


def keep_logs(work, out):
    keep = Path(os.environ.get("BENCH_WORKDIR", str(ROOT / "bench" / "out"))) / "last-vuln-logs"
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(work / "logs", keep, dirs_exist_ok=True)
    shutil.copy(out, keep / "vuln.json")


def main(argv):
    return bench_main(argv, name="vuln", doc=__doc__, measure=measure, update=update,
                      keep=keep_logs, extra=generate_command,
                      work_base=str(ROOT / "bench" / "out"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
