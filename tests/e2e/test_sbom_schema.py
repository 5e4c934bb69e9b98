"""CycloneDX 1.6 exports of the SBOM module (tests/tools/sbomtool.c).

Every valid CycloneDX (1.4-1.6) and SPDX 2.3 file in testdata is exported; each export
must validate against the CycloneDX 1.6 JSON schema in testdata/cyclonedx/schema
(python3-jsonschema, the referenced spdx and jsf schemas resolved locally), carry an
RFC 3339 timestamp (jsonschema's format checker needs extra packages for date-time,
so that one is checked here), be key-sorted compact JSON, and export again to the
same bytes. For SPDX inputs, what the matcher needs (purls, CPEs, hashes, versions,
suppliers, containment and dependencies) is compared with the SPDX document itself,
independently of the C code. Invalid inputs fail with exit 1 and the JSON path.
"""
import json
import re

import pytest

from conftest import SHARED, run

try:
    import jsonschema
except ImportError as exc:  # pragma: no cover - a missing dependency is a failure
    raise ImportError("tests/e2e/test_sbom_schema.py needs the python3-jsonschema "
                      "package (apt-get install python3-jsonschema)") from exc

DATA = SHARED / "testdata"
SCHEMA_DIR = DATA / "cyclonedx" / "schema"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")

SPDX_ALGS = {"SHA1": "SHA-1", "SHA256": "SHA-256", "SHA384": "SHA-384",
             "SHA512": "SHA-512", "MD5": "MD5", "SHA3-256": "SHA3-256",
             "SHA3-384": "SHA3-384", "SHA3-512": "SHA3-512", "BLAKE2b-256": "BLAKE2b-256",
             "BLAKE2b-384": "BLAKE2b-384", "BLAKE2b-512": "BLAKE2b-512", "BLAKE3": "BLAKE3"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def inputs():
    """The valid SBOMs of supported versions in testdata (as the unit test lists)."""
    found = []
    for path in sorted((DATA / "cyclonedx").rglob("*.json")):
        if "schema" in path.parts or path.name.startswith("invalid-"):
            continue
        doc = load(path)
        if doc.get("specVersion") in ("1.4", "1.5", "1.6"):
            found.append(path)
    for path in sorted((DATA / "spdx").rglob("*.json")):
        if "schema" not in path.parts:
            found.append(path)
    return found


INPUTS = inputs()


@pytest.fixture(scope="module")
def validator():
    schema = load(SCHEMA_DIR / "bom-1.6.schema.json")
    store = {schema["$id"]: schema}
    for name in ("spdx.schema.json", "jsf-0.82.schema.json"):
        extra = load(SCHEMA_DIR / name)
        store[extra["$id"]] = extra
    jsonschema.Draft7Validator.check_schema(schema)
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return jsonschema.Draft7Validator(schema, resolver=resolver)


def export(tool, path):
    return run([tool("sbomtool"), "export", path], check=0).stdout


def test_inputs_found():
    names = {p.name for p in INPUTS}
    assert "narrow.sbom.json" in names
    assert "SPDXJSONExample-v2.3.spdx.json" in names
    assert len(INPUTS) == 52  # 47 CycloneDX 1.4-1.6 + 5 SPDX 2.3


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(DATA)))
def test_export_validates(tool, validator, tmp_path, path):
    raw = export(tool, path)
    doc = json.loads(raw)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]
    assert doc["specVersion"] == "1.6" and doc["bomFormat"] == "CycloneDX"
    timestamp = doc.get("metadata", {}).get("timestamp")
    assert timestamp is None or RFC3339.match(timestamp), timestamp
    # deterministic: sorted keys, compact, one final newline; a fixed point
    assert raw == (json.dumps(doc, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False) + "\n").encode()
    again = tmp_path / "again.json"
    again.write_bytes(raw)
    assert export(tool, again) == raw


def flatten(doc):
    """bom-ref -> (component, parent bom-ref) over metadata.component and components."""
    found = {}

    def walk(comps, parent):
        for comp in comps:
            found[comp.get("bom-ref")] = (comp, parent)
            walk(comp.get("components", []), comp.get("bom-ref"))
    if "component" in doc.get("metadata", {}):
        walk([doc["metadata"]["component"]], None)
    walk(doc.get("components", []), None)
    return found


def strip_agent(value):
    if value is None or value == "NOASSERTION":
        return None
    value = re.sub(r"^(Organization|Person|Tool):\s*", "", value)
    return re.sub(r"\s*\([^()]*\)$", "", value)


@pytest.mark.parametrize("path", [p for p in INPUTS if p.suffixes[-2:] == [".spdx", ".json"]],
                         ids=lambda p: p.name)
def test_spdx_export_keeps_identity(tool, path):
    spdx = load(path)
    cdx = json.loads(export(tool, path))
    comps = flatten(cdx)
    elements = spdx.get("packages", []) + spdx.get("files", [])
    assert len(comps) == len(elements)
    for el in elements:
        comp, _ = comps[el["SPDXID"]]
        assert comp["name"] == el.get("name", el.get("fileName"))
        assert comp.get("version") == el.get("versionInfo")
        assert (comp.get("supplier") or {}).get("name") == strip_agent(el.get("supplier"))
        refs = el.get("externalRefs", [])
        purls = [r["referenceLocator"] for r in refs if r["referenceType"] == "purl"]
        cpes = [r["referenceLocator"] for r in refs
                if r["referenceType"] in ("cpe23Type", "cpe22Type")]
        assert comp.get("purl") == (purls[0] if purls else None)
        got_cpes = ([comp["cpe"]] if "cpe" in comp else []) + [
            i["concludedValue"] for i in comp.get("evidence", {}).get("identity", [])
            if i["field"] == "cpe"]
        assert got_cpes == list(dict.fromkeys(cpes))
        want_hashes = [(SPDX_ALGS[c["algorithm"]], c["checksumValue"].lower())
                       for c in el.get("checksums", []) if c["algorithm"] in SPDX_ALGS]
        assert [(h["alg"], h["content"]) for h in comp.get("hashes", [])] == want_hashes
    # relationships: every CONTAINS / hasFiles / DEPENDS_ON-like link between two
    # components is kept, as nesting or as a dependency
    deps = {(d["ref"], x) for d in cdx.get("dependencies", []) for x in d.get("dependsOn", [])}
    parent = {ref: p for ref, (_, p) in comps.items()}
    links = [(p["SPDXID"], f) for p in spdx.get("packages", []) for f in p.get("hasFiles", [])]
    for rel in spdx.get("relationships", []):
        a, kind, b = rel["spdxElementId"], rel["relationshipType"], rel["relatedSpdxElement"]
        if a in comps and b in comps:
            if kind in ("CONTAINS", "DEPENDS_ON", "STATIC_LINK", "DYNAMIC_LINK"):
                links.append((a, b))
            elif kind in ("CONTAINED_BY", "DEPENDENCY_OF"):
                links.append((b, a))
    for a, b in links:
        assert a == b or parent.get(b) == a or (a, b) in deps, (a, b)


@pytest.mark.parametrize("name,needle", [
    ("invalid-hash-sha256-1.6.json", "components[0].hashes[2].content: not 64 hex digits"),
    ("invalid-bomformat-1.6.json", "bomFormat: \"AnotherFormat\""),
    ("invalid-dependency-1.6.json", "dependencies[0].ref: required field missing"),
])
def test_invalid_refused(tool, name, needle):
    path = DATA / "cyclonedx" / "spec-conformance" / "1.6" / name
    proc = run([tool("sbomtool"), "export", path], check=1)
    assert proc.stdout == b""
    assert needle in proc.stderr.decode()


def test_old_version_refused(tool):
    proc = run([tool("sbomtool"), "export", DATA / "cyclonedx" / "vex" / "bom.json"], check=1)
    assert "specVersion: CycloneDX \"1.3\" is not supported" in proc.stderr.decode()
