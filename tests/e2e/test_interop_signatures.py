"""Signature and key-id interoperability with securesystemslib 0.26 (the reference
TUF implementation), driving tests/tools/interop_crypto.

For each key type: securesystemslib signs -> we verify (and reject tampering); we sign
-> securesystemslib verifies; our key ids equal securesystemslib's. All keys are made
at run time; no private key is committed.
"""
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from securesystemslib import keys as sslib_keys
from securesystemslib.formats import encode_canonical
from securesystemslib.signer import Signature, SSlibKey

from conftest import run

MESSAGE = b'{"signed":{"_type":"targets","version":1},"note":"\xc3\xa9 raw utf-8"}'
GENERATORS = {
    "ed25519": sslib_keys.generate_ed25519_key,
    "ecdsa": sslib_keys.generate_ecdsa_key,
    "rsa": lambda: sslib_keys.generate_rsa_key(bits=3072),
}


@pytest.fixture(scope="module", params=sorted(GENERATORS))
def sslib_key(request):
    """A securesystemslib key dict (with private part) for each key type."""
    return GENERATORS[request.param]()


def metadata_key_object(key):
    """The public key object as securesystemslib puts it in metadata."""
    return sslib_keys.format_keyval_to_metadata(key["keytype"], key["scheme"],
                                                key["keyval"], private=False)


def pkcs8_pem(key, password=None):
    """The private part of a securesystemslib key as PKCS#8 PEM (what medfw loads)."""
    private = key["keyval"]["private"]
    if key["keytype"] == "ed25519":
        obj = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private))
    else:
        obj = serialization.load_pem_private_key(private.encode(), password=None)
    enc = (serialization.BestAvailableEncryption(password) if password
           else serialization.NoEncryption())
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             enc)


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def test_sslib_signs_we_verify(tool, tmp_path, sslib_key):
    keyobj = write(tmp_path / "key.json", json.dumps(metadata_key_object(sslib_key)))
    msg = write(tmp_path / "msg", MESSAGE)
    sig = sslib_keys.create_signature(sslib_key, MESSAGE)["sig"]
    run([tool("interop_crypto"), "verify", keyobj, msg, sig], check=0)

    # tampered message
    bad_msg = write(tmp_path / "bad", MESSAGE.replace(b"version\":1", b"version\":2"))
    run([tool("interop_crypto"), "verify", keyobj, bad_msg, sig], check=1)
    # tampered, truncated, extended, empty signature
    flipped = sig[:-2] + format(int(sig[-2:], 16) ^ 1, "02x")
    for bad_sig in (flipped, sig[:-2], sig + "00", ""):
        run([tool("interop_crypto"), "verify", keyobj, msg, bad_sig], check=1)
    # a signature from another key of the same type
    other = GENERATORS[sslib_key["keytype"]]()
    other_sig = sslib_keys.create_signature(other, MESSAGE)["sig"]
    run([tool("interop_crypto"), "verify", keyobj, msg, other_sig], check=1)


def test_we_sign_sslib_verifies(tool, tmp_path, sslib_key):
    priv = write(tmp_path / "priv.pem", pkcs8_pem(sslib_key))
    msg = write(tmp_path / "msg", MESSAGE)
    sig = run([tool("interop_crypto"), "sign", priv, msg], check=0).stdout.decode().strip()

    sig_dict = {"keyid": sslib_key["keyid"], "sig": sig}
    assert sslib_keys.verify_signature(sslib_key, sig_dict, MESSAGE)
    assert not sslib_keys.verify_signature(sslib_key, sig_dict, MESSAGE + b" ")
    # and through the signer API
    public = SSlibKey.from_securesystemslib_key(sslib_key)
    public.verify_signature(Signature(sslib_key["keyid"], sig), MESSAGE)
    if sslib_key["keytype"] == "rsa":
        assert len(bytes.fromhex(sig)) == 384


def test_encrypted_pkcs8_from_pyca(tool, tmp_path, sslib_key):
    priv = write(tmp_path / "priv.pem", pkcs8_pem(sslib_key, b"pass phrase"))
    msg = write(tmp_path / "msg", MESSAGE)
    proc = run([tool("interop_crypto"), "sign", priv, msg],
               env={"MEDFW_PASSPHRASE": "pass phrase"}, check=0)
    sig = proc.stdout.decode().strip()
    assert sslib_keys.verify_signature(sslib_key, {"keyid": sslib_key["keyid"], "sig": sig},
                                       MESSAGE)
    proc = run([tool("interop_crypto"), "sign", priv, msg],
               env={"MEDFW_PASSPHRASE": "wrong"}, check=2)
    assert b"MEDFW_ERR_BAD_PASSPHRASE" in proc.stderr
    proc = run([tool("interop_crypto"), "sign", priv, msg], check=2)
    assert b"MEDFW_ERR_BAD_PASSPHRASE" in proc.stderr


def test_public_key_object_matches(tool, tmp_path, sslib_key):
    priv = write(tmp_path / "priv.pem", pkcs8_pem(sslib_key))
    ours = json.loads(run([tool("interop_crypto"), "pubkey", priv], check=0).stdout)
    # Byte-identical, including the PEM text (securesystemslib strips the final newline
    # of RSA PEMs but not of ECDSA ones), so the key ids agree too.
    assert ours == {"keytype": sslib_key["keytype"], "scheme": sslib_key["scheme"],
                    "keyval": {"public": sslib_key["keyval"]["public"]}}
    # securesystemslib 0.26 names generated ECDSA keys "ecdsa"
    if sslib_key["scheme"] == "ecdsa-sha2-nistp256":
        assert ours["keytype"] == "ecdsa"


def test_keyids_match(tool, tmp_path, sslib_key):
    # The object as it appears in metadata, keyid_hash_algorithms included.
    meta = metadata_key_object(sslib_key)
    assert "keyid_hash_algorithms" in meta
    path = write(tmp_path / "meta.json", json.dumps(meta, indent=1))
    ours = run([tool("interop_crypto"), "keyid", path], check=0).stdout.decode().strip()
    assert ours == hashlib.sha256(encode_canonical(meta).encode()).hexdigest()
    assert ours == sslib_key["keyid"]

    # The minimal object (what the signer API and medfw emit).
    minimal = SSlibKey.from_securesystemslib_key(sslib_key).to_dict()
    assert set(minimal) == {"keytype", "scheme", "keyval"}
    path = write(tmp_path / "min.json", json.dumps(minimal))
    ours = run([tool("interop_crypto"), "keyid", path], check=0).stdout.decode().strip()
    assert ours == hashlib.sha256(encode_canonical(minimal).encode()).hexdigest()
    assert ours != sslib_key["keyid"]


def test_legacy_ecdsa_keytype(tool, tmp_path):
    key = sslib_keys.generate_ecdsa_key()
    meta = {"keytype": "ecdsa-sha2-nistp256", "scheme": "ecdsa-sha2-nistp256",
            "keyval": {"public": key["keyval"]["public"]}}
    path = write(tmp_path / "legacy.json", json.dumps(meta))
    msg = write(tmp_path / "msg", MESSAGE)
    sig = sslib_keys.create_signature(key, MESSAGE)["sig"]
    run([tool("interop_crypto"), "verify", path, msg, sig], check=0)
    ours = run([tool("interop_crypto"), "keyid", path], check=0).stdout.decode().strip()
    assert ours == hashlib.sha256(encode_canonical(meta).encode()).hexdigest()


@pytest.mark.parametrize("keytype", ["ed25519", "ecdsa", "rsa"])
def test_medfw_generated_keys(medfw, tool, tmp_path, keytype):
    """`medfw key generate` output: encrypted PKCS#8 that pyca can read, and a public
    key object securesystemslib verifies with."""
    pass_file = write(tmp_path / "pass", "medfw test pass\n")
    out = tmp_path / "k.pem"
    keyid = medfw("key", "generate", "--type", keytype, "--out", out, "--passphrase-file",
                  pass_file, check=0).stdout.decode().strip()
    pub = json.loads((tmp_path / "k.pem.pub.json").read_text())
    assert keyid == hashlib.sha256(encode_canonical(pub).encode()).hexdigest()
    assert set(pub) == {"keytype", "scheme", "keyval"}
    assert out.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    serialization.load_pem_private_key(out.read_bytes(), password=b"medfw test pass")

    msg = write(tmp_path / "msg", MESSAGE)
    sig = run([tool("interop_crypto"), "sign", out, msg],
              env={"MEDFW_PASSPHRASE": "medfw test pass"}, check=0).stdout.decode().strip()
    key = SSlibKey.from_dict(keyid, dict(pub))
    key.verify_signature(Signature(keyid, sig), MESSAGE)

    plain = tmp_path / "plain.pem"
    medfw("key", "generate", "--type", keytype, "--out", plain, "--no-passphrase", check=0)
    assert plain.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


def test_rsa_pkcs1v15_verified(tool, tmp_path):
    """rsa-pkcs1v15-sha256 (the scheme python-tuf's test repositories sign with) verifies;
    a PSS signature presented under that scheme does not, nor the reverse."""
    key = sslib_keys.generate_rsa_key(bits=3072, scheme="rsa-pkcs1v15-sha256")
    keyobj = metadata_key_object(key)
    assert keyobj["scheme"] == "rsa-pkcs1v15-sha256"
    path = write(tmp_path / "key.json", json.dumps(keyobj))
    msg = write(tmp_path / "msg", MESSAGE)
    sig = sslib_keys.create_signature(key, MESSAGE)["sig"]
    run([tool("interop_crypto"), "verify", path, msg, sig], check=0)
    flipped = sig[:-2] + format(int(sig[-2:], 16) ^ 1, "02x")
    run([tool("interop_crypto"), "verify", path, msg, flipped], check=1)
    pss = dict(key, scheme="rsassa-pss-sha256")
    pss_sig = sslib_keys.create_signature(pss, MESSAGE)["sig"]
    run([tool("interop_crypto"), "verify", path, msg, pss_sig], check=1)
    pss_path = write(tmp_path / "pss.json", json.dumps(metadata_key_object(pss)))
    run([tool("interop_crypto"), "verify", pss_path, msg, sig], check=1)
    run([tool("interop_crypto"), "verify", pss_path, msg, pss_sig], check=0)
