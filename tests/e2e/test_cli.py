"""The medfw front end: help, usage errors, version, man page kept in sync."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def commands(medfw):
    out = medfw("--help", check=0).stdout.decode()
    return [m.group(1).strip() for m in re.finditer(r"^  ([a-z][a-z -]*?)\s{2,}", out, re.M)]


def test_help_lists_commands(medfw):
    names = commands(medfw)
    assert "key generate" in names and "repo publish" in names


def test_every_command_has_help(medfw):
    for name in commands(medfw):
        proc = medfw(*name.split(), "--help", check=0)
        assert proc.stdout.decode().startswith("Usage: medfw " + name), name


def test_man_page_in_sync(medfw):
    """docs/man/medfw.1 is generated from the command table: regenerate it with
    scripts/gen-man.sh when a command changes."""
    generated = medfw("--man", check=0).stdout.decode()
    committed = (ROOT / "docs" / "man" / "medfw.1").read_text()
    assert committed == generated


def test_unknown_command_and_no_args(medfw):
    assert b"unknown command" in medfw("frobnicate", check=2).stderr
    medfw(check=2)


def test_version(medfw):
    assert medfw("--version", check=0).stdout.startswith(b"medfw ")
