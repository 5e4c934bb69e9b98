"""A repository commit attaches a release's signed SBOM by itself (docs/vulnerabilities.md,
"Release SBOMs"): when the committed tree serves the target a release notice names as its
sbom_target, medfwd reads it from the tree, checks it against the signed length and
hashes, parses it and stores it as the release's SBOM (sbom_signed, audited, one
re-evaluation), replacing an unsigned upload; a commit that changes nothing attaches
nothing; releases whose SBOM target is not served or does not parse are reported as
skipped and the commit stands; a tampered served SBOM is never stored."""
import json

from agent_fixture import Fleet, agent_notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import audit_events
from test_repo_server import raw, upload_raw
from test_vulns_server import (NEW, NEW_SBOM_BYTES, OLD, SBOM_NEW_TARGET, SBOM_OLD, by_key,
                               evaluated, findings, record, releases, sha)

BAD, SBOM_BAD_TARGET = "pump/fw-3.0.img", "sbom/pump-3.0.cdx.json"
ATTACHED = "repository commit"


def commit(fleet, targets=True):
    """Upload the repository as it is and commit it: the answer."""
    assert raw(fleet.t, "DELETE", "/api/v1/repository/staging")[0] in (200, 204)
    upload_raw(fleet.t, fleet.repo.dir, targets=targets)
    return raw(fleet.t, "POST", "/api/v1/repository/commit")


def publish(fleet, rel):
    """Fleet.publish of more releases, answering the commit's answer."""
    for name, (data, doc) in rel.items():
        img = fleet.tmp / name.replace("/", "_")
        img.write_bytes(data)
        fleet.repo.add_release(img, name=name, notice_doc=doc)
        fleet.images[name] = (data, doc)
    fleet.repo.sign("targets", "targets1", "targets2")
    fleet.repo.publish()
    status, _, body = commit(fleet)
    assert status == 200, body
    return body


def stored(fleet):
    """The release.sbom_stored audit records' details, oldest first, without the request's
    address and id."""
    return [{k: v for k, v in a["detail"].items() if k not in ("remote", "request_id")}
            for a in audit_events(fleet.c, "release.sbom_stored")]


def sbom_record(fleet, release):
    status, _, body = fleet.c.call("GET", "/api/v1/releases?limit=100")
    assert status == 200, body
    return next((r for r in body["releases"] if r["release"] == release), None)


def skipped(answer):
    return {s["target"]: s["reason"] for s in answer["sboms"]["skipped"]}


def test_commit_attaches_the_signed_sbom(medfwd_server, medfw, shared, tmp_path):  # noqa: F811
    rel = releases()
    sbom_target = {SBOM_NEW_TARGET: rel.pop(SBOM_NEW_TARGET)}
    fleet = Fleet(medfwd_server("vuln_eval_delay = 0s\n"), medfw, tmp_path, rel)
    t, c = fleet.t, fleet.c
    # the first commit does not serve NEW's SBOM target: nothing to attach
    assert raw(t, "GET", f"/api/v1/releases/{NEW}/sbom")[0] == 404
    assert stored(fleet) == []
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/import?name=CVE-2022-0778.json",
                          record(shared, "CVE-2022-0778.json"), "application/json")
    assert status == 200 and body["added"] == 1, body
    # an SBOM uploaded by hand while the target is not served: kept, not signed
    # (the 1.0 SBOM: openssl 1.1.1i, affected)
    status, _, body = raw(t, "PUT", f"/api/v1/releases/{NEW}/sbom", json.dumps(SBOM_OLD).encode(),
                          "application/json")
    assert status == 201 and body["sbom_signed"] is False, body
    evaluated(t, body)
    assert by_key(findings(c, NEW))[("openssl", "CVE-2022-0778")]["status"] == "affected"

    # the commit that serves the SBOM target attaches it, replacing the upload
    answer = publish(fleet, sbom_target)
    sboms = answer["sboms"]
    assert sboms["attached"] == [NEW] and sboms["error"] is None, sboms
    assert "not served" in skipped(answer)[OLD] and "sbom/pump-1.0.cdx.json" in skipped(answer)[OLD]
    assert NEW not in skipped(answer)
    assert sorted([NEW] + list(skipped(answer))) == sorted(fleet.images)  # every target once
    rec = sbom_record(fleet, NEW)
    assert rec["sbom_signed"] is True and rec["sbom_sha256"] == sha(NEW_SBOM_BYTES), rec
    assert rec["sbom_target"] == SBOM_NEW_TARGET and rec["model"] == "ABC"
    assert rec["image_sha256"] == sha(fleet.images[NEW][0]) and rec["components"] == 4
    status, _, exported = raw(t, "GET", f"/api/v1/releases/{NEW}/sbom")
    assert status == 200 and exported["serialNumber"] == json.loads(NEW_SBOM_BYTES)["serialNumber"]
    audit = stored(fleet)
    assert len(audit) == 2 and audit[-1] == {
        "release": NEW, "sbom_sha256": sha(NEW_SBOM_BYTES), "signed": True, "components": 4,
        "replaced": True, "attached": ATTACHED}, audit
    assert "attached" not in audit[0]  # the upload
    events = [r for r in fleet.server.log_records()
              if r.get("event", "").startswith("repository.sbom.")]
    assert any(r["event"] == "repository.sbom.attached" and r["msg"].startswith(NEW)
               for r in events), events
    assert any(r["event"] == "repository.sbom.skipped" and r["msg"].startswith(OLD)
               for r in events), events
    # one re-evaluation: the findings follow the signed SBOM (openssl 3.0.13)
    stats = evaluated(t, sboms)
    assert stats["releases"] == 1, stats
    finding = by_key(findings(c, NEW))[("openssl", "CVE-2022-0778")]
    assert finding["status"] == "not_affected", finding
    status, _, body = c.call("GET", f"/api/v1/vulnerabilities/findings/{finding['id']}")
    assert status == 200, body
    assert any(h["cause"] == "sbom" and
               "signed SBOMs attached by the repository commit by root" in h["detail"]
               for h in body["history"]), body["history"]

    # the same repository again: nothing attached, nothing evaluated
    status, _, again = commit(fleet)
    assert status == 200, again
    assert again["sboms"]["attached"] == [] and again["sboms"]["evaluation"] is None, again
    assert "already" in skipped(again)[NEW]
    assert "not served" in skipped(again)[OLD]
    assert len(stored(fleet)) == 2

    # a release whose signed SBOM target does not parse: skipped, the commit stands
    answer = publish(fleet, {
        BAD: (b"firmware 3.0\n" * 100, agent_notice(product_version="3.0", security_version=9,
                                                    release_date="2024-09-01",
                                                    sbom_target=SBOM_BAD_TARGET)),
        SBOM_BAD_TARGET: (b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [',
                          agent_notice(product_version="3.0")),
    })
    assert answer["sboms"]["attached"] == [] and answer["sboms"]["evaluation"] is None, answer
    reason = skipped(answer)[BAD]
    assert "not an SBOM medfw reads" in reason and SBOM_BAD_TARGET in reason, reason
    assert raw(t, "GET", f"/api/v1/releases/{BAD}/sbom")[0] == 404
    assert sbom_record(fleet, BAD) is None and len(stored(fleet)) == 2


def test_tampered_served_sbom_is_never_stored(medfwd_server, medfw, tmp_path):  # noqa: F811
    fleet = Fleet(medfwd_server("vuln_eval_delay = 0s\n"), medfw, tmp_path, releases())
    t = fleet.t
    # the fleet's commit attached NEW's signed SBOM without any upload
    rec = sbom_record(fleet, NEW)
    assert rec is not None and rec["sbom_signed"] is True, rec
    assert rec["sbom_sha256"] == sha(NEW_SBOM_BYTES)
    assert [a["release"] for a in stored(fleet)] == [NEW]
    assert stored(fleet)[0]["attached"] == ATTACHED and stored(fleet)[0]["replaced"] is False
    # an upload of the same bytes now replaces it (and is still the signed SBOM)
    status, _, body = raw(t, "PUT", f"/api/v1/releases/{NEW}/sbom", NEW_SBOM_BYTES,
                          "application/json")
    assert status == 200 and body["replaced"] is True and body["sbom_signed"] is True, body
    before = sbom_record(fleet, NEW)

    # the served file changed on disk (same length, other bytes): the next commit that
    # reads the served tree refuses it, and no SBOM is stored from it
    served = fleet.server.data_dir / "repository" / "current" / "targets" / SBOM_NEW_TARGET
    tampered = NEW_SBOM_BYTES.replace(b"3.0.13", b"3.0.99")
    assert len(tampered) == len(NEW_SBOM_BYTES) and tampered != NEW_SBOM_BYTES
    served.write_bytes(tampered)
    status, _, body = commit(fleet, targets=False)
    assert status == 422 and body["error"]["field"] == "MEDFW_ERR_HASH_MISMATCH", body
    assert SBOM_NEW_TARGET in body["error"]["message"]
    assert sbom_record(fleet, NEW) == before
    assert len(stored(fleet)) == 2
