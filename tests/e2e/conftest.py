"""Shared fixtures for the end-to-end tests: they drive the real binaries."""
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("MEDFW_BUILD_DIR", ROOT / "build" / "release"))
SHARED = Path(os.environ.get("MEDFW_SHARED_DIR", ROOT.parent / "shared"))


def tool_path(name: str) -> Path:
    path = BUILD / name
    if not path.exists():
        pytest.fail(f"{path} is not built: run 'make build' first")
    return path


def run(args, *, input=None, check=None, env=None, cwd=None, timeout=120):
    """Run a command; check=0/1/2 asserts that exit status."""
    full_env = dict(os.environ, TZ="UTC", LC_ALL="C")
    if env:
        full_env.update(env)
    proc = subprocess.run([str(a) for a in args], input=input, capture_output=True,
                          env=full_env, cwd=cwd, timeout=timeout)
    if check is not None and proc.returncode != check:
        raise AssertionError(
            f"{' '.join(map(str, args))}: exit {proc.returncode}, expected {check}\n"
            f"stdout: {proc.stdout.decode(errors='replace')}\n"
            f"stderr: {proc.stderr.decode(errors='replace')}")
    return proc


@pytest.fixture
def medfw():
    """medfw(*args, check=0) runs the real medfw binary."""
    binary = tool_path("medfw")

    def _run(*args, **kw):
        return run([binary, *args], **kw)
    return _run


@pytest.fixture
def tool():
    """tool(name) is the path of a test-only program from tests/tools/."""
    return tool_path


@pytest.fixture
def shared():
    return SHARED


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faketime: runs a program under libfaketime (LD_PRELOAD), which the "
        "ASan build cannot take; `make e2e-asan` deselects these")
