"""medfw vuln advisory end to end: three firmware releases of a pump whose SBOMs carry
components that real NVD records (testdata/nvd) are about, a CycloneDX VEX statement
and the CISA KEV subset. The CSAF output (both profiles) validates against the CSAF 2.0
JSON schema of testdata/csaf/schema with the FIRST CVSS schemas it references
(python3-jsonschema, Draft 2020-12, references resolved locally only); the bytes are
the same run after run and from --findings as from --sbom; the HTML has no script, no
external load, a CSP that allows only its own style, and shows hostile names as text;
Markdown escapes them; bad input names the file and JSON path and writes nothing."""
import base64
import hashlib
import html.parser
import json
import re
import shutil

import pytest

from conftest import ROOT, SHARED

try:
    import jsonschema
except ImportError as exc:  # pragma: no cover - a missing dependency is a failure
    raise ImportError("tests/e2e/test_vuln_advisory.py needs the python3-jsonschema "
                      "package (apt-get install python3-jsonschema)") from exc

FEEDS = ["nvd/records", "nvd/pages/cves-2023-page.json",
         "kev/known_exploited_vulnerabilities.subset.json"]
EXAMPLE = ROOT / "docs" / "formats" / "advisory-input.example.json"
NOTICE = ROOT / "docs" / "formats" / "release-notice.example.json"
HOSTILE = "<script>alert('x')</script><img src=https://evil.example/x.png>[x](https://evil.example)\u202e&amp;"


def component(ref, name, version, cpe):
    return {"type": "library", "bom-ref": ref, "name": name, "version": version, "cpe": cpe}


def sbom(version, openssl, busybox, xz, dante_ref, serial, openssl_name="openssl"):
    return {
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "serialNumber": f"urn:uuid:{serial}-2857-43b8-a10b-e8c03d277d18",
        "metadata": {"component": {"type": "firmware", "bom-ref": "fw",
                                   "name": "Acme Infusion Pump C firmware", "version": version}},
        "components": [
            component("openssl", openssl_name, openssl,
                      f"cpe:2.3:a:openssl:openssl:{openssl}:*:*:*:*:*:*:*"),
            component("busybox", "busybox", busybox,
                      f"cpe:2.3:a:busybox:busybox:{busybox}:*:*:*:*:*:*:*"),
            component("xz", "xz", xz, f"cpe:2.3:a:tukaani:xz:{xz}:*:*:*:*:*:*:*"),
            component(dante_ref, "dante_application_library", "1.2.0",
                      "cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*"),
        ],
    }


VEX = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
       "vulnerabilities": [{"id": "CVE-2022-23748",
                            "analysis": {"state": "not_affected",
                                         "justification": "code_not_reachable",
                                         "detail": "The discovery service never starts.",
                                         "lastUpdated": "2024-05-01T00:00:00Z"},
                            "affects": [{"ref": "dante"}]}]}


@pytest.fixture
def case(tmp_path):
    """The example advisory input of docs/formats with its notice, the SBOMs it names,
    the VEX document; returns the directory."""
    shutil.copy(EXAMPLE, tmp_path / "input.json")
    shutil.copy(NOTICE, tmp_path / "release-notice.example.json")
    boms = {"pump-c-4.1.0.cdx.json": sbom("4.1.0", "1.1.1i", "1.31.1", "5.6.0", "dante-lib", "11111111"),
            "pump-c-4.2.0.cdx.json": sbom("4.2.0", "1.1.1i", "1.31.1", "5.4.6", "dante", "22222222"),
            "pump-c-4.2.1.cdx.json": sbom("4.2.1", "1.1.1n", "1.32.0", "5.4.6", "dante", "33333333")}
    for name, doc in boms.items():
        (tmp_path / name).write_text(json.dumps(doc))
    (tmp_path / "vex.cdx.json").write_text(json.dumps(VEX))
    return tmp_path


def match_args(shared, case):
    args = []
    for name in ("pump-c-4.1.0.cdx.json", "pump-c-4.2.0.cdx.json", "pump-c-4.2.1.cdx.json"):
        args += ["--sbom", case / name]
    for f in FEEDS:
        args += ["--feed", shared / "testdata" / f]
    return args + ["--vex", case / "vex.cdx.json"]


def advisory(medfw, shared, case, fmt, out, *extra, check=0, inp=None):
    return medfw("vuln", "advisory", "--input", inp or case / "input.json",
                 *match_args(shared, case), "--format", fmt, "--out", out, *extra, check=check)


@pytest.fixture(scope="module")
def validator():
    schema_dir = SHARED / "testdata" / "csaf" / "schema"
    schema = json.loads((schema_dir / "csaf_json_schema.json").read_text())
    store = {schema["$id"]: schema}
    for version in ("2.0", "3.0", "3.1"):
        cvss = json.loads((schema_dir / "first" / f"cvss-v{version}.json").read_text())
        # the CSAF schema refers to them by these URLs; their own ids carry a query
        store[f"https://www.first.org/cvss/cvss-v{version}.json"] = cvss
        for key in ("$id", "id"):
            if key in cvss:
                store[cvss[key]] = cvss

    def no_network(uri):
        raise AssertionError(f"schema reference {uri} is not in the local store")

    jsonschema.Draft202012Validator.check_schema(schema)
    resolver = jsonschema.RefResolver.from_schema(
        schema, store=store, handlers={"http": no_network, "https": no_network})
    return jsonschema.Draft202012Validator(schema, resolver=resolver,
                                           format_checker=jsonschema.FormatChecker())


def schema_errors(validator, doc):
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(doc)]


# ----------------------------------------------------------------------------- CSAF

@pytest.mark.parametrize("profile,category", [("security_advisory", "csaf_security_advisory"),
                                              ("vex", "csaf_vex")])
def test_csaf_validates_against_schema(medfw, shared, case, validator, profile, category):
    out = case / f"{profile}.json"
    advisory(medfw, shared, case, "csaf", out, "--profile", profile)
    doc = json.loads(out.read_text())
    assert schema_errors(validator, doc) == []
    assert doc["document"]["category"] == category
    assert doc["document"]["tracking"]["version"] == "2"
    assert doc["document"]["tracking"]["id"] == "ACME-SA-2024-003"
    vulns = {v["cve"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"CVE-2022-0778", "CVE-2024-3094", "CVE-2018-1000500", "CVE-2022-23748"}
    # every product_status kind, from the findings and the declared fixes
    assert vulns["CVE-2022-0778"]["product_status"] == {
        "known_affected": ["pump-c:4.1.0", "pump-c:4.2.0"], "fixed": ["pump-c:4.2.1"],
        "recommended": ["pump-c:4.2.1"]}
    assert vulns["CVE-2024-3094"]["product_status"]["known_not_affected"] == ["pump-c:4.2.1"]
    dante = vulns["CVE-2022-23748"]
    assert dante["product_status"] == {"under_investigation": ["pump-c:4.1.0"],
                                       "known_not_affected": ["pump-c:4.2.0", "pump-c:4.2.1"]}
    assert dante["flags"] == [{"label": "vulnerable_code_not_in_execute_path",
                               "product_ids": ["pump-c:4.2.0", "pump-c:4.2.1"]}]
    assert any(n["category"] == "other" and "Known Exploited Vulnerabilities" in n["text"]
               for n in dante["notes"])
    fix = vulns["CVE-2022-0778"]["remediations"][0]
    assert fix["category"] == "vendor_fix" and "firmware 4.2.1" in fix["details"]
    assert fix["restart_required"]["category"] == "machine"
    score = vulns["CVE-2024-3094"]["scores"][0]["cvss_v3"]
    assert score == {"version": "3.1", "baseScore": 10.0, "baseSeverity": "CRITICAL",
                     "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}
    # UDI-DIs of the product and of the release notice
    leaf = doc["product_tree"]["branches"][0]["branches"][0]["branches"][2]["product"]
    uris = [u["uri"] for u in leaf["product_identification_helper"]["x_generic_uris"]]
    assert uris == ["https://accessgudid.nlm.nih.gov/devices/%2BA123BJC5D6E71G",
                    "https://id.gs1.org/01/09506000134352"]


def test_schema_check_can_fail(medfw, shared, case, validator):
    """The schema validation above is not vacuous: broken copies of the output fail."""
    out = case / "a.json"
    advisory(medfw, shared, case, "csaf", out)
    doc = json.loads(out.read_text())
    broken = json.loads(out.read_text())
    broken["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 11
    assert schema_errors(validator, broken)
    broken = json.loads(out.read_text())
    broken["vulnerabilities"][0]["scores"][0]["cvss_v3"]["vectorString"] = "CVSS:3.1/AV:Q"
    assert schema_errors(validator, broken)
    broken = json.loads(out.read_text())
    del broken["document"]["tracking"]["revision_history"]
    assert schema_errors(validator, broken)
    assert schema_errors(validator, doc) == []


def test_deterministic_and_findings_mode(medfw, shared, case):
    a, b, c = case / "a.json", case / "b.json", case / "c.json"
    advisory(medfw, shared, case, "csaf", a)
    advisory(medfw, shared, case, "csaf", b)
    assert a.read_bytes() == b.read_bytes()
    # the findings JSON of vuln match gives the same bytes
    proc = medfw("vuln", "match", *match_args(shared, case), "--json", check=1)
    (case / "findings.json").write_bytes(proc.stdout)
    medfw("vuln", "advisory", "--input", case / "input.json", "--findings",
          case / "findings.json", "--format", "csaf", "--out", c, check=0)
    assert a.read_bytes() == c.read_bytes()
    assert a.read_bytes().endswith(b"}\n")


# ----------------------------------------------------------------------------- readable

class Page(html.parser.HTMLParser):
    """Tags, attributes and text of an HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.styles = [], [], []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def hostile_case(case):
    """The model name in the input and a component name in an SBOM are hostile."""
    doc = json.loads((case / "input.json").read_text())
    doc["products"][0]["model"] = HOSTILE
    (case / "input.json").write_text(json.dumps(doc))
    bom = json.loads((case / "pump-c-4.1.0.cdx.json").read_text())
    bom["components"][0]["name"] = HOSTILE.replace("\u202e", "")  # the SBOM parser refuses it
    bom["components"][0]["purl"] = "pkg:generic/openssl@1.1.1i"
    (case / "pump-c-4.1.0.cdx.json").write_text(json.dumps(bom))


def test_html_safe(medfw, shared, case):
    hostile_case(case)
    out = case / "advisory.html"
    advisory(medfw, shared, case, "html", out)
    text = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    page.close()
    tags = [t for t, _ in page.tags]
    # no script, no element that loads anything, no base or form
    for banned in ("script", "img", "iframe", "object", "embed", "link", "base", "form",
                   "audio", "video", "source", "svg", "frame"):
        assert banned not in tags, banned
    for tag, attrs in page.tags:
        assert not any(a.startswith("on") for a in attrs), (tag, attrs)
        assert "src" not in attrs and "style" not in attrs, (tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith("https://psirt.acme-medical.example")
    assert "url(" not in "".join(page.styles) and "@import" not in "".join(page.styles)
    # a strict CSP before the one style, allowing exactly that style by its hash
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    csp = metas[0]["content"]
    digest = base64.b64encode(hashlib.sha256("".join(page.styles).encode()).digest()).decode()
    assert csp == (f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; "
                   "form-action 'none'")
    assert tags.count("style") == 1 and tags.index("meta") < tags.index("style")
    # the hostile strings are text, with the bidi override neutralised
    body = "".join(page.text)
    shown = HOSTILE.replace("\u202e", "\ufffd")
    assert shown in body
    assert "\u202e" not in text
    # the sections of a safety communication
    for h in ("Who is affected", "Summary", "What can happen", "What to do now", "The fix",
              "Contact", "Revision history"):
        assert f"<h2>{h}</h2>" in text


def test_markdown_escapes(medfw, shared, case):
    hostile_case(case)
    out = case / "advisory.md"
    advisory(medfw, shared, case, "markdown", out)
    text = out.read_text(encoding="utf-8")
    assert "\u202e" not in text
    # every '<' is escaped but our autolinks, no link or image syntax survives
    assert re.findall(r"(?<!\\)<(?!https://psirt\.acme-medical\.example)", text) == []
    assert "](" not in text.replace("\\](", "")
    assert "\\<script\\>alert('x')\\</script\\>\\<img src\\=https\\://evil\\.example/x\\.png\\>" in text
    assert "**Update** \\<script\\>" in text  # the model name in "What to do now"
    assert "1. Schedule the update when the pump is not in clinical use\\." in text


# ----------------------------------------------------------------------------- bad input

def test_bad_input_named_and_nothing_written(medfw, shared, case):
    doc = json.loads((case / "input.json").read_text())
    doc["products"][0]["releases"][1]["fixes"] = ["CVE-1999-0001"]
    (case / "bad.json").write_text(json.dumps(doc))
    out = case / "never.json"
    proc = advisory(medfw, shared, case, "csaf", out, inp=case / "bad.json", check=1)
    err = proc.stderr.decode()
    assert f"advisory input {case / 'bad.json'}: advisory input: products[0].releases[1]." \
           "fixes[0]: CVE-1999-0001 is not one of the advisory's vulnerabilities" in err
    assert not out.exists()
    # not JSON
    (case / "bad.json").write_text("{\"advisory_format\": 1,")
    proc = advisory(medfw, shared, case, "csaf", out, inp=case / "bad.json", check=1)
    assert "bad.json" in proc.stderr.decode() and not out.exists()
    # a broken findings file
    (case / "findings.json").write_text(json.dumps({"findings": [{"sbom": "x", "status": "bad"}]}))
    proc = medfw("vuln", "advisory", "--input", case / "input.json", "--findings",
                 case / "findings.json", "--format", "html", "--out", out, check=1)
    assert "findings[0].vulnerability is missing" in proc.stderr.decode()
    assert not out.exists()


def test_refusal_keeps_existing_output(medfw, shared, case):
    """A release that declares a fix its findings contradict: refused, the previous
    advisory file stays as it was."""
    out = case / "advisory.json"
    out.write_text("previous")
    doc = json.loads((case / "input.json").read_text())
    doc["products"][0]["releases"][1]["fixes"] = ["CVE-2024-3094", "CVE-2022-0778"]
    (case / "input.json").write_text(json.dumps(doc))
    proc = advisory(medfw, shared, case, "csaf", out, check=1)
    assert ("CVE-2022-0778: Acme Infusion Pump C firmware 4.2.0 declares the fix, but its "
            "findings say affected (openssl 1.1.1i)") in proc.stderr.decode()
    assert out.read_text() == "previous"


def test_uncovered_findings_warned(medfw, shared, case):
    doc = json.loads((case / "input.json").read_text())
    doc["vulnerabilities"] = [v for v in doc["vulnerabilities"] if v["cve"] != "CVE-2018-1000500"]
    doc["products"][0]["releases"][2]["fixes"] = ["CVE-2022-0778"]
    (case / "input.json").write_text(json.dumps(doc))
    proc = advisory(medfw, shared, case, "markdown", case / "a.md")
    err = proc.stderr.decode()
    assert "warning: CVE-2018-1000500 (affected: busybox 1.31.1 in " in err
    assert err.count("warning: CVE-2018-1000500") == 2  # 4.1.0 and 4.2.0


@pytest.mark.parametrize("args,message", [
    ([], "give --input, --format and --out"),
    (["--input", "i.json", "--format", "pdf", "--out", "o"], "--format is csaf, markdown or html"),
    (["--input", "i.json", "--format", "csaf", "--out", "o"],
     "give either --findings or --sbom with --feed"),
    (["--input", "i.json", "--format", "csaf", "--out", "o", "--findings", "f", "--sbom", "s"],
     "give either --findings or --sbom with --feed"),
    (["--input", "i.json", "--format", "html", "--out", "o", "--findings", "f", "--profile", "vex"],
     "--profile applies to --format csaf"),
    (["--input", "i.json", "--format", "csaf", "--out", "o", "--findings", "f", "--profile", "x"],
     "--profile is security_advisory or vex"),
])
def test_usage_errors(medfw, args, message):
    proc = medfw("vuln", "advisory", *args, check=2)
    assert message in proc.stderr.decode()
