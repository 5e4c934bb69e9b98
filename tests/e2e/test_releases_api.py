"""The releases the hosted repository signs, as an API (docs/director.md, "Releases"):
GET /api/v1/repository/releases (newest first, paged, ?q=), GET
/api/v1/repository/releases/{target*} (the whole notice and the metadata that signs it)
and GET /api/v1/devices/{device}/release, against a real medfwd hosting a real
repository: signatures against thresholds (top-level 2 of 3, a delegated role 2 of 2,
a nested delegation), SBOM and open findings from the store with and without an SBOM,
devices running each image counted in the caller's site scope, a device's release (200,
404 for an unsigned image, no image or another site's device), the repository not set
up yet, a tree that stops verifying when its timestamp expires, a new commit seen at
once, and bad parameters refused."""
import hashlib
import json
import os
import time

import pytest

import tufrepo
from agent_fixture import HW, Fleet
from repo_fixture import notice
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import Device, new_device
from test_people import Client, make_site, make_user
from test_repo_server import raw, token_client, upload_other
from test_sbom_attach import publish
from test_vulns_server import (NEW, OLD, SBOM_NEW_TARGET, SBOM_OLD, checkin, device_on,
                               evaluated, findings, record, releases, sha)

LIST = "/api/v1/repository/releases"
OPEN = ("affected", "under_investigation", "undetermined")
SEVERITIES = ("critical", "high", "medium", "low", "none")


def listing(c, query=""):
    status, _, body = c.call("GET", LIST + query)
    assert status == 200, body
    return body


def by_target(body):
    return {r["target"]: r for r in body["releases"]}


def release(c, target):
    status, _, body = c.call("GET", f"{LIST}/{target}")
    assert status == 200, body
    return body


def device_release(c, device_id):
    return c.call("GET", f"/api/v1/devices/{device_id}/release")


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):  # noqa: F811
    return Fleet(medfwd_server("vuln_eval_delay = 0s\n"), medfw, tmp_path, releases())


def test_list_signatures_sbom_findings_and_paging(fleet, shared):
    c, t = fleet.c, fleet.t
    body = listing(c)
    assert body["repository"]["state"] == "served" and body["repository"]["message"] is None
    assert body["repository"]["tree"] >= 1 and body["other_targets"] == 0
    # newest first: release_date from the notice, then the name
    assert [r["target"] for r in body["releases"]] == [NEW, SBOM_NEW_TARGET, OLD]
    assert body["total"] == 3 and body["limit"] == 50 and body["offset"] == 0
    assert body["next_offset"] is None
    signers = {fleet.repo.keyids["targets1"], fleet.repo.keyids["targets2"]}
    for name, r in by_target(body).items():
        data, doc = fleet.images[name]
        assert r["length"] == len(data) and r["sha256"] == sha(data), r
        assert r["product_version"] == doc["product_version"]
        assert r["security_version"] == doc["security_version"]
        assert r["release_date"] == doc["release_date"]
        assert r["hardware_ids"] == doc["hardware_ids"] and r["udi_dis"] == doc["udi_dis"]
        assert r["notice_summary"] == {k: doc[k] for k in (
            "min_agent_version", "install", "clinical_impact", "reason", "rollback_supported",
            "sbom_target")}
        # the Repo fixture: targets 2 of 3 keys, signed by targets1 and targets2
        s = r["signed_by"]
        assert s["role"] == "targets" and s["delegated_by"] is None, s
        assert s["threshold"] == 2 and s["valid_signatures"] == 2, s
        assert set(s["keyids"]) == signers and s["version"] >= 1 and s["expires"]
        assert r["devices"] == 0 and "notice" not in r
    # the commit attached NEW's signed SBOM; OLD has none: no findings either
    new, old = by_target(body)[NEW], by_target(body)[OLD]
    assert new["sbom"]["stored"] is True and new["sbom"]["signed"] is True, new["sbom"]
    assert new["sbom"]["components"] == 4 and new["sbom"]["for_this_image"] is True
    assert old["sbom"] == {"stored": False, "signed": False, "components": None,
                           "format": None, "sbom_sha256": None, "for_this_image": None,
                           "updated_at": None}
    assert old["findings"] is None
    assert new["findings"]["open"] == 0 and set(new["findings"]["by_severity"]) == \
        set(SEVERITIES) and set(new["findings"]["by_status"]) == set(OPEN)

    # an SBOM for OLD (uploaded, unsigned) and a record that affects it: open findings
    status, _, body = raw(t, "PUT", f"/api/v1/releases/{OLD}/sbom",
                          json.dumps(SBOM_OLD).encode(), "application/json")
    assert status == 201, body
    status, _, body = raw(t, "POST", "/api/v1/vulnerabilities/import?name=CVE-2022-0778.json",
                          record(shared, "CVE-2022-0778.json"), "application/json")
    assert status == 200 and body["added"] == 1, body
    evaluated(t, body)
    old = by_target(listing(c))[OLD]
    assert old["sbom"]["stored"] is True and old["sbom"]["signed"] is False, old["sbom"]
    assert old["sbom"]["components"] == 4 and old["sbom"]["for_this_image"] is True
    want = [f for f in findings(c, OLD)["findings"] if f["status"] in OPEN]
    assert want, "the record affects openssl 1.1.1i"
    got = old["findings"]
    assert got["open"] == len(want)
    assert got["by_status"] == {s: sum(f["status"] == s for f in want) for s in OPEN}
    assert got["by_severity"] == {s: sum(f["severity_level"] == s for f in want)
                                  for s in SEVERITIES}
    assert got["kev"] == sum(f["kev"]["listed"] for f in want)

    # paging like the device list
    body = listing(c, "?limit=1")
    assert [r["target"] for r in body["releases"]] == [NEW]
    assert body["total"] == 3 and body["next_offset"] == 1
    body = listing(c, "?limit=2&offset=1")
    assert [r["target"] for r in body["releases"]] == [SBOM_NEW_TARGET, OLD]
    assert body["next_offset"] is None
    body = listing(c, "?offset=7")
    assert body["releases"] == [] and body["total"] == 3
    # q: a substring of the target name or of the product version, any case
    assert [r["target"] for r in listing(c, "?q=FW-1")["releases"]] == [OLD]
    body = listing(c, "?q=2.0")
    assert [r["target"] for r in body["releases"]] == [NEW, SBOM_NEW_TARGET]
    assert body["total"] == 2
    assert listing(c, "?q=sbom/")["total"] == 1
    assert listing(c, "?q=nothing-like-it")["total"] == 0
    # bad parameters: 400 naming them
    for query, field in (("?limit=0", "limit"), ("?limit=abc", "limit"), ("?limit=201", "limit"),
                         ("?offset=-1", "offset"), ("?q=" + "x" * 257, "q")):
        status, _, body = c.call("GET", LIST + query)
        assert status == 400 and body["error"]["code"] == "invalid", (query, body)
        assert body["error"]["field"] == field, (query, body)
    assert Client(fleet.server).call("GET", LIST)[0] == 401

    # one release: the list's fields, the whole notice as signed, the metadata
    one = release(c, NEW)
    assert {k: v for k, v in one.items() if k not in ("notice", "metadata")} == \
        by_target(listing(c))[NEW]
    assert one["notice"] == fleet.images[NEW][1]
    assert one["notice"] == fleet.signed(NEW)["custom"]["medfw"]["release_notice"]
    meta = one["metadata"]
    assert meta["delegated"] is None and meta["targets"] == one["signed_by"]
    keyids = fleet.repo.keyids
    assert meta["root"]["threshold"] == 2 and meta["root"]["valid_signatures"] == 2
    assert set(meta["root"]["keyids"]) == {keyids["root1"], keyids["root2"]}
    for role in ("timestamp", "snapshot"):
        assert meta[role]["role"] == role and meta[role]["threshold"] == 1, meta[role]
        assert meta[role]["valid_signatures"] == 1 and meta[role]["keyids"] == [keyids[role]]
        assert meta[role]["version"] >= 1 and meta[role]["expires"].endswith("Z")
    status, _, body = c.call("GET", f"{LIST}/pump/fw-9.9.img")
    assert status == 404 and body["error"]["code"] == "not_found", body
    assert "pump/fw-9.9.img" in body["error"]["message"]

    # a new commit is seen at once
    newer = "pump/fw-3.0.img"
    publish(fleet, {newer: (b"firmware 3.0\n" * 100,
                            dict(fleet.images[NEW][1], product_version="3.0",
                                 security_version=9, release_date="2024-09-01",
                                 sbom_target="sbom/pump-3.0.cdx.json"))})
    body = listing(c)
    assert [r["target"] for r in body["releases"]][:2] == [newer, NEW] and body["total"] == 4
    assert by_target(body)[newer]["notice_summary"]["sbom_target"] == "sbom/pump-3.0.cdx.json"
    assert by_target(body)[newer]["sbom"]["stored"] is False


def test_devices_counted_in_scope_and_device_release(fleet):
    c = fleet.c
    other = make_site(c, "Mercy")
    on_new = [device_on(fleet, fleet.site, f"G-{i}", NEW) for i in range(2)]
    far = device_on(fleet, other, "M-1", NEW)
    device_on(fleet, other, "M-2", OLD)
    unsigned = device_on(fleet, fleet.site, "G-X", NEW)
    status, resp = unsigned.checkin({"firmware_version": "2.0", "agent_version": "1.3.0",
                                     "image_sha256": sha(b"a build nobody signed"),
                                     "clinical_state": "idle"})
    assert status == 200, resp
    silent = new_device(c, fleet.site, "G-NEW")  # never checked in

    counts = {r["target"]: r["devices"] for r in listing(c)["releases"]}
    assert counts == {NEW: 3, SBOM_NEW_TARGET: 0, OLD: 1}, counts
    # site staff see their site's devices only
    make_user(c, "ce", "clinical_engineer", fleet.site)
    ce = token_client(fleet.server, "ce")
    status, _, body = ce.call("GET", LIST)
    assert status == 200, body
    assert {r["target"]: r["devices"] for r in body["releases"]} == \
        {NEW: 2, SBOM_NEW_TARGET: 0, OLD: 0}
    assert ce.call("GET", f"{LIST}/{NEW}")[2]["devices"] == 2
    # a device moving to another release moves the counts
    checkin(fleet, on_new[1], OLD)
    assert {r["target"]: r["devices"] for r in ce.call("GET", LIST)[2]["releases"]} == \
        {NEW: 1, SBOM_NEW_TARGET: 0, OLD: 1}

    # the release a device runs
    status, _, body = device_release(ce, on_new[0].id)
    assert status == 200, body
    assert body["device_id"] == on_new[0].id and body["target"] == NEW
    assert body["sha256"] == sha(fleet.images[NEW][0]) and body["length"] == len(
        fleet.images[NEW][0])
    assert body["notice"] == fleet.images[NEW][1] and body["devices"] == 1
    assert body["sbom"]["stored"] is True and body["findings"]["open"] == 0
    assert body["signed_by"]["valid_signatures"] == 2 and "metadata" not in body
    status, _, body = device_release(c, on_new[1].id)
    assert status == 200 and body["target"] == OLD and body["devices"] == 2, body
    # an image no one signed, no image at all, another site's device, no device
    status, _, body = device_release(ce, unsigned.id)
    assert status == 404 and body["error"]["code"] == "not_found", body
    msg = body["error"]["message"]
    assert "not a signed release of this repository" in msg, msg
    assert sha(b"a build nobody signed")[:12] in msg, msg
    status, _, body = device_release(ce, silent["id"])
    assert status == 404 and "has not reported" in body["error"]["message"], body
    status, _, body = device_release(ce, far.id)
    assert status == 404 and body["error"]["message"] == "no such device", body
    assert device_release(c, far.id)[2]["target"] == NEW
    assert device_release(c, 99999)[0] == 404
    assert device_release(c, "x")[0] == 404


def test_delegated_roles_two_of_two_and_other_targets(medfwd_server):  # noqa: F811
    srv = medfwd_server()
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": "correct horse battery staple"})
    assert status == 201, body
    t = token_client(srv)
    other = tufrepo.Repository()
    other.add_delegation("targets", "pump-team", ["pump/*", "pump/*/*"], threshold=2, keys=2)
    other.add_delegation("pump-team", "pump-nightly", ["pump/nightly/*"])
    other.add_target("targets", "base.img", b"base" * 100)  # no release notice
    images = {"targets": ("top.img", os.urandom(1500), "2024-02-01"),
              "pump-team": ("pump/fw-5.img", os.urandom(4000), "2024-03-01"),
              "pump-nightly": ("pump/nightly/fw-6.img", os.urandom(3000), "2024-04-01")}
    for role, (path, data, date) in images.items():
        other.add_target(role, path, data)
        other.signed[role]["targets"][path]["custom"] = {"medfw": {"release_notice": notice(
            release_date=date, product_version=date[:7])}}
    for role in ("pump-nightly", "pump-team", "targets"):
        other.bump(role)
    other.update_snapshot()
    status, _, body = raw(t, "POST", "/api/v1/repository/trusted-root",
                          other.files["metadata/1.root.json"], "application/json")
    assert status == 201, body
    upload_other(t, other, roles=("pump-team", "pump-nightly"))
    status, _, body = raw(t, "POST", "/api/v1/repository/commit")
    assert status == 200, body

    body = t.call("GET", LIST)[2]
    assert [r["target"] for r in body["releases"]] == \
        ["pump/nightly/fw-6.img", "pump/fw-5.img", "top.img"]
    assert body["other_targets"] == 1  # base.img: signed, but not a release
    rel = by_target(body)
    team = rel["pump/fw-5.img"]["signed_by"]
    assert team["role"] == "pump-team" and team["delegated_by"] == "targets", team
    assert team["threshold"] == 2 and team["valid_signatures"] == 2, team
    assert sorted(team["keyids"]) == sorted(k.keyid for k in other.signers["pump-team"])
    nightly = rel["pump/nightly/fw-6.img"]["signed_by"]
    assert nightly["role"] == "pump-nightly" and nightly["delegated_by"] == "pump-team"
    assert nightly["threshold"] == 1 and nightly["valid_signatures"] == 1
    assert nightly["keyids"] == [other.signers["pump-nightly"][0].keyid]
    top = rel["top.img"]["signed_by"]
    assert top["role"] == "targets" and top["keyids"] == [other.signers["targets"][0].keyid]
    for role, (path, data, _) in images.items():
        assert rel[path]["sha256"] == hashlib.sha256(data).hexdigest()
        assert rel[path]["length"] == len(data) and rel[path]["sbom"]["stored"] is False

    one = t.call("GET", f"{LIST}/pump/nightly/fw-6.img")[2]
    assert one["metadata"]["delegated"] == nightly
    assert one["metadata"]["targets"]["role"] == "targets"
    assert one["metadata"]["targets"]["version"] == other.signed["targets"]["version"]
    assert one["notice"] == other.signed["pump-nightly"]["targets"]["pump/nightly/fw-6.img"][
        "custom"]["medfw"]["release_notice"]
    status, _, body = t.call("GET", f"{LIST}/base.img")
    assert status == 404 and "not a release" in body["error"]["message"], body
    assert "base.img" in body["error"]["message"]
    assert t.call("GET", LIST + "?q=nightly")[2]["total"] == 1


def test_not_set_up_then_expired(medfwd_server):  # noqa: F811
    srv = medfwd_server()
    status, _, body = srv.json("POST", "/api/v1/bootstrap",
                               {"token": srv.bootstrap_token, "username": "root",
                                "password": "correct horse battery staple"})
    assert status == 201, body
    t = token_client(srv)
    adm = Client(srv)
    adm.login("root")
    # nothing served yet: an empty list that says what to do
    body = t.call("GET", LIST)[2]
    assert body["releases"] == [] and body["total"] == 0 and body["next_offset"] is None
    repo = body["repository"]
    assert repo["state"] == "not_set_up" and repo["tree"] is None, repo
    assert "/api/v1/repository/trusted-root" in repo["message"], repo
    status, _, body = t.call("GET", f"{LIST}/fw.img")
    assert status == 404 and body["error"]["code"] == "not_found", body
    site = make_site(adm, "General")
    dev = Device(srv)
    rec = new_device(adm, site, "SN-1")
    token = adm.call("POST", f"/api/v1/devices/{rec['id']}/enrolment-token", {})[2]["token"]
    assert dev.enrol(token)[0] == 200
    data = b"firmware" * 100
    assert dev.checkin({"firmware_version": "1.0", "agent_version": "1.3.0",
                        "image_sha256": sha(data), "clinical_state": "idle"})[0] == 200
    status, _, body = device_release(t, dev.id)
    assert status == 404 and "serves nothing yet" in body["error"]["message"], body

    # a repository whose timestamp expires in a few seconds: served, then not verifying
    other = tufrepo.Repository()
    other.add_target("targets", "fw.img", data)
    other.signed["targets"]["targets"]["fw.img"]["custom"] = {
        "medfw": {"release_notice": notice()}}
    other.bump("targets")
    other.update_snapshot()
    lifetime = 10
    other.signed["timestamp"]["expires"] = tufrepo.utc(lifetime / 86400)
    other.update_timestamp()
    expires = time.time() + lifetime
    assert raw(t, "POST", "/api/v1/repository/trusted-root",
               other.files["metadata/1.root.json"], "application/json")[0] == 201
    upload_other(t, other, roles=())
    status, _, body = raw(t, "POST", "/api/v1/repository/commit")
    assert status == 200, body
    body = t.call("GET", LIST)[2]
    assert body["repository"]["state"] == "served", body["repository"]
    assert [r["target"] for r in body["releases"]] == ["fw.img"]
    assert body["repository"]["valid_until"] == other.signed["timestamp"]["expires"]
    assert device_release(t, dev.id)[2]["target"] == "fw.img"
    time.sleep(max(0.0, expires - time.time()) + 1.5)
    body = t.call("GET", LIST)[2]
    repo = body["repository"]
    assert repo["state"] == "not_verifying" and body["releases"] == [], repo
    assert "timestamp" in repo["message"] and "expired" in repo["message"], repo
    status, _, body = t.call("GET", f"{LIST}/fw.img")
    assert status == 409 and body["error"]["code"] == "conflict", body
    status, _, body = device_release(t, dev.id)
    assert status == 409 and "does not verify" in body["error"]["message"], body
