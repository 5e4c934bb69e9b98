"""The release notice JSON Schema (docs/formats/release-notice.schema.json).

Checks that the schema is a valid draft 2020-12 schema, that every example notice
under docs/formats conforms, and that the schema rejects the same near-valid
notices the C validator rejects (tests/unit/test_notice.c), as far as JSON Schema can
express them. Needs Debian's python3-jsonschema.
"""
import copy
import json
from pathlib import Path

import pytest

try:
    import jsonschema
except ImportError as exc:  # pragma: no cover - a missing dependency is a failure
    raise ImportError("tests/e2e/test_notice_schema.py needs the python3-jsonschema "
                      "package (apt-get install python3-jsonschema)") from exc

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ROOT / "docs" / "formats"
SCHEMA_PATH = FORMATS / "release-notice.schema.json"
EXAMPLES = sorted(FORMATS.glob("release-notice*.example.json"))


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def validator():
    schema = load_json(SCHEMA_PATH)
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    checker = getattr(cls, "FORMAT_CHECKER", None) or jsonschema.FormatChecker()
    return cls(schema, format_checker=checker)


@pytest.fixture
def example():
    return load_json(FORMATS / "release-notice.example.json")


def test_schema_is_json_and_draft_2020_12():
    schema = load_json(SCHEMA_PATH)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_there_is_an_example():
    assert EXAMPLES, "no docs/formats/release-notice*.example.json"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_conform(validator, path):
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator.iter_errors(load_json(path))]
    assert not errors, errors


def test_markdown_example_matches_file(example):
    """The example in release-notice.md is the example file, verbatim."""
    text = (FORMATS / "release-notice.md").read_text(encoding="utf-8")
    block = text.split("```json\n", 1)[1].split("```", 1)[0]
    assert json.loads(block) == example


def test_required_fields_match_c(validator, example):
    """Every field is required, at every level (as in medfw_notice_from_json)."""
    for key in list(example):
        notice = copy.deepcopy(example)
        del notice[key]
        assert not validator.is_valid(notice), key
    for parent in ("install", "reason"):
        for key in list(example[parent]):
            notice = copy.deepcopy(example)
            del notice[parent][key]
            assert not validator.is_valid(notice), f"{parent}.{key}"


def set_path(notice, path, value):
    *parents, leaf = path.split(".")
    obj = notice
    for p in parents:
        obj = obj[p]
    obj[leaf] = value


ACCEPTED = [
    ("udi_dis", []),
    ("reason.cve_ids", []),
    ("reason.severity", "none"),
    ("security_version", 0),
    ("install.downtime_minutes", 10080),
    ("clinical_impact", "x" * 4096),
    ("clinical_impact", "\u20ac" * 4096),
    ("reason.summary", "tab\there\nnewline \u00e9t\u00e9"),
    ("instructions", ["step"] * 256),
    ("release_date", "2024-02-29"),
    ("udi_dis", ["00614141123452", "+A123BJC5D6E71G"]),
    ("hardware_ids", ["pump:rev/c+1_x.y-z"]),
    ("sbom_target", "a/b/c.json"),
]

REJECTED = [
    ("notice_format", 2),
    ("clinical_impakt", "typo"),
    ("install.reboot", True),
    ("reason.cvss", 9.8),
    ("reason.cve_ids", ["CVE-2024-1234", "CVE-2023-9999", "CVE-20-1"]),
    ("reason.cve_ids", ["cve-2024-1234"]),
    ("reason.cve_ids", ["CVE-1998-1234"]),
    ("reason.cve_ids", ["CVE-2024-1234", "CVE-2024-1234"]),
    ("reason.cve_ids", ["CVE-2024-1234\n"]),
    ("reason.severity", "urgent"),
    ("reason.severity", "High"),
    ("release_date", "2023-02-29"),
    ("release_date", "2024-04-31"),
    ("release_date", "2024-13-01"),
    ("release_date", "1969-12-31"),
    ("release_date", "2024-01-01T00:00:00Z"),
    ("udi_dis", ["+a123BJC5D6E71G"]),
    ("udi_dis", ["9506000134352"]),
    ("udi_dis", ["09506000134352", "09506000134352"]),
    ("security_version", -1),
    ("security_version", "7"),
    ("install.estimated_minutes", 10081),
    ("install.reboot_required", 1),
    ("hardware_ids", []),
    ("hardware_ids", ["a", "a"]),
    ("hardware_ids", ["pump\trev"]),
    ("instructions", []),
    ("instructions", ["step"] * 257),
    ("instructions", ["ok", "  "]),
    ("product_version", "4.2.1 beta"),
    ("product_version", "4.2.1\n"),
    ("product_version", ""),
    ("product_version", "1" * 65),
    ("min_agent_version", "-1"),
    ("sbom_target", "/etc/passwd"),
    ("sbom_target", "sbom/../x.json"),
    ("sbom_target", "sbom//x.json"),
    ("sbom_target", "sbom/"),
    ("clinical_impact", ""),
    ("clinical_impact", " \n\t "),
    ("clinical_impact", "x" * 4097),
    ("clinical_impact", "ok\u0007 bell"),
    ("clinical_impact", "carriage\r\nreturn"),
    ("clinical_impact", "dose \u202e 01 mg"),
    ("reason.summary", "c1 \u009b"),
    ("instructions", ["del\u007f"]),
]


@pytest.mark.parametrize("path,value", ACCEPTED, ids=lambda v: repr(v)[:40])
def test_schema_accepts_what_c_accepts(validator, example, path, value):
    set_path(example, path, value)
    errors = [e.message for e in validator.iter_errors(example)]
    assert not errors, errors


@pytest.mark.parametrize("path,value", REJECTED, ids=lambda v: repr(v)[:40])
def test_schema_rejects_what_c_rejects(validator, example, path, value):
    set_path(example, path, value)
    assert not validator.is_valid(example)
