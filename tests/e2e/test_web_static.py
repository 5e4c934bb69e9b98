"""medfwd serves the web dashboard: the built files of a temporary tree (web_dir) with
the dashboard's headers (CSP, framing, caching, ETag / 304), 404 JSON for what is not
there, hostile paths refused, trees it must not serve refused at start (naming the
file), the fallback when web_dir is not set, and /api/v1/me giving a session its CSRF
token back (a reloaded page) while state changes still need it."""
import hashlib
import json
import re
import shutil
import time

import pytest

import server_fixture
from conftest import BUILD, run, tool_path
from server_fixture import medfwd_server  # noqa: F401 (fixture)

PASSWORD = "correct horse battery staple"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
DASHBOARD_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), usb=(), serial=()",
}
API_HEADERS = {
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_INSTALLED = {"error": {"code": "not_found",
                           "message": "the web dashboard is not installed here (web_dir)"}}

INDEX = b'<!doctype html><html><head><script type="module" src="/assets/app-3f2a.js">' \
        b'</script><link rel="stylesheet" href="/assets/app-3f2a.css"></head>' \
        b'<body><div id="app"></div></body></html>\n'
FILES = {
    "index.html": INDEX,
    "assets/app-3f2a.js": b"document.getElementById('app').textContent = 'medfw';\n",
    "assets/app-3f2a.css": b"body { margin: 0 }\n",
    "assets/x.js": b"export const x = 1;\n",
    "assets/fonts/inter.woff2": b"wOF2\x00\x01\x00\x00not really a font",
    "favicon.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>\n',
}


def etag(data):
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def make_tree(root, files=FILES):
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "webtree")


@pytest.fixture
def web(medfwd_server, tree):
    return medfwd_server(f"web_dir = {tree}\n")


def records(srv, event):
    """The log records `event`, waiting a little for the first (logged just after
    server.start, which may come after /healthz answered)."""
    deadline = time.monotonic() + 10
    while True:
        found = [r for r in srv.log_records() if r["event"] == event]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def assert_dashboard(h, cache_control):
    for name, value in DASHBOARD_HEADERS.items():
        assert h.get(name) == value, (name, h)
    assert h["cache-control"] == cache_control
    assert "set-cookie" not in h


def assert_not_found(status, h, body, message=None):
    assert status == 404, body
    assert h["content-type"] == "application/json"
    err = json.loads(body)["error"]
    assert err["code"] == "not_found"
    if message is not None:
        assert err["message"] == message
    return err


# ---- the files and their headers ----

@pytest.mark.parametrize("path,rel,ctype,cache", [
    ("/", "index.html", "text/html; charset=utf-8", "no-cache"),
    ("/ui/devices/42", "index.html", "text/html; charset=utf-8", "no-cache"),
    ("/ui/rollouts/7/waves", "index.html", "text/html; charset=utf-8", "no-cache"),
    ("/ui", "index.html", "text/html; charset=utf-8", "no-cache"),
    ("/assets/x.js", "assets/x.js", "text/javascript; charset=utf-8", IMMUTABLE),
    ("/assets/app-3f2a.js", "assets/app-3f2a.js", "text/javascript; charset=utf-8",
     IMMUTABLE),
    ("/assets/app-3f2a.css", "assets/app-3f2a.css", "text/css; charset=utf-8", IMMUTABLE),
    ("/assets/fonts/inter.woff2", "assets/fonts/inter.woff2", "font/woff2", IMMUTABLE),
    ("/favicon.svg", "favicon.svg", "image/svg+xml", "no-cache"),
])
def test_files_with_dashboard_headers(web, path, rel, ctype, cache):
    status, h, body = web.request("GET", path)
    assert status == 200, body
    assert body == FILES[rel]
    assert h["content-type"] == ctype
    assert h["etag"] == etag(FILES[rel])
    assert int(h["content-length"]) == len(FILES[rel])
    assert_dashboard(h, cache)
    # HEAD: the same headers, no body
    status, hh, body = web.request("HEAD", path)
    assert status == 200 and body == b""
    assert hh["etag"] == h["etag"] and hh["content-type"] == ctype
    assert_dashboard(hh, cache)


def test_if_none_match_gives_304(web):
    for path, rel in (("/", "index.html"), ("/ui/devices/42", "index.html"),
                      ("/assets/x.js", "assets/x.js"), ("/favicon.svg", "favicon.svg")):
        tag = etag(FILES[rel])
        for header in (tag, "W/" + tag, f'"0000", {tag}', f' "nope" ,W/{tag} ', "*"):
            status, h, body = web.request("GET", path, headers={"If-None-Match": header})
            assert status == 304, (path, header)
            assert body == b""
            assert h["etag"] == tag
            assert_dashboard(h, IMMUTABLE if path.startswith("/assets/") else "no-cache")
        # another version, a malformed list, or none: the file
        for header in ('"0123"', etag(b"old build"), tag[:-1], "W/", "garbage " + tag):
            status, h, body = web.request("GET", path, headers={"If-None-Match": header})
            assert status == 200 and body == FILES[rel], (path, header)
    # the same tag after a restart: it is the content's
    tag = web.request("GET", "/assets/x.js")[1]["etag"]
    web.stop()
    web.start()
    assert web.request("GET", "/assets/x.js")[1]["etag"] == tag


def test_missing_files_are_404_json(web):
    for path in ("/assets/nope.js", "/assets/fonts", "/assets/fonts/none.woff2",
                 "/assets/X.JS", "/favicon.ico", "/assets/index.html"):
        status, h, body = web.request("GET", path)
        assert_not_found(status, h, body, "no such file of the web dashboard")
        assert_dashboard(h, "no-store")
    # paths outside the dashboard's routes are the API's 404
    for path in ("/index.html", "/assets", "/assets/", "/ui/", "/webtree/index.html"):
        status, h, body = web.request("GET", path)
        assert_not_found(status, h, body)
        assert h["cache-control"] == "no-store"


def test_hostile_paths_refused(web, tree):
    (tree.parent / "secret.txt").write_bytes(b"outside the web directory")
    for path in ("/assets/../x", "/assets/../index.html", "/assets/%2e%2e/index.html",
                 "/assets/%2E%2E/%2e%2e/secret.txt", "/assets/..%2findex.html",
                 "/assets/.%2e/index.html", "/ui/../assets/x.js", "/assets/x.js%00",
                 "/assets/./x.js", "/assets/%2fetc%2fpasswd", "/%2e%2e/secret.txt"):
        status, h, body = web.request("GET", path)
        assert status == 400, (path, body)
        assert json.loads(body)["error"]["code"] == "bad_path"
        for name, value in API_HEADERS.items():
            assert h[name] == value
    # dotfiles (none can be loaded) and encoded names that decode to one
    for path in ("/.env", "/assets/.env", "/assets/%2eenv", "/.git/config",
                 "/assets/.hidden/x.js"):
        status, h, body = web.request("GET", path)
        assert_not_found(status, h, body)
        assert b"outside" not in body
    # nothing of the tree's parent ever comes out
    for path in ("/assets/secret.txt", "/ui/../../secret.txt"):
        assert b"outside" not in web.request("GET", path)[2]


def test_routes_metrics_and_no_auth(web, tree):
    routes = run([tool_path("medfwd"), "--routes"], check=0).stdout.decode().splitlines()
    table = {line.split()[3]: line.split()[:3] for line in routes}
    assert table["web.index"] == ["GET", "/", "none"]
    assert table["web.asset"] == ["GET", "/assets/{path*}", "none"]
    assert table["web.ui"] == ["GET", "/ui/{path*}", "none"]
    # a session cookie or token is neither needed nor looked at
    status, _, _ = web.request("GET", "/", headers={"Cookie": "medfw_session=garbage",
                                                     "Authorization": "Bearer nonsense"})
    assert status == 200
    web.request("GET", "/assets/x.js")
    web.request("GET", "/ui/devices/42")
    metrics = web.request("GET", "/metrics")[2].decode()
    for route in ("web.index", "web.asset", "web.ui"):
        assert re.search(r'medfwd_http_requests_total\{route="%s",method="GET",status="200"\} '
                         r'[1-9]' % re.escape(route), metrics), route
    # POST is not a dashboard method
    status, h, body = web.request("POST", "/", body=b"{}",
                                  headers={"Content-Type": "application/json"})
    assert status == 405 and "GET" in h["allow"]
    # what was loaded at start is served: a change on disk is not seen
    (tree / "assets" / "x.js").write_bytes(b"changed")
    assert web.request("GET", "/assets/x.js")[2] == FILES["assets/x.js"]
    # the log says where the files came from
    loaded = records(web, "web.loaded")
    assert len(loaded) == 1 and "6 files" in loaded[0]["msg"]


def test_api_answers_keep_their_headers(web):
    for path in ("/healthz", "/api/v1/me", "/nope"):
        _, h, _ = web.request("GET", path)
        for name, value in API_HEADERS.items():
            assert h[name] == value, (path, name)
        assert "etag" not in h and "cross-origin-opener-policy" not in h


# ---- trees medfwd refuses to start with ----

def refused_start(tmp_path, web_dir_line):
    data = tmp_path / "refused-data"
    conf = tmp_path / "refused.conf"
    conf.write_text(f"data_dir = {data}\nlisten_port = 0\n{web_dir_line}")
    proc = run([tool_path("medfwd"), "--config", conf], check=1, timeout=60)
    assert not data.exists(), "a refused start made the data directory"
    assert b"listening" not in proc.stdout
    return proc.stderr.decode()


def test_symlink_in_tree_refuses_start(tmp_path, tree):
    (tree / "assets" / "link.js").symlink_to("x.js")
    err = refused_start(tmp_path, f"web_dir = {tree}\n")
    assert f"{tree}/assets/link.js: a symbolic link" in err, err


def test_symlinked_directory_in_tree_refuses_start(tmp_path, tree):
    (tree / "etc").symlink_to("/etc")
    err = refused_start(tmp_path, f"web_dir = {tree}\n")
    assert f"{tree}/etc: a symbolic link" in err, err


def test_dotfile_in_tree_refuses_start(tmp_path, tree):
    (tree / "assets" / ".env").write_text("SECRET=1\n")
    err = refused_start(tmp_path, f"web_dir = {tree}\n")
    assert f"{tree}/assets/.env: a name starting with '.'" in err, err


def test_web_dir_without_index_refuses_start(tmp_path):
    empty = tmp_path / "empty"
    make_tree(empty, {"assets/x.js": b"1"})
    err = refused_start(tmp_path, f"web_dir = {empty}\n")
    assert f"web_dir {empty}: no index.html in it" in err, err
    err = refused_start(tmp_path, f"web_dir = {tmp_path}/missing\n")
    assert f"web_dir {tmp_path}/missing: no such directory" in err, err
    (tmp_path / "file").write_text("x")
    err = refused_start(tmp_path, f"web_dir = {tmp_path}/file\n")
    assert f"web_dir {tmp_path}/file: not a directory" in err, err
    (tmp_path / "dirindex" / "index.html").mkdir(parents=True)
    err = refused_start(tmp_path, f"web_dir = {tmp_path}/dirindex\n")
    assert f"web_dir {tmp_path}/dirindex: index.html is not a regular file" in err, err


# ---- web_dir not set: next to the binary, the installed one, or off ----

def installed_web_dir():
    """The installed share/medfw/web this build looks in (CMAKE_INSTALL_PREFIX)."""
    cache = (BUILD / "CMakeCache.txt").read_text()
    prefix = re.search(r"^CMAKE_INSTALL_PREFIX:PATH=(.*)$", cache, re.M).group(1)
    return f"{prefix}/share/medfw/web"


@pytest.fixture
def moved_binary(tmp_path, monkeypatch):
    """medfwd copied to tmp/bin: its <directory>/../web is tmp/web."""
    (tmp_path / "bin").mkdir()
    binary = tmp_path.resolve() / "bin" / "medfwd"
    shutil.copy2(tool_path("medfwd"), binary)
    monkeypatch.setattr(server_fixture, "tool_path", lambda name: binary)
    return binary


def test_unset_and_nothing_found_dashboard_off(medfwd_server, moved_binary, tmp_path):
    installed = installed_web_dir()
    try:
        open(f"{installed}/index.html").close()
        pytest.skip(f"a dashboard is installed in {installed}")
    except OSError:
        pass
    srv = medfwd_server()
    for path in ("/", "/ui/devices/42", "/assets/x.js", "/favicon.svg"):
        status, h, body = srv.request("GET", path)
        assert status == 404 and json.loads(body) == NOT_INSTALLED, path
        assert_dashboard(h, "no-store")
    off = records(srv, "web.disabled")
    assert len(off) == 1, srv.log_text()
    assert f"{tmp_path.resolve()}/web" in off[0]["msg"] and installed in off[0]["msg"]
    # the API works without it
    assert srv.request("GET", "/healthz")[0] == 200


def test_unset_found_next_to_the_binary(medfwd_server, moved_binary, tmp_path):
    make_tree(tmp_path / "web")
    srv = medfwd_server()
    status, h, body = srv.request("GET", "/ui/devices/42")
    assert status == 200 and body == INDEX
    assert_dashboard(h, "no-cache")
    loaded = records(srv, "web.loaded")
    assert len(loaded) == 1 and f"{tmp_path.resolve()}/web" in loaded[0]["msg"]
    assert not [r for r in srv.log_records() if r["event"] == "web.disabled"]


def test_unset_found_but_broken_refuses_start(moved_binary, tmp_path):
    make_tree(tmp_path / "web")
    (tmp_path / "web" / "favicon.ico").symlink_to("/etc/passwd")
    data = tmp_path / "data"
    conf = tmp_path / "c.conf"
    conf.write_text(f"data_dir = {data}\nlisten_port = 0\n")
    err = run([moved_binary, "--config", conf], check=1, timeout=60).stderr.decode()
    assert f"{tmp_path.resolve()}/web/favicon.ico: a symbolic link" in err, err
    assert not data.exists()


# ---- /api/v1/me and the CSRF token of a session ----

class Browser:
    """A person's browser: the cookie jar and, when the page has it, the CSRF token."""

    def __init__(self, srv):
        self.srv, self.cookie, self.csrf, self.token = srv, None, None, None

    def call(self, method, path, obj=None, csrf=None):
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = f"medfw_session={self.cookie}"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if csrf:
            headers["X-CSRF-Token"] = csrf
        status, h, data = self.srv.request(method, path,
                                           body=None if obj is None else json.dumps(obj),
                                           headers=headers)
        return status, json.loads(data) if data else None

    def login(self, username):
        status, h, body = self.srv.json("POST", "/api/v1/session",
                                        {"username": username, "password": PASSWORD})
        assert status == 200, body
        self.cookie = re.match(r"medfw_session=([^;]+);", h["set-cookie"]).group(1)
        return body["csrf_token"]


def test_me_gives_the_session_its_csrf_token(web):
    status, _, body = web.json("POST", "/api/v1/bootstrap",
                               {"token": web.bootstrap_token, "username": "root",
                                "password": PASSWORD})
    assert status == 201, body
    page = Browser(web)
    login_csrf = page.login("root")
    # the page reloads: it has the cookie only, and asks who it is
    status, me = page.call("GET", "/api/v1/me")
    assert status == 200 and me["via"] == "session"
    assert me["csrf_token"] == login_csrf
    assert page.call("GET", "/api/v1/me")[1]["csrf_token"] == login_csrf  # stable
    # with that token a state change works ...
    status, site = page.call("POST", "/api/v1/sites", {"name": "St. Mary", "time_zone": "UTC"},
                             csrf=me["csrf_token"])
    assert status == 201, site
    # ... without it, or with another, it is refused and nothing is stored
    status, err = page.call("POST", "/api/v1/sites", {"name": "No", "time_zone": "UTC"})
    assert status == 401 and "X-CSRF-Token" in err["error"]["message"]
    other = Browser(web)
    other_csrf = other.login("root")
    assert other_csrf != login_csrf
    assert other.call("GET", "/api/v1/me")[1]["csrf_token"] == other_csrf
    status, err = page.call("POST", "/api/v1/sites", {"name": "No", "time_zone": "UTC"},
                            csrf=other_csrf)
    assert status == 401
    status, err = page.call("POST", "/api/v1/sites", {"name": "No", "time_zone": "UTC"},
                            csrf=login_csrf[:-1] + ("A" if login_csrf[-1] != "A" else "B"))
    assert status == 401
    names = [s["name"] for s in page.call("GET", "/api/v1/sites")[1]["sites"]]
    assert names == ["St. Mary"]
    # an API token is no session: no CSRF token in its /me
    status, tok = page.call("POST", "/api/v1/tokens", {"name": "script"}, csrf=login_csrf)
    assert status == 201, tok
    script = Browser(web)
    script.token = tok["token"]
    status, me = script.call("GET", "/api/v1/me")
    assert status == 200 and me["via"] == "api_token" and "csrf_token" not in me
    # the token is never logged
    assert login_csrf not in web.log_text()
    # signed out: /me is refused, the token gives nothing
    assert page.call("DELETE", "/api/v1/session", csrf=login_csrf)[0] == 200
    assert page.call("GET", "/api/v1/me")[0] == 401
