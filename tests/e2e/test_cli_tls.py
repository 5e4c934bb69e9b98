"""The people-side commands that talk to medfwd (medfw push, medfw vuln import) over
https trust exactly the CA given with --ca: the server's own CA works, another CA and
the system store (which does not know the test CA) are refused, nothing is sent then."""
import shutil

import pytest

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_device_client import bootstrap, make_server_pki
from test_repo_server import build_repo, token_client

KEV = "testdata/kev/known_exploited_vulnerabilities.subset.json"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_push_and_vuln_import_trust_only_the_given_ca(medfwd_server, medfw, tmp_path, shared):
    ca, other, cert, key = make_server_pki(tmp_path / "pki")
    srv = bootstrap(medfwd_server(f"tls_cert = {cert}\ntls_key = {key}\n"))
    assert srv.scheme == "https"
    url = f"https://127.0.0.1:{srv.port}"
    tok = tmp_path / "token"
    tok.write_text(token_client(srv).token + "\n")
    repo, files = build_repo(medfw, tmp_path)
    root1 = repo.dir / "metadata" / "1.root.json"
    push = ["push", "--server", url, "--token-file", tok, "--repo", repo.dir, "--pin-root", root1]
    # the system store does not know the test CA; another CA is not the server's
    for extra in ([], ["--ca", other]):
        proc = medfw(*push, *extra, check=1)
        assert b"certificate" in proc.stderr.lower() or b"ssl" in proc.stderr.lower(), proc.stderr
    assert srv.request("GET", "/repo/metadata/timestamp.json")[0] == 404
    proc = medfw(*push, "--ca", ca, check=0)
    assert b"committed" in proc.stdout
    assert srv.request("GET", "/repo/targets/pump/fw-4.2.1.img")[2] == files["pump/fw-4.2.1.img"]
    # vuln import: the same
    kev = shared / KEV
    imp = ["vuln", "import", "--server", url, "--token-file", tok, kev]
    medfw(*imp, "--ca", other, check=1)
    proc = medfw(*imp, "--ca", ca, check=0)
    assert b"1 accepted" in proc.stdout, proc.stdout
    assert tok.read_text().strip().encode() not in proc.stdout + proc.stderr
    # a CA file that cannot be read: usage-level refusal, nothing sent
    proc = medfw(*imp, "--ca", tmp_path / "missing.pem")
    assert proc.returncode in (1, 2) and b"missing.pem" in proc.stderr
