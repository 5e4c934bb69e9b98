"""Power-loss safety of medfw-agent: hundreds of installs, each interrupted at a named
point (MEDFW_AGENT_FAULT: the agent kills itself there, as a power cut would stop it)
or at a random byte offset of the download or of the slot write. After every
interruption the device is power-cycled: the bootloader (written here in Python from
the U-Boot bootcount rules) picks a slot, and the test checks that it holds a fully
verified signed image whose security version is not below the device's stored minimum.
Then the agent runs again, without faults, until the update is finished or cleanly
abandoned; the device must end on a committed signed image with no update pending.
"""
import hashlib
import os
import random

import pytest

from agent_fixture import Fleet, agent_notice, fresh_env, random_image
from server_fixture import medfwd_server  # noqa: F401 (fixture)

SIZE = 96 * 1024
ROUNDS = int(os.environ.get("MEDFW_POWERLOSS_ROUNDS", "216"))
POINTS = ["download", "write", "before-flip", "after-flip", "before-reboot", "health",
          "before-commit", "after-commit", "before-rollback"]


def test_interrupted_installs(medfwd_server, medfw, tmp_path):
    rnd = random.Random(20261122)
    srv = medfwd_server()
    images = {"pump/x.img": random_image(SIZE, "x"), "pump/y.img": random_image(SIZE - 777, "y")}
    fleet = Fleet(srv, medfw, tmp_path, {
        name: (data, agent_notice(product_version=v))
        for (name, data), v in zip(images.items(), ("5.0.0", "5.0.1"))})
    signed = {hashlib.sha256(d).hexdigest(): 7 for d in images.values()}
    # the factory image is release x (the first install raises the minimum to 7)
    dev = fleet.device("SN-PL", factory_image=images["pump/x.img"])

    def check_boot():
        s = dev.boot()  # raises when no slot is bootable
        digest = dev.slot_sha256(s)
        assert digest in signed, f"booted slot {s} holds an unsigned or partial image"
        assert signed[digest] >= dev.state()["min_security_version"]
        return s

    interrupted = {p: 0 for p in POINTS}
    outcomes = {}
    for i in range(ROUNDS):
        point = POINTS[i % len(POINTS)]
        running = dev.status()["slots"][dev.booted()]
        current = running["target"] if running else "pump/x.img"
        target = "pump/y.img" if current == "pump/x.img" else "pump/x.img"
        fleet.assign(dev, target)
        fail_health = point == "before-rollback" or (point == "health" and rnd.random() < 0.3)
        dev.health_result.write_text("1" if fail_health else "0")
        spec = point
        if point in ("download", "write"):
            spec = f"{point}@{rnd.randrange(1, SIZE - 800)}"
        fired = False
        for step in range(16):
            env = fresh_env() if fired else fresh_env(MEDFW_AGENT_FAULT=spec)
            rc, out, err = dev.once(env=env)
            if rc == -9:
                fired = True
                interrupted[point] += 1
                check_boot()  # the power comes back
                continue
            assert rc in (0, 3), (spec, step, rc, out, err)
            if out == "rebooting":
                check_boot()
                dev.health_result.write_text("1" if fail_health and step < 3 else "0")
                continue
            st = dev.state()
            if st["update"] is None and out in ("idle", "committed", "rolled_back", "failed"):
                break
        else:
            pytest.fail(f"round {i} ({spec}): no stable state after 16 steps: {dev.status()}")
        assert fired or point in ("before-rollback",), f"round {i}: fault {spec} never fired"
        final = dev.status()
        assert final["update"] is None
        booted = dev.booted()
        assert final["boot"]["last_good"] == booted
        assert dev.slot_sha256(booted) in signed
        outcomes[out] = outcomes.get(out, 0) + 1
    total = sum(interrupted.values())
    print(f"interrupted installs: {total} {interrupted}; final outcomes {outcomes}")
    assert total >= 200, interrupted
    assert all(interrupted[p] > 0 for p in POINTS), interrupted
