"""medfw-sim end to end: a real medfwd with the manufacturer's releases pushed (the
agent's fixture), simulated devices enrolled for real (CSV import, enrolment tokens, key
pairs, POST /device/v1/enrol) and run against it; every check is made on what the
server recorded (update events, device records, audit) and in the fleet file."""
import pytest

from agent_fixture import agent_notice, random_image
from server_fixture import medfwd_server  # noqa: F401 (fixture)
from sim_fixture import SimFleet

IMG1 = "pump/fw-4.2.1.img"
IMG2 = "pump/fw-4.2.2.img"
INSTALL = ["offered", "downloading", "verified", "installed", "rebooting", "committed"]


@pytest.fixture
def fleet(medfwd_server, medfw, tmp_path):
    srv = medfwd_server()
    return SimFleet(srv, medfw, tmp_path, {
        IMG1: (random_image(96_000, "one"), agent_notice(product_version="4.2.1")),
        IMG2: (random_image(64_000, "two"),
               agent_notice(product_version="4.2.2", security_version=8)),
    })


def kinds(fleet, device_id):
    return [e["type"] for e in fleet.events_of(device_id)]


def test_fleet_update(fleet):
    """200 devices on 2 sites, 50 assigned: exactly those 50 commit, in order, and report
    the new firmware; a second run continues the event numbers."""
    fleet.enroll(fleet.site, 120, department="ICU", network_zone="med-iot")
    fleet.enroll(fleet.site2, 80, model="InfuPump 3 XL", department="OR")
    devices = fleet.devices()
    assert len(devices) == 200
    assert sorted({d["site"] for d in devices}) == sorted([fleet.site, fleet.site2])
    assert (fleet.fleet_file.stat().st_mode & 0o777) == 0o600
    assert "PRIVATE KEYS" in fleet.fleet_file.read_text().splitlines()[0]
    chosen = [d["id"] for d in devices[:30]] + [d["id"] for d in devices[-20:]]
    for i in chosen:
        fleet.assign_id(i, IMG1)
    proc = fleet.run(duration=10)
    stats = fleet.stats()
    assert stats["committed"] == 50, (stats, proc.stderr.decode())
    assert stats["checkins_failed"] == 0 and stats["http_errors"] == {}, stats
    signed = fleet.signed(IMG1)
    for d in devices:
        got = kinds(fleet, d["id"])
        rec = fleet.record_of(d["id"])
        if d["id"] in chosen:
            assert got == INSTALL, (d["id"], got)
            assert rec["firmware_version"] == "4.2.1"
            assert rec["image_sha256"] == signed["hashes"]["sha256"]
            assert rec["update_state"] == "committed"
        else:
            assert got == [], (d["id"], got)
            assert rec["firmware_version"] == "1.0.0" and rec["update_state"] is None
        assert rec["enrolment_state"] == "enrolled" and rec["last_seen"]
    # the fleet file remembers the new firmware and the event numbers
    after = {d["id"]: d for d in fleet.devices()}
    assert all(after[i]["fw"] == "4.2.1" and after[i]["seq"] == 6 for i in chosen)
    # a second run: a new release for 5 of them; numbers go on, nothing is a duplicate
    again = chosen[:5]
    for i in again:
        fleet.assign_id(i, IMG2)
    slots = fleet.tmp / "slots"
    fleet.run("--slots", slots, duration=6)
    stats = fleet.stats()
    assert stats["committed"] == 5 and stats["events_duplicates"] == 0, stats
    # --slots: each image was written to the device's slot file as downloaded
    assert sorted(p.name for p in slots.iterdir()) == sorted(f"{i}.img" for i in again)
    assert all((slots / f"{i}.img").read_bytes() == fleet.images[IMG2][0] for i in again)
    for i in again:
        events = fleet.events_of(i)
        assert [e["seq"] for e in events] == list(range(1, 13)), events
        assert [e["type"] for e in events] == INSTALL + INSTALL
        assert fleet.record_of(i)["firmware_version"] == "4.2.2"


def test_health_and_download_failures(fleet, medfwd_server):
    """--health-fail-rate 1: rolled back, firmware unchanged; --download-fail-rate 1:
    failed with MEDFW_ERR_IO, retried, never verified. --only-site keeps the other site's
    devices untouched."""
    fleet.enroll(fleet.site, 5)
    fleet.enroll(fleet.site2, 5)
    one, two = fleet.ids(fleet.site), fleet.ids(fleet.site2)
    for i in one + two:
        fleet.assign_id(i, IMG1)
    fleet.run("--only-site", fleet.site, "--health-fail-rate", "1", duration=5)
    stats = fleet.stats()
    assert stats["devices"] == 5 and stats["rolled_back"] == 5 and stats["committed"] == 0
    for i in one:
        events = fleet.events_of(i)
        assert [e["type"] for e in events] == INSTALL[:-1] + ["rolled_back"], events
        assert events[-1]["check"] == "MEDFW_ERR_HEALTH_CHECK" and "health check" in \
            events[-1]["reason"]
        rec = fleet.record_of(i)
        assert rec["firmware_version"] == "1.0.0" and rec["update_state"] == "rolled_back"
        assert not rec["image_sha256"]  # the factory image (none given) stays
    for i in two:
        assert kinds(fleet, i) == []
    fleet.run("--only-site", fleet.site2, "--download-fail-rate", "1", duration=4)
    stats = fleet.stats()
    assert stats["downloads"] == 0 and stats["download_failures"] >= 10, stats
    for i in two:
        events = fleet.events_of(i)
        got = [e["type"] for e in events]
        assert got[:3] == ["offered", "downloading", "failed"], got
        assert got.count("offered") == 1 and "verified" not in got, got
        assert got[1:] == ["downloading", "failed"] * (len(got[1:]) // 2), got  # retried
        failed = [e for e in events if e["type"] == "failed"]
        assert all(e["check"] == "MEDFW_ERR_IO" and e["target"] == IMG1 for e in failed)
        assert fleet.record_of(i)["firmware_version"] == "1.0.0"
    # the rolled-back devices were left alone, and are not offered the same again
    for i in one:
        assert kinds(fleet, i) == INSTALL[:-1] + ["rolled_back"]
    # director metadata that the pinned director root does not sign: refused, reported
    # once, nothing downloaded (another server's root stands in for a stolen director)
    other = medfwd_server(name="other")
    for i in one:
        fleet.assign_id(i, IMG2)
    fleet.run("--only-site", fleet.site, "--director-root",
              other.data_dir / "director-root.json", duration=3)
    stats = fleet.stats()
    assert stats["downloads"] == 0 and stats["failed"] == 5, stats
    for i in one:
        events = fleet.events_of(i)
        assert [e["type"] for e in events] == INSTALL[:-1] + ["rolled_back", "failed"]
        assert events[-1]["check"] == "MEDFW_ERR_THRESHOLD", events[-1]


def test_deferrals_and_tampered_image(fleet):
    """A window in the future and clinical use defer (reported once, nothing
    downloaded); a served image changed on disk fails its hash check, nothing committed."""
    import time
    fleet.enroll(fleet.site, 8)
    fleet.enroll(fleet.site2, 4)
    ids = fleet.ids(fleet.site)
    later, in_use = ids[:4], ids[4:]
    now = int(time.time())
    for i in later:
        fleet.assign_id(i, IMG1, start=now + 86400, end=now + 2 * 86400)
    for i in in_use:
        fleet.assign_id(i, IMG1)
    fleet.run("--only-site", fleet.site, "--clinical-use-rate", "1", duration=4)
    stats = fleet.stats()
    assert stats["downloads"] == 0 and stats["events"]["downloading"] == 0, stats
    assert stats["deferred"] == 8 and stats["checkins_ok"] >= 16, stats
    for i in later:
        events = fleet.events_of(i)
        assert [e["type"] for e in events] == ["offered", "deferred"], events
        assert events[1]["reason"].startswith("outside the install window (opens ")
    for i in in_use:
        events = fleet.events_of(i)
        assert [e["type"] for e in events] == ["offered", "deferred"], events
        assert events[1]["reason"] == "device in clinical use"
        rec = fleet.record_of(i)
        assert rec["clinical_state"] == "in_use" and rec["update_state"] == "deferred"
    # the served image is changed on disk, same length: every download fails its hash check
    served = fleet.server.data_dir / "repository" / "current" / "targets" / IMG1
    data = bytearray(served.read_bytes())
    data[len(data) // 2] ^= 0x01
    served.write_bytes(bytes(data))
    others = fleet.ids(fleet.site2)
    for i in others:
        fleet.assign_id(i, IMG1)
    fleet.run("--only-site", fleet.site2, duration=3)
    stats = fleet.stats()
    assert stats["committed"] == 0 and stats["downloads"] == 0 and stats["failed"] >= 4, stats
    for i in others:
        events = fleet.events_of(i)
        assert "verified" not in [e["type"] for e in events]
        failed = [e for e in events if e["type"] == "failed"]
        assert failed and all(e["check"] == "MEDFW_ERR_HASH_MISMATCH" for e in failed), events
        assert fleet.record_of(i)["firmware_version"] == "1.0.0"


def test_sessions_and_sigterm(fleet):
    """--sessions: each device opens one session and keeps it across its cycles (the
    requests are HMAC-signed under it, installs included); SIGTERM stops the run within
    seconds, with the statistics and the fleet file written."""
    import time
    fleet.enroll(fleet.site, 12)
    ids = fleet.ids()
    for i in ids[:3]:
        fleet.assign_id(i, IMG1)
    # a window that opens while the fleet runs: deferred, then installed once it opens
    fleet.assign_id(ids[3], IMG1, start=int(time.time()) + 3)
    proc = fleet.start("--sessions")
    time.sleep(7)
    took, rc, out, err = fleet.stop(proc)
    assert rc == 0 and took < 5, (took, rc, err)
    assert "check-ins" in out
    stats = fleet.stats()
    assert stats["committed"] == 4 and stats["checkins_ok"] >= 12 * 4, stats
    assert kinds(fleet, ids[3]) == INSTALL[:1] + ["deferred"] + INSTALL[1:]
    status, _, body = fleet.c.call("GET", "/api/v1/audit?event=device.session_opened")
    assert status == 200, body
    opened = [r for r in body["records"] if r["event"] == "device.session_opened"]
    assert len(opened) == 12, [r.get("detail") for r in opened]  # one per device
    for i in ids[:3]:
        assert kinds(fleet, i) == INSTALL
    assert {d["id"]: d["seq"] for d in fleet.devices() if d["id"] in ids[:3]} == \
        {i: 6 for i in ids[:3]}


def test_server_outage_and_forgotten_sessions(medfwd_server, medfw, tmp_path):
    """The server goes away and comes back with every session forgotten (its session
    secret replaced): the simulator counts the failures, never stops, and each device
    opens a new session after the 401 and goes on."""
    import sqlite3
    import time
    from test_device_client import free_port
    from test_people import Client
    srv = medfwd_server(f"listen_port = {free_port()}\n")
    fleet = SimFleet(srv, medfw, tmp_path, {
        IMG1: (random_image(50_000, "one"), agent_notice(product_version="4.2.1"))})
    fleet.enroll(fleet.site, 6)
    proc = fleet.start("--sessions")
    try:
        time.sleep(3)
        srv.stop()
        with sqlite3.connect(srv.data_dir / "medfwd.db") as db:
            assert db.execute("DELETE FROM settings WHERE key = 'device_session_secret'"
                              ).rowcount == 1
        time.sleep(2)
        srv.start()
        back = int(time.time())
        time.sleep(4)
    finally:
        took, rc, out, err = fleet.stop(proc)
    assert rc == 0, err
    stats = fleet.stats()
    assert stats["checkins_failed"] > 0 and stats["http_errors"]["no_answer"] > 0, stats
    fleet.c = Client(srv)
    fleet.c.login("root")
    for i in fleet.ids():
        assert fleet.record_of(i)["last_seen"] >= back
    status, _, body = fleet.c.call("GET", "/api/v1/audit?event=device.session_opened")
    opened = [r for r in body["records"] if r["event"] == "device.session_opened"]
    assert len(opened) == 12, stats  # one per device before, one after


def test_bad_options_and_fleet_files(fleet, tmp_path):
    sim = fleet.sim
    cases = [
        [],
        ["bogus"],
        ["run"],
        ["run", "--bogus"],
        fleet.run_args("--health-fail-rate", "1.5"),
        fleet.run_args("--download-fail-rate", "-0.1"),
        fleet.run_args("--clinical-use-rate", "0.1234567"),
        fleet.run_args("--interval", "0"),
        fleet.run_args("--threads", "0"),
        fleet.run_args("--seed", "x"),
        fleet.run_args("--sessions", "--sessions"),
        ["run", "--server", "https://127.0.0.1:1", "--fleet", "f", "--image-root", "r",
         "--director-root", "d"],
        ["run", "--server", "ftp://x", "--fleet", "f", "--image-root", "r",
         "--director-root", "d"],
        ["run", "--server", fleet.url, "--fleet", "f", "--image-root", "r"],
        ["enroll", "--server", fleet.url, "--api-token-file", "t", "--site", "0",
         "--count", "1", "--model", "m", "--hardware-id", "h", "--firmware-version", "1",
         "--fleet", "f"],
        ["enroll", "--server", fleet.url, "--api-token-file", "t", "--site", "1",
         "--count", "0", "--model", "m", "--hardware-id", "h", "--firmware-version", "1",
         "--fleet", "f"],
        ["enroll", "--server", fleet.url, "--api-token-file", "t", "--site", "1",
         "--count", "1", "--model", "m", "--hardware-id", "h", "--firmware-version", "1",
         "--fleet", "f", "--image-sha256", "ABC"],
    ]
    for args in cases:
        proc = sim(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith(b"medfw-sim: ") or b"usage:" in proc.stderr, proc.stderr
    # a fleet file others may read is refused; so is a damaged one, naming the line
    fleet.enroll(fleet.site, 2)
    fleet.fleet_file.chmod(0o644)
    proc = sim(*fleet.run_args(duration=1))
    assert proc.returncode == 1 and b"chmod 600" in proc.stderr, proc.stderr
    fleet.fleet_file.chmod(0o600)
    good = fleet.fleet_file.read_text()
    lines = good.splitlines()
    lines[-1] = lines[-1].replace('"seq":', '"bogus":1,"seq":')
    fleet.fleet_file.write_text("\n".join(lines) + "\n")
    proc = sim(*fleet.run_args(duration=1))
    assert proc.returncode == 1 and b"line 5" in proc.stderr and b"bogus" in proc.stderr, \
        proc.stderr
    assert fleet.fleet_file.read_text() != good  # refused: left as it was
    # offline all the time: no request at all
    fleet.fleet_file.write_text(good)
    seen = [fleet.record_of(i)["last_seen"] for i in fleet.ids()]
    fleet.run("--offline-rate", "1", "--offline-seconds", "60", duration=2)
    stats = fleet.stats()
    assert stats["offline_periods"] == 2 and stats["checkins_ok"] == 0, stats
    assert [fleet.record_of(i)["last_seen"] for i in fleet.ids()] == seen
    # the API token is never printed, neither are the keys
    fleet.fleet_file.write_text(good)
    proc = sim(*fleet.run_args("--verbose", duration=2), check=0)
    token = fleet.token_file.read_text().strip()
    keys = [d["key"] for d in fleet.devices()]
    for secret in [token] + keys:
        assert secret.encode() not in proc.stdout + proc.stderr


def test_help_and_man(tool):
    from conftest import ROOT, run
    sim = tool("medfw-sim")
    out = run([sim, "--help"], check=0).stdout.decode()
    assert "enroll" in out and "run" in out
    for cmd, opt in (("enroll", "--serial-prefix"), ("run", "--health-fail-rate")):
        assert opt in run([sim, cmd, "--help"], check=0).stdout.decode()
    man = run([sim, "--man"], check=0).stdout.decode()
    assert man == (ROOT / "docs" / "man" / "medfw-sim.1").read_text(), \
        "docs/man/medfw-sim.1 is stale: regenerate it with medfw-sim --man"
