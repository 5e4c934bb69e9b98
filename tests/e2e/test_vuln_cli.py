"""medfw vuln match on real SBOMs and feeds (testdata): the JSON shape, exit codes, bad
input naming the file and JSON path, a feed directory with a broken file (reported, the
rest matched), VEX applied from the command line."""
import json
import shutil

import pytest

# A firmware release whose components real feed records are about.
RELEASE = {
    "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
    "serialNumber": "urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18",
    "metadata": {"component": {"type": "firmware", "bom-ref": "product-ABC",
                               "name": "ABC", "version": "4.2"}},
    "components": [
        {"type": "library", "bom-ref": "openssl", "name": "openssl", "version": "1.1.1i",
         "cpe": "cpe:2.3:a:openssl:openssl:1.1.1i:*:*:*:*:*:*:*"},
        {"type": "application", "bom-ref": "busybox", "name": "busybox", "version": "1.31.1",
         "cpe": "cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*"},
        {"type": "library", "bom-ref": "xz", "name": "xz", "version": "5.6.0",
         "purl": "pkg:github/tukaani-project/xz@5.6.0",
         "cpe": "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*"},
        {"type": "library", "bom-ref": "dante", "name": "dante_application_library",
         "version": "1.2.0",
         "cpe": "cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*"},
        {"type": "library", "bom-ref": "log4j2", "name": "Apache Log4j2", "version": "2.14.1",
         "supplier": {"name": "Apache Software Foundation"}},
        {"type": "library", "bom-ref": "dcmtk", "name": "DCMTK", "version": "3.6.6"},
    ],
}

FEEDS = ["nvd/records", "nvd/pages/cves-2023-page.json", "cve5", "csaf/cisa-icsma",
         "kev/known_exploited_vulnerabilities.subset.json"]


@pytest.fixture
def release(tmp_path):
    path = tmp_path / "release.cdx.json"
    path.write_text(json.dumps(RELEASE))
    return path


def feed_args(shared, feeds=FEEDS):
    args = []
    for f in feeds:
        args += ["--feed", shared / "testdata" / f]
    return args


def match_json(medfw, *args, check=1):
    proc = medfw("vuln", "match", *args, "--json", check=check)
    return json.loads(proc.stdout), proc.stderr.decode()


def by_key(doc):
    return {(f["component"]["ref"], f["vulnerability"]): f for f in doc["findings"]}


def test_json_shape_and_findings(medfw, shared, release, tmp_path):
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"mappings": [{"model": "DCMTK",
                                                 "advisory_products": ["DCMTK"]}]}))
    doc, _ = match_json(medfw, "--sbom", release, *feed_args(shared),
                        "--product-map", mapping)
    assert set(doc) == {"findings", "problems", "summary"}
    summary = doc["summary"]
    assert summary["sboms"] == 1 and summary["components"] == 7
    assert summary["feed_records"]["nvd"] == 213 and summary["feed_records"]["kev"] == 1
    assert summary["findings"] == len(doc["findings"])
    assert summary["affected"] >= 5 and summary["kev_open"] == 1
    for i, f in enumerate(doc["findings"]):
        assert set(f) == {"priority", "sbom", "component", "vulnerability", "aliases",
                          "status", "sources_outcome", "evidence", "pedigree", "vex", "kev",
                          "severity"}
        assert f["priority"] == i + 1
        assert f["sbom"] == str(release)
        for e in f["evidence"]:
            assert set(e) == {"source", "record", "file", "json_path", "outcome", "rule",
                              "comparison", "fixed_version"}
            assert e["source"] in ("osv", "nvd", "cve5", "csaf")
    findings = by_key(doc)
    f = findings[("openssl", "CVE-2022-0778")]
    assert f["status"] == "affected"
    assert f["evidence"][0]["source"] == "nvd"
    assert f["evidence"][0]["fixed_version"] == "1.1.1n"
    assert f["evidence"][0]["file"].endswith("nvd/records/CVE-2022-0778.json")
    assert f["severity"] == {"base_score": 7.5, "cvss_version": "3.1",
                             "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                             "rating": "HIGH", "source": "nvd CVE-2022-0778 (nvd@nist.gov)"}
    # xz: NVD and CVE 5 say affected: one finding, both evidences
    f = findings[("xz", "CVE-2024-3094")]
    assert sorted(e["source"] for e in f["evidence"]) == ["cve5", "nvd"]
    # the KEV-listed one comes first although it is only undetermined (AND windows)
    first = doc["findings"][0]
    assert first["vulnerability"] == "CVE-2022-23748"
    assert first["status"] == "undetermined"
    assert first["kev"] == {"listed": True, "date_added": "2025-02-06",
                            "due_date": "2025-02-27",
                            "known_ransomware_campaign_use": "Unknown",
                            "source": "CISA KEV catalog"}
    assert first["evidence"][0]["json_path"].startswith("vulnerabilities[")
    # the medical advisory through the product map
    f = findings[("dcmtk", "CVE-2022-2119")]
    assert f["status"] == "affected"
    assert "product mapping" in f["evidence"][0]["comparison"]


def test_table_output(medfw, shared, release):
    proc = medfw("vuln", "match", "--sbom", release, *feed_args(shared), check=1)
    out = proc.stdout.decode()
    lines = out.splitlines()
    assert lines[0].split() == ["PRIO", "STATUS", "VULNERABILITY", "SEVERITY", "KEV",
                                "COMPONENT"]
    assert lines[1].split()[:5] == ["1", "undetermined", "CVE-2022-23748", "7.8", "HIGH"]
    assert "KEV" in lines[1]
    assert "CVE-2022-0778" in out and "1.1.1i < 1.1.1n (versionEndExcluding)" in out
    assert "open KEV-listed" in out


def test_exit_0_without_findings(medfw, shared):
    # the real medical-device SBOM: nothing in these feeds is about its components
    sbom = shared / "testdata" / "cyclonedx" / "medical-device" / "narrow.sbom.json"
    doc, _ = match_json(medfw, "--sbom", sbom, *feed_args(shared), check=0)
    assert doc["findings"] == [] and doc["summary"]["components"] > 10


def test_exit_0_with_only_closed_findings(medfw, shared, tmp_path):
    sbom = tmp_path / "fixed.json"
    sbom.write_text(json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [{"type": "application", "bom-ref": "busybox", "name": "busybox",
                        "version": "1.32.0",
                        "cpe": "cpe:2.3:a:busybox:busybox:1.32.0:*:*:*:*:*:*:*"}]}))
    doc, _ = match_json(medfw, "--sbom", sbom, *feed_args(shared, ["nvd/records"]), check=0)
    assert [f["status"] for f in doc["findings"]] == ["not_affected"]


def test_broken_sbom_names_file_and_path(medfw, shared, tmp_path):
    bad = json.loads(json.dumps(RELEASE))
    bad["components"][1]["hashes"] = [{"alg": "SHA-256", "content": "abc"}]
    path = tmp_path / "broken.cdx.json"
    path.write_text(json.dumps(bad))
    proc = medfw("vuln", "match", "--sbom", path, *feed_args(shared), "--json", check=2)
    err = proc.stderr.decode()
    assert str(path) in err
    assert "components[1].hashes[0].content" in err
    assert proc.stdout == b""
    truncated = tmp_path / "truncated.json"
    truncated.write_bytes(path.read_bytes()[:200])
    err = medfw("vuln", "match", "--sbom", truncated, *feed_args(shared),
                check=2).stderr.decode()
    assert str(truncated) in err


def test_feed_directory_with_a_broken_file(medfw, shared, release, tmp_path):
    feeds = tmp_path / "feeds"
    (feeds / "nvd").mkdir(parents=True)
    for name in ("CVE-2022-0778.json", "CVE-2018-1000500.json", "CVE-2024-3094.json"):
        shutil.copy(shared / "testdata" / "nvd" / "records" / name, feeds / "nvd" / name)
    broken = json.loads((shared / "testdata" / "nvd" / "records" /
                         "CVE-2018-1000500.json").read_text())
    # the mirrored record is a one-record response page
    cve = broken["vulnerabilities"][0]["cve"]
    cve["configurations"][0]["nodes"][0]["cpeMatch"][0]["criteria"] = "cpe:2.3:a:busybox"
    (feeds / "nvd" / "CVE-2018-1000500.json").write_text(json.dumps(broken))
    (feeds / "garbage.json").write_text("{not json")
    (feeds / "checksums.sha256").write_text("not read\n")
    doc, err = match_json(medfw, "--sbom", release, "--feed", feeds)
    problems = {p["file"]: p for p in doc["problems"]}
    busybox = str(feeds / "nvd" / "CVE-2018-1000500.json")
    assert set(problems) == {busybox, str(feeds / "garbage.json")}
    assert problems[busybox]["kind"] == "feed"
    assert problems[busybox]["json_path"] == "vulnerabilities[0]"
    assert ("vulnerabilities[0].cve.configurations[0].nodes[0].cpeMatch[0].criteria"
            in problems[busybox]["message"])
    assert problems[str(feeds / "garbage.json")]["error"] == "MEDFW_ERR_JSON_SYNTAX"
    assert busybox in err and "skipped" in err
    # the rest matched
    found = by_key(doc)
    assert ("openssl", "CVE-2022-0778") in found and ("xz", "CVE-2024-3094") in found
    assert ("busybox", "CVE-2018-1000500") not in found
    assert doc["summary"]["feed_records"]["nvd"] == 2
    assert doc["summary"]["feed_problems"] == 2


def test_vex_applied(medfw, shared, release, tmp_path):
    vex = tmp_path / "ours.vex.json"
    vex.write_text(json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "vulnerabilities": [
            {"id": "CVE-2022-0778",
             "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                          "lastUpdated": "2024-01-01T00:00:00Z"},
             "affects": [{"ref": "openssl"}]},
            {"id": "CVE-2024-3094", "analysis": {"state": "not_affected"},
             "affects": [{"ref": "xz"}]}]}))
    cisa = (shared / "testdata" / "cyclonedx" / "vex" / "cisa-use-cases" / "case-1" /
            "vex-not_affected.json")
    doc, err = match_json(medfw, "--sbom", release, *feed_args(shared), "--vex", vex,
                          "--vex", cisa)
    found = by_key(doc)
    f = found[("openssl", "CVE-2022-0778")]
    assert f["status"] == "not_affected" and f["sources_outcome"] == "affected"
    assert f["vex"]["justification"] == "code_not_reachable"
    assert f["vex"]["file"] == str(vex)
    assert f["vex"]["json_path"] == "vulnerabilities[0].affects[0]"
    assert f["vex"]["scope"] == "component"
    # not_affected without a justification: reported, ignored
    assert found[("xz", "CVE-2024-3094")]["status"] == "affected"
    assert any(p["kind"] == "vex" and p["json_path"] == "vulnerabilities[1].analysis"
               for p in doc["problems"])
    assert "not_affected without a justification" in err
    # CISA's product-level statement about ABC 4.2
    f = found[("log4j2", "CVE-2021-44228")]
    assert f["status"] == "not_affected" and f["vex"]["scope"] == "product"
    assert f["vex"]["justification"] == "code_not_present"


def test_bad_inputs(medfw, shared, release, tmp_path):
    vex = tmp_path / "bad.vex.json"
    vex.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6",
                               "vulnerabilities": [{"id": "CVE-1", "analysis":
                                                    {"state": "maybe"},
                                                    "affects": [{"ref": "x"}]}]}))
    err = medfw("vuln", "match", "--sbom", release, *feed_args(shared), "--vex", vex,
                check=2).stderr.decode()
    assert str(vex) in err and "vulnerabilities[0].analysis.state" in err
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"mappings": [{"model": "X", "colour": "red",
                                                 "advisory_products": ["Y"]}]}))
    err = medfw("vuln", "match", "--sbom", release, *feed_args(shared), "--product-map",
                mapping, check=2).stderr.decode()
    assert str(mapping) in err and "mappings[0]" in err and "colour" in err
    err = medfw("vuln", "match", "--sbom", release, "--feed", tmp_path / "missing",
                check=2).stderr.decode()
    assert str(tmp_path / "missing") in err
    err = medfw("vuln", "match", "--sbom", tmp_path / "nothing.json", *feed_args(shared),
                check=2).stderr.decode()
    assert "nothing.json" in err
    # usage
    medfw("vuln", "match", "--sbom", release, check=2)
    medfw("vuln", "match", "--feed", shared / "testdata" / "cve5", check=2)
    medfw("vuln", "match", "--sbom", release, "--feed", shared / "testdata" / "cve5",
          "extra", check=2)
    assert medfw("vuln", "match", "--help", check=0).stdout.startswith(
        b"Usage: medfw vuln match")


def test_csaf_vex_products_through_the_product_map(medfw, shared, release, tmp_path):
    # OASIS CSAF VEX use case 6 names its products only in words ("Example Company ABC
    # 4.2", no purl or CPE): the product map says which product id is our ABC at which
    # release
    vex = shared / "testdata" / "csaf" / "oasis-examples" / "csaf_vex" / "2022-evd-uc-06-001.json"
    doc_id = "2022-EVD-UC-06-001"
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"mappings": [
        {"model": "ABC", "release": "4.2",
         "csaf_products": [{"document": doc_id, "product_id": "CSAFPID-0001"}]},
        {"model": "ABC", "release": "2.4",
         "csaf_products": [{"document": doc_id, "product_id": "CSAFPID-0002"}]},
        {"model": "ABC", "release": "1.0",
         "csaf_products": [{"document": "NO-SUCH-DOC-1", "product_id": "CSAFPID-0001"}]}]}))
    sboms = {}
    for name, version in (("ABC", "2.4"), ("ABC", "4.3"), ("DEF", "4.2")):
        other = json.loads(json.dumps(RELEASE))
        other["metadata"]["component"]["name"] = name
        other["metadata"]["component"]["version"] = version
        path = tmp_path / f"{name}-{version}.cdx.json"
        path.write_text(json.dumps(other))
        sboms[(name, version)] = str(path)
    args = ["--sbom", release]
    for path in sboms.values():
        args += ["--sbom", path]
    # without the map: nothing ties the VEX document to our components
    plain, _ = match_json(medfw, *args, *feed_args(shared), "--vex", vex)
    assert all(f["vex"] is None for f in plain["findings"])

    doc, err = match_json(medfw, *args, *feed_args(shared), "--vex", vex,
                          "--product-map", mapping)
    found = {(f["sbom"], f["component"]["ref"], f["vulnerability"]): f
             for f in doc["findings"]}
    # ABC 4.2 is CSAFPID-0001, known_not_affected: log4j in it is not affected
    f = found[(str(release), "log4j2", "CVE-2021-44228")]
    assert f["status"] == "not_affected" and f["sources_outcome"] == "undetermined"
    assert f["vex"]["file"] == str(vex)
    assert f["vex"]["scope"] == "product"
    assert f["vex"]["state"] == "known_not_affected"
    assert f["vex"]["json_path"] == "vulnerabilities[0].product_status.known_not_affected[0]"
    assert 'product mapping "Example Company ABC 4.2" -> ABC' in f["vex"]["rule"]
    assert f["vex"]["timestamp"] == "2022-03-03T11:00:00.000Z"
    # ABC 2.4 is CSAFPID-0002, known_affected: the product itself and log4j in it
    abc24 = sboms[("ABC", "2.4")]
    f = found[(abc24, "product-ABC", "CVE-2021-44228")]
    assert f["status"] == "affected" and f["evidence"] == []
    assert f["vex"]["scope"] == "component"
    assert found[(abc24, "log4j2", "CVE-2021-44228")]["status"] == "affected"
    # another release of ABC, another model: the statements are not about them
    for key in (("ABC", "4.3"), ("DEF", "4.2")):
        f = found[(sboms[key], "log4j2", "CVE-2021-44228")]
        assert f["vex"] is None and f["status"] == "undetermined"
        assert (sboms[key], "product-ABC", "CVE-2021-44228") not in found
    # a document that is neither a feed nor a given VEX document is still a problem
    problems = [p for p in doc["problems"] if p["kind"] == "product_map"]
    unknown = [p for p in problems if "NO-SUCH-DOC-1" in p["message"]]
    assert len(unknown) == 1
    assert unknown[0]["file"] == str(mapping)
    assert unknown[0]["json_path"] == "mappings[2].csaf_products[0]"
    assert "NO-SUCH-DOC-1" in err
    # the given VEX document defines its products: no problem, no warning about them
    assert not [p for p in problems if doc_id in p["message"]], problems
    assert doc_id not in err, err
