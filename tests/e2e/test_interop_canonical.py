"""Canonical JSON interoperability: medfw's encoder against securesystemslib's.

Each document is written as ordinary JSON with varying formatting (indentation,
separators, ASCII escaping, key order), run through `interop_json canonical FILE`
(medfw_json_parse + medfw_json_canonical), and the bytes compared with
securesystemslib.formats.encode_canonical(obj).encode("utf-8").

Known, intended differences (medfw is stricter; each is tested to fail closed):
floats, integers outside int64, NUL characters and duplicate keys are rejected.
"""
import json
import random

import pytest
from securesystemslib.formats import encode_canonical

from conftest import run

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1

KEYID_A = "4e777de0d275f9d28588dd9a1606cc748e548f9e22b6795b7cb3f63f98035fcb"
KEYID_B = "59a4df8af818e9ed7abe0764c0b47b4240952aa0d179b5b78346c470ac30278d"

TUF_ROOT = {
    "signatures": [
        {"keyid": KEYID_A, "sig": "a337d6375fedd2eabfcd6c2ef6c8a9c3bb85dc5a857715f6a6bd41123e"
                                  "7670c4972d8548bcd7248154f3d864bf25f1823af59d74c459f41ea09a"
                                  "02db057ca1245612ebbdb97e782c501dc3e094f7fa"},
    ],
    "signed": {
        "_type": "root",
        "consistent_snapshot": True,
        "expires": "2030-01-01T00:00:00Z",
        "keys": {
            KEYID_A: {"keytype": "ed25519", "scheme": "ed25519",
                      "keyval": {"public": "72378e5bc588793e58f81c8533da64a2e8f1565c1fcc7f25"
                                           "3496394ffc52542c"}},
            KEYID_B: {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
                      "keyval": {"public": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKo"
                                           "ZIzj0DAQcDQgAEcDpXz0DjQ5mL0F4KHSUE1rB0y1A==\n"
                                           "-----END PUBLIC KEY-----\n"}},
        },
        "roles": {
            "root": {"keyids": [KEYID_A], "threshold": 1},
            "snapshot": {"keyids": [KEYID_B], "threshold": 1},
            "targets": {"keyids": [KEYID_A, KEYID_B], "threshold": 2},
            "timestamp": {"keyids": [KEYID_B], "threshold": 1},
        },
        "spec_version": "1.0.31",
        "version": 3,
    },
}

TUF_TARGETS = {
    "signatures": [{"keyid": KEYID_A, "sig": "00" * 64}, {"keyid": KEYID_B, "sig": "ff" * 64}],
    "signed": {
        "_type": "targets",
        "expires": "2026-06-30T12:00:00Z",
        "spec_version": "1.0.31",
        "version": 1234567,
        "targets": {
            "infusion-pump/fw-2.4.1.bin": {
                "length": 4194304,
                "hashes": {"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                           "sha512": "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
                                     "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"},
                "custom": {"hardware": ["IP-100", "IP-100B"], "security_version": 7,
                           "notice": "Fixes CVE-2024-0001. Ger\u00e4t neu starten.",
                           "min_battery_percent": 40, "reboot": True, "rollback": None},
            },
            "docs/Release notes \u2014 \u65e5\u672c\u8a9e.pdf": {"length": 0, "hashes": {}},
        },
        "delegations": {"keys": {}, "roles": [
            {"name": "vendor/\u00e9tage", "keyids": [KEYID_B], "threshold": 1,
             "paths": ["vendor/*"], "terminating": False}]},
    },
}

DOCUMENTS = {
    "empty_object": {},
    "empty_array": [],
    "empty_containers": {"a": {}, "b": [], "c": [{}, [], [[]]], "d": {"e": {"f": {}}}},
    "literals": {"t": True, "f": False, "n": None, "list": [True, False, None]},
    "scalars_top": ["", 0, -0, True],
    "integers": {"zero": 0, "neg": -1, "big": 10 ** 18, "max": INT64_MAX, "min": INT64_MIN,
                 "list": [1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 + 1]},
    "non_ascii_keys": {"\u00e9": 1, "e": 2, "\u00c9": 3, "\u65e5\u672c": 4, "\U0001f600": 5,
                       "\ufb01": 6, "\uffff": 7, "z": 8, "Z": 9, "": 10},
    "non_ascii_values": {"greek": "\u03b1\u03b2\u03b3", "emoji": "\U0001f489\U0001f3e5",
                         "mixed": "Ger\u00e4t \u2014 \u65e5\u672c\u8a9e",
                         "separators": "\u2028\u2029", "bom": "\ufeff", "nonchar": "\uffff"},
    "control_characters": {"ctl": "".join(chr(c) for c in range(1, 32)) + "\x7f\x80\x9f",
                           "tab\tkey": "new\nline", "\x01": "\x1f"},
    "quotes_backslashes": {"q": '"', "b": "\\", "both": 'a"b\\c"\\"', "slash": "/\\/",
                           '"key"': "\\\\", "\\": '""', "esc_like": "\\n\\u0041"},
    "prefix_keys": {"abcd": 1, "abc": 2, "ab": 3, "a": 4, "a\x01": 5, "a ": 6, "a~": 7,
                    "b": 8},
    "nested": {"l1": {"l2": {"l3": {"l4": {"l5": [[[["deep"]]]]}}}},
               "arr": [{"z": 1, "a": [{"y": 2, "b": 3}]}]},
    "tuf_root": TUF_ROOT,
    "tuf_targets": TUF_TARGETS,
}

# (indent, ensure_ascii, separators, sort_keys): every document is fed in each form.
FORMATS = [
    (None, True, None, False),
    (None, False, (",", ":"), False),
    (2, True, None, True),
    (4, False, (" , ", " : "), False),
    ("\t", False, None, True),
    (0, True, (",", ": "), False),
]


def write_json(path, obj, fmt):
    indent, ensure_ascii, separators, sort_keys = fmt
    text = json.dumps(obj, indent=indent, ensure_ascii=ensure_ascii, separators=separators,
                      sort_keys=sort_keys)
    path.write_bytes(text.encode("utf-8"))


def canonical_via_tool(tool, path):
    return run([tool("interop_json"), "canonical", path], check=0).stdout


def expected(obj):
    return encode_canonical(obj).encode("utf-8")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_documents(tool, tmp_path, name):
    obj = DOCUMENTS[name]
    want = expected(obj)
    for i, fmt in enumerate(FORMATS):
        path = tmp_path / f"{name}-{i}.json"
        write_json(path, obj, fmt)
        got = canonical_via_tool(tool, path)
        assert got == want, f"{name} in format {fmt}:\n got {got!r}\nwant {want!r}"


def test_canonical_input_is_fixed_point(tool, tmp_path):
    """Feeding securesystemslib's own canonical bytes back gives the same bytes
    (documents without raw control characters, which canonical form cannot re-read)."""
    for name, obj in sorted(DOCUMENTS.items()):
        want = expected(obj)
        if any(b < 0x20 for b in want):
            continue
        path = tmp_path / f"{name}.json"
        path.write_bytes(want)
        assert canonical_via_tool(tool, path) == want, name


# ---- randomly generated documents ------------------------------------------------

ALPHABET = (
    [chr(c) for c in range(0x20, 0x7f)] * 4
    + ['"', "\\", "\\", '"', "/"] * 4
    + [chr(c) for c in range(1, 0x20)] + ["\x7f", "\x80", "\x9f"]
    + ["\u00e9", "\u00c9", "\u00ff", "\u0100", "\u03b1", "\u0416", "\u05d0", "\u0627",
       "\u2028", "\u2029", "\u20ac", "\u65e5", "\uac00", "\ud7ff", "\ue000", "\ufb01",
       "\ufeff", "\ufffd", "\uffff", "\U00010000", "\U0001f600", "\U0001f489",
       "\U0010ffff"]
)


def random_string(rng, max_len=12):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, max_len)))


def random_int(rng):
    kind = rng.randrange(6)
    if kind == 0:
        return rng.choice([0, 1, -1, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1])
    if kind == 1:
        return rng.randint(INT64_MIN, INT64_MAX)
    return rng.randint(-10 ** rng.randint(0, 12), 10 ** rng.randint(0, 12))


def random_value(rng, depth):
    kinds = ["str", "int", "bool", "null"]
    if depth < 6:
        kinds += ["obj", "arr"] * 2
    kind = rng.choice(kinds)
    if kind == "str":
        return random_string(rng)
    if kind == "int":
        return random_int(rng)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    n = rng.randint(0, 6)
    if kind == "arr":
        return [random_value(rng, depth + 1) for _ in range(n)]
    obj = {}
    for _ in range(n):
        # Short keys from the same alphabet collide in prefix often.
        obj[random_string(rng, 4)] = random_value(rng, depth + 1)
    return obj


def random_document(rng):
    if rng.random() < 0.1:
        return random_value(rng, 0)  # any top-level value
    return {random_string(rng, 6): random_value(rng, 1) for _ in range(rng.randint(0, 8))}


RANDOM_SEED = 0x6D656466
RANDOM_COUNT = 300


def test_random_documents(tool, tmp_path):
    rng = random.Random(RANDOM_SEED)
    for i in range(RANDOM_COUNT):
        obj = random_document(rng)
        fmt = rng.choice(FORMATS)
        path = tmp_path / f"random-{i}.json"
        write_json(path, obj, fmt)
        got = canonical_via_tool(tool, path)
        want = expected(obj)
        assert got == want, (f"random document {i} (seed {RANDOM_SEED:#x}, format {fmt}):\n"
                             f"input {path.read_bytes()!r}\n got {got!r}\nwant {want!r}")


# ---- rejected input ---------------------------------------------------------------

def assert_rejected(tool, path, error_name):
    proc = run([tool("interop_json"), "canonical", path], check=1)
    assert proc.stdout == b""
    assert error_name.encode() in proc.stderr, proc.stderr


@pytest.mark.parametrize("obj", [
    1.5,
    {"a": 0.0},
    {"a": [1, 2, {"b": -3.25}]},
    {"a": 1e100},
    {"version": 1.0},
    TUF_TARGETS | {"signed": TUF_TARGETS["signed"] | {"version": 2.0}},
])
def test_floats_rejected(tool, tmp_path, obj):
    """securesystemslib refuses floats; so does medfw's encoder."""
    with pytest.raises(Exception):
        encode_canonical(obj)
    path = tmp_path / "float.json"
    write_json(path, obj, FORMATS[0])
    assert_rejected(tool, path, "MEDFW_ERR_NOT_CANONICAL")


@pytest.mark.parametrize("text", ["[1e400]", "[-1e400]"])
def test_float_overflow_rejected(tool, tmp_path, text):
    path = tmp_path / "float.json"
    path.write_text(text)
    assert_rejected(tool, path, "MEDFW_ERR_JSON_SYNTAX")


@pytest.mark.parametrize("value", [INT64_MAX + 1, INT64_MIN - 1, 10 ** 30])
def test_integers_beyond_int64_rejected(tool, tmp_path, value):
    """Documented limitation: securesystemslib would encode these; medfw fails closed."""
    path = tmp_path / "bigint.json"
    write_json(path, {"version": value}, FORMATS[0])
    assert_rejected(tool, path, "MEDFW_ERR_JSON_SYNTAX")


@pytest.mark.parametrize("text,error", [
    ('{"a": 1, "a": 2}', "MEDFW_ERR_JSON_SYNTAX"),
    ('{"a": "x\\u0000y"}', "MEDFW_ERR_JSON_SYNTAX"),
    ('{"a": 1} {}', "MEDFW_ERR_JSON_SYNTAX"),
    ('{"a": ', "MEDFW_ERR_JSON_SYNTAX"),
    ("", "MEDFW_ERR_JSON_SYNTAX"),
    ("[" * 65 + "]" * 65, "MEDFW_ERR_TOO_DEEP"),
])
def test_malformed_rejected(tool, tmp_path, text, error):
    path = tmp_path / "bad.json"
    path.write_text(text)
    assert_rejected(tool, path, error)


def test_depth_limit_of_tool(tool, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 64 + "]" * 64)
    assert canonical_via_tool(tool, path) == b"[" * 64 + b"]" * 64


def test_invalid_utf8_rejected(tool, tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"a": "\xff"}')
    assert_rejected(tool, path, "MEDFW_ERR_JSON_SYNTAX")


def test_usage(tool):
    assert run([tool("interop_json")], check=2).stdout == b""
