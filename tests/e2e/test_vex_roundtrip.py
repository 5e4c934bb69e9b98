"""VEX round trip (docs/advisories.md, "Round trip"): what `medfw vuln advisory --profile
vex` writes is read back by `medfw vuln match --vex` and by medfwd's
`POST /api/v1/vulnerabilities/vex`, and changes the findings exactly as the advisory says.

Ten firmware releases of one pump (SBOMs whose components real NVD records are about,
the firmware itself named by the purl the advisory gives the release), a CycloneDX VEX
document with one statement of every kind per release (BOM-Links), the CISA KEV subset.
The advisory written from those findings has every CSAF product status, every flag medfw
emits, a known_not_affected without a flag (impact statement only) and remediations.
Matched again with only the advisory as VEX, every finding of a release about an
advisory vulnerability has the release's status, flag and impact statement and names
the statement (file, JSON path); everything else is unchanged; an advisory written from
the new findings gives the same product statuses and flags (a fixed point). medfwd,
given the same SBOMs, feeds and CSAF file, changes its findings the same way; posting
the file twice is `unchanged`.

medfw writes CycloneDX VEX nowhere a user can read it (the server's one-statement
documents for API statements are internal and covered by test_vulns_server.py), so
the CSAF VEX profile is the round trip there is."""
import json
import time
from pathlib import Path

import pytest

from agent_fixture import Fleet, agent_notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_repo_server import raw

FEEDS = ["nvd/records", "nvd/pages/cves-2023-page.json",
         "kev/known_exploited_vulnerabilities.subset.json"]
FW_PURL = "pkg:generic/acme/infusion-pump-c-firmware@{}"
CVE_SSL, CVE_XZ, CVE_DANTE = "CVE-2022-0778", "CVE-2024-3094", "CVE-2022-23748"
CVE_BUSYBOX = "CVE-2018-1000500"  # found, but not in the advisory: must stay as it is

# version, openssl, xz, dante in the SBOM, CycloneDX VEX about openssl / CVE-2022-0778
# (state, justification), fixes declared by the release
RELEASES = [
    ("4.0.0", "1.1.1i", "5.6.0", False, None, []),
    ("4.1.0", "1.1.1i", "5.4.6", False, ("false_positive", None), [CVE_XZ]),
    ("4.1.1", "1.1.1i", "5.4.6", False, ("not_affected", "code_not_present"), []),
    ("4.1.2", "1.1.1i", "5.4.6", False, ("not_affected", "code_not_reachable"), []),
    ("4.1.3", "1.1.1i", "5.4.6", False, ("not_affected", "requires_environment"), []),
    ("4.1.4", "1.1.1i", "5.4.6", False, ("not_affected", "protected_at_runtime"), []),
    ("4.1.5", "1.1.1i", "5.4.6", False, ("in_triage", None), []),
    ("4.1.6", "1.1.1i", "5.4.6", False, ("resolved", None), []),
    ("4.2.0", "1.1.1n", "5.4.6", False, None, [CVE_SSL]),
    ("4.2.1", "3.0.13", "5.4.6", True, None, []),
]
# the flag each CycloneDX justification gives (docs/advisories.md, "VEX flags")
FLAGS = {"4.1.0": "component_not_present", "4.1.1": "vulnerable_code_not_present",
         "4.1.2": "vulnerable_code_not_in_execute_path",
         "4.1.3": "vulnerable_code_cannot_be_controlled_by_adversary",
         "4.1.4": "inline_mitigations_already_exist"}
# CSAF product_status list -> the finding status it gives (docs/vuln-matching.md, "VEX")
STATUS = {"known_affected": "affected", "known_not_affected": "not_affected",
          "fixed": "fixed", "under_investigation": "under_investigation"}


def sbom_name(version):
    return f"pump-c-{version}.cdx.json"


def serial(i):
    return f"urn:uuid:{i + 1:08x}-2857-43b8-a10b-e8c03d277d18"


def cpe_component(ref, name, vendor, product, version):
    return {"type": "library", "bom-ref": ref, "name": name, "version": version,
            "cpe": f"cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*"}


def release_sbom(i, version, openssl, xz, dante, purl=True):
    comps = [cpe_component("openssl", "openssl", "openssl", "openssl", openssl),
             cpe_component("xz", "xz", "tukaani", "xz", xz),
             cpe_component("busybox", "busybox", "busybox", "busybox", "1.31.1")]
    if dante:
        comps.append(cpe_component("dante", "dante_application_library", "audinate",
                                   "dante_application_library", "1.2.0"))
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "serialNumber": serial(i),
            "metadata": {"component": dict({"type": "firmware", "bom-ref": "fw",
                                            "name": "Acme Infusion Pump C firmware",
                                            "version": version},
                                           **({"purl": FW_PURL.format(version)} if purl else {}))},
            "components": comps}


# A release of another product that the advisory does not name: nothing changes there.
OTHER_SBOM = {
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
    "serialNumber": "urn:uuid:99999999-2857-43b8-a10b-e8c03d277d18",
    "metadata": {"component": {"type": "firmware", "bom-ref": "fw", "name": "Acme Monitor X",
                               "version": "4.0.0",
                               "purl": "pkg:generic/acme/monitor-x-firmware@4.0.0"}},
    "components": [cpe_component("openssl", "openssl", "openssl", "openssl", "1.1.1i"),
                   cpe_component("dante", "dante_application_library", "audinate",
                                 "dante_application_library", "1.2.0")],
}


def first_vex():
    """The CycloneDX VEX the manufacturer keeps: one statement per release, by BOM-Link."""
    vulns = []
    for i, (_, _, _, _, vex, _) in enumerate(RELEASES):
        if vex is None:
            continue
        state, justification = vex
        analysis = {"state": state, "lastUpdated": "2024-05-01T00:00:00Z"}
        if justification:
            analysis["justification"] = justification
        if state in ("not_affected", "false_positive"):
            analysis["detail"] = f"Reviewed for release {i}."
        vulns.append({"id": CVE_SSL, "analysis": analysis,
                      "affects": [{"ref": f"urn:cdx:{serial(i)[9:]}/1#openssl"}]})
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "vulnerabilities": vulns}


def advisory_input():
    releases = []
    for version, _, _, _, _, fixes in RELEASES:
        r = {"version": version, "sbom": sbom_name(version), "purl": FW_PURL.format(version)}
        if fixes:
            r["fixes"] = fixes
            r["release_date"] = "2024-04-02"
        releases.append(r)
    return {
        "advisory_format": 1,
        "publisher": {"name": "Acme Medical", "namespace": "https://psirt.acme-medical.example"},
        "tracking": {"id": "ACME-VEX-2024-007", "status": "final",
                     "revision_history": [{"number": "1", "date": "2024-06-03T09:00:00Z",
                                           "summary": "Initial release."}]},
        "title": "Acme Infusion Pump C: OpenSSL, XZ Utils and Dante",
        "summary": "Which Acme Infusion Pump C firmware releases are affected.",
        "products": [{"id": "pump-c", "model": "Acme Infusion Pump C",
                      "udi_dis": ["09506000134352"], "releases": releases}],
        "vulnerabilities": [
            {"cve": CVE_SSL, "title": "OpenSSL: infinite loop when parsing certificates",
             "description": "BN_mod_sqrt() loops forever for some inputs.",
             "impact": "A device on the same network can stop the pump's network service.",
             "mitigations": ["Allow TLS connections only from the fleet console."],
             "compensating_controls": ["Monitor the pumps' network availability."],
             "workarounds": ["Disable the pump's TLS server until the update."]},
            {"cve": CVE_XZ, "title": "XZ Utils: malicious code in liblzma",
             "description": "XZ Utils 5.6.0 and 5.6.1 contain a backdoor.",
             "impact": "An attacker could take control of the service shell."},
            {"cve": CVE_DANTE, "title": "Audinate Dante: code execution",
             "description": "The discovery service loads a library from anywhere.",
             "impact": "Code execution on the communication module.",
             "no_fix": {"category": "none_available",
                        "details": "Acme is checking whether the discovery service runs."}},
        ],
    }


def product_map():
    """For SBOMs that do not carry the firmware's purl: our firmware is the advisory's
    product_name branch, each release the product of the same version
    (docs/vuln-matching.md, the product map)."""
    return {"mappings": [{"model": "Acme Infusion Pump C firmware", "vendor": "Acme Medical",
                          "advisory_products": ["Acme Infusion Pump C"]}]}


@pytest.fixture(params=["purl", "product_map"])
def case(tmp_path, request):
    """The SBOMs, VEX and advisory input; the SBOMs name the firmware by the purl the
    advisory gives it, or (product_map) not at all and a product map says which it is."""
    purl = request.param == "purl"
    for i, (version, openssl, xz, dante, _, _) in enumerate(RELEASES):
        (tmp_path / sbom_name(version)).write_text(
            json.dumps(release_sbom(i, version, openssl, xz, dante, purl)))
    if not purl:
        (tmp_path / "map.json").write_text(json.dumps(product_map()))
    (tmp_path / "monitor-x.cdx.json").write_text(json.dumps(OTHER_SBOM))
    (tmp_path / "vex.cdx.json").write_text(json.dumps(first_vex()))
    (tmp_path / "input.json").write_text(json.dumps(advisory_input()))
    return tmp_path


def sbom_files(case):
    return [case / sbom_name(r[0]) for r in RELEASES] + [case / "monitor-x.cdx.json"]


def match(medfw, shared, case, *vex, mapped=False):
    args = []
    for f in sbom_files(case):
        args += ["--sbom", f]
    for f in FEEDS:
        args += ["--feed", shared / "testdata" / f]
    for f in vex:
        args += ["--vex", f]
    if mapped and (case / "map.json").exists():
        args += ["--product-map", case / "map.json"]
    proc = medfw("vuln", "match", *args, "--json", check=1)
    doc = json.loads(proc.stdout)
    assert doc["problems"] == []
    return doc


def write_advisory(medfw, case, findings, out):
    medfw("vuln", "advisory", "--input", case / "input.json", "--findings", findings,
          "--profile", "vex", "--format", "csaf", "--out", out, check=0)
    return json.loads(out.read_text())


def key(f):
    return (Path(f["sbom"]).name, f["component"]["ref"], f["vulnerability"])


def without_priority(f):
    return {k: v for k, v in f.items() if k != "priority"}


def statements(csaf):
    """(vulnerability, product id) -> what the advisory says: status list, JSON path of
    the statement, flag label, impact statement."""
    out = {}
    for vi, v in enumerate(csaf["vulnerabilities"]):
        vid = v.get("cve") or v["ids"][0]["text"]
        for name in STATUS:
            for k, pid in enumerate(v["product_status"].get(name, [])):
                flags = [f["label"] for f in v.get("flags", []) if pid in f["product_ids"]]
                impacts = [t["details"] for t in v.get("threats", [])
                           if t["category"] == "impact" and pid in t.get("product_ids", [])]
                assert len(flags) <= 1 and len(impacts) <= 1, (vid, pid, flags, impacts)
                cats = []
                for r in v.get("remediations", []):
                    if pid in r["product_ids"] and r["category"] not in cats:
                        cats.append(r["category"])
                out[(vid, pid)] = {
                    "list": name,
                    "json_path": f"vulnerabilities[{vi}].product_status.{name}[{k}]",
                    "flag": flags[0] if flags else None,
                    "detail": impacts[0] if impacts else None,
                    "response": ", ".join(cats) or None}
    return out


def product_of(sbom):
    """The advisory product id of a release's SBOM file name; None for other SBOMs."""
    for version, *_ in RELEASES:
        if sbom == sbom_name(version):
            return f"pump-c:{version}"
    return None


def check_round_trip(before, after, said, csaf_name, scope_of=lambda f: f["vex"]["scope"]):
    """`after` (findings by key) is `before` changed exactly as the advisory `said`."""
    spoken = set()
    for k, f in after.items():
        pid = product_of(k[0])
        st = said.get((k[2], pid)) if pid else None
        if st is None:
            assert k in before, k
            assert without_priority(f) == without_priority(before[k]), k
            continue
        spoken.add((k[2], pid))
        vex = f["vex"]
        assert f["status"] == STATUS[st["list"]], (k, f["status"], st)
        assert vex is not None, k
        assert vex["status"] == f["status"] and vex["state"] == st["list"], k
        assert vex["justification"] == st["flag"], (k, vex)
        assert vex["detail"] == st["detail"], (k, vex)
        assert vex["response"] == st["response"], (k, vex)
        assert vex["json_path"] == st["json_path"], (k, vex)
        assert Path(vex["file"]).name == csaf_name and vex["vulnerability"] == k[2]
        assert vex["timestamp"] == "2024-06-03T09:00:00Z"
        if k in before:
            assert scope_of(f) == "product", k  # a statement about the release
        else:
            # a statement that the firmware itself is affected / under investigation
            assert k[1] == "fw" and scope_of(f) == "component", k
            assert f["status"] in ("affected", "under_investigation") and not f["evidence"]
    assert set(before) <= set(after)
    assert spoken == set(said), set(said) - spoken  # every statement came back


def test_cli_round_trip(medfw, shared, case):
    first = match(medfw, shared, case, case / "vex.cdx.json")
    (case / "findings.json").write_text(json.dumps(first))
    csaf = write_advisory(medfw, case, case / "findings.json", case / "acme-vex.json")
    assert csaf["document"]["category"] == "csaf_vex"
    said = statements(csaf)
    # the advisory says every kind of thing the input allows
    assert {s["list"] for s in said.values()} == set(STATUS)
    assert {s["flag"] for s in said.values() if s["flag"]} == set(FLAGS.values())
    assert {v: said[(CVE_SSL, f"pump-c:{v}")]["flag"] for v in FLAGS} == FLAGS
    assert said[(CVE_SSL, "pump-c:4.2.1")]["flag"] is None  # the feed: out of range
    assert said[(CVE_SSL, "pump-c:4.2.1")]["detail"].startswith("Not affected: openssl 3.0.13")
    assert said[(CVE_SSL, "pump-c:4.1.6")]["list"] == "fixed"          # VEX resolved
    assert said[(CVE_SSL, "pump-c:4.2.0")]["list"] == "fixed"          # declared fix
    assert said[(CVE_SSL, "pump-c:4.1.5")]["list"] == "under_investigation"  # in_triage
    assert said[(CVE_DANTE, "pump-c:4.2.1")]["list"] == "under_investigation"  # undetermined
    affected = said[(CVE_SSL, "pump-c:4.0.0")]
    assert affected["list"] == "known_affected"
    assert affected["response"] == "vendor_fix, mitigation, workaround"
    assert (CVE_XZ, "pump-c:4.0.0") in said and (CVE_BUSYBOX, "pump-c:4.0.0") not in said

    second = match(medfw, shared, case, case / "acme-vex.json", mapped=True)
    before = {key(f): f for f in first["findings"]}
    after = {key(f): f for f in second["findings"]}
    assert len(after) == len(second["findings"])
    check_round_trip(before, after, said, "acme-vex.json")
    # the parts the advisory does not speak about
    assert after[("monitor-x.cdx.json", "openssl", CVE_SSL)]["status"] == "affected"
    assert after[("monitor-x.cdx.json", "openssl", CVE_SSL)]["vex"] is None
    assert after[("pump-c-4.0.0.cdx.json", "busybox", CVE_BUSYBOX)]["vex"] is None

    # a fixed point: the advisory of the new findings says the same
    (case / "findings2.json").write_text(json.dumps(second))
    again = write_advisory(medfw, case, case / "findings2.json", case / "again.json")
    assert ({k: (s["list"], s["flag"]) for k, s in statements(again).items()} ==
            {k: (s["list"], s["flag"]) for k, s in said.items()})


# ----------------------------------------------------------------------------- medfwd

def wait_evaluated(client, answer):
    """Wait for medfwd's background re-evaluation of the change `answer` queued
    (evaluation {queued, generation}): poll GET /api/v1/vulnerabilities/evaluation until
    evaluated_generation >= generation, at most 60 s. An answer that queued nothing
    (evaluation null) returns at once."""
    ev = answer.get("evaluation")
    if ev is None:
        return
    assert ev["queued"] is True, ev
    deadline = time.monotonic() + 60
    while True:
        status, _, body = client.call("GET", "/api/v1/vulnerabilities/evaluation")
        assert status == 200, body
        assert body["last"] is None or body["last"]["ok"], body["last"]
        if body["evaluated_generation"] >= ev["generation"]:
            return
        assert time.monotonic() < deadline, f"evaluation {ev} not done after 60 s: {body}"
        time.sleep(0.2)


def target(version):
    return f"pump/fw-{version}.img"


OTHER_TARGET = "monitor/fw-4.0.0.img"


def server_findings(c, releases):
    """Every finding of the releases, keyed as the CLI's: (SBOM file, component, vuln)."""
    out = {}
    for release, sbom in releases.items():
        status, _, body = c.call(
            "GET", f"/api/v1/vulnerabilities/findings?limit=1000&release={release}")
        assert status == 200, body
        assert body["total"] == len(body["findings"])
        for f in body["findings"]:
            k = (sbom, f["component"]["ref"], f["vulnerability"])
            assert k not in out, k
            out[k] = f
    return out


def comparable(f):
    """What the server and the CLI both say about a finding."""
    vex = f["vex"] and {k: v for k, v in f["vex"].items() if k != "file"}
    return (f["status"], f["sources_outcome"], vex,
            [(e["record"], e["outcome"], e["comparison"]) for e in f["evidence"]])


def test_server_round_trip(medfwd_server, medfw, shared, case, tmp_path):
    # the advisory, as the CLI test writes it
    first = match(medfw, shared, case, case / "vex.cdx.json")
    (case / "findings.json").write_text(json.dumps(first))
    csaf_path = case / "acme-vex.json"
    csaf = write_advisory(medfw, case, case / "findings.json", csaf_path)
    said = statements(csaf)
    cli_after = {key(f): f for f in match(medfw, shared, case, csaf_path, mapped=True)["findings"]}

    images = {target(r[0]): (f"firmware {r[0]}\n".encode() * 50,
                             agent_notice(product_version=r[0])) for r in RELEASES}
    images[OTHER_TARGET] = (b"monitor 4.0.0\n" * 50, agent_notice(product_version="4.0.0"))
    (tmp_path / "fleet").mkdir()
    fleet = Fleet(medfwd_server(), medfw, tmp_path / "fleet", images)
    c, t = fleet.c, fleet.t
    # every input first; the server evaluates them together (one wait at the end)
    last = None
    for f in FEEDS:
        p = shared / "testdata" / f
        for path in sorted(p.glob("*.json")) if p.is_dir() else [p]:
            status, _, body = raw(t, "POST", f"/api/v1/vulnerabilities/import?name={path.name}",
                                  path.read_bytes(), "application/json")
            assert status == 200 and body["rejected"] == 0, (path, body)
            last = body if body["evaluation"] is not None else last
    releases = {target(r[0]): sbom_name(r[0]) for r in RELEASES}
    releases[OTHER_TARGET] = "monitor-x.cdx.json"
    for release, sbom in releases.items():
        status, _, body = raw(t, "PUT", f"/api/v1/releases/{release}/sbom",
                              (case / sbom).read_bytes(), "application/json")
        assert status == 201, body
        last = body
    if (case / "map.json").exists():
        status, _, body = raw(t, "PUT", "/api/v1/vulnerabilities/product-map?name=map.json",
                              (case / "map.json").read_bytes(), "application/json")
        assert status in (200, 201), body
        last = body
    wait_evaluated(c, last)
    before = server_findings(c, releases)
    # without VEX the server finds what the CLI finds without VEX
    plain = {key(f): f for f in match(medfw, shared, case)["findings"]}
    assert set(before) == set(plain)
    assert all(comparable(before[k]) == comparable(plain[k]) for k in plain)

    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/vex?name=acme-vex.json",
                          csaf_path.read_bytes(), "application/json")
    assert status == 201, body
    assert body["statements"] == len(said)
    wait_evaluated(c, body)
    after = server_findings(c, releases)
    check_round_trip(before, after, said, "acme-vex.json")
    # the same change as on the command line, statement for statement
    assert set(after) == set(cli_after)
    for k, f in after.items():
        assert comparable(f) == comparable(cli_after[k]), k
        assert f["vex_applied"] is (f["vex"] is not None)

    # the same file again changes nothing
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/vex?name=acme-vex.json",
                          csaf_path.read_bytes(), "application/json")
    assert status == 200 and body["unchanged"] is True and body["evaluation"] is None, body
    wait_evaluated(c, body)
    again = server_findings(c, releases)
    assert {k: (f["status"], f["vex"], f["last_changed"]) for k, f in again.items()} == \
        {k: (f["status"], f["vex"], f["last_changed"]) for k, f in after.items()}
