"""Server-side session stores through the demo: --session-store memory,
sqlite:PATH and redis://HOST:PORT/DB (docs/stores.md).

With a store the session cookie is ID.TAG (two 43-character base64url
parts) and carries no user data; logins rotate the id, logout deletes the
record, remember cookies are tokens recorded in the store and rotated when
they restore a login, and GET /sessions lists the user's sessions. When the
store does not answer, requests are anonymous and nothing is lost.

Every test starts its own demo, which seeds its own user database: alice's
id (and so her sessions in the shared Redis) is new in each test."""

import base64
import calendar
import os
import re
import sqlite3
import subprocess
import time

import pytest

from clogin_http import (
    ANONYMOUS, SECRET, UA, UA2, child_env, decode_session, demo_path,
    expires_at, is_deletion, set_cookie, set_cookies,
)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$")
FRESH = {"authenticated": True, "id": "1", "fresh": True, "remembered": False}
FRESH_REMEMBERED = {"authenticated": True, "id": "1", "fresh": True, "remembered": True}
STALE_REMEMBERED = {"authenticated": True, "id": "1", "fresh": False, "remembered": True}
TO_LOGIN = "/login?next=%2Fprotected"
UA3 = "clogin-http-tests/1.0 (third browser)"
STORE_TIMEOUT_MS = 300
ENDED = "The session was ended."
ENDED_OTHERS = "You were logged out everywhere else."
NO_LIST = "Sessions are listed only with a server-side session store."


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def record_id(token):
    """The store's key of a cookie ID.TAG: its ID."""
    assert TOKEN.match(token), token
    return token.split(".")[0]


class StoreView:
    """What the store holds, read behind the demo's back (sqlite and redis;
    the memory store lives inside the demo)."""

    def __init__(self, store, tmp_path, redis=None):
        self.store = store
        self.path = os.path.join(tmp_path, "sessions.db")
        self.redis = redis

    @property
    def visible(self):
        return self.store != "memory"

    def record(self, token):
        """(kind, user_id, seconds to expiry) of a cookie's record, or None."""
        rid = record_id(token)
        if self.store == "sqlite":
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
            try:
                row = conn.execute("SELECT kind, user_id, expires FROM clogin_sessions"
                                   " WHERE id = ?", (rid,)).fetchone()
            finally:
                conn.close()
            if row is None or row[2] <= time.time():
                return None
            return row[0], row[1], row[2] - time.time()
        if self.store == "redis":
            h = self.redis.command("HGETALL", "clogin:s:" + rid)
            if not h:
                return None
            h = dict(zip(h[::2], h[1::2]))
            ttl = self.redis.command("TTL", "clogin:s:" + rid)
            return int(h[b"kind"]), h[b"user_id"].decode(), ttl
        raise AssertionError("the memory store cannot be seen from outside")


@pytest.fixture
def view(store, tmp_path, request):
    return StoreView(store, str(tmp_path),
                     request.getfixturevalue("redis_server") if store == "redis" else None)


@pytest.fixture
def demo(start_site, store, store_args):
    """demo(env=None, db=None): a demo on this test's store."""
    def start(env=None, db=None):
        return start_site("c", env=env, db=db, argv_extra=store_args(store))
    return start


def assert_token_cookie(resp, name="session"):
    c = set_cookie(resp, name)
    assert c, (name, set_cookies(resp))
    assert TOKEN.match(c["value"]), c
    assert c.get("httponly") is True and c.get("path") == "/", c
    return c["value"]


def assert_no_user_data(token, site):
    """Nothing in ID.TAG but randomness and a MAC: no alternative id, no
    JSON, and not a Flask session."""
    alt = site.alt_id("alice")
    assert alt not in token
    for part in token.split("."):
        raw = base64.urlsafe_b64decode(part + "=")
        assert len(raw) == 32
        assert alt.encode() not in raw and b"_user_id" not in raw and b"{" not in raw[:1]
    with pytest.raises(Exception):
        decode_session(token)


def anonymous(site, cookie, ua=UA):
    """The cookies log nobody in: /whoami all false, /protected sent to the
    login page."""
    r = site.fetch("GET", "/whoami", cookie=cookie, ua=ua)
    assert r.status_code == 200 and r.json() == ANONYMOUS, r.text
    r = site.fetch("GET", "/protected", cookie=cookie, ua=ua)
    assert r.status_code == 302 and r.headers["Location"] == TO_LOGIN
    return True


SESSION_ENTRY = re.compile(
    r'<li class="session" data-handle="([0-9a-f]{16})">\n'
    r'<p><strong id="ua-\1">([^<]*)</strong>( <span class="this">This device</span>)?</p>\n'
    r'<p>Address: ([^<]*)</p>\n'
    r'<p>Logged in: ([0-9-]{10} [0-9:]{8} UTC)</p>\n'
    r'<p>Last seen: ([0-9-]{10} [0-9:]{8} UTC)</p>\n'
    r'(<p><a href="/logout">Log out</a></p>|<form method="post" action="/sessions/end">\n'
    r'<input type="hidden" name="handle" value="([0-9a-f]{16})">\n'
    r'<button type="submit" class="secondary" aria-describedby="ua-\1">End this session'
    r'</button>\n</form>)\n'
    r'</li>\n')


def sessions_page(client):
    """GET /sessions: the page and its entries, each a dict (handle, ua,
    current, addr, created, last_seen), in page order."""
    r = client.get("/sessions")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    body = r.text.split('<ul class="sessions">\n', 1)
    assert len(body) == 2, r.text
    listing = body[1].split("</ul>", 1)[0]
    entries = []
    for m in SESSION_ENTRY.finditer(listing):
        current = m.group(3) is not None
        # the current session has the logout link, the others an end form
        # posting their own handle
        assert (m.group(8) is None) == current and (current or m.group(8) == m.group(1))
        entries.append({"handle": m.group(1), "ua": m.group(2), "current": current,
                        "addr": m.group(4), "created": m.group(5),
                        "last_seen": m.group(6)})
    assert "".join(m.group(0) for m in SESSION_ENTRY.finditer(listing)) == listing, \
        "every entry of the list has the expected form"
    assert ('<form method="post" action="/sessions/logout-others">\n'
            '<button type="submit">Log out everywhere else</button>\n</form>') in body[1]
    return r, entries


def flashed(text, message):
    return f'<p class="flash" role="status">{message}</p>' in text


# ---------------------------------------------------------------------------
# The cookies
# ---------------------------------------------------------------------------

def test_login_stores_the_session(store, demo, view):
    site = demo()
    c = site.client()
    r = c.login()
    assert r.headers["Location"] == "/"
    token = assert_token_cookie(r)
    assert_no_user_data(token, site)
    assert c.get("/protected").json() == {"id": "1"}
    assert c.whoami() == FRESH
    # No remember cookie unless asked for; reads do not set cookies.
    assert set_cookie(r, "remember_token") is None
    r = c.get("/protected")
    assert r.status_code == 200 and set_cookies(r) == []
    if view.visible:
        kind, user_id, ttl = view.record(token)
        assert (kind, user_id) == (0, site.alt_id("alice"))
        assert 0 < ttl <= 31 * 86400  # PERMANENT_SESSION_LIFETIME
    # The same cookie from elsewhere is the same login (basic protection:
    # not fresh from another browser).
    assert site.fetch("GET", "/whoami", cookie={"session": token}).json() == FRESH
    r = site.fetch("GET", "/whoami", cookie={"session": token}, ua=UA2)
    assert r.json() == {"authenticated": True, "id": "1", "fresh": False,
                        "remembered": False}


def test_forged_or_tampered_ids_are_anonymous(store, demo):
    site = demo()
    c = site.client()
    token = assert_token_cookie(c.login())
    rid, tag = token.split(".")
    flipped = "A" if tag[0] != "A" else "B"
    for bad in (rid + "." + flipped + tag[1:],  # wrong MAC
                "A" * 43 + "." + tag,            # another id, the MAC of this one
                rid,                             # no MAC
                token + "x"):
        assert anonymous(site, {"session": bad}), bad
    assert site.fetch("GET", "/whoami", cookie={"session": token}).json() == FRESH


def test_login_rotates_the_session_id(store, demo, view):
    """Session fixation: a session cookie got before the login (here by an
    attacker, who then plants it in the victim's browser) is never the one
    after, and stays anonymous."""
    site = demo()
    attacker = site.client()
    r = attacker.get("/protected")  # anonymous: a flashed message, so a session
    assert r.status_code == 302 and r.headers["Location"] == TO_LOGIN
    planted = assert_token_cookie(r)
    if view.visible:
        kind, user_id, _ = view.record(planted)
        assert (kind, user_id) == (0, "")

    victim = site.client()
    for cookie in attacker.cookies:  # as the server set it: one "session" in the jar
        victim.cookies.set_cookie(cookie)
    assert victim.cookie("session") == planted
    r = victim.login()
    after = assert_token_cookie(r)
    assert after != planted and record_id(after) != record_id(planted)
    assert victim.whoami() == FRESH
    # The planted cookie logs nobody in, and its record is gone.
    assert anonymous(site, {"session": planted})
    if view.visible:
        assert view.record(planted) is None
        assert view.record(after)[1] == site.alt_id("alice")
    # Re-authentication rotates as well.
    r = victim.post("/reauth", {"password": "wonderland"})
    assert r.status_code == 302
    again = assert_token_cookie(r)
    assert again != after
    assert victim.whoami() == FRESH
    assert anonymous(site, {"session": after})


def test_logout_revokes_copies(store, demo, view):
    site = demo()
    c = site.client()
    c.login(remember=True)
    session, remember = c.cookie("session"), c.cookie("remember_token")
    assert TOKEN.match(session) and TOKEN.match(remember)
    both = {"session": session, "remember_token": remember}
    assert site.fetch("GET", "/whoami", cookie=both).json() == FRESH_REMEMBERED

    r = c.get("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert is_deletion(set_cookie(r, "remember_token"))
    s = set_cookie(r, "session")
    assert s and (is_deletion(s) or (TOKEN.match(s["value"]) and s["value"] != session))
    assert c.whoami() == ANONYMOUS
    # A copy taken before the logout is nobody now: neither the session
    # cookie, nor the remember cookie, nor both.
    for cookie in ({"session": session}, {"remember_token": remember}, both):
        assert anonymous(site, cookie), cookie
    if view.visible:
        assert view.record(session) is None and view.record(remember) is None


def test_remember_token_survives_and_rotates(store, demo, view):
    site = demo()
    c = site.client()
    r = c.login(remember=True)
    first = assert_token_cookie(r, "remember_token")
    first_expiry = expires_at(set_cookie(r, "remember_token"))
    assert abs(first_expiry - time.time() - 365 * 86400) < 60
    assert_no_user_data(first, site)
    if view.visible:
        kind, user_id, ttl = view.record(first)
        assert (kind, user_id) == (1, site.alt_id("alice"))
        assert ttl > 364 * 86400

    c.drop_cookie("session")  # the browser restarts
    r = c.get("/whoami")
    assert r.json() == STALE_REMEMBERED
    second = assert_token_cookie(r, "remember_token")
    assert second != first, "the token that restored the login is replaced"
    assert abs(expires_at(set_cookie(r, "remember_token")) - first_expiry) <= 2, \
        "with the same expiry"
    assert TOKEN.match(c.cookie("session"))
    assert c.whoami() == STALE_REMEMBERED
    assert set_cookies(c.get("/whoami")) == [], "one rotation per restore"
    # /fresh asks for the password again, and the login goes on.
    r = c.get("/fresh")
    assert r.status_code == 302 and r.headers["Location"] == "/reauth?next=%2Ffresh"

    # The new token restores the login as well (and rotates in turn).
    r = site.fetch("GET", "/whoami", cookie={"remember_token": second})
    assert r.json() == STALE_REMEMBERED
    third = assert_token_cookie(r, "remember_token")
    assert third not in (first, second)
    # The old one only lives on for a grace of 60 s, for requests the
    # browser sent in parallel.
    if view.visible:
        kind, user_id, ttl = view.record(first)
        assert (kind, user_id) == (1, site.alt_id("alice"))
        assert 0 < ttl <= 60, ttl
    r = site.fetch("GET", "/whoami", cookie={"remember_token": first})
    assert r.json() == STALE_REMEMBERED


# ---------------------------------------------------------------------------
# GET /sessions
# ---------------------------------------------------------------------------

def test_sessions_page_lists_and_ends_a_session(store, demo):
    site = demo()
    me, other = site.client(UA), site.client("Tablet <b>&amp; \"quoted\"</b>")
    me.login()
    other.login()
    assert other.whoami() == FRESH

    r, entries = sessions_page(me)
    assert "<title>Your sessions - clogin demo</title>" in r.text
    assert '<a href="/sessions">Your sessions</a>' in r.text
    assert len(entries) == 2, entries
    mine = [e for e in entries if e["current"]]
    theirs = [e for e in entries if not e["current"]]
    assert len(mine) == 1 and len(theirs) == 1
    assert mine[0]["ua"] == UA
    # The User-Agent is shown escaped.
    assert theirs[0]["ua"] == "Tablet &lt;b&gt;&amp;amp; &quot;quoted&quot;&lt;/b&gt;"
    assert {e["addr"] for e in entries} == {"127.0.0.1"}
    assert entries == sorted(entries, key=lambda e: e["created"]), "oldest first"
    for e in entries:
        for when in (e["created"], e["last_seen"]):
            t = calendar.timegm(time.strptime(when, "%Y-%m-%d %H:%M:%S UTC"))
            assert abs(t - time.time()) < 120, when
    # The other browser sees the same two, from its side.
    _, other_entries = sessions_page(other)
    assert {e["handle"] for e in other_entries} == {e["handle"] for e in entries}
    assert [e["handle"] for e in other_entries if e["current"]] == [theirs[0]["handle"]]

    # Bad and unknown handles change nothing.
    r = me.post("/sessions/end", {"handle": "not-a-handle"})
    assert r.status_code == 400
    r = me.post("/sessions/end", {"handle": "0123456789abcdef"})
    assert r.status_code == 404
    r = me.post("/sessions/end", {})
    assert r.status_code == 400
    assert other.whoami() == FRESH

    r = me.post("/sessions/end", {"handle": theirs[0]["handle"]})
    assert r.status_code == 302 and r.headers["Location"] == "/sessions"
    assert other.whoami() == ANONYMOUS
    assert other.get("/protected").headers["Location"] == TO_LOGIN
    r, entries = sessions_page(me)
    assert flashed(r.text, ENDED)
    assert [(e["current"], e["ua"]) for e in entries] == [(True, UA)]
    assert me.whoami() == FRESH
    # Once: the message is gone on the next visit, the handle is unknown.
    r, _ = sessions_page(me)
    assert not flashed(r.text, ENDED)
    r = me.post("/sessions/end", {"handle": theirs[0]["handle"]})
    assert r.status_code == 404


def test_ending_this_session_is_a_logout(store, demo):
    site = demo()
    me = site.client()
    me.login(remember=True)
    copy = {"session": me.cookie("session"), "remember_token": me.cookie("remember_token")}
    _, entries = sessions_page(me)
    r = me.post("/sessions/end", {"handle": entries[0]["handle"]})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert is_deletion(set_cookie(r, "remember_token"))
    assert me.whoami() == ANONYMOUS
    assert anonymous(site, copy)


def test_log_out_everywhere_else(store, demo):
    site = demo()
    me, other, remembered = site.client(UA), site.client(UA2), site.client(UA3)
    me.login(remember=True)
    other.login()
    remembered.login(remember=True)
    stolen = {"remember_token": remembered.cookie("remember_token")}
    _, entries = sessions_page(me)
    assert len(entries) == 3

    r = me.post("/sessions/logout-others")
    assert r.status_code == 302 and r.headers["Location"] == "/sessions"
    r, entries = sessions_page(me)
    assert flashed(r.text, ENDED_OTHERS)
    assert [(e["current"], e["ua"]) for e in entries] == [(True, UA)]
    # The others are logged out, their remember tokens with them.
    assert other.whoami() == ANONYMOUS
    assert remembered.whoami() == ANONYMOUS
    assert anonymous(site, stolen, ua=UA3)
    # This browser stays, and so does its remember cookie.
    assert me.whoami() == FRESH_REMEMBERED
    me.drop_cookie("session")
    assert me.whoami() == STALE_REMEMBERED
    # Nothing else to end: the button still works.
    assert me.post("/sessions/logout-others").status_code == 302
    assert me.whoami() == STALE_REMEMBERED


def test_password_change_ends_stored_sessions(store, demo, view):
    """A new password: the other sessions end and leave the store; this
    browser goes on, in a new session."""
    site = demo()
    me, other = site.client(UA), site.client(UA2)
    me.login(remember=True)
    other.login(remember=True)
    other_cookies = {"session": other.cookie("session"),
                     "remember_token": other.cookie("remember_token")}
    old_session = me.cookie("session")
    r = me.post("/settings/password", {"current": "wonderland", "new": "looking-glass"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert assert_token_cookie(r) != old_session
    assert assert_token_cookie(r, "remember_token")
    assert me.whoami() == FRESH_REMEMBERED
    assert anonymous(site, other_cookies, ua=UA2)
    assert anonymous(site, {"remember_token": other_cookies["remember_token"]}, ua=UA2)
    _, entries = sessions_page(me)
    assert [(e["current"], e["ua"]) for e in entries] == [(True, UA)]
    if view.visible:
        for token in (old_session, *other_cookies.values()):
            assert view.record(token) is None, token
    me.drop_cookie("session")
    assert me.whoami() == STALE_REMEMBERED


def test_navigation_links_the_sessions_page(store, demo):
    site = demo()
    c = site.client()
    r = c.get("/")
    assert "Nobody is logged in." in r.text
    assert 'href="/sessions"' not in r.text
    r = c.get("/sessions")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=%2Fsessions"
    for path in ("/sessions/end", "/sessions/logout-others"):
        r = c.post(path, {"handle": "0123456789abcdef"})
        assert r.status_code == 302
        assert r.headers["Location"] == "/login?next=%2F" + path[1:].replace("/", "%2F")
    c.login()
    r = c.get("/")
    assert '<nav aria-label="Site"><a href="/">Home</a><a href="/protected">Protected</a>' \
           '<a href="/fresh">Fresh</a><a href="/sessions">Your sessions</a></nav>' in r.text
    assert c.get("/sessions/end").status_code == 405


# ---------------------------------------------------------------------------
# Cookie sessions: no list
# ---------------------------------------------------------------------------

def test_sessions_page_with_cookie_sessions(c_server):
    """The demo's default: nothing to list; the page says why."""
    site = c_server
    c = site.client()
    c.login()
    r = c.get("/sessions")
    assert r.status_code == 200
    assert f"<h1>Your sessions</h1>\n<p>{NO_LIST}</p>" in r.text
    assert "<code>--session-store memory</code>" in r.text
    assert 'class="session"' not in r.text and "/sessions/end" not in r.text
    assert '<a href="/sessions">Your sessions</a>' in r.text
    for path in ("/sessions/end", "/sessions/logout-others"):
        r = c.post(path, {"handle": "0123456789abcdef"})
        assert r.status_code == 409, path
        assert "only with a server-side session store" in r.text
    assert c.whoami() == FRESH
    r = site.client().get("/sessions")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=%2Fsessions"


# ---------------------------------------------------------------------------
# --session-store and CLOGIN_SESSION_STORE
# ---------------------------------------------------------------------------

def session_kind(site):
    """"store" when the login's session cookie is ID.TAG, "cookie" when it
    is Flask's signed session."""
    r = site.client().login()
    value = set_cookie(r, "session")["value"]
    if TOKEN.match(value):
        return "store"
    assert decode_session(value)["_user_id"] == site.alt_id("alice")
    return "cookie"


def test_store_from_the_environment_and_the_flag(start_site, tmp_path):
    demo_path()
    db = str(tmp_path / "sqlite-sessions.db")
    assert session_kind(start_site("c", env={"CLOGIN_SESSION_STORE": "memory"})) == "store"
    # The flag wins over the environment, both ways.
    assert session_kind(start_site("c", env={"CLOGIN_SESSION_STORE": "memory"},
                                   argv_extra=["--session-store", "cookie"])) == "cookie"
    site = start_site("c", env={"CLOGIN_SESSION_STORE": "cookie"},
                      argv_extra=["--session-store", "sqlite:" + db])
    assert session_kind(site) == "store"
    assert os.path.exists(db)
    assert "clogin-demo: sessions in sqlite:" + db + "\n" in "".join(site.stdout)
    site = start_site("c")
    assert session_kind(site) == "cookie"
    assert ("clogin-demo: sessions in signed cookies (no server-side store)\n"
            in "".join(site.stdout))


@pytest.mark.parametrize("argv,status,text", [
    (["--session-store", "nonsense"], 1, "SESSION_STORE"),
    (["--session-store", "redis://"], 1, "SESSION_STORE"),
    (["--session-store"], 2, "usage: clogin-demo [--port N] [--db PATH] [--host ADDR] "
                             "[--session-store cookie|memory|sqlite:PATH|redis://HOST:PORT/DB]"
                             " [--no-auth-hash]"),
])
def test_bad_session_store_argument(tmp_path, argv, status, text):
    p = subprocess.run([demo_path(), "--port", "0", "--db", str(tmp_path / "d.db")] + argv,
                       env=child_env(SECRET, None), stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20, cwd=str(tmp_path))
    err = p.stderr.decode()
    assert p.returncode == status, (p.returncode, err)
    assert text in err
    assert "serving" not in p.stdout.decode()
    assert "Sanitizer" not in err


# ---------------------------------------------------------------------------
# Redis: shared between servers, down, unresponsive
# ---------------------------------------------------------------------------

def test_two_demos_share_one_redis(start_site, start_redis):
    redis = start_redis()
    args = ["--session-store", redis.url(3)]
    a = start_site("c", argv_extra=args)
    b = start_site("c", argv_extra=args, db=a.db)  # the same users
    me = a.client(UA)
    me.login(remember=True)
    third = a.client(UA3)
    third.login(remember=True)
    # The cookies made by A work on B.
    me_on_b = b.client(UA)
    for c in me.cookies:
        me_on_b.cookies.set_cookie(c)
    assert me_on_b.whoami() == FRESH_REMEMBERED
    assert me_on_b.get("/protected").json() == {"id": "1"}
    _, entries = sessions_page(me_on_b)
    assert sorted((e["current"], e["ua"]) for e in entries) == [(False, UA3), (True, UA)]
    # Logged out everywhere else on B: the third browser, logged in on A,
    # is nobody on either.
    r = me_on_b.post("/sessions/logout-others")
    assert r.status_code == 302
    third_cookies = {c.name: c.value for c in third.cookies}
    for site in (a, b):
        assert anonymous(site, third_cookies, ua=UA3)
        assert anonymous(site, {"remember_token": third_cookies["remember_token"]}, ua=UA3)
    assert me.whoami() == FRESH_REMEMBERED  # A, with the same cookies
    # Logged out on A, the copy is nobody on B.
    copy = {c.name: c.value for c in me.cookies}
    assert me.get("/logout").status_code == 302
    assert anonymous(b, copy)
    # Everything lives in database 3, as the URL says.
    ok, size3, _, size0 = redis.commands(("SELECT", 3), ("DBSIZE",), ("SELECT", 0),
                                         ("DBSIZE",))
    assert ok == "OK" and size3 > 0 and size0 == 0


def store_down_env():
    return {"CLOGIN_SESSION_STORE_TIMEOUT_MS": str(STORE_TIMEOUT_MS)}


def assert_serves_without_store(site, c):
    """The routes that need no login still answer, at once."""
    r = c.get("/")
    assert r.status_code == 200 and "Nobody is logged in." in r.text
    assert c.get("/style.css").status_code == 200
    r = c.get("/api/whoami?api_key=alice-api-key")
    assert r.status_code == 200 and r.json() == {"id": "1"}
    r = c.get("/login")
    assert r.status_code == 200 and '<form method="post" action="/login">' in r.text


def test_redis_killed_and_restarted(start_site, start_redis):
    redis = start_redis()
    site = start_site("c", env=store_down_env(), argv_extra=["--session-store", redis.url()])
    c = site.client()
    c.login(remember=True)
    assert c.get("/protected").status_code == 200
    before = {k.name: k.value for k in c.cookies}

    redis.kill()
    t = time.monotonic()
    r = c.get("/protected")
    assert time.monotonic() - t < 3
    assert r.status_code == 302 and r.headers["Location"] == TO_LOGIN
    assert not any(is_deletion(k) for k in set_cookies(r)), "nothing is deleted"
    assert c.whoami() == ANONYMOUS
    assert_serves_without_store(site, c)
    # A login cannot be stored: no session cookie, and the page says who is
    # logged in: nobody.
    other = site.client(UA2)
    r = other.login(expect=503)  # a login that cannot be stored is no success
    assert r.headers["Retry-After"] == "5"
    assert r.text == "The session store did not answer. Please try again.\n"
    assert set_cookie(r, "session") is None
    assert other.whoami() == ANONYMOUS
    assert {k.name: k.value for k in c.cookies} == before
    assert site.alive()
    assert "cannot load the session: the store did not answer" in site.stderr_text()

    # A new, empty Redis on the same port: the old login is gone (nothing
    # was persisted), new logins work, no restart of the demo.
    redis.restart()
    assert c.whoami() == ANONYMOUS
    fresh = site.client(UA3)
    r = fresh.login(remember=True)
    assert_token_cookie(r)
    assert fresh.get("/protected").json() == {"id": "1"}
    assert fresh.whoami() == FRESH_REMEMBERED
    fresh.drop_cookie("session")
    assert fresh.whoami() == STALE_REMEMBERED
    # the first session (its cookie dropped, its record kept) and the
    # restored one
    _, entries = sessions_page(fresh)
    assert sorted((e["current"], e["ua"]) for e in entries) == [(False, UA3), (True, UA3)]


def test_redis_unresponsive_then_back(start_site, start_redis):
    """SIGSTOP: Redis accepts connections but never answers. Requests are
    anonymous within about SESSION_STORE_TIMEOUT_MS; after SIGCONT the same
    cookies are the same login again."""
    redis = start_redis()
    site = start_site("c", env=store_down_env(), argv_extra=["--session-store", redis.url()])
    me, remembered = site.client(UA), site.client(UA2)
    me.login()
    remembered.login(remember=True)
    remembered.drop_cookie("session")
    mine = {k.name: k.value for k in me.cookies}
    token = remembered.cookie("remember_token")

    redis.pause()
    try:
        for _ in range(2):
            t = time.monotonic()
            r = me.get("/whoami")
            elapsed = time.monotonic() - t
            assert r.json() == ANONYMOUS
            # it waited for the timeout (Redis accepts, then says nothing),
            # and no longer than one try on a pooled connection and one on a
            # new one
            assert 0.8 * STORE_TIMEOUT_MS / 1000 <= elapsed, elapsed
            assert elapsed < 2 * STORE_TIMEOUT_MS / 1000 + 1.0, elapsed
            assert set_cookies(r) == []
        r = me.get("/protected")
        assert r.status_code == 302 and r.headers["Location"] == TO_LOGIN
        assert not any(is_deletion(k) for k in set_cookies(r))
        r = remembered.get("/whoami")
        assert r.json() == ANONYMOUS and set_cookie(r, "remember_token") is None
        assert_serves_without_store(site, site.client(UA3))
        assert site.alive()
    finally:
        redis.resume()

    # No session was lost.
    assert {k.name: k.value for k in me.cookies} == mine
    assert me.whoami() == FRESH
    assert me.get("/protected").json() == {"id": "1"}
    assert remembered.cookie("remember_token") == token
    assert remembered.whoami() == STALE_REMEMBERED
    # alice's sessions: mine, and the other browser's first and restored ones
    # (it dropped the first cookie, the store keeps the record until expiry)
    _, entries = sessions_page(me)
    assert sorted((e["current"], e["ua"]) for e in entries) == [
        (False, UA2), (False, UA2), (True, UA)]
    assert "cannot load the session: the store did not answer" in site.stderr_text()
