"""Customer advisories from medfwd's own findings (docs/advisories.md, "From the server"):
POST /api/v1/vulnerabilities/advisories.

One medfwd with the manufacturer's repository (three firmware releases of the Acme
Infusion Pump C and a release of another model with the same version as one of them,
each with its signed release notice), their SBOMs, the real NVD records and the CISA
KEV subset imported as feeds, and a CycloneDX VEX document. The advisory input is the
example of docs/formats without its notice file: the server takes every release's
notice from its repository and its findings from its store. Each format (CSAF, its VEX
profile, HTML, Markdown) is byte for byte what `medfw vuln advisory` writes from the
same SBOMs, feeds, VEX file and notices; the CSAF validates against the CSAF 2.0 JSON
schema. Every refusal (a malformed input, a notice in the input, a release the server
does not know or cannot tell apart, a CSAF mandatory test, findings contradicting the
input, findings not yet re-evaluated) names what is wrong and records nothing; a
hospital's user and a role without vulns.write get 403; an export is audited."""
import copy
import hashlib
import json
import time

import pytest

from agent_fixture import Fleet, agent_notice
from conftest import run, tool_path
from server_fixture import Server
from test_devices import audit_events
from test_people import make_user
from test_repo_server import raw, token_client
from test_vuln_advisory import (EXAMPLE, FEEDS, HOSTILE, VEX, Page, sbom, schema_errors,
                                validator)  # noqa: F401 (validator is a fixture)

ROUTE = "/api/v1/vulnerabilities/advisories"
PUMP_UDI = "09506000134352"    # the example input's and the example notice's
MONITOR_UDI = "09506000134376"  # another model (GTIN-14, check digit 6)
OTHER_UDI = "09506000134383"    # a model without releases here
# target, version, security version, release date; the SBOM files as the CLI names them
PUMP = [("pump-c/fw-4.1.0.img", "4.1.0", 5, "2023-11-20"),
        ("pump-c/fw-4.2.0.img", "4.2.0", 6, "2024-04-02"),
        ("pump-c/fw-4.2.1.img", "4.2.1", 7, "2024-05-14")]
MONITOR = "monitor-x/monitor-4.2.0.img"
SBOM_ARGS = {"4.1.0": ("1.1.1i", "1.31.1", "5.6.0", "dante-lib", "11111111"),
             "4.2.0": ("1.1.1i", "1.31.1", "5.4.6", "dante", "22222222"),
             "4.2.1": ("1.1.1n", "1.32.0", "5.4.6", "dante", "33333333")}
MONITOR_SBOM = {
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
    "serialNumber": "urn:uuid:44444444-2857-43b8-a10b-e8c03d277d18",
    "metadata": {"component": {"type": "firmware", "bom-ref": "fw",
                               "name": "Acme Monitor X firmware", "version": "4.2.0"}},
    "components": [{"type": "library", "bom-ref": "openssl", "name": "openssl",
                    "version": "1.1.1i",
                    "cpe": "cpe:2.3:a:openssl:openssl:1.1.1i:*:*:*:*:*:*:*"}],
}
FORMATS = [("csaf", None, "application/json", ".json"),
           ("csaf", "vex", "application/json", ".vex.json"),
           ("html", None, "text/html; charset=utf-8", ".html"),
           ("markdown", None, "text/markdown; charset=utf-8", ".md")]


def sbom_file(version):
    return f"pump-c-{version}.cdx.json"


def pump_notice(version, security_version, date):
    return agent_notice(product_version=version, security_version=security_version,
                        release_date=date, sbom_target=f"sbom/{sbom_file(version)}")


def monitor_notice():
    return agent_notice(product_version="4.2.0", security_version=3, release_date="2024-03-01",
                        hardware_ids=["acme-monitor-x"], udi_dis=[MONITOR_UDI],
                        sbom_target="sbom/monitor-x-4.2.0.cdx.json")


class Medfw:
    """The medfw command line (the conftest fixture, for a module-scoped world)."""

    def __call__(self, *args, **kw):
        return run([tool_path("medfw"), *args], **kw)


def wait_evaluated(c, answer, timeout=60):
    ev = answer["evaluation"]
    assert ev is not None and ev["queued"] is True, answer
    deadline = time.monotonic() + timeout
    while True:
        status, _, st = c.call("GET", "/api/v1/vulnerabilities/evaluation")
        assert status == 200, st
        assert st["last"] is None or st["last"]["ok"], st["last"]
        if st["evaluated_generation"] >= ev["generation"] and st["state"] == "idle":
            return
        assert time.monotonic() < deadline, st
        time.sleep(0.1)


class World:
    """medfwd with releases, SBOMs, feeds and VEX; the files the CLI reads the same from."""

    def __init__(self, tmp, shared):
        self.dir = tmp
        self.shared = shared
        self.medfw = Medfw()
        # a few seconds between a change and its evaluation: time to see a pending one
        self.server = Server(tmp, "vuln_eval_delay = 3s\n").start()
        images = {t: (f"firmware {v}\n".encode() * 64, pump_notice(v, s, d))
                  for t, v, s, d in PUMP}
        images[MONITOR] = (b"monitor 4.2.0\n" * 64, monitor_notice())
        (tmp / "fleet").mkdir()
        self.fleet = Fleet(self.server, self.medfw, tmp / "fleet", images)
        self.c, self.t = self.fleet.c, self.fleet.t
        # the files: SBOMs, VEX, notices, the advisory inputs
        for _, v, _, _ in PUMP:
            (tmp / sbom_file(v)).write_text(json.dumps(sbom(v, *SBOM_ARGS[v])))
            (tmp / f"notice-{v}.json").write_text(json.dumps(images[PUMP_TARGET[v]][1]))
        (tmp / "monitor-x-4.2.0.cdx.json").write_text(json.dumps(MONITOR_SBOM))
        (tmp / "vex.cdx.json").write_text(json.dumps(VEX))
        last = None
        for f in FEEDS:
            p = shared / "testdata" / f
            for path in sorted(p.glob("*.json")) if p.is_dir() else [p]:
                status, _, body = raw(self.t, "POST",
                                      f"/api/v1/vulnerabilities/import?name={path.name}",
                                      path.read_bytes(), "application/json")
                assert status == 200 and body["rejected"] == 0, (path, body)
                last = body if body["evaluation"] is not None else last
        uploads = {t: sbom_file(v) for t, v, _, _ in PUMP}
        uploads[MONITOR] = "monitor-x-4.2.0.cdx.json"
        for target, name in uploads.items():
            status, _, body = raw(self.t, "PUT", f"/api/v1/releases/{target}/sbom",
                                  (tmp / name).read_bytes(), "application/json")
            assert status == 201, body
        status, _, last = raw(self.t, "POST", "/api/v1/vulnerabilities/vex?name=vex.cdx.json",
                              (tmp / "vex.cdx.json").read_bytes(), "application/json")
        assert status == 201, last
        wait_evaluated(self.c, last)

    def cli(self, doc, fmt, profile=None, check=0):
        """`medfw vuln advisory` with the input `doc` given each release's notice file,
        and the SBOMs, feeds and VEX file medfwd has; (process, output bytes)."""
        doc = copy.deepcopy(doc)
        for product in doc["products"]:
            for r in product["releases"]:
                r["notice_file"] = f"notice-{r['version']}.json"
        inp = self.dir / "cli-input.json"
        inp.write_text(json.dumps(doc))
        out = self.dir / "cli-out"
        out.unlink(missing_ok=True)
        args = ["vuln", "advisory", "--input", inp, "--format", fmt, "--out", out]
        for _, v, _, _ in PUMP:
            args += ["--sbom", self.dir / sbom_file(v)]
        for f in FEEDS:
            args += ["--feed", self.shared / "testdata" / f]
        args += ["--vex", self.dir / "vex.cdx.json"]
        if profile is not None:
            args += ["--profile", "vex" if profile == "vex" else "security_advisory"]
        proc = self.medfw(*args, check=check)
        return proc, out.read_bytes() if out.exists() else None


PUMP_TARGET = {v: t for t, v, _, _ in PUMP}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from conftest import SHARED
    w = World(tmp_path_factory.mktemp("advisory-api"), SHARED)
    yield w
    w.server.stop()
    assert not w.server.sanitizer_reports, "\n".join(w.server.sanitizer_reports)


def server_input():
    """The example advisory input without its notice file (the server has the notices)."""
    doc = json.loads(EXAMPLE.read_text())
    for r in doc["products"][0]["releases"]:
        r.pop("notice_file", None)
    return doc


def export(client, doc, fmt="csaf", profile=None, **extra):
    body = {"input": doc, "format": fmt, **extra}
    if profile is not None:
        body["profile"] = profile
    return client.call("POST", ROUTE, body)


def post_bytes(world, body):
    """The export as bytes: (status, headers, body)."""
    return world.server.request("POST", ROUTE, body=json.dumps(body),
                                headers={"Authorization": f"Bearer {world.t.token}",
                                         "Content-Type": "application/json"})


def exports(world):
    return audit_events(world.c, "vulnerabilities.advisory_exported")


def refused(world, client, doc, status, code, *words, **kw):
    """The export is refused with status and code, the message says `words`, and nothing
    was recorded."""
    before = len(exports(world))
    got, h, body = export(client, doc, **kw)
    assert got == status, body
    assert h["content-type"].startswith("application/json")
    assert body["error"]["code"] == code, body
    for w in words:
        assert w in body["error"]["message"], (w, body)
    assert "content-disposition" not in h
    assert len(exports(world)) == before
    return body["error"]


# ----------------------------------------------------------------------------- formats

@pytest.mark.parametrize("fmt,profile,ctype,ext", FORMATS)
def test_same_document_as_the_cli(world, validator, fmt, profile, ctype, ext):
    doc = server_input()
    status, h, data = post_bytes(world, {"input": doc, "format": fmt,
                                         **({"profile": profile} if profile else {})})
    assert status == 200, data
    assert h["content-type"] == ctype
    assert h["content-disposition"] == f'attachment; filename="acme-sa-2024-003{ext}"'
    # a download, never rendered by the dashboard: the API's own headers
    assert h["x-content-type-options"] == "nosniff"
    assert h["content-security-policy"].startswith("default-src 'none'")
    assert h["cache-control"] == "no-store"
    _, cli = world.cli(doc, fmt, profile)
    assert data == cli
    if fmt == "csaf":
        csaf = json.loads(data)
        assert schema_errors(validator, csaf) == []
        assert csaf["document"]["category"] == ("csaf_vex" if profile else
                                                "csaf_security_advisory")
        vulns = {v["cve"]: v for v in csaf["vulnerabilities"]}
        assert vulns["CVE-2022-0778"]["product_status"] == {
            "known_affected": ["pump-c:4.1.0", "pump-c:4.2.0"], "fixed": ["pump-c:4.2.1"],
            "recommended": ["pump-c:4.2.1"]}
        # the VEX document the server keeps
        assert vulns["CVE-2022-23748"]["flags"] == [
            {"label": "vulnerable_code_not_in_execute_path",
             "product_ids": ["pump-c:4.2.0", "pump-c:4.2.1"]}]
        # every release's signed notice: its release date, the UDI-DIs it adds
        fix = vulns["CVE-2022-0778"]["remediations"][0]
        assert fix["category"] == "vendor_fix" and fix["date"].startswith("2024-05-14")
        leaf = csaf["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]
        assert leaf["product_id"] == "pump-c:4.1.0"
        uris = [u["uri"] for u in leaf["product_identification_helper"]["x_generic_uris"]]
        assert "https://accessgudid.nlm.nih.gov/devices/%2BA123BJC5D6E71G" in uris


def test_html_is_safe_and_the_cli_s(world):
    doc = server_input()
    doc["products"][0]["model"] = HOSTILE
    status, h, data = world.c.call("POST", ROUTE, {"input": doc, "format": "html"})
    assert status == 200, data  # a session (the dashboard's) is accepted as a token is
    assert h["content-type"] == "text/html; charset=utf-8"
    assert h["content-disposition"].startswith("attachment; ")
    assert data == world.cli(doc, "html")[1]
    text = data.decode()
    page = Page()
    page.feed(text)
    page.close()
    tags = [t for t, _ in page.tags]
    for banned in ("script", "img", "iframe", "object", "embed", "link", "base", "form"):
        assert banned not in tags, banned
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert metas[0]["content"].startswith("default-src 'none'; style-src 'sha256-")
    assert HOSTILE.replace("\u202e", "\ufffd") in "".join(page.text)
    assert "\u202e" not in text and "<script>" not in text


# ----------------------------------------------------------------------------- releases

def test_release_by_version_udi_and_sbom_name(world):
    """4.2.0 is the version of a pump release and of a monitor release: the product's
    UDI-DI tells them apart; without one, the release's "sbom" does; without both the
    export is refused naming both releases."""
    doc = server_input()
    status, _, _ = export(world.t, doc, "markdown")
    assert status == 200
    del doc["products"][0]["udi_dis"]
    status, _, body = export(world.t, doc, "markdown")
    assert status == 200, body  # "sbom": pump-c-4.2.0.cdx.json, the SBOM target's name
    assert "Acme Monitor X" not in body.decode()
    del doc["products"][0]["releases"][1]["sbom"]
    err = refused(world, world.t, doc, 422, "ambiguous_release",
                  "products[0].releases[1]", "version 4.2.0", MONITOR, PUMP_TARGET["4.2.0"])
    assert err["field"] == "input"
    doc["products"][0]["releases"][1]["sbom"] = "fw-4.2.0.img"  # the target's file name
    status, _, body = export(world.t, doc, "markdown")
    assert status == 200, body
    doc["products"][0]["releases"][1]["sbom"] = "other.cdx.json"
    refused(world, world.t, doc, 422, "ambiguous_release", "none of them", "other.cdx.json")


def test_unknown_release(world):
    doc = server_input()
    doc["products"][0]["releases"].append({"version": "4.3.0"})
    refused(world, world.t, doc, 422, "unknown_release", "products[0].releases[3]",
            "no release of version 4.3.0")
    # releases of that version, but for other devices (their notices name other UDI-DIs)
    doc = server_input()
    doc["products"][0]["udi_dis"] = [OTHER_UDI]
    err = refused(world, world.t, doc, 422, "unknown_release", "products[0].releases[0]",
                  "version 4.1.0", "other UDI-DIs")
    assert err["field"] == "input"


def test_same_release_for_two_products(world):
    doc = server_input()
    twin = copy.deepcopy(doc["products"][0])
    twin["id"] = "pump-c-twin"
    doc["products"].append(twin)
    refused(world, world.t, doc, 422, "ambiguous_release", "products[1].releases[0]",
            "is the same release", "products[0].releases[0]")


# ----------------------------------------------------------------------------- errors

def test_malformed_input_names_the_path(world):
    doc = server_input()
    doc["products"][0]["releases"][1]["fixes"] = ["CVE-1999-0001"]
    err = refused(world, world.t, doc, 400, "invalid_advisory_input",
                  "advisory input: products[0].releases[1].fixes[0]: CVE-1999-0001 is not "
                  "one of the advisory's vulnerabilities")
    assert err["field"] == "input"
    doc = server_input()
    doc["tracking"]["revision_history"][0]["date"] = "yesterday"
    refused(world, world.t, doc, 400, "invalid_advisory_input",
            "tracking.revision_history[0].date")
    refused(world, world.t, ["not", "an", "object"], 400, "invalid_advisory_input")
    # the release notices are the signed ones: the input may not bring its own
    doc = server_input()
    doc["products"][0]["releases"][2]["notice_file"] = "/etc/passwd"
    refused(world, world.t, doc, 400, "invalid_advisory_input",
            "products[0].releases[2].notice_file: not accepted here")
    doc["products"][0]["releases"][2].pop("notice_file")
    doc["products"][0]["releases"][2]["notice"] = json.loads(
        (world.dir / "notice-4.2.1.json").read_text())
    refused(world, world.t, doc, 400, "invalid_advisory_input",
            "products[0].releases[2].notice: not accepted here")
    # the input contradicts the signed notice
    doc = server_input()
    doc["products"][0]["releases"][1]["release_date"] = "2024-04-03"
    refused(world, world.t, doc, 400, "invalid_advisory_input",
            "products[0].releases[1].release_date: differs from the release notice's")


def test_body_errors(world):
    doc = server_input()
    refused(world, world.t, doc, 400, "invalid", "csaf, html or markdown", fmt="pdf")
    refused(world, world.t, doc, 400, "invalid", "csaf format only", fmt="html",
            profile="vex")
    refused(world, world.t, doc, 400, "invalid", "full or vex", profile="security")
    refused(world, world.t, doc, 400, "unknown_field", "findings", findings=[])
    status, _, body = world.t.call("POST", ROUTE, {"format": "csaf"})
    assert status == 400 and body["error"]["code"] == "missing_field", body
    status, _, body = world.t.call("POST", ROUTE, raw="{\"input\": {}, \"format\": \"csaf\"")
    assert status == 400, body


def test_csaf_mandatory_test_failure(world):
    """A final advisory whose first revision is 0: CSAF 6.1.x refuses it, the readable
    advisory does not need it."""
    doc = server_input()
    doc["tracking"]["revision_history"] = [
        {"number": "0", "date": "2024-05-14T09:00:00Z", "summary": "Initial release."}]
    refused(world, world.t, doc, 422, "csaf_invalid", "CSAF advisory: fails mandatory test")
    proc, out = world.cli(doc, "csaf", check=1)
    assert out is None and "fails mandatory test" in proc.stderr.decode()
    status, _, _ = export(world.t, doc, "markdown")
    assert status == 200


def test_findings_contradicting_the_input(world):
    doc = server_input()
    doc["products"][0]["releases"][1]["fixes"] = ["CVE-2024-3094", "CVE-2022-0778"]
    refused(world, world.t, doc, 422, "inconsistent_advisory",
            "CVE-2022-0778: Acme Infusion Pump C firmware 4.2.0 declares the fix, but its "
            "findings say affected (openssl 1.1.1i)")


def test_refused_while_findings_are_re_evaluated(world):
    """A change the findings do not include yet: 409 until the worker evaluated it."""
    status, _, change = world.t.call(
        "POST", "/api/v1/vulnerabilities/vex-statements",
        {"vulnerability": "CVE-2022-0778", "component": "openssl", "status": "affected",
         "release": MONITOR, "detail": "The monitor's TLS server uses it."})
    assert status == 201, change
    refused(world, world.t, server_input(), 409, "evaluation_pending",
            "evaluated_generation")
    wait_evaluated(world.c, change)
    status, _, _ = export(world.t, server_input(), "markdown")
    assert status == 200


# ----------------------------------------------------------------------------- who

def test_permissions(world):
    c = world.c
    make_user(c, "hospital_officer", "security_officer", world.fleet.site)
    make_user(c, "global_auditor", "auditor", 0)
    make_user(c, "global_biomed", "clinical_engineer", 0)
    make_user(c, "global_officer", "security_officer", 0)
    doc = server_input()
    err = refused(world, token_client(world.server, "hospital_officer"), doc, 403, "forbidden",
                  "manufacturer-wide staff only")
    for user in ("global_auditor", "global_biomed"):
        refused(world, token_client(world.server, user), doc, 403, "forbidden",
                "vulns.write")
    status, _, _ = export(token_client(world.server, "global_officer"), doc, "markdown")
    assert status == 200
    assert err.get("field") is None
    # no token at all
    status, _, body = world.server.json("POST", ROUTE, {"input": doc, "format": "csaf"})
    assert status == 401, body


def test_export_is_audited(world):
    before = exports(world)
    status, _, data = post_bytes(world, {"input": server_input(), "format": "csaf",
                                         "profile": "vex"})
    assert status == 200, data
    after = exports(world)
    assert len(after) == len(before) + 1
    rec = next(r for r in after if r["seq"] not in {b["seq"] for b in before})
    assert rec["actor_type"] == "token" and rec["site_id"] is None  # root's API token
    detail = dict(rec["detail"])
    assert detail.pop("remote") == "127.0.0.1" and detail.pop("request_id")
    assert detail == {
        "tracking_id": "ACME-SA-2024-003", "version": "2", "format": "csaf", "profile": "vex",
        "file": "acme-sa-2024-003.vex.json", "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "releases": [{"product": f"pump-c:{v}", "release": t} for t, v, _, _ in PUMP]}


def test_file_name_from_the_tracking_id(world):
    """CSAF 2.0 section 5.1: lowercase, each run of other characters one '_'."""
    doc = server_input()
    doc["tracking"]["id"] = "Acme SA 2024/003 (rev.+2)"
    status, h, _ = export(world.t, doc, "markdown")
    assert status == 200
    assert h["content-disposition"] == 'attachment; filename="acme_sa_2024_003_rev_+2_.md"'
