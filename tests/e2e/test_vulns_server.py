"""Vulnerability management on medfwd (docs/vulnerabilities.md) end to end: the real feeds
of testdata imported through the API, release SBOMs uploaded for releases published to
the server (one checked against its signed SBOM target), findings with evidence, KEV and
fixed_by, a VEX statement and a VEX file changing findings (their history says why),
devices showing the findings of the release they run and their SBOM, importing the same
feed again changing nothing, broken feeds / SBOMs / VEX storing nothing and naming the
JSON path, permissions and site scopes, SLA due dates and overdue (the KEV catalog's due
date; a clock moved 31 days with libfaketime), exposures closed when a site's devices
move to the fixing release, and the report."""
import copy
import hashlib
import json
import os
import re
import time

import pytest

from agent_fixture import HW, Fleet, agent_notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import Device, audit_events, enrolment_token, new_device
from test_people import Client, make_user
from test_repo_server import raw, token_client

OLD, NEW = "pump/fw-1.0.img", "pump/fw-2.0.img"
SBOM_OLD_TARGET, SBOM_NEW_TARGET = "sbom/pump-1.0.cdx.json", "sbom/pump-2.0.cdx.json"
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

SBOM_OLD = {
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
    "serialNumber": "urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18",
    "metadata": {"component": {"type": "firmware", "bom-ref": "product-ABC",
                               "name": "ABC", "version": "1.0"}},
    "components": [
        {"type": "library", "bom-ref": "openssl", "name": "openssl", "version": "1.1.1i",
         "cpe": "cpe:2.3:a:openssl:openssl:1.1.1i:*:*:*:*:*:*:*"},
        {"type": "library", "bom-ref": "xz", "name": "xz", "version": "5.6.0",
         "purl": "pkg:github/tukaani-project/xz@5.6.0",
         "cpe": "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*"},
        {"type": "library", "bom-ref": "dante", "name": "dante_application_library",
         "version": "1.2.0",
         "cpe": "cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*"},
    ],
}
SBOM_NEW = copy.deepcopy(SBOM_OLD)
SBOM_NEW["serialNumber"] = "urn:uuid:0f6b3d52-3a53-4d62-9f5c-3c8f3b8a1e11"
SBOM_NEW["metadata"]["component"]["version"] = "2.0"
SBOM_NEW["components"][0].update(version="3.0.13",
                                 cpe="cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*")
SBOM_NEW["components"][1].update(version="5.6.2", purl="pkg:github/tukaani-project/xz@5.6.2",
                                 cpe="cpe:2.3:a:tukaani:xz:5.6.2:*:*:*:*:*:*:*")
NEW_SBOM_BYTES = json.dumps(SBOM_NEW).encode()

FEEDS = ["nvd/records", "nvd/pages/cves-2023-page.json", "cve5", "csaf/cisa-icsma",
         "kev/known_exploited_vulnerabilities.subset.json"]


def releases():
    return {
        OLD: (b"firmware 1.0\n" * 100, agent_notice(product_version="1.0", security_version=7,
                                                    release_date="2024-01-10",
                                                    sbom_target=SBOM_OLD_TARGET)),
        NEW: (b"firmware 2.0\n" * 100, agent_notice(product_version="2.0", security_version=8,
                                                    release_date="2024-06-01",
                                                    sbom_target=SBOM_NEW_TARGET)),
        # the SBOM of 2.0 is itself a signed target (the notice names it)
        SBOM_NEW_TARGET: (NEW_SBOM_BYTES, agent_notice(product_version="2.0")),
    }


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    return Fleet(medfwd_server("vuln_eval_delay = 0s\n"), medfw, tmp_path, releases())


def feed_files(shared):
    out = []
    for f in FEEDS:
        p = shared / "testdata" / f
        out += sorted(p.glob("*.json")) if p.is_dir() else [p]
    return out


def evaluated(t, body, timeout=60):
    """Wait for medfwd's background re-evaluation of the change `body` answered (its
    "evaluation": queued in a generation) and return that evaluation's statistics."""
    ev = body["evaluation"]
    assert ev["queued"] is True and ev["generation"] >= 1, ev
    deadline = time.monotonic() + timeout
    while True:
        status, _, st = (t.call("GET", "/api/v1/vulnerabilities/evaluation") if hasattr(t, "call")
                         else raw(t, "GET", "/api/v1/vulnerabilities/evaluation"))
        assert status == 200, st
        last = st["last"]
        if last is not None and last["ok"] and last["statistics"]["generation"] >= ev["generation"]:
            assert st["evaluated_generation"] >= ev["generation"], st
            return last["statistics"]
        assert last is None or last["ok"], last
        assert time.monotonic() < deadline, st
        time.sleep(0.05)


def change(t, method, path, data, ctype="application/json"):
    """A request that changes an input; when it queued a re-evaluation, waits for it
    (body["evaluated"]: its statistics)."""
    status, h, body = raw(t, method, path, data, ctype)
    if status in (200, 201) and isinstance(body, dict) and body.get("evaluation") is not None:
        body["evaluated"] = evaluated(t, body)
    return status, h, body


def post(t, path, data, ctype="application/json"):
    return change(t, "POST", path, data, ctype)


def import_feed(t, name, data):
    return post(t, f"/api/v1/vulnerabilities/import?name={name}", data)


def findings(c, release=None, **query):
    q = "&".join([f"release={release}"] * (release is not None) +
                 [f"{k}={v}" for k, v in query.items()])
    status, _, body = c.call("GET", f"/api/v1/vulnerabilities/findings?limit=1000&{q}")
    assert status == 200, body
    return body


def by_key(body):
    return {(f["component"]["ref"], f["vulnerability"]): f for f in body["findings"]}


def sha(data):
    return hashlib.sha256(data).hexdigest()


def device_on(fleet, site, serial, release, c=None):
    rec = new_device(c or fleet.c, site, serial, hardware_id=HW, model="InfuPump 3")
    dev = Device(fleet.server)
    status, resp = dev.enrol(enrolment_token(c or fleet.c, rec["id"]))
    assert status == 200, resp
    checkin(fleet, dev, release)
    return dev


def checkin(fleet, dev, release):
    status, resp = dev.checkin({"firmware_version": fleet.images[release][1]["product_version"],
                                "image_sha256": sha(fleet.images[release][0]),
                                "agent_version": "1.3.0", "clinical_state": "idle"})
    assert status == 200, resp


def report(c, site=None):
    status, _, body = c.call("GET", "/api/v1/reports/vulnerabilities" +
                             (f"?site={site}" if site else ""))
    assert status == 200, body
    return body


def exposure_of(rep, site, vuln):
    s = next(s for s in rep["sites"] if s["site_id"] == site)
    return next((e for e in s["exposures"] if e["vulnerability"] == vuln), None)


def test_vulnerability_management(fleet, shared):
    c, t = fleet.c, fleet.t
    # ---- feeds: the real testdata, one file per request
    total_added = 0
    for path in feed_files(shared):
        status, _, body = import_feed(t, path.name, path.read_bytes())
        assert status == 200, (path, body)
        assert body["rejected"] == 0, body["problems"]
        total_added += body["added"]
    assert total_added == 13 + 200 + 8 + 10 + 1
    status, _, body = import_feed(t, "cves-2023-page.json",
                                  (shared / "testdata/nvd/pages/cves-2023-page.json").read_bytes())
    assert status == 200 and body["added"] == body["updated"] == 0 and body["unchanged"] == 200
    assert body["evaluation"] is None  # nothing changed: no re-evaluation
    assert any(a["detail"]["source"] == "cves-2023-page.json"
               for a in audit_events(c, "vulnerabilities.imported"))

    # ---- SBOMs: 2.0 must be the signed SBOM target's bytes
    status, _, body = change(t, "PUT", f"/api/v1/releases/{NEW}/sbom",
                          json.dumps(SBOM_NEW, indent=1).encode())
    assert status == 422 and body["error"]["code"] == "sbom_mismatch", body
    # (the fleet's commit attached the signed SBOM already: test_sbom_attach.py)
    status, _, body = change(t, "PUT", f"/api/v1/releases/{NEW}/sbom", NEW_SBOM_BYTES)
    assert status == 200 and body["replaced"] is True, body
    assert body["sbom_signed"] is True and body["model"] == "ABC"
    assert body["image_sha256"] == sha(fleet.images[NEW][0])
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom", json.dumps(SBOM_OLD).encode())
    assert status == 201 and body["sbom_signed"] is False, body
    assert body["sbom_target"] == SBOM_OLD_TARGET and body["components"] == 4
    assert body["evaluated"]["releases"] == 2 and body["evaluated"]["findings"] > 0
    # bad SBOMs and releases are refused and change nothing
    bad = copy.deepcopy(SBOM_OLD)
    bad["components"][1]["hashes"] = [{"alg": "SHA-256", "content": "zz"}]
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom", json.dumps(bad).encode())
    assert status == 400 and body["error"]["code"] == "invalid_sbom", body
    assert "components[1].hashes[0]" in body["error"]["message"]
    status, _, body = change(t, "PUT", "/api/v1/releases/pump/nope.img/sbom",
                          json.dumps(SBOM_OLD).encode())
    assert status == 422 and body["error"]["code"] == "unknown_target"
    assert change(t, "PUT", f"/api/v1/releases/{OLD}", b"{}")[0] == 404
    status, h, exported = raw(t, "GET", f"/api/v1/releases/{OLD}/sbom")  # parsed by raw()
    assert status == 200 and h["content-type"].startswith("application/vnd.cyclonedx+json")
    assert exported["specVersion"] == "1.6" and exported["serialNumber"] == SBOM_OLD["serialNumber"]
    assert [x["bom-ref"] for x in exported["components"]] == ["openssl", "xz", "dante"]
    status, _, body = c.call("GET", "/api/v1/releases")
    assert status == 200 and [r["release"] for r in body["releases"]] == [OLD, NEW]

    # ---- findings per release, with evidence, KEV, severity, fixed_by
    old = findings(c, OLD)
    f = by_key(old)
    ssl = f[("openssl", "CVE-2022-0778")]
    assert ssl["status"] == "affected" and ssl["severity_level"] == "high"
    assert ssl["evidence"][0]["source"] == "nvd"
    assert ssl["evidence"][0]["file"] == "CVE-2022-0778.json"
    assert ssl["evidence"][0]["fixed_version"] == "1.1.1n"
    assert "1.1.1i < 1.1.1n" in ssl["evidence"][0]["comparison"]
    assert ssl["fixed_by"] == NEW  # 2.0 ships openssl 3.0.13
    xz = f[("xz", "CVE-2024-3094")]
    assert sorted(e["source"] for e in xz["evidence"]) == ["cve5", "nvd"]
    assert xz["status"] == "affected" and xz["severity_level"] == "critical"
    assert xz["fixed_by"] == NEW
    dante = f[("dante", "CVE-2022-23748")]
    assert dante["status"] == "undetermined" and dante["kev"]["due_date"] == "2025-02-27"
    assert dante["fixed_by"] is None  # 2.0 ships the same version
    assert old["findings"][0]["vulnerability"] == "CVE-2022-23748"  # KEV first
    assert findings(c, OLD, kev="true")["total"] == 1
    assert findings(c, OLD, severity="critical")["total"] >= 1
    assert all(x["status"] == "affected" for x in findings(c, OLD, status="affected")["findings"])
    assert c.call("GET", "/api/v1/vulnerabilities/findings?status=safe")[0] == 400
    new = by_key(findings(c, NEW))
    assert new[("openssl", "CVE-2022-0778")]["status"] == "not_affected"

    # ---- broken feeds store nothing and name the JSON path; a broken record is skipped
    kev = json.loads((shared / "testdata/kev/known_exploited_vulnerabilities.subset.json")
                     .read_bytes())
    kev["vulnerabilities"][3]["dueDate"] = "2025-02-31"
    status, _, body = import_feed(t, "kev.json", json.dumps(kev).encode())
    assert status == 400 and body["error"]["code"] == "invalid_feed", body
    assert "vulnerabilities[3].dueDate" in body["error"]["message"]
    status, _, body = import_feed(t, "x.json", b'{"vulnerabilities": [')
    assert status == 400 and "x.json" in body["error"]["message"]
    page = json.loads((shared / "testdata/nvd/pages/cves-2023-page.json").read_bytes())
    page["vulnerabilities"][5]["cve"]["published"] = "yesterday"
    status, _, body = import_feed(t, "page.json", json.dumps(page).encode())
    assert status == 200 and body["rejected"] == 1 and body["unchanged"] == 199, body
    assert body["problems"][0]["json_path"] == "vulnerabilities[5]"
    assert findings(c, OLD)["total"] == old["total"]
    assert by_key(findings(c, OLD))[("xz", "CVE-2024-3094")]["last_changed"] == xz["last_changed"]

    # ---- a VEX statement suppresses one; the history says why
    statement = {"vulnerability": "CVE-2022-0778", "component": "openssl", "release": OLD,
                 "status": "not_affected", "justification": "code_not_reachable",
                 "detail": "the certificate parser is never given untrusted input",
                 "response": ["will_not_fix"]}
    for edit, field in (({"justification": "trust me"}, "justification"),
                        ({"justification": None}, "justification"),
                        ({"status": "fine"}, "status"), ({"colour": "red"}, "colour"),
                        ({"release": "pump/none.img"}, "release")):
        body = {k: v for k, v in dict(statement, **edit).items() if v is not None}
        if edit.get("justification", 1) is None:
            body.pop("detail")
        status, _, resp = c.call("POST", "/api/v1/vulnerabilities/vex-statements", body)
        assert status in (400, 404) and resp["error"]["field"] == field, (edit, resp)
    assert c.call("GET", "/api/v1/vulnerabilities/vex-statements")[2]["total"] == 0
    status, _, body = c.call("POST", "/api/v1/vulnerabilities/vex-statements", statement)
    assert status == 201, body
    body["evaluated"] = evaluated(c, body)
    assert body["author"] == "root" and body["evaluated"]["status_changes"] == 1
    ssl = by_key(findings(c, OLD))[("openssl", "CVE-2022-0778")]
    assert ssl["status"] == "not_affected" and ssl["vex_applied"] is True
    assert ssl["vex"]["justification"] == "code_not_reachable"
    assert ssl["fixed_by"] is None
    status, _, one = c.call("GET", f"/api/v1/vulnerabilities/findings/{ssl['id']}")
    assert status == 200, one
    hist = one["history"]
    assert [(h["from"], h["to"], h["cause"]) for h in hist] == [
        (None, "affected", "sbom"), ("affected", "not_affected", "vex")]
    assert "code_not_reachable" in hist[1]["detail"] and "by root" in hist[1]["detail"]
    assert audit_events(c, "vex.statement_added")
    # ---- a CycloneDX VEX file: exploitable for dante in every release
    vex = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
           "vulnerabilities": [{"id": "CVE-2022-23748",
                                "analysis": {"state": "exploitable",
                                             "lastUpdated": "2025-03-01T00:00:00Z"},
                                "affects": [{"ref": "dante"}]}]}
    status, _, body = post(t, "/api/v1/vulnerabilities/vex?name=dante.vex.json",
                           json.dumps(vex).encode())
    assert status == 201 and body["statements"] == 1, body
    status, _, body = post(t, "/api/v1/vulnerabilities/vex?name=dante.vex.json",
                           json.dumps(vex).encode())
    assert status == 200 and body["unchanged"] is True and body["evaluation"] is None
    assert by_key(findings(c, NEW))[("dante", "CVE-2022-23748")]["status"] == "affected"
    broken = copy.deepcopy(vex)
    broken["vulnerabilities"][0]["analysis"]["state"] = "maybe"
    status, _, body = post(t, "/api/v1/vulnerabilities/vex?name=b.json",
                           json.dumps(broken).encode())
    assert status == 400 and body["error"]["code"] == "invalid_vex"
    assert "vulnerabilities[0].analysis.state" in body["error"]["message"]

    # ---- devices: site A runs 1.0 on two devices, site B one
    site_a = fleet.site
    site_b = c.call("POST", "/api/v1/sites", {"name": "St. Elsewhere", "time_zone": "UTC"})[2]["id"]
    a1 = device_on(fleet, site_a, "A-1", OLD)
    a2 = device_on(fleet, site_a, "A-2", OLD)
    b1 = device_on(fleet, site_b, "B-1", OLD)
    status, _, body = c.call("GET", f"/api/v1/devices/{a1.id}/findings")
    assert status == 200 and body["release"] == OLD and body["model"] == "ABC", body
    dev = {(x["component"]["ref"], x["vulnerability"]): x for x in body["findings"]}
    xz_exp = dev[("xz", "CVE-2024-3094")]["exposure"]
    assert xz_exp["devices"] == 2 and xz_exp["overdue"] is False
    assert xz_exp["fixed_by"] == NEW
    assert due_days(xz_exp) == 30  # the default policy: critical in 30 days
    kev_exp = dev[("dante", "CVE-2022-23748")]["exposure"]
    assert kev_exp["kev"] is True and kev_exp["due"] == "2025-02-27T23:59:59Z"
    assert kev_exp["overdue"] is True  # CISA's due date has passed
    assert dev[("openssl", "CVE-2022-0778")]["exposure"] is None  # not affected: no exposure
    status, h, data = c.call("GET", f"/api/v1/devices/{a1.id}/sbom")
    assert status == 200
    dsbom = json.loads(data)
    assert dsbom["metadata"]["component"]["type"] == "device"
    assert dsbom["metadata"]["component"]["name"] == "InfuPump 3"
    assert any(x["name"] == "ABC" for x in dsbom["components"])

    # ---- permissions and site scopes
    make_user(c, "b_officer", "security_officer", site_b)
    make_user(c, "b_clinical", "clinical_engineer", site_b)
    make_user(c, "g_auditor", "auditor", 0)
    make_user(c, "g_release", "release_manager", 0)
    ob = Client(fleet.server)
    ob.login("b_officer")
    assert ob.call("GET", f"/api/v1/devices/{a1.id}/findings")[0] == 404
    assert ob.call("GET", f"/api/v1/devices/{b1.id}/findings")[0] == 200
    assert ob.call("GET", f"/api/v1/sites/{site_a}/sla-policy")[0] == 404
    status, _, body = ob.call("POST", "/api/v1/vulnerabilities/vex-statements", statement)
    assert status == 403 and "manufacturer-wide" in body["error"]["message"]
    assert ob.call("POST", "/api/v1/vulnerabilities/import", raw=b"[]")[0] == 403
    assert ob.call("PUT", f"/api/v1/sites/{site_a}/sla-policy", {"high_days": 5})[0] == 404
    rep_b = report(ob)
    assert [s["site_id"] for s in rep_b["sites"]] == [site_b]
    assert ob.call("GET", f"/api/v1/reports/vulnerabilities?site={site_a}")[0] == 404
    assert ob.call("GET", f"/api/v1/vulnerabilities/findings?release={OLD}")[0] == 200
    cb = Client(fleet.server)
    cb.login("b_clinical")
    assert cb.call("PUT", f"/api/v1/sites/{site_b}/sla-policy", {"high_days": 5})[0] == 403
    au = Client(fleet.server)
    au.login("g_auditor")
    assert au.call("POST", "/api/v1/vulnerabilities/import", raw=b"[]")[0] == 403
    assert au.call("GET", "/api/v1/reports/vulnerabilities")[0] == 200
    rm = token_client(fleet.server, "g_release")
    status, _, body = import_feed(rm, "empty.json", b"[]")
    assert status == 200 and body["added"] == 0, body

    # ---- SLA policy of site B, by its own security officer
    status, _, body = ob.call("PUT", f"/api/v1/sites/{site_b}/sla-policy",
                              {"critical_days": 20, "kev_days": 7})
    assert status == 200 and body["critical_days"] == 20 and body["high_days"] == 60, body
    assert body["default"] is False
    assert ob.call("PUT", f"/api/v1/sites/{site_b}/sla-policy", {"low_days": 0})[0] == 400
    b_xz = exposure_of(report(ob), site_b, "CVE-2024-3094")
    assert due_days(b_xz) == 20 and b_xz["overdue"] is False
    assert audit_events(c, "site.sla_policy")

    # ---- the report, then site A's devices move to 2.0: xz closes there
    rep = report(c)
    sa = next(s for s in rep["sites"] if s["site_id"] == site_a)
    assert sa["devices"] == 2 and sa["exposed_devices"] == 2 and sa["kev_open"] == 1
    assert sa["overdue"] == 1 and sa["open"]["critical"] >= 1
    model = next(m for m in rep["models"] if m["model"] == "ABC")
    assert model["devices"] == 3 and model["releases"] == 1 and model["kev_open"] == 1
    checkin(fleet, a1, NEW)
    checkin(fleet, a2, NEW)
    rep = report(c, site_a)
    assert exposure_of(rep, site_a, "CVE-2024-3094") is None
    sa = rep["sites"][0]
    assert sa["closed"] >= 1 and sa["time_to_remediate"]["critical"]["closed"] >= 1
    assert sa["time_to_remediate"]["critical"]["max_days"] < 1
    assert exposure_of(rep, site_a, "CVE-2022-23748")["devices"] == 2  # 2.0 has it too
    status, _, body = c.call("GET", f"/api/v1/devices/{a1.id}/findings")
    assert body["release"] == NEW



@pytest.mark.faketime
def test_overdue_when_the_clock_moves(fleet, shared, medfwd_server):
    """A critical exposure is due in 30 days: 31 days later (medfwd restarted under
    libfaketime, same data) it is overdue; the exposure keeps its first_seen."""
    if not os.path.exists(FAKETIME_LIB):
        pytest.skip("libfaketime is not installed")
    t = fleet.t
    for rel in ("cve5/CVE-2024-3094.json", "nvd/records/CVE-2024-3094.json"):
        status, _, body = import_feed(t, rel.split("/")[-1],
                                      (shared / "testdata" / rel).read_bytes())
        assert status == 200 and body["added"] == 1, body
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom", json.dumps(SBOM_OLD).encode())
    assert status == 201, body
    device_on(fleet, fleet.site, "A-1", OLD)
    xz = exposure_of(report(fleet.c), fleet.site, "CVE-2024-3094")
    assert xz["overdue"] is False and due_days(xz) == 30
    fleet.server.stop()
    os.environ.update(FAKETIME="+31d", LD_PRELOAD=FAKETIME_LIB)
    try:
        later = medfwd_server()
    finally:
        os.environ.pop("FAKETIME")
        os.environ.pop("LD_PRELOAD")
    cl = Client(later)
    cl.login("root")
    rep = report(cl)
    moved = exposure_of(rep, fleet.site, "CVE-2024-3094")
    assert moved["first_seen"] == xz["first_seen"] and moved["due"] == xz["due"]
    assert moved["overdue"] is True
    assert rep["sites"][0]["overdue"] == 1


def due_days(exposure):
    t = [time.mktime(time.strptime(exposure[k], "%Y-%m-%dT%H:%M:%SZ"))
         for k in ("first_seen", "due")]
    return round((t[1] - t[0]) / 86400)


# ---- the product-mapping table

SBOM_MEDICAL = copy.deepcopy(SBOM_OLD)
SBOM_MEDICAL["components"] += [
    {"type": "library", "bom-ref": "dcmtk", "name": "DCMTK", "version": "3.6.6"},
    {"type": "application", "bom-ref": "connex", "name": "Connex Cardio", "version": "1.1.0"}]
MEDICAL_MAP = {"mappings": [
    {"model": "DCMTK", "vendor": "OFFIS", "advisory_products": ["DCMTK"]},
    {"model": "Connex Cardio", "vendor": "Hillrom",
     "advisory_products": ["Welch Allyn Connex Cardio"]}]}
MEDICAL = {("dcmtk", "CVE-2022-2119"), ("dcmtk", "CVE-2022-2120"), ("dcmtk", "CVE-2022-2121"),
           ("connex", "CVE-2021-43935")}


def put_map(t, doc, name="map.json"):
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return change(t, "PUT", f"/api/v1/vulnerabilities/product-map?name={name}", data,
                  "application/json")


def test_product_map(fleet, shared):
    """The CISA medical advisories name products in words: without a product map they
    make no finding for a release whose SBOM ships those products; with one they do
    (evidence says so), and taking the mapping away unmatches them."""
    c, t = fleet.c, fleet.t
    for path in sorted((shared / "testdata/csaf/cisa-icsma").glob("*.json")):
        status, _, body = import_feed(t, path.name, path.read_bytes())
        assert status == 200 and body["added"] == 1, body
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom",
                          json.dumps(SBOM_MEDICAL).encode())
    assert status == 201, body
    assert findings(c, OLD)["total"] == 0
    assert c.call("GET", "/api/v1/vulnerabilities/product-map")[0] == 404

    # refused maps store nothing and name the JSON path
    bad = copy.deepcopy(MEDICAL_MAP)
    bad["mappings"][1]["colour"] = "red"
    status, _, body = put_map(t, bad)
    assert status == 400 and body["error"]["code"] == "invalid_product_map", body
    assert "mappings[1]" in body["error"]["message"] and "colour" in body["error"]["message"]
    status, _, body = put_map(t, b'{"mappings": [')
    assert status == 400 and "map.json" in body["error"]["message"]
    assert put_map(t, b"")[0] == 400
    assert c.call("GET", "/api/v1/vulnerabilities/product-map")[0] == 404

    # with the map: the advisories match, through the mapping
    status, _, body = put_map(t, MEDICAL_MAP)
    assert status == 200 and body["unchanged"] is False and body["entries"] == 2, body
    assert body["source"] == "map.json"
    assert body["evaluated"]["product_map_entries"] == 2
    assert body["evaluated"]["product_map_problems"] == 0
    assert body["evaluated"]["inserted"] == len(MEDICAL)
    got = by_key(findings(c, OLD))
    assert set(got) == MEDICAL
    dcmtk = got[("dcmtk", "CVE-2022-2119")]
    assert dcmtk["status"] == "affected" and dcmtk["severity_level"] == "high"
    ev = dcmtk["evidence"][0]
    assert ev["source"] == "csaf" and ev["file"] == "icsma-22-174-01.json"
    assert 'product mapping "DCMTK" -> DCMTK; 3.6.6 in vers:generic/< 3.6.7' in ev["comparison"]
    assert got[("connex", "CVE-2021-43935")]["status"] == "affected"
    status, _, one = c.call("GET", f"/api/v1/vulnerabilities/findings/{dcmtk['id']}")
    assert [(h["from"], h["to"], h["cause"]) for h in one["history"]] == [
        (None, "affected", "feed")]
    assert one["history"][0]["detail"].startswith("product map map.json by root")
    stored = [a for a in audit_events(c, "vulnerabilities.product_map_stored")]
    assert len(stored) == 1 and stored[0]["detail"]["entries"] == 2

    # read back as uploaded; the same bytes again change nothing
    status, h, body = raw(t, "GET", "/api/v1/vulnerabilities/product-map")
    assert status == 200 and body == MEDICAL_MAP
    assert h["etag"] == '"' + sha(json.dumps(MEDICAL_MAP).encode()) + '"'
    status, _, body = put_map(t, MEDICAL_MAP, "again.json")
    assert status == 200 and body["unchanged"] is True and body["evaluation"] is None
    assert body["source"] == "map.json"
    assert len(audit_events(c, "vulnerabilities.product_map_stored")) == 1

    # who may: reading needs devices.read, changing it vulns.write and no site
    site_b = c.call("POST", "/api/v1/sites", {"name": "St. Elsewhere", "time_zone": "UTC"})[2]["id"]
    make_user(c, "b_officer", "security_officer", site_b)
    make_user(c, "g_auditor", "auditor", 0)
    ob = token_client(fleet.server, "b_officer")
    status, _, body = put_map(ob, MEDICAL_MAP)
    assert status == 403 and "manufacturer-wide" in body["error"]["message"]
    au = token_client(fleet.server, "g_auditor")
    assert raw(au, "GET", "/api/v1/vulnerabilities/product-map")[0] == 200
    assert put_map(au, {"mappings": []})[0] == 403
    assert raw(au, "GET", "/api/v1/vulnerabilities/product-map")[2] == MEDICAL_MAP

    # without the mapping the advisories name nothing of ours: unmatched, history kept
    status, _, body = put_map(t, {"mappings": []}, "none.json")
    assert status == 200 and body["entries"] == 0 and body["evaluated"]["unmatched"] == 4
    assert {k for k, f in by_key(findings(c, OLD)).items()
            if f["status"] == "unmatched"} == MEDICAL
    assert findings(c, OLD, open="true")["total"] == 0


# ---- the background re-evaluation

def evaluation_state(c):
    status, _, st = (c.call("GET", "/api/v1/vulnerabilities/evaluation") if hasattr(c, "call")
                     else raw(c, "GET", "/api/v1/vulnerabilities/evaluation"))
    assert status == 200, st
    return st


def record(shared, name):
    return (shared / "testdata" / "nvd" / "records" / name).read_bytes()


def finding_history(c, release, key):
    f = by_key(findings(c, release))[key]
    status, _, body = c.call("GET", f"/api/v1/vulnerabilities/findings/{f['id']}")
    assert status == 200, body
    return body["history"]


def test_changes_evaluated_together_in_the_background(medfwd_server, medfw, shared, tmp_path):
    """A change is answered as soon as it is stored; changes arriving within
    vuln_eval_delay are evaluated together, once, and the history names each of them.
    Anyone who reads findings sees the worker's state; only manufacturer-wide staff with
    vulns.write ask for a re-evaluation, which is audited."""
    fleet = Fleet(medfwd_server("vuln_eval_delay = 5s\n"), medfw, tmp_path, releases())
    t, c = fleet.t, fleet.c
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom",
                             json.dumps(SBOM_OLD).encode())
    # evaluated together with the SBOM the fleet's commit attached to NEW
    assert status == 201 and body["evaluated"]["releases"] == 2, body
    before = evaluation_state(t)
    assert before["state"] == "idle" and before["pending"] is None
    assert before["evaluated_generation"] == before["generation"]
    assert before["last"]["cause"] == "sbom" and before["last"]["ok"] is True

    names = ["CVE-2022-0778.json", "CVE-2024-3094.json"]
    answers = []
    for n in names:
        status, _, body = raw(t, "POST", f"/api/v1/vulnerabilities/import?name={n}",
                              record(shared, n), "application/json")
        assert status == 200 and body["added"] == 1, body
        assert body["evaluation"]["queued"] is True
        answers.append(body)
    assert answers[1]["evaluation"]["generation"] > answers[0]["evaluation"]["generation"]
    st = evaluation_state(t)
    assert st["state"] == "pending", st  # nothing evaluated yet: 5 s after the last change
    assert st["pending"]["changes"] == 2 and st["pending"]["cause"] == "feed"
    detail = st["pending"]["detail"]
    assert re.fullmatch(r"import of CVE-2022-0778\.json by \S+; "
                        r"import of CVE-2024-3094\.json by \S+", detail), detail
    assert st["evaluated_generation"] < answers[1]["evaluation"]["generation"]
    assert findings(c, OLD)["total"] == 0  # the findings are still the last evaluation's

    stats = evaluated(t, answers[1])
    after = evaluation_state(t)
    assert after["evaluations"] == before["evaluations"] + 1  # both in one evaluation
    assert after["last"]["detail"] == detail and after["last"]["cause"] == "feed"
    assert stats["records"] == 2 and stats["inserted"] >= 2
    for key in (("openssl", "CVE-2022-0778"), ("xz", "CVE-2024-3094")):
        hist = finding_history(c, OLD, key)
        assert hist[0]["cause"] == "feed" and hist[0]["detail"].startswith(detail), hist

    # asking for a re-evaluation: manufacturer-wide staff with vulns.write
    make_user(c, "site_officer", "security_officer", fleet.site)
    so = Client(fleet.server)
    so.login("site_officer")
    assert evaluation_state(so)["evaluations"] == after["evaluations"]
    status, _, body = so.call("POST", "/api/v1/vulnerabilities/evaluation")
    assert status == 403 and "manufacturer-wide" in body["error"]["message"], body
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/evaluation", b"x")
    assert status == 400 and body["error"]["field"] == "body", body
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/evaluation", b"")
    assert status == 202 and body["state"] == "pending", body
    assert body["pending"]["cause"] == "changes"
    assert re.fullmatch(r"re-evaluation asked for by \S+", body["pending"]["detail"]), body
    deadline = time.monotonic() + 60
    while evaluation_state(t)["evaluations"] < after["evaluations"] + 1:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    last = evaluation_state(t)["last"]
    assert last["cause"] == "changes" and last["ok"] is True
    assert last["statistics"]["inserted"] == 0 and last["statistics"]["status_changes"] == 0
    assert len(audit_events(c, "vulnerabilities.reevaluation_requested")) == 1
    status, _, text = fleet.server.request("GET", "/metrics")
    assert f"medfwd_vuln_evaluations_total {after['evaluations'] + 1}" in text.decode()


def test_changes_left_unevaluated_are_evaluated_at_start(medfwd_server, medfw, shared, tmp_path):
    """Changes stored but not evaluated when medfwd stops (here: a delay longer than
    the test) are evaluated when it starts again."""
    srv = medfwd_server("vuln_eval_delay = 300s\n")
    fleet = Fleet(srv, medfw, tmp_path, releases())
    t = fleet.t
    status, _, body = raw(t, "PUT", f"/api/v1/releases/{OLD}/sbom", json.dumps(SBOM_OLD).encode(),
                          "application/json")
    assert status == 201 and body["evaluation"]["queued"] is True, body
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/import?name=r.json",
                          record(shared, "CVE-2022-0778.json"), "application/json")
    assert status == 200 and body["added"] == 1, body
    st = evaluation_state(t)
    # NEW's SBOM attached by the fleet's commit, OLD's uploaded, a feed
    assert st["state"] == "pending" and st["pending"]["changes"] == 3
    assert st["pending"]["cause"] == "changes"  # SBOMs and a feed: two kinds
    assert st["evaluated_generation"] < st["generation"]
    assert findings(fleet.c, OLD)["total"] == 0
    assert srv.stop() == 0
    later = medfwd_server()
    cl = Client(later)
    cl.login("root")
    deadline = time.monotonic() + 60
    while True:
        st = evaluation_state(cl)
        if st["last"] is not None:
            break
        assert time.monotonic() < deadline, st
        time.sleep(0.1)
    assert st["last"]["ok"] is True and st["last"]["cause"] == "changes"
    assert st["last"]["detail"] == "changes stored before medfwd started and not yet evaluated"
    assert st["evaluated_generation"] == st["generation"]
    assert by_key(findings(cl, OLD))[("openssl", "CVE-2022-0778")]["status"] == "affected"


def test_exposure_closes_at_the_checkin_that_fixes_it(medfwd_server, medfw, shared, tmp_path):
    """A device that checks in running the fixing release closes its site's exposure at
    that time (the worker refreshes exposures after check-ins), not when someone next
    reads the report: with the server's clock moved on in between, time to remediate
    is the time to the check-in."""
    fleet = Fleet(medfwd_server("vuln_eval_delay = 0s\nvuln_exposure_interval = 1s\n"
                                "device_clock_skew = 1h\n"), medfw, tmp_path, releases())
    t, c = fleet.t, fleet.c
    for rel in ("cve5/CVE-2024-3094.json", "nvd/records/CVE-2024-3094.json"):
        status, _, body = import_feed(t, rel.split("/")[-1],
                                      (shared / "testdata" / rel).read_bytes())
        assert status == 200 and body["added"] == 1, body
    for rel, sbom in ((OLD, SBOM_OLD), (NEW, SBOM_NEW)):
        status, _, body = change(t, "PUT", f"/api/v1/releases/{rel}/sbom",
                                 json.dumps(sbom).encode())
        assert status in (200, 201), body
    dev = device_on(fleet, fleet.site, "A-1", OLD)
    xz = exposure_of(report(c), fleet.site, "CVE-2024-3094")
    assert xz is not None and xz["closed_at"] is None

    def closings():
        return [r for r in fleet.server.log_records()
                if r.get("event") == "vulns.exposures.refreshed" and "1 closed" in r["msg"]]
    assert closings() == []
    # (the API token: a person's session would time out as the clock moves)
    status, _, body = t.call("POST", "/api/v1/selftest/clock", {"advance_seconds": 1800})
    assert status == 200, body
    checkin(fleet, dev, NEW)
    deadline = time.monotonic() + 30
    while not closings():
        assert time.monotonic() < deadline, fleet.server.log_text()[-2000:]
        time.sleep(0.1)
    assert closings()[0]["msg"].startswith("devices changed the release they run")
    status, _, body = t.call("POST", "/api/v1/selftest/clock", {"advance_seconds": 1700})
    assert status == 200, body
    rep = report(t)
    assert exposure_of(rep, fleet.site, "CVE-2024-3094") is None
    site = next(s for s in rep["sites"] if s["site_id"] == fleet.site)
    closed = site["time_to_remediate"]["critical"]
    assert closed["closed"] == 1
    assert abs(closed["max_days"] * 86400 - 1800) < 60, closed  # not 3,500 s


def test_product_map_names_products_of_a_stored_csaf_vex(fleet, shared):
    """A csaf_products entry naming a product of a stored CSAF VEX document (no feed
    defines it) is no product map problem in medfwd's evaluation; one naming a document
    nothing defines is."""
    t = fleet.t
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom",
                             json.dumps(SBOM_OLD).encode())
    assert status == 201, body
    vex = (shared / "testdata/csaf/oasis-examples/csaf_vex/2022-evd-uc-06-001.json").read_bytes()
    status, _, body = post(t, "/api/v1/vulnerabilities/vex?name=uc-06.json", vex)
    assert status == 201, body
    entry = {"model": "ABC", "release": "4.2",
             "csaf_products": [{"document": "2022-EVD-UC-06-001", "product_id": "CSAFPID-0001"}]}
    status, _, body = put_map(t, {"mappings": [entry]})
    assert status == 200 and body["evaluated"]["product_map_problems"] == 0, body
    unknown = dict(entry, csaf_products=[{"document": "NO-SUCH-DOC-1", "product_id": "X"}])
    status, _, body = put_map(t, {"mappings": [entry, unknown]}, "two.json")
    assert status == 200 and body["evaluated"]["product_map_problems"] == 1, body


def test_exposure_names_the_rollouts_of_its_fix(fleet, shared):
    """An open exposure names the rollouts that bring its fixing release to the site
    (with their members there and how many committed); none before one exists."""
    t, c = fleet.t, fleet.c
    status, _, body = import_feed(t, "CVE-2022-0778.json",
                                  record(shared, "CVE-2022-0778.json"))
    assert status == 200 and body["added"] == 1, body
    status, _, body = change(t, "PUT", f"/api/v1/releases/{OLD}/sbom",
                             json.dumps(SBOM_OLD).encode())
    assert status == 201, body
    device_on(fleet, fleet.site, "A-1", OLD)
    ssl = exposure_of(report(c), fleet.site, "CVE-2022-0778")
    assert ssl["fixed_by"] == NEW and ssl["fix_rollouts"] == [], ssl
    status, _, r = c.call("POST", "/api/v1/rollouts", {
        "name": "OpenSSL fix", "target": NEW, "selector": {"sites": [fleet.site]},
        "waves": [{"name": "all", "percent": 100, "success_threshold": 100,
                   "error_threshold": 20}]})
    assert status == 201, r
    ssl = exposure_of(report(c), fleet.site, "CVE-2022-0778")
    assert [(x["id"], x["name"], x["state"], x["committed"]) for x in ssl["fix_rollouts"]] == \
        [(r["id"], "OpenSSL fix", "awaiting_approval", 0)], ssl
    # a device's findings carry the same exposure
    dev_id = next(d["id"] for d in c.call("GET", "/api/v1/devices")[2]["devices"]
                  if d["serial"] == "A-1")
    status, _, body = c.call("GET", f"/api/v1/devices/{dev_id}/findings")
    assert status == 200, body
    f = next(x for x in body["findings"] if x["vulnerability"] == "CVE-2022-0778")
    assert [x["id"] for x in f["exposure"]["fix_rollouts"]] == [r["id"]]
