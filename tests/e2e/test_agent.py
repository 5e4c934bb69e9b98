"""medfw-agent end to end: a real medfwd on 127.0.0.1 with the manufacturer's releases
pushed, and simulated devices (agent_fixture.SimDevice) running the real agent: a full
update with its events in the server's history, a failing health check rolling back,
a bootloader fallback, clinical-use and install-window deferral, offline bundles, and
every kind of bad input refused with the running slot untouched."""
import json
import sqlite3
import time

import pytest

from agent_fixture import HW, Fleet, SimDevice, agent_notice, random_image
from server_fixture import medfwd_server  # noqa: F401 (fixture)

IMG1 = "pump/fw-4.2.1.img"
IMG2 = "pump/fw-4.2.2.img"
OLD = "pump/fw-4.1.0.img"
OTHER_HW = "pump/other-hw.img"


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    srv = medfwd_server()
    return Fleet(srv, medfw, tmp_path, {
        IMG1: (random_image(200_000, "one"), agent_notice(product_version="4.2.1")),
        IMG2: (random_image(150_000, "two"),
               agent_notice(product_version="4.2.2", security_version=8)),
        OLD: (random_image(100_000, "old"),
              agent_notice(product_version="4.1.0", security_version=5)),
        OTHER_HW: (random_image(50_000, "hw"),
                   agent_notice(product_version="9.9.9", hardware_ids=["other-board"])),
    })


def events(fleet, dev):
    return [e["type"] for e in fleet.history(dev)]


def assert_running_untouched(dev, before_a):
    assert dev.booted() == "A"
    assert dev.slot["A"].read_bytes() == before_a
    st = dev.boot_state_now()
    assert st["order"][0] == "A" and st["B"] == 0 and st["last_good"] == "A"


def test_full_update(fleet):
    dev = fleet.device("SN-1")
    # nothing assigned: a check-in, nothing else
    assert dev.once()[:2] == (0, "idle")
    assert fleet.record(dev)["firmware_version"] == "1.0.0"
    fleet.assign(dev, IMG1)
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err
    assert dev.reboot_count() == 1
    data = fleet.images[IMG1][0]
    assert dev.slot["B"].read_bytes() == data
    st = dev.boot_state_now()
    assert st["order"] == ["B", "A"] and st["B"] == 3 and st["A"] == 3
    assert dev.state()["update"]["phase"] == "rebooting"
    assert dev.screen()["release_notice"]["clinical_impact"]
    # the bootloader starts the new slot; the agent checks its health and commits
    assert dev.boot() == "B"
    rc, out, err = dev.once()
    assert (rc, out) == (0, "committed"), err
    st = dev.boot_state_now()
    assert st["last_good"] == "B" and st["B"] == 3
    status = dev.status()
    assert status["booted"] == "B" and status["update"] is None
    assert status["slots"]["B"]["version"] == "4.2.1"
    assert status["min_security_version"] == 7
    # the factory slot (security version unknown) is below the new minimum: unbootable
    assert st["A"] == 0
    # the next check-in reports the new firmware, a signed release
    assert dev.once()[:2] == (0, "idle")
    rec = fleet.record(dev)
    assert rec["firmware_version"] == "4.2.1"
    assert rec["image_sha256"] == fleet.signed(IMG1)["hashes"]["sha256"]
    assert rec["image_is_signed_release"] is True
    assert rec["update_state"] == "committed"
    kinds = events(fleet, dev)
    for kind in ("offered", "downloading", "verified", "installed", "rebooting", "committed"):
        assert kind in kinds, kinds
    assert kinds.index("offered") < kinds.index("verified") < kinds.index("committed")


def test_failing_health_check_rolls_back(fleet):
    dev = fleet.device("SN-2")
    fleet.assign(dev, IMG1)
    assert dev.once()[1] == "rebooting"
    dev.health_result.write_text("1")
    assert dev.boot() == "B"
    rc, out, err = dev.once()
    assert (rc, out) == (0, "rebooting"), err  # back to the previous slot
    st = dev.boot_state_now()
    assert st["B"] == 0 and st["order"][0] == "A"
    assert dev.boot() == "A"
    rc, out, err = dev.once()
    assert (rc, out) == (3, "rolled_back"), err
    assert dev.status()["update"] is None
    hist = fleet.history(dev)
    rb = [e for e in hist if e["type"] == "rolled_back"]
    assert rb and "health check" in rb[-1]["reason"]
    assert rb[-1]["check"] == "MEDFW_ERR_HEALTH_CHECK"
    assert fleet.record(dev)["update_state"] == "rolled_back"
    # the same instruction is not installed again in a loop
    assert dev.once()[:2] == (0, "idle")
    assert dev.reboot_count() == 2


def test_bootloader_fallback_is_reported(fleet):
    dev = fleet.device("SN-3")
    fleet.assign(dev, IMG1)
    assert dev.once()[1] == "rebooting"
    # the new image never gets to start the agent: every try is used up
    for _ in range(3):
        assert dev.boot() == "B"
    assert dev.boot() == "A"
    rc, out, err = dev.once()
    assert (rc, out) == (3, "rolled_back"), err
    rb = [e for e in fleet.history(dev) if e["type"] == "rolled_back"]
    assert rb[-1]["check"] == "BOOT"


def test_clinical_use_and_window_defer(fleet):
    dev = fleet.device("SN-4")
    before_a = dev.slot["A"].read_bytes()
    dev.clinical.write_text("in_use\n")
    fleet.assign(dev, IMG1)
    assert dev.once()[:2] == (0, "deferred")
    assert dev.once()[:2] == (0, "deferred")  # reported once, not every cycle
    assert dev.slot["B"].read_bytes() == b"" and dev.reboot_count() == 0
    assert_running_untouched(dev, before_a)
    screen = dev.screen()
    assert screen["status"] == "deferred" and screen["reason"] == "in_use"
    assert screen["release_notice"]["install"]["downtime_minutes"] == 15
    deferred = [e for e in fleet.history(dev) if e["type"] == "deferred"]
    assert len(deferred) == 1 and deferred[0]["reason"] == "in_use"
    assert fleet.record(dev)["clinical_state"] == "in_use"
    # unknown clinical state counts as in use
    dev.clinical.write_text("maybe\n")
    assert dev.once()[1] == "deferred"
    # a window that opens tomorrow
    dev.clinical.write_text("idle\n")
    now = int(time.time())
    fleet.assign(dev, IMG1, start=now + 86400, end=now + 2 * 86400)
    assert dev.once()[1] == "deferred"
    assert "install window" in dev.screen()["reason"]
    assert dev.slot["B"].read_bytes() == b""
    # window open: installs
    fleet.assign(dev, IMG1)
    assert dev.once()[1] == "rebooting"
    # in use after the install but before the reboot: the reboot waits
    dev.clinical.write_text("in_use\n")
    assert dev.boot() == "B"  # a power cycle by the staff starts the new slot
    assert dev.once()[1] == "committed"


def bundle(fleet, name, tmp_path, out="b.medfw"):
    path = tmp_path / out
    fleet.medfw("bundle", "create", "--repo", fleet.repo.dir, "--target", name, "--out", path,
                check=0)
    return path


def test_offline_bundle(fleet, tmp_path):
    dev = fleet.device("SN-6")
    b = bundle(fleet, IMG1, tmp_path)
    proc = dev.agent("install", b)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().strip() == "rebooting"
    assert dev.slot["B"].read_bytes() == fleet.images[IMG1][0]
    assert dev.boot() == "B"
    proc = dev.agent("commit")
    assert proc.returncode == 0 and proc.stdout.decode().strip() == "committed", proc.stderr
    assert dev.status()["slots"]["B"]["version"] == "4.2.1"
    # the events reach the server at the next connection
    assert dev.once()[1] == "idle"
    kinds = events(fleet, dev)
    assert "verified" in kinds and "committed" in kinds


@pytest.mark.parametrize("case", ["tampered", "wrong_hardware", "rollback", "in_use",
                                  "truncated"])
def test_bad_bundles_refused(fleet, tmp_path, case):
    dev = fleet.device("SN-7" + case)
    before_a = dev.slot["A"].read_bytes()
    reboots = 0
    if case == "rollback":
        # commit 4.2.2 (security version 8) first, then offer 4.1.0 (5)
        assert dev.agent("install", bundle(fleet, IMG2, tmp_path)).returncode == 0
        dev.boot()
        assert dev.agent("commit").returncode == 0
        before_a = None
        reboots = 1
    name = {"wrong_hardware": OTHER_HW, "rollback": OLD}.get(case, IMG1)
    b = bundle(fleet, name, tmp_path, out=case + ".medfw")
    if case == "tampered":
        data = bytearray(b.read_bytes())
        data[-1000] ^= 0x01
        b.write_bytes(bytes(data))
    if case == "truncated":
        b.write_bytes(b.read_bytes()[:-5000])
    if case == "in_use":
        dev.clinical.write_text("in_use\n")
    proc = dev.agent("install", b)
    err = proc.stderr.decode()
    assert proc.returncode in (1, 3), err
    expect = {"tampered": "hash", "wrong_hardware": "not for hardware",
              "rollback": "below the minimum", "in_use": "clinical use",
              "truncated": "truncated"}[case]
    assert expect in err, err
    assert dev.reboot_count() == reboots
    if before_a is not None:
        assert_running_untouched(dev, before_a)
    else:
        assert dev.booted() == "B" and dev.boot_state_now()["order"][0] == "B"
    assert dev.status()["update"] is None


def test_old_agent_refused(medfwd_server, medfw, tmp_path):
    srv = medfwd_server()
    fleet = Fleet(srv, medfw, tmp_path, {
        IMG1: (random_image(10_000, "x"), agent_notice(min_agent_version="99.0.0"))})
    dev = fleet.device("SN-8")
    before_a = dev.slot["A"].read_bytes()
    fleet.assign(dev, IMG1)
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] == "MEDFW_ERR_AGENT_VERSION"
    assert "99.0.0" in failed[-1]["reason"]
    assert_running_untouched(dev, before_a)
    assert dev.slot["B"].read_bytes() == b""


def test_security_version_rollback_refused(fleet):
    dev = fleet.device("SN-9")
    fleet.assign(dev, IMG2)
    assert dev.once()[1] == "rebooting"
    dev.boot()
    assert dev.once()[1] == "committed"
    assert dev.status()["min_security_version"] == 8
    fleet.assign(dev, OLD)
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] == "MEDFW_ERR_SECURITY_VERSION"
    assert dev.booted() == "B" and dev.boot_state_now()["order"][0] == "B"
    assert dev.slot["B"].read_bytes() == fleet.images[IMG2][0]


def tamper_assignment(fleet, dev, **cols):
    db = sqlite3.connect(fleet.server.data_dir / "medfwd.db", timeout=10)
    with db:
        sets = ", ".join(f"{k} = ?" for k in cols)
        n = db.execute(f"UPDATE director_assignments SET {sets} WHERE device_id = ?",
                       (*cols.values(), dev.record["id"])).rowcount
        db.execute("UPDATE director_versions SET version = version + 1 WHERE device_id = ?",
                   (dev.record["id"],))
    db.close()
    assert n == 1


@pytest.mark.parametrize("case", ["unsigned_target", "length_disagrees", "hash_disagrees"])
def test_director_and_repository_must_agree(fleet, case):
    """A director (a compromised server) naming an image the manufacturer did not sign,
    or disagreeing with the image repository on its length or hashes: refused."""
    dev = fleet.device("SN-10" + case)
    before_a = dev.slot["A"].read_bytes()
    fleet.assign(dev, IMG1)
    entry = fleet.signed(IMG1)
    if case == "unsigned_target":
        tamper_assignment(fleet, dev, target_name="pump/evil.img")
        want = "MEDFW_ERR_NOT_FOUND"
    elif case == "length_disagrees":
        tamper_assignment(fleet, dev, target_length=entry["length"] + 1)
        want = "MEDFW_ERR_LENGTH_MISMATCH"
    else:
        hashes = dict(entry["hashes"], sha256="00" * 32)
        tamper_assignment(fleet, dev, target_hashes=json.dumps(hashes))
        want = "MEDFW_ERR_HASH_MISMATCH"
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] == want, failed
    assert_running_untouched(dev, before_a)
    assert dev.slot["B"].read_bytes() == b""


def test_wrong_hardware_refused(fleet, tmp_path):
    """The server's record says HW; the device is another board."""
    dev = fleet.device("SN-11")
    # the server refuses to enrol a device reporting other hardware than its record ...
    other = SimDevice(fleet.tmp, fleet.url, fleet.image_root, name="other-board",
                      hardware_id="acme-infusion-pump-rev-d")
    token = other.dir / "token"
    from test_devices import enrolment_token, new_device
    rec = new_device(fleet.c, fleet.site, "SN-11b", hardware_id=HW)
    token.write_text(enrolment_token(fleet.c, rec["id"]))
    proc = other.agent("enroll", "--token-file", token)
    assert proc.returncode == 1 and b"hardware_id" in proc.stderr
    # ... and a board swapped after enrolment refuses what the director names for HW
    dev.config.write_text(dev.config.read_text().replace(
        f"hardware_id = {HW}", "hardware_id = acme-infusion-pump-rev-d"))
    before_a = dev.slot["A"].read_bytes()
    fleet.assign(dev, IMG1)
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] == "MEDFW_ERR_HARDWARE"
    assert_running_untouched(dev, before_a)


def test_tampered_image_on_the_server(fleet):
    dev = fleet.device("SN-12")
    before_a = dev.slot["A"].read_bytes()
    served = (fleet.server.data_dir / "repository" / "current").resolve() / "targets" / IMG1
    data = bytearray(served.read_bytes())
    data[1234] ^= 0xFF
    served.chmod(0o644)
    served.write_bytes(bytes(data))
    fleet.assign(dev, IMG1)
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] == "MEDFW_ERR_HASH_MISMATCH"
    assert_running_untouched(dev, before_a)
    assert dev.state()["update"] is None


@pytest.mark.faketime
def test_expired_metadata_refused(fleet):
    dev = fleet.device("SN-13")
    before_a = dev.slot["A"].read_bytes()
    fleet.assign(dev, IMG1)
    # the device's clock is 400 days ahead: every signature is expired for it (and its
    # signed requests are refused by the server, which is also an error, not an install)
    rc, out, err = dev.once(env={"FAKETIME": "+400d", "LD_PRELOAD":
                                 "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"})
    assert rc != 0 and out != "rebooting", (out, err)
    assert_running_untouched(dev, before_a)
    assert dev.slot["B"].read_bytes() == b""


def test_slot_write_error_refused(fleet, tmp_path):
    dev = fleet.device("SN-14")
    before_a = dev.slot["A"].read_bytes()
    text = dev.config.read_text().replace(f"slot_b = {dev.slot['B']}",
                                          f"slot_b = {tmp_path}/missing-dir/slot-b.img")
    dev.config.write_text(text)
    fleet.assign(dev, IMG1)
    rc, out, err = dev.once()
    assert (rc, out) == (3, "failed"), err
    failed = [e for e in fleet.history(dev) if e["type"] == "failed"]
    assert failed[-1]["check"] in ("MEDFW_ERR_IO", "MEDFW_ERR_NOT_FOUND"), failed
    assert_running_untouched(dev, before_a)


def test_config_is_strict(tmp_path):
    dev = SimDevice(tmp_path, "http://127.0.0.1:9", tmp_path / "root.json")
    dev.config.write_text(dev.config.read_text() + "bogus_key = 1\n")
    proc = dev.agent("status")
    assert proc.returncode == 1 and b"bogus_key" in proc.stderr
    dev.config.write_text(dev.config.read_text().replace("bogus_key = 1\n", "")
                          .replace("allow_http = true\n", ""))
    proc = dev.agent("status")
    assert proc.returncode == 1 and b"allow_http" in proc.stderr


def test_help_and_man(tool):
    from conftest import ROOT, run
    agent = tool("medfw-agent")
    out = run([agent, "--help"], check=0).stdout.decode()
    for cmd in ("enroll", "run", "status", "install", "rollback", "commit"):
        assert cmd in out
    man = run([agent, "--man"], check=0).stdout.decode()
    assert man == (ROOT / "docs" / "man" / "medfw-agent.8").read_text(), \
        "docs/man/medfw-agent.8 is stale: regenerate it with medfw-agent --man"
    assert run([agent, "bogus"]).returncode == 2
    assert HW


def test_daemon_checks_in_and_stops_on_sigterm(fleet):
    import signal
    import subprocess
    from conftest import tool_path
    dev = fleet.device("SN-DAEMON")
    fleet.assign(dev, IMG1)
    proc = subprocess.Popen([str(tool_path("medfw-agent")), "--config", str(dev.config), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while dev.reboot_count() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dev.reboot_count() == 1  # the first cycle runs at once and installs
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.decode().splitlines()[0] == "rebooting"
    assert b"AddressSanitizer" not in err and b"runtime error" not in err


def test_reenrolled_device_events_are_not_lost(fleet):
    """A device whose state was wiped (repair, reset) enrols again with a new token: its
    events must not be taken for resends of the ones it sent before."""
    import shutil
    from test_devices import enrolment_token
    dev = fleet.device("SN-WIPE")
    dev.clinical.write_text("in_use\n")
    fleet.assign(dev, IMG1)
    assert dev.once()[1] == "deferred"
    before = fleet.history(dev)
    assert [e["type"] for e in before] == ["offered", "deferred"]
    shutil.rmtree(dev.state_dir)
    token = dev.dir / "token2"
    token.write_text(enrolment_token(fleet.c, dev.record["id"]))
    dev.agent("enroll", "--token-file", token, check=0)
    assert dev.once()[1] == "deferred"
    after = fleet.history(dev)
    assert [e["type"] for e in after] == ["offered", "deferred", "offered", "deferred"]
    assert after[2]["seq"] > before[-1]["seq"]
