"""medfwd people administration as the web dashboard needs it: the audit trail's
filters and paging with site scoping, the stored chain's verification (verified, a
changed record, a removed record), changing users (role, name, disabled, TOTP
requirement) and their refusals (own role, the last manufacturer-wide admin, another
site), disabling revokes sessions and API tokens, resetting a lost second factor, a TOTP
confirmation at the same moment as an administrator's change (the change stays), and
listing API tokens without their secrets."""
import json
import re
import sqlite3
import threading
import time

import pytest

from server_fixture import medfwd_server  # noqa: F401 (fixture)
from test_people import (PASSWORD, Client, admin, export_and_key, make_site, make_user,
                         server, totp)  # noqa: F401 (server: fixture)

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def audit_all(c, query=""):
    """Every record the caller sees with `query`, through the pages (limit 7)."""
    out, after = [], 0
    for _ in range(1000):
        status, _, body = c.call("GET", f"/api/v1/audit?limit=7&after={after}{query}")
        assert status == 200, body
        out += body["records"]
        after = body["next_after"]
        if not body["more"]:
            return out
    raise AssertionError("paging does not end")


def audit_err(c, query):
    status, _, body = c.call("GET", "/api/v1/audit?" + query)
    assert status == 400, (query, body)
    return body["error"]["field"]


def head_seq(c):
    status, _, body = c.call("GET", "/api/v1/audit?order=desc&limit=1")
    assert status == 200, body
    return body["records"][0]["seq"]


def tamper(srv, *statements):
    """Change the stored trail behind the server's back, as someone holding the database
    file could: the append-only triggers are dropped first."""
    con = sqlite3.connect(str(srv.data_dir / "medfwd.db"), timeout=30, isolation_level=None)
    try:
        con.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        con.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        for s in statements:
            con.execute(s)
    finally:
        con.close()


def verification(c, expect=200):
    status, _, body = c.call("GET", "/api/v1/audit/verification")
    assert status == expect, body
    return body


def users_by_name(c):
    return {u["username"]: u for u in c.call("GET", "/api/v1/users")[2]["users"]}


# ---- the audit trail: filters, paging, scoping ----

def test_audit_filters_paging_and_scoping(server):
    c = admin(server)
    a, b = make_site(c, "Hospital A"), make_site(c, "Hospital B")
    ua = make_user(c, "a_admin", "admin", a)
    make_user(c, "b_officer", "security_officer", b)
    la = Client(server)
    la.login("a_admin")
    make_user(la, "a_aud", "auditor", a)
    status, _, tok = la.call("POST", "/api/v1/tokens", {"name": "script"})
    assert status == 201
    script = Client(server)
    script.token = tok["token"]
    make_user(script, "a_eng", "clinical_engineer", a)     # through the API token
    everything = audit_all(c)
    seqs = [r["seq"] for r in everything]
    assert seqs == list(range(1, len(seqs) + 1))
    assert everything == c.call("GET", "/api/v1/audit")[2]["records"][:len(everything)]

    # actor: a person's records, made in a session or with one of their tokens
    mine = audit_all(c, f"&actor={ua['id']}")
    assert mine == [r for r in everything
                    if (r["actor_type"], r["actor_id"]) in (("user", ua["id"]),
                                                             ("token", tok["id"]))]
    assert {r["event"] for r in mine} >= {"login.ok", "user.created", "token.created"}
    assert any(r["actor_type"] == "token" for r in mine)
    # site, event prefix, exact event
    assert audit_all(c, f"&site={a}") == [r for r in everything if r["site_id"] == a]
    users = audit_all(c, "&event_prefix=user.")
    assert [r["event"] for r in users] == ["user.created"] * 4
    assert audit_all(c, "&event_prefix=user.&event=site.created") == []
    assert len(audit_all(c, "&event=site.created")) == 2
    # times: inclusive bounds
    t = everything[len(everything) // 2]["time"]
    assert audit_all(c, f"&since={t}") == [r for r in everything if r["time"] >= t]
    assert audit_all(c, f"&until={t}") == [r for r in everything if r["time"] <= t]
    assert audit_all(c, f"&since={t}&until={t}") == [r for r in everything if r["time"] == t]
    assert audit_all(c, "&since=2099-01-01T00:00:00Z") == []
    # newest first, paged with next_before; asc keeps next_after
    got, before = [], ""
    for _ in range(100):
        status, _, body = c.call("GET", f"/api/v1/audit?order=desc&limit=4{before}")
        assert status == 200 and "next_after" not in body
        got += body["records"]
        if not body["more"]:
            assert body["next_before"] is None
            break
        before = f"&before={body['next_before']}"
    assert got == list(reversed(everything))
    body = c.call("GET", "/api/v1/audit?after=3&before=6")[2]
    assert [r["seq"] for r in body["records"]] == [4, 5] and body["next_after"] == 5
    body = c.call("GET", f"/api/v1/audit?after={seqs[-1] + 50}")[2]
    assert body == {"records": [], "next_after": seqs[-1] + 50, "more": False}

    # bad values: 400 naming the parameter
    for query, field in [("since=2026-01-01", "since"), ("since=yesterday", "since"),
                         ("until=2026-13-01T00:00:00Z", "until"),
                         ("since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "until"),
                         ("limit=0", "limit"), ("limit=101", "limit"), ("order=sideways", "order"),
                         ("event_prefix=bad%20prefix", "event_prefix"),
                         ("event_prefix=" + "x" * 65, "event_prefix"),
                         ("actor=abc", "actor"), ("actor=0", "actor"), ("site=-1", "site"),
                         ("before=0", "before"), ("after=-1", "after"),
                         ("event=" + "e" * 65, "event")]:
        assert audit_err(c, query) == field, query

    # site staff: their site's records only, whatever they ask
    ub = Client(server)
    ub.login("b_officer")
    theirs = audit_all(ub)
    assert theirs and all(r["site_id"] == b for r in theirs)
    assert audit_all(ub, f"&site={a}") == []
    assert audit_all(ub, f"&actor={ua['id']}") == []
    assert audit_all(ub, f"&site={b}") == theirs
    assert all(r["site_id"] == b for r in ub.call("GET", "/api/v1/audit?order=desc")[2]["records"])


# ---- the chain's verification ----

def test_audit_verification_verified_and_not_audited(server, medfw, tmp_path):
    c = admin(server)
    site = make_site(c, "Verified")
    make_user(c, "officer", "security_officer", site)
    make_user(c, "eng", "clinical_engineer")
    export, key = export_and_key(c, tmp_path)   # ends on a fresh checkpoint
    offline = json.loads(medfw("audit", "verify", export, "--server-key", key, "--json",
                               check=0).stdout)
    v = verification(c)
    assert set(v) == {"state", "records", "head_seq", "checkpoints", "last_checkpoint",
                      "unsigned_tail", "first_problem", "verified_at"}
    assert v["state"] == "verified" and v["first_problem"] is None
    assert v["records"] == v["head_seq"] == offline["records"] == offline["last_seq"]
    assert v["checkpoints"] == offline["checkpoints"] >= 1
    assert v["last_checkpoint"]["seq"] == offline["last_checkpoint"] == v["records"]
    assert RFC3339.match(v["last_checkpoint"]["time"]) and RFC3339.match(v["verified_at"])
    assert v["unsigned_tail"] == 0
    # a read: nothing appended, not even a checkpoint
    assert verification(c)["records"] == v["records"] and head_seq(c) == v["records"]
    # new records after the last checkpoint: the unsigned tail
    make_site(c, "Later")
    v2 = verification(c)
    assert v2["state"] == "verified" and v2["unsigned_tail"] == v2["records"] - v["records"] > 0
    # site staff: the verdict and counts of the one chain, nothing of another site
    o = Client(server)
    o.login("officer")
    vo = verification(o)
    assert set(vo) == set(v2) and vo["state"] == "verified" and vo["records"] >= v2["records"]
    # a role without audit.read
    e = Client(server)
    e.login("eng")
    assert verification(e, expect=403)["error"]["code"] == "forbidden"


def test_audit_verification_finds_a_changed_record(server):
    c = admin(server)
    make_site(c, "Genuine")
    make_site(c, "Other")
    rec = [r for r in audit_all(c) if r["event"] == "site.created"][0]
    assert verification(c)["state"] == "verified"
    tamper(server, "UPDATE audit_log SET detail = '{\"name\":\"Forged\",\"time_zone\":\"UTC\"}'"
                   f" WHERE seq = {rec['seq']}")
    v = verification(c)
    assert v["state"] == "broken"
    assert v["first_problem"]["seq"] == rec["seq"]
    assert f"record {rec['seq']} was changed" in v["first_problem"]["what"]
    assert v["records"] == rec["seq"] - 1
    # the server goes on (and keeps failing the chain: it is broken for good)
    make_site(c, "After")
    assert verification(c)["first_problem"]["seq"] == rec["seq"]
    assert any(r.get("event") == "audit.chain.broken" for r in server.log_records())


def test_audit_verification_finds_a_removed_record(server):
    c = admin(server)
    make_site(c, "One")
    make_site(c, "Two")
    recs = audit_all(c)
    gone = [r for r in recs if r["event"] == "site.created"][0]["seq"]
    tamper(server, f"DELETE FROM audit_log WHERE seq = {gone}")
    v = verification(c)
    assert v["state"] == "broken"
    assert v["first_problem"]["seq"] == gone
    assert f"record {gone + 1} follows record {gone - 1}" in v["first_problem"]["what"]
    assert v["records"] == gone - 1


# ---- users ----

def patch(c, user_id, obj, expect=200):
    status, _, body = c.call("PATCH", f"/api/v1/users/{user_id}", obj)
    assert status == expect, (obj, body)
    return body


def test_user_update_and_refusals(server):
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    eng = make_user(c, "eng", "clinical_engineer", a)
    other = make_user(c, "other", "auditor", b)
    make_user(c, "a_admin", "admin", a)
    root = users_by_name(c)["root"]
    body = patch(c, eng["id"], {"display_name": "Eng One", "role": "security_officer",
                                "totp_required": True})
    assert (body["display_name"], body["role"], body["totp_required"], body["site_id"]) == \
        ("Eng One", "security_officer", True, a)
    assert users_by_name(c)["eng"] == body
    rec = audit_all(c, "&event=user.updated")[-1]
    assert rec["site_id"] == a and rec["actor_id"] == root["id"]
    assert rec["detail"]["user_id"] == eng["id"]
    assert rec["detail"]["changed"] == {
        "display_name": {"from": "eng", "to": "Eng One"},
        "role": {"from": "clinical_engineer", "to": "security_officer"},
        "totp_required": {"from": False, "to": True}}
    # the same values again: nothing changes, nothing is audited
    n = len(audit_all(c, "&event=user.updated"))
    assert patch(c, eng["id"], {"role": "security_officer"}) == body
    assert len(audit_all(c, "&event=user.updated")) == n

    before = users_by_name(c)
    refusals = [
        (c, root["id"], {"role": "auditor"}, 403, "role"),           # own role
        (c, root["id"], {"disabled": True}, 409, "disabled"),        # the last global admin
        (c, eng["id"], {}, 400, None),
        (c, eng["id"], {"role": "king"}, 400, "role"),
        (c, eng["id"], {"role": 3}, 400, "role"),
        (c, eng["id"], {"disabled": "yes"}, 400, "disabled"),
        (c, eng["id"], {"totp_required": 1}, 400, "totp_required"),
        (c, eng["id"], {"display_name": "x" * 129}, 400, "display_name"),
        (c, eng["id"], {"display_name": "tab\there"}, 400, "display_name"),
        (c, eng["id"], {"site_id": b}, 400, "site_id"),
        (c, eng["id"], {"password": PASSWORD}, 400, "password"),
        (c, "abc", {"role": "auditor"}, 400, "user"),
        (c, 99999, {"role": "auditor"}, 404, "user"),
    ]
    la = Client(server)
    la.login("a_admin")
    refusals += [(la, other["id"], {"display_name": "X"}, 404, "user"),   # another site
                 (la, root["id"], {"disabled": True}, 404, "user")]       # global staff
    e = Client(server)
    e.login("other")
    refusals += [(e, eng["id"], {"display_name": "X"}, 403, None)]        # no users.write
    for who, uid, obj, status, field in refusals:
        got = patch(who, uid, obj, expect=status)
        assert got["error"].get("field") == field, (obj, got)
    assert users_by_name(c) == before
    # a site admin changes their own site's users (and may promote them there)
    assert patch(la, eng["id"], {"role": "admin"})["role"] == "admin"
    assert patch(la, eng["id"], {"role": "clinical_engineer"})["role"] == "clinical_engineer"

    # with a second manufacturer-wide admin, one may demote the other...
    root2 = make_user(c, "root2", "admin")
    r2 = Client(server)
    r2.login("root2")
    assert patch(r2, root["id"], {"role": "auditor"})["role"] == "auditor"
    # ...but root2, now the last one, cannot disable itself or be disabled
    assert patch(r2, root2["id"], {"disabled": True}, expect=409)["error"]["field"] == "disabled"
    assert users_by_name(r2)["root2"]["disabled"] is False


def test_two_admins_demoting_each_other_leave_one(server):
    """Two manufacturer-wide admins demote each other at the same moment, three times:
    never both; one enabled manufacturer-wide admin always remains."""
    c = admin(server)
    names = ["root"]
    for round_ in range(3):
        partner = make_user(c, f"partner{round_}", "admin")
        p = Client(server)
        p.login(partner["username"])
        ids = users_by_name(c)
        me = ids[names[-1]]["id"]
        results = {}

        def demote(who, target, key):
            results[key] = who.call("PATCH", f"/api/v1/users/{target}", {"role": "auditor"})[0]

        threads = [threading.Thread(target=demote, args=(c, partner["id"], "a")),
                   threading.Thread(target=demote, args=(p, me, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) in ([200, 403], [200, 409]), results
        if results["a"] != 200:      # the partner won: carry on as the partner
            c, names = p, names + [partner["username"]]
        admins = [u for u in users_by_name(c).values()
                  if u["role"] == "admin" and u["site_id"] is None and not u["disabled"]]
        assert len(admins) == 1


def test_disable_revokes_sessions_and_tokens(server):
    c = admin(server)
    eng = make_user(c, "eng", "clinical_engineer")
    e = Client(server)
    e.login("eng")
    status, _, tok = e.call("POST", "/api/v1/tokens", {"name": "eng script"})
    assert status == 201
    script = Client(server)
    script.token = tok["token"]
    assert e.call("GET", "/api/v1/me")[0] == 200 and script.call("GET", "/api/v1/me")[0] == 200
    assert patch(c, eng["id"], {"disabled": True})["disabled"] is True
    assert e.call("GET", "/api/v1/me")[0] == 401
    assert script.call("GET", "/api/v1/me")[0] == 401
    assert "disabled" in Client(server).login("eng", expect=401)["error"]["message"]
    rec = audit_all(c, "&event=user.updated")[-1]
    assert rec["detail"]["changed"] == {"disabled": {"from": False, "to": True}}
    assert rec["detail"]["sessions_revoked"] == 1 and rec["detail"]["tokens_revoked"] == 1
    # enabled again: what was revoked stays revoked; signing in works again
    assert patch(c, eng["id"], {"disabled": False})["disabled"] is False
    assert e.call("GET", "/api/v1/me")[0] == 401
    assert script.call("GET", "/api/v1/me")[0] == 401
    e2 = Client(server)
    e2.login("eng")
    assert e2.call("GET", "/api/v1/me")[0] == 200
    listed = c.call("GET", f"/api/v1/tokens?user={eng['id']}")[2]["tokens"]
    assert [(t["id"], t["state"]) for t in listed] == [(tok["id"], "revoked")]


def test_totp_reset(server):
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    aud = make_user(c, "aud", "auditor", a)
    far = make_user(c, "far", "auditor", b)
    make_user(c, "a_admin", "admin", a)
    u = Client(server)
    u.login("aud")
    status, _, body = u.call("POST", "/api/v1/me/totp")
    assert status == 200
    now = time.time()
    assert u.call("POST", "/api/v1/me/totp/confirm", {"code": totp(body["secret"], now)})[0] == 200
    assert users_by_name(c)["aud"]["totp_enrolled"] is True
    # refusals change nothing
    la = Client(server)
    la.login("a_admin")
    for who, uid, status, field in [(c, users_by_name(c)["root"]["id"], 403, "user"),  # own
                                    (la, far["id"], 404, "user"),     # another site
                                    (u, aud["id"], 403, None),        # an auditor
                                    (c, "x", 400, "user"), (c, 4242, 404, "user")]:
        st, _, got = who.call("POST", f"/api/v1/users/{uid}/totp-reset")
        assert st == status and got["error"].get("field") == field, (uid, got)
    assert users_by_name(c)["aud"]["totp_enrolled"] is True
    # the reset: the factor is gone, the user signs in again (no code) and may enrol anew
    status, _, body = la.call("POST", f"/api/v1/users/{aud['id']}/totp-reset")
    assert status == 200 and body["totp_enrolled"] is False and body["id"] == aud["id"]
    assert u.call("GET", "/api/v1/me")[0] == 401
    u2 = Client(server)
    assert u2.login("aud")["user"]["totp_enrolled"] is False
    rec = audit_all(c, "&event=user.totp_reset")
    assert len(rec) == 1 and rec[0]["site_id"] == a and rec[0]["detail"]["user_id"] == aud["id"]
    assert rec[0]["detail"]["sessions_revoked"] == 1
    # nothing enrolled any more: nothing to reset
    st, _, got = c.call("POST", f"/api/v1/users/{aud['id']}/totp-reset")
    assert st == 409 and got["error"]["field"] == "user"
    assert len(audit_all(c, "&event=user.totp_reset")) == 1


# ---- TOTP enrolment against an administrator's change at the same moment ----

def run_together(*calls):
    """Run the calls at once (one thread each); their results in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(i, fn):
        start.wait()
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_totp_confirm_keeps_a_concurrent_disable_and_role_change(server):
    """The confirmation writes the second factor only: an administrator disabling the
    user and changing role and name at the same moment always stays, whichever comes
    first; a confirmation that loses is refused (401: its session was revoked first;
    409: the user was disabled while it ran), never a 500, and enrols nothing. (Four
    rounds: each sign-in and each refused session counts against the sign-in rate
    limit of the address.)"""
    c = admin(server)
    for round_ in range(4):
        name = f"racer{round_}"
        user = make_user(c, name, "clinical_engineer")
        u = Client(server)
        u.login(name)
        status, _, body = u.call("POST", "/api/v1/me/totp")
        assert status == 200, body
        code = totp(body["secret"], time.time())
        confirm, change = run_together(
            lambda: u.call("POST", "/api/v1/me/totp/confirm", {"code": code}),
            lambda: c.call("PATCH", f"/api/v1/users/{user['id']}",
                           {"disabled": True, "role": "auditor",
                            "display_name": f"Racer {round_}"}))
        assert change[0] == 200, change
        assert confirm[0] in (200, 401, 409), confirm
        if confirm[0] == 409:
            assert "disabled" in confirm[2]["error"]["message"], confirm
        got = users_by_name(c)[name]
        assert (got["disabled"], got["role"], got["display_name"]) == \
            (True, "auditor", f"Racer {round_}"), (confirm, got)
        assert got["totp_enrolled"] is (confirm[0] == 200), (confirm, got)
    enrolled = audit_all(c, "&event=totp.enrolled")
    assert len(enrolled) == sum(1 for r in range(4) if users_by_name(c)[f"racer{r}"]
                                ["totp_enrolled"])


def test_totp_confirm_disabled_restarted_and_used_up(server):
    """A pending enrolment completes once, with the secret begun last, and not for a
    user disabled meanwhile."""
    c = admin(server)
    eng = make_user(c, "eng", "clinical_engineer")
    u = Client(server)
    u.login("eng")
    status, _, first = u.call("POST", "/api/v1/me/totp")
    assert status == 200
    # disabled after beginning: the confirmation is refused and the user stays disabled
    assert patch(c, eng["id"], {"disabled": True})["disabled"] is True
    st, _, got = u.call("POST", "/api/v1/me/totp/confirm",
                        {"code": totp(first["secret"], time.time())})
    assert st == 401, got
    after = users_by_name(c)["eng"]
    assert after["disabled"] is True and after["totp_enrolled"] is False
    assert patch(c, eng["id"], {"disabled": False})["disabled"] is False
    u = Client(server)
    u.login("eng")
    # restarted: the code of the first secret no longer confirms anything
    status, _, second = u.call("POST", "/api/v1/me/totp")
    assert status == 200 and second["secret"] != first["secret"]
    now = time.time()
    st, _, got = u.call("POST", "/api/v1/me/totp/confirm", {"code": totp(first["secret"], now)})
    assert st == 400 and got["error"]["field"] == "code", got
    assert users_by_name(c)["eng"]["totp_enrolled"] is False
    # the same good code sent several times at once: enrolled once, the rest refused
    code = totp(second["secret"], now)
    results = run_together(*[
        (lambda: u.call("POST", "/api/v1/me/totp/confirm", {"code": code}))
        for _ in range(4)])
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 409, 409, 409], results
    for r in results:
        if r[0] == 409:
            assert r[2]["error"]["code"] == "conflict", r
    assert users_by_name(c)["eng"]["totp_enrolled"] is True
    assert len(audit_all(c, "&event=totp.enrolled")) == 1
    # the enrolled factor is the second secret: signing in takes its next code
    b = Client(server)
    assert b.login("eng", expect=401)["error"]["code"] == "totp_required"
    b.login("eng", totp_code=totp(first["secret"], now + 30), expect=401)
    b.login("eng", totp_code=totp(second["secret"], now + 30))


# ---- API tokens ----

TOKEN_KEYS = {"id", "user_id", "name", "state", "created_at", "expires_at", "last_used_at",
              "revoked_at"}


def test_token_list_without_secrets(server):
    c = admin(server)
    a, b = make_site(c, "A"), make_site(c, "B")
    root = users_by_name(c)["root"]
    status, _, t1 = c.call("POST", "/api/v1/tokens", {"name": "first"})
    assert status == 201
    soon = int(time.time()) + 3600
    status, _, t2 = c.call("POST", "/api/v1/tokens", {"name": "second", "expires_at": soon})
    assert status == 201 and t2["expires_at"] == soon
    for obj in ({"name": "past", "expires_at": 1000}, {"name": "far", "expires_at": soon + 400 * 86400},
                {"name": "both", "expires_at": soon, "expires_in_days": 3},
                {"name": "text", "expires_at": "2030-01-01T00:00:00Z"}):
        status, _, body = c.call("POST", "/api/v1/tokens", obj)
        assert status == 400 and body["error"]["field"] == "expires_at", (obj, body)
    script = Client(server)
    script.token = t1["token"]
    assert script.call("GET", "/api/v1/me")[0] == 200       # used: last_used_at
    assert c.call("DELETE", f"/api/v1/tokens/{t2['id']}")[0] == 200
    status, _, raw = server.request("GET", "/api/v1/tokens",
                                    headers={"Cookie": f"medfw_session={c.cookie}"})
    assert status == 200
    for secret in (t1["token"], t2["token"]):
        assert secret.encode() not in raw and secret[4:].encode() not in raw
    body = json.loads(raw)
    assert body["total"] == 2 and body["next_offset"] is None
    first, second = body["tokens"]
    assert set(first) == TOKEN_KEYS and set(second) == TOKEN_KEYS
    assert (first["id"], first["name"], first["state"], first["user_id"]) == \
        (t1["id"], "first", "active", root["id"])
    assert first["expires_at"] == t1["expires_at"] and first["revoked_at"] is None
    assert isinstance(first["last_used_at"], int) and first["last_used_at"] >= first["created_at"]
    assert (second["state"], second["expires_at"], second["last_used_at"]) == ("revoked", soon, None)
    assert isinstance(second["revoked_at"], int)
    # the script lists its owner's tokens too (tokens.own), a page at a time
    body = script.call("GET", "/api/v1/tokens?limit=1")[2]
    assert [t["id"] for t in body["tokens"]] == [t1["id"]] and body["next_offset"] == 1
    assert c.call("GET", "/api/v1/tokens?limit=0")[2]["error"]["field"] == "limit"
    assert c.call("GET", "/api/v1/tokens?user=abc")[2]["error"]["field"] == "user"

    # other users: administrators only, within their sites
    eng = make_user(c, "eng", "clinical_engineer", a)
    far = make_user(c, "far", "auditor", b)
    make_user(c, "a_admin", "admin", a)
    e = Client(server)
    e.login("eng")
    status, _, et = e.call("POST", "/api/v1/tokens", {"name": "eng"})
    assert status == 201
    assert e.call("GET", "/api/v1/tokens")[2]["total"] == 1
    st, _, got = e.call("GET", f"/api/v1/tokens?user={root['id']}")
    assert st == 403 and got["error"]["field"] == "user"
    la = Client(server)
    la.login("a_admin")
    assert [t["id"] for t in la.call("GET", f"/api/v1/tokens?user={eng['id']}")[2]["tokens"]] == \
        [et["id"]]
    st, _, got = la.call("GET", f"/api/v1/tokens?user={far['id']}")
    assert st == 404 and got["error"]["field"] == "user"
    assert la.call("GET", f"/api/v1/tokens?user={root['id']}")[0] == 404
    # revoking: another user's token is not found unless one administers them
    assert e.call("DELETE", f"/api/v1/tokens/{t1['id']}")[0] == 404
    assert script.call("GET", "/api/v1/me")[0] == 200
    assert la.call("DELETE", f"/api/v1/tokens/{t1['id']}")[0] == 404
    assert la.call("DELETE", f"/api/v1/tokens/{et['id']}")[0] == 200
    st, _, got = la.call("DELETE", f"/api/v1/tokens/{et['id']}")
    assert st == 409 and got["error"]["field"] == "token"
    rec = audit_all(c, "&event=token.revoked")[-1]
    assert rec["detail"] == {**rec["detail"], "token_id": et["id"], "user_id": eng["id"]}
    assert rec["site_id"] == a
    assert e.call("GET", "/api/v1/tokens")[2]["tokens"][0]["state"] == "revoked"
