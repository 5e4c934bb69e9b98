"""medfw vuln import against a real medfwd (docs/vulnerabilities.md, "medfw vuln import"):
a directory of the real testdata feeds with release SBOMs, a VEX file and the product map
(findings with evidence naming the files, the map making the medical advisory match); a
second run changing nothing; a broken file reported with its path while the others are
imported; a file larger than the server's max_body_bytes; a missing token file, a bad
URL, an unreachable server, a refused token; the token never in the output."""
import copy
import json
import os
import re
import shutil
import socket

import pytest

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_devices import audit_events
from test_people import PASSWORD, Client, make_site, make_user
from test_repo_server import token_client
from test_vulns_server import (NEW, NEW_SBOM_BYTES, OLD, SBOM_OLD, by_key, fleet,  # noqa: F401
                               findings)

# The 1.0 release also ships DCMTK, which the CISA medical advisory ICSMA-22-174-01
# names only in words: the product map says that "DCMTK" there is our component.
SBOM_DCMTK = copy.deepcopy(SBOM_OLD)
SBOM_DCMTK["components"].append({"type": "library", "bom-ref": "dcmtk", "name": "DCMTK",
                                 "version": "3.6.6"})
PRODUCT_MAP = {"mappings": [{"model": "DCMTK", "vendor": "OFFIS",
                             "advisory_products": ["DCMTK"]}]}
VEX = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
       "vulnerabilities": [{"id": "CVE-2022-23748",
                            "analysis": {"state": "exploitable",
                                         "lastUpdated": "2025-03-01T00:00:00Z"},
                            "affects": [{"ref": "dante"}]}]}
RECORDS = 13 + 200 + 8 + 10 + 1  # nvd/records, the NVD page, cve5, cisa-icsma, KEV


def import_cli(medfw, url, token_file, *args, check=0, secret=None, env=None):
    """Run medfw vuln import; (stdout, stderr); the token never appears in either."""
    opts = ["--server", url] + (["--token-file", token_file] if token_file else [])
    proc = medfw("vuln", "import", *opts, *args, check=check, env=env)
    out, err = proc.stdout.decode(), proc.stderr.decode()
    if secret:
        assert secret not in out and secret not in err
    return out, err


def write_json(path, doc):
    path.write_text(json.dumps(doc))
    return path


def token_file_of(tmp_path, token, name="token"):
    path = tmp_path / name
    path.write_text(token + "\n")
    os.chmod(path, 0o600)
    return path


def feed_dir(shared, tmp_path):
    """The real feeds, laid out as a mirror would be, with what must not be sent: a
    hidden file, a non-JSON file, a symbolic link to a file and one to a directory."""
    data = shared / "testdata"
    root = tmp_path / "feeds"
    shutil.copytree(data / "nvd/records", root / "nvd/records")
    shutil.copy(data / "nvd/pages/cves-2023-page.json", root / "nvd")
    shutil.copytree(data / "cve5", root / "cve5")
    shutil.copytree(data / "csaf/cisa-icsma", root / "csaf/cisa-icsma")
    shutil.copy(data / "kev/known_exploited_vulnerabilities.subset.json", root)
    (root / ".partial.json").write_text("{")
    (root / "README.txt").write_text("mirror of 2025-03-01\n")
    outside = tmp_path / "outside.json"
    outside.write_text("not json")
    os.symlink(outside, root / "link.json")
    os.symlink(data / "osv/records", root / "osv-link")
    return root


def server_with_token(srv):
    status, _, _ = srv.json("POST", "/api/v1/bootstrap",
                            {"token": srv.bootstrap_token, "username": "root",
                             "password": PASSWORD})
    assert status == 201
    return token_client(srv)


@pytest.fixture
def api(medfwd_server):  # noqa: F811 (fixture)
    srv = medfwd_server()
    return srv, server_with_token(srv)


def test_import_everything_then_again(fleet, medfw, shared, tmp_path):  # noqa: F811
    root = feed_dir(shared, tmp_path)
    token = token_file_of(tmp_path, fleet.t.token)
    old = write_json(tmp_path / "old.cdx.json", SBOM_DCMTK)
    new = tmp_path / "new.cdx.json"
    new.write_bytes(NEW_SBOM_BYTES)  # the signed SBOM target's bytes
    vex = write_json(tmp_path / "dante.vex.json", VEX)
    mapping = write_json(tmp_path / "map.json", PRODUCT_MAP)
    args = [root, "--sbom", f"{OLD}={old}", "--sbom", f"{NEW}={new}", "--vex", vex,
            "--product-map", mapping]
    out, err = import_cli(medfw, fleet.url, token, *args, secret=fleet.t.token)
    lines = out.splitlines()
    sent = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json")
                  if not p.is_symlink() and not p.name.startswith("."))
    assert len(sent) == 33
    feed_lines = [l for l in lines if l.startswith("feed ")]
    # name order, every file once, nothing hidden or linked
    assert [l.split(":")[0][len(f"feed {root}/"):] for l in feed_lines] == sent
    assert "link.json" not in out and "osv-link" not in out and ".partial" not in out
    assert f"feed {root}/nvd/records/CVE-2022-0778.json: added 1, updated 0, unchanged 0, " \
           "rejected 0" in lines
    assert f"feed {root}/nvd/cves-2023-page.json: added 200, updated 0, unchanged 0, " \
           "rejected 0" in lines
    assert lines[0] == f"product map {mapping}: 1 mappings, stored"
    # components: the SBOM's product counts as one
    assert f"sbom {OLD} ({old}): stored, 5 components, model ABC, not (yet) a signed " \
           "target of the repository" in lines
    # (replacing the one the fleet's commit attached: test_sbom_attach.py)
    assert f"sbom {NEW} ({new}): replaced, 4 components, model ABC, the signed SBOM target" \
        in lines
    assert f"vex {vex}: 1 statements kept, 0 not kept, added" in lines
    # then it waited for the server's background evaluation of all of it
    assert re.fullmatch(r"re-evaluated \(generation \d+\): 2 releases, \d+ findings "
                        r"\(\d+ new, \d+ changed, \d+ status changes\)", lines[-2]), lines[-2]
    assert lines[-1] == (f"medfw vuln import: 37 of 37 files sent: 37 accepted, 0 refused; "
                         f"records: {RECORDS} added, 0 updated, 0 unchanged, 0 rejected")
    assert err == ""

    # what the server made of it: evidence names the files as sent (below the directory)
    c = fleet.c
    f = by_key(findings(c, OLD))
    ssl = f[("openssl", "CVE-2022-0778")]
    assert ssl["status"] == "affected" and ssl["fixed_by"] == NEW
    assert ssl["evidence"][0]["file"] == "nvd/records/CVE-2022-0778.json"
    dcmtk = f[("dcmtk", "CVE-2022-2119")]  # through the product map
    assert dcmtk["status"] == "affected"
    assert dcmtk["evidence"][0]["file"] == "csaf/cisa-icsma/icsma-22-174-01.json"
    assert "product mapping" in dcmtk["evidence"][0]["comparison"]
    assert f[("dante", "CVE-2022-23748")]["status"] == "affected"  # the VEX file
    status, h, body = c.call("GET", "/api/v1/vulnerabilities/product-map")
    assert status == 200 and body == PRODUCT_MAP
    before = findings(c)
    assert before["total"] > 5
    imported = [a for a in audit_events(c, "vulnerabilities.imported")]
    assert len(imported) == 33

    # the same again: nothing added, updated or re-evaluated into anything new
    out, err = import_cli(medfw, fleet.url, token, *args, secret=fleet.t.token)
    lines = out.splitlines()
    assert all(re.search(r": added 0, updated 0, unchanged \d+, rejected 0$", l)
               for l in lines if l.startswith("feed "))
    assert lines[0] == f"product map {mapping}: 1 mappings, unchanged"
    assert f"vex {vex}: 1 statements kept, 0 not kept, unchanged" in lines
    assert f"sbom {OLD} ({old}): replaced, 5 components, model ABC, not (yet) a signed " \
           "target of the repository" in lines
    evals = [l for l in lines if l.startswith("re-evaluated")]
    assert len(evals) == 1 and evals[0].endswith("(0 new, 0 changed, 0 status changes)"), out
    assert lines[-1] == (f"medfw vuln import: 37 of 37 files sent: 37 accepted, 0 refused; "
                         f"records: 0 added, 0 updated, {RECORDS} unchanged, 0 rejected")
    assert findings(c) == before


def test_broken_file_reported_others_imported(api, medfw, shared, tmp_path):
    srv, t = api
    url = f"http://127.0.0.1:{srv.port}"
    data = shared / "testdata"
    d = tmp_path / "mixed"
    d.mkdir()
    shutil.copy(data / "nvd/records/CVE-2022-0778.json", d / "a-openssl.json")
    (d / "b-broken.json").write_text('{"vulnerabilities": [')
    (d / "c-unknown.json").write_text('{"hello": "world"}')
    shutil.copy(data / "cve5/CVE-2024-3094.json", d / "d-xz.json")
    page = json.loads((data / "nvd/pages/cves-2023-page.json").read_bytes())
    page["vulnerabilities"][5]["cve"]["published"] = "yesterday"
    (d / "e-page.json").write_text(json.dumps(page))
    token = token_file_of(tmp_path, t.token)
    out, err = import_cli(medfw, url, token, d, check=1, secret=t.token)
    lines = out.splitlines()
    assert f"feed {d}/a-openssl.json: added 1, updated 0, unchanged 0, rejected 0" in lines
    assert f"feed {d}/d-xz.json: added 1, updated 0, unchanged 0, rejected 0" in lines
    assert f"feed {d}/e-page.json: added 199, updated 0, unchanged 0, rejected 1" in lines
    rejected = [l for l in lines if l.startswith("  rejected ")]
    assert len(rejected) == 1 and rejected[0].startswith("  rejected vulnerabilities[5]: ")
    assert "published" in rejected[0]
    broken = [l for l in err.splitlines() if "b-broken.json" in l]
    assert broken and broken[0].startswith(f"medfw vuln import: {d}/b-broken.json: refused: "
                                           "HTTP 400 invalid_feed: ")
    assert any(f"{d}/c-unknown.json: refused: HTTP 400 invalid_feed: " in l and
               "not a known feed format" in l for l in err.splitlines())
    assert lines[-1] == ("medfw vuln import: 5 of 5 files sent: 3 accepted, 2 refused; "
                         "records: 201 added, 0 updated, 0 unchanged, 1 rejected")
    # the accepted ones are stored: sent again, they are unchanged
    out, _ = import_cli(medfw, url, token, d / "a-openssl.json", d / "d-xz.json",
                        secret=t.token)
    assert "records: 0 added, 0 updated, 2 unchanged, 0 rejected" in out


def test_file_larger_than_the_server_accepts(medfwd_server, medfw, shared,  # noqa: F811
                                             tmp_path):
    srv = medfwd_server("max_body_bytes = 64KiB\n")
    t = server_with_token(srv)
    data = shared / "testdata"
    d = tmp_path / "feeds"
    d.mkdir()
    shutil.copy(data / "nvd/pages/cves-2023-page.json", d / "a-page.json")  # 479 KB
    shutil.copy(data / "nvd/records/CVE-2022-0778.json", d / "b-openssl.json")
    out, err = import_cli(medfw, f"http://127.0.0.1:{srv.port}",
                          token_file_of(tmp_path, t.token), d, check=1, secret=t.token)
    size = (d / "a-page.json").stat().st_size
    assert f"medfw vuln import: {d}/a-page.json: refused: {size} bytes, larger than the " \
           "server accepts (its max_body_bytes); skipped" in err
    assert "HTTP 413 too_large" in err
    assert f"feed {d}/b-openssl.json: added 1, updated 0, unchanged 0, rejected 0" in out
    assert "2 of 2 files sent: 1 accepted, 1 refused" in out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_usage_connection_and_token_errors(api, medfw, shared, tmp_path):
    srv, t = api
    url = f"http://127.0.0.1:{srv.port}"
    feed = shared / "testdata/nvd/records/CVE-2022-0778.json"
    token = token_file_of(tmp_path, t.token)
    # usage: nothing is sent
    _, err = import_cli(medfw, url, tmp_path / "missing-token", feed, check=2)
    assert "medfw vuln import: --token-file: " in err and "missing-token" in err
    _, err = import_cli(medfw, url, token_file_of(tmp_path, "", "empty"), feed, check=2)
    assert "no token" in err
    _, err = import_cli(medfw, url, None, feed, check=2, env={"MEDFW_TOKEN": ""})
    assert "no token" in err or "--token-file" in err
    _, err = import_cli(medfw, "ftp://127.0.0.1/", token, feed, check=2)
    assert "http:// or https://" in err
    assert medfw("vuln", "import", "--token-file", token, feed, check=2).stderr
    _, err = import_cli(medfw, url, token, check=2)
    assert "nothing to import" in err
    _, err = import_cli(medfw, url, token, feed, tmp_path / "no-such-dir", check=2)
    assert f"{tmp_path}/no-such-dir" in err
    _, err = import_cli(medfw, url, token, "--sbom", "no-equals-sign", check=2)
    assert "TARGET=FILE" in err
    _, err = import_cli(medfw, url, token, "--vex", tmp_path / "nope.json", check=2)
    assert "--vex" in err and "nope.json" in err
    for bad in ("-1", "86401", "soon", ""):
        _, err = import_cli(medfw, url, token, "--wait", bad, feed, check=2)
        assert "--wait takes seconds from 0 to 86400" in err, err
    c = Client(srv)
    c.login("root")
    assert audit_events(c, "vulnerabilities.imported") == []  # nothing was sent

    # a server that is not there: one message, then stop (exit 1)
    dead = f"http://127.0.0.1:{free_port()}"
    out, err = import_cli(medfw, dead, token, feed, feed, check=1, secret=t.token)
    assert err.count("cannot reach the server") == 1, err
    assert "1 of 2 files sent: 0 accepted, 1 refused" in out
    # a token the server does not know: refused, and the run stops
    bad = "mft_" + "A" * 40
    out, err = import_cli(medfw, url, token_file_of(tmp_path, bad, "bad-token"), feed, feed,
                          check=1, secret=bad)
    assert "refused: HTTP 401" in err and "stopping" in err
    assert "1 of 2 files sent" in out
    # a hospital's security officer may read but not import (manufacturer-wide data)
    make_user(c, "officer", "security_officer", make_site(c, "General"))
    officer = token_client(srv, "officer")
    out, err = import_cli(medfw, url, token_file_of(tmp_path, officer.token, "officer"), feed,
                          check=1, secret=officer.token)
    assert "refused: HTTP 403 forbidden" in err and "manufacturer-wide" in err
    # MEDFW_TOKEN works as well, and is not printed either
    out, err = import_cli(medfw, url, None, feed, env={"MEDFW_TOKEN": t.token},
                          secret=t.token)
    assert "records: 1 added" in out
    assert re.search(r"^re-evaluated \(generation \d+\): 0 releases", out, re.M), out
    # --wait 0: the changes are queued, the command does not wait for their evaluation
    other = shared / "testdata/nvd/records/CVE-2024-3094.json"
    out, err = import_cli(medfw, url, token, "--wait", "0", other, secret=t.token)
    assert "records: 1 added" in out and "re-evaluated" not in out, out
    assert t.token not in srv.log_text()
