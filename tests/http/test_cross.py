"""One secret, one user database, two servers: a login made on the Flask
reference is a login on the C demo and the other way round (session and
remember cookies), and a message flashed by one is shown, once, by the
other's GET /login.

Cookies carry the users' alternative ids, so both servers open the same
SQLite database. The password is checked by the side whose hashes are in
it: the demo seeds Argon2id hashes (libsodium), the reference seeds
werkzeug's PBKDF2 hashes. So each direction uses the database of the side
that logs in, and the other side only reads users by alternative id. The
C demo computes the session identifier in Flask-Login 0.6's form
(CLOGIN_SESSION_IDENTIFIER_FORMAT=0.6), which Flask-Login 0.6.2 uses, and
runs without its session auth hash (--no-auth-hash), which Flask-Login
neither writes into sessions nor reads in remember cookies."""

import pytest

from clogin_http import (
    ANONYMOUS, LOGIN_MESSAGE, REFRESH_MESSAGE, decode_session, is_deletion, set_cookie,
)

C_ENV = {"CLOGIN_SESSION_IDENTIFIER_FORMAT": "0.6"}
C_ARGS = ["--no-auth-hash"]
FRESH = {"authenticated": True, "id": "1", "fresh": True, "remembered": False}
STALE_REMEMBERED = {"authenticated": True, "id": "1", "fresh": False, "remembered": True}


@pytest.fixture
def c_db_pair(start_site, tmp_path):
    """The C demo's database (Argon2id), opened by the reference too."""
    c = start_site("c", env=C_ENV, argv_extra=C_ARGS)
    f = start_site("flask", db=c.db)
    return c, f


@pytest.fixture
def flask_db_pair(start_site):
    """The reference's database (PBKDF2), opened by the C demo too."""
    f = start_site("flask")
    c = start_site("c", env=C_ENV, db=f.db, argv_extra=C_ARGS)
    return c, f


def login_cookies(site, remember=False):
    cl = site.client()
    r = cl.login(remember=remember)
    out = {"session": set_cookie(r, "session")["value"]}
    if remember:
        out["remember_token"] = set_cookie(r, "remember_token")["value"]
    return out


def whoami(site, cookie):
    r = site.fetch("GET", "/whoami", cookie=cookie)
    assert r.status_code == 200
    return r


@pytest.mark.parametrize("direction", ["flask-to-c", "c-to-flask"])
def test_session_login_crosses(request, direction):
    c, f = request.getfixturevalue("flask_db_pair" if direction == "flask-to-c"
                                   else "c_db_pair")
    src, dst = (f, c) if direction == "flask-to-c" else (c, f)
    assert src.alt_id("alice") == dst.alt_id("alice")
    cookies = login_cookies(src)
    r = whoami(dst, {"session": cookies["session"]})
    assert r.json() == FRESH, "same identifier form: the login stays fresh"
    r = dst.fetch("GET", "/fresh", cookie={"session": cookies["session"]})
    assert r.status_code == 200 and r.json() == {"id": "1"}
    r = dst.fetch("GET", "/protected", cookie={"session": cookies["session"]})
    assert r.status_code == 200 and r.json() == {"id": "1"}
    # From another browser (User-Agent), basic protection marks it stale.
    r = dst.fetch("GET", "/whoami", cookie={"session": cookies["session"]}, ua="elsewhere/2")
    assert r.json() == {"authenticated": True, "id": "1", "fresh": False,
                        "remembered": False}
    # The other side logs it out: the session cookie is deleted.
    r = dst.fetch("GET", "/logout", cookie={"session": cookies["session"]})
    assert r.status_code == 302
    assert is_deletion(set_cookie(r, "session"))


@pytest.mark.parametrize("direction", ["flask-to-c", "c-to-flask"])
def test_remember_cookie_crosses(request, direction):
    c, f = request.getfixturevalue("flask_db_pair" if direction == "flask-to-c"
                                   else "c_db_pair")
    src, dst = (f, c) if direction == "flask-to-c" else (c, f)
    cookies = login_cookies(src, remember=True)
    token = cookies["remember_token"]
    # Only the remember cookie: the other side restores a stale login...
    r = whoami(dst, {"remember_token": token})
    assert r.json() == STALE_REMEMBERED
    restored = set_cookie(r, "session")["value"]
    data = decode_session(restored)
    assert data["_user_id"] == src.alt_id("alice") and data["_fresh"] is False
    # ... whose session cookie the first side reads as the same stale login.
    r = whoami(src, {"session": restored, "remember_token": token})
    assert r.json() == STALE_REMEMBERED
    r = src.fetch("GET", "/fresh", cookie={"session": restored, "remember_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/reauth?next=%2Ffresh"
    # A wrong-secret or tampered copy is nobody on either side.
    bad = token[:-1] + ("0" if token[-1] != "0" else "1")
    for site in (src, dst):
        assert whoami(site, {"remember_token": bad}).json() == ANONYMOUS


def test_reauth_on_flask_makes_c_fresh(flask_db_pair):
    """Restored on C from a Flask remember cookie, re-authenticated on Flask
    (which owns the PBKDF2 hash), fresh again on C."""
    c, f = flask_db_pair
    token = login_cookies(f, remember=True)["remember_token"]
    r = c.fetch("GET", "/fresh", cookie={"remember_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/reauth?next=%2Ffresh"
    stale = set_cookie(r, "session")["value"]
    r = f.fetch("POST", "/reauth?next=%2Ffresh", cookie={"session": stale},
                data={"password": "wonderland", "next": "/fresh"})
    assert r.status_code == 302 and r.headers["Location"] == "/fresh"
    fresh = set_cookie(r, "session")["value"]
    assert decode_session(fresh)["_fresh"] is True
    r = c.fetch("GET", "/fresh", cookie={"session": fresh})
    assert r.status_code == 200 and r.json() == {"id": "1"}


def test_reauth_on_c_makes_flask_fresh(c_db_pair):
    c, f = c_db_pair
    token = login_cookies(c, remember=True)["remember_token"]
    r = f.fetch("GET", "/fresh", cookie={"remember_token": token})
    assert r.status_code == 302
    stale = set_cookie(r, "session")["value"]
    r = c.fetch("POST", "/reauth", cookie={"session": stale}, data={"password": "wonderland"})
    assert r.status_code == 302
    fresh = set_cookie(r, "session")["value"]
    assert f.fetch("GET", "/fresh", cookie={"session": fresh}).status_code == 200


@pytest.mark.parametrize("direction", ["flask-to-c", "c-to-flask"])
@pytest.mark.parametrize("message,path", [(LOGIN_MESSAGE, "/protected"),
                                          (REFRESH_MESSAGE, "/fresh")])
def test_flash_crosses_and_is_consumed(request, direction, message, path):
    c, f = request.getfixturevalue("flask_db_pair" if direction == "flask-to-c"
                                   else "c_db_pair")
    src, dst = (f, c) if direction == "flask-to-c" else (c, f)
    cookie = {}
    if path == "/fresh":
        # A stale login, restored from the remember cookie, on the flashing side.
        cookie = {"remember_token": login_cookies(src, remember=True)["remember_token"]}
    r = src.fetch("GET", path, cookie=cookie)
    assert r.status_code == 302
    flashed = set_cookie(r, "session")["value"]
    assert ("message", message) in decode_session(flashed)["_flashes"]
    # The other side's login page shows it...
    r = dst.fetch("GET", "/login", cookie={"session": flashed})
    assert r.status_code == 200
    assert r.text.count(message) == 1
    after = set_cookie(r, "session")
    assert after, "the message is taken out of the session"
    # ... and the session it sends back shows it no more on either side.
    back = {"session": after["value"]} if after["value"] else {}
    for site in (src, dst):
        r = site.fetch("GET", "/login", cookie=back)
        assert message not in r.text


def test_flask_reads_argon2_hashes(c_db_pair):
    """The reference checks the demo's Argon2id hashes through libsodium, so
    it can log in on the demo's database too."""
    c, f = c_db_pair
    cookies = login_cookies(f)
    assert whoami(c, {"session": cookies["session"]}).json() == FRESH
    f.client().login(password="wrong", expect=401)
    f.client().login("bob", "builder", expect=403)


def test_password_change_on_c_ends_flask_sessions(c_db_pair):
    c, f = c_db_pair
    flask_cookies = login_cookies(f, remember=True)
    me = c.client()
    me.login()
    r = me.post("/settings/password", {"current": "wonderland", "new": "mad-hatter"})
    assert r.status_code == 302
    for name in ("session", "remember_token"):
        w = whoami(f, {name: flask_cookies[name]}).json()
        assert (w["authenticated"], w["id"]) == (False, None), name
    # The C login goes on under the new id, on both sides.
    assert whoami(f, {"session": me.cookie("session")}).json() == FRESH
    f.client().login(password="mad-hatter")


def test_identifier_format_must_match(start_site):
    """With the C demo's default (Flask-Login 0.7's identifier), a Flask-Login
    0.6 session arrives as "another browser": logged in but not fresh. That
    is why the cross tests set CLOGIN_SESSION_IDENTIFIER_FORMAT=0.6."""
    f = start_site("flask")
    c = start_site("c", db=f.db, argv_extra=C_ARGS)
    cookies = login_cookies(f)
    assert whoami(c, {"session": cookies["session"]}).json() == {
        "authenticated": True, "id": "1", "fresh": False, "remembered": False}
    # The reference in 0.7 form agrees with the C default.
    f7 = start_site("flask", db=f.db, env={"CLOGIN_SESSION_IDENTIFIER_FORMAT": "0.7"})
    assert whoami(c, {"session": login_cookies(f7)["session"]}).json() == FRESH
