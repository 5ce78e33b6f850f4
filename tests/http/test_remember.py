"""Remember me, fresh and stale logins, re-authentication, and the remember
cookie's settings (REMEMBER_COOKIE_DURATION, REMEMBER_COOKIE_REFRESH_EACH_REQUEST).
Shared scenarios: C demo and Flask reference must agree."""

import time

import pytest

from clogin_http import (
    ANONYMOUS, LOGIN_MESSAGE, REFRESH_MESSAGE, Server, decode_session, expires_at,
    expires_in, is_deletion, set_cookie, set_cookies,
)

YEAR = 365 * 86400
REMEMBERED_STALE = {"authenticated": True, "id": "1", "fresh": False, "remembered": True}


def test_remember_cookie_default_duration(site):
    c = site.client()
    r = c.login(remember=True)
    rc = set_cookie(r, "remember_token")
    assert rc, set_cookies(r)
    alt = site.alt_id("alice")
    assert rc["value"].startswith(alt + "|"), "the cookie carries the alternative id"
    assert len(rc["value"]) == len(alt) + 1 + 128
    assert abs(expires_in(rc) - YEAR) < 60, rc
    assert rc.get("httponly") is True and rc.get("path") == "/"
    assert "secure" not in rc
    assert c.whoami() == {"authenticated": True, "id": "1", "fresh": True, "remembered": True}


def test_no_remember_cookie_on_later_requests(site):
    """Default REMEMBER_COOKIE_REFRESH_EACH_REQUEST false: the cookie is set
    once, at login."""
    c = site.client()
    c.login(remember=True)
    for path in ("/whoami", "/protected", "/"):
        r = c.get(path)
        assert set_cookie(r, "remember_token") is None, path
        assert set_cookie(r, "session") is None, path


def test_session_gone_remember_restores_stale_login(site):
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/whoami")
    assert r.json() == REMEMBERED_STALE
    # The restored login is written to a new session cookie, and the
    # remember cookie is left alone.
    s = set_cookie(r, "session")
    assert s and s["value"]
    data = decode_session(s["value"])
    assert data["_user_id"] == site.alt_id("alice")
    assert data["_fresh"] is False
    assert set_cookie(r, "remember_token") is None
    assert c.whoami() == REMEMBERED_STALE
    assert c.get("/protected").json() == {"id": "1"}


def test_stale_login_needs_reauth(site):
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/fresh")
    assert r.status_code == 302
    assert r.headers["Location"] == "/reauth?next=%2Ffresh"
    data = decode_session(set_cookie(r, "session")["value"])
    assert data["_flashes"] == [("message", REFRESH_MESSAGE)]
    # The password change is fresh_login_required too.
    r = c.post("/settings/password", {"current": "wonderland", "new": "x"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/reauth?next=%2Fsettings%2Fpassword"
    # The re-authentication page shows the refresh messages, once.
    r = c.get("/reauth?next=%2Ffresh")
    assert r.status_code == 200
    assert r.text.count(REFRESH_MESSAGE) == 2
    assert 'name="password"' in r.text
    assert REFRESH_MESSAGE not in c.get("/reauth?next=%2Ffresh").text
    assert REFRESH_MESSAGE not in c.get("/login").text
    # A wrong password: 401, still stale.
    r = c.post("/reauth?next=%2Ffresh", {"password": "wrong", "next": "/fresh"})
    assert r.status_code == 401
    assert 'name="password"' in r.text
    assert c.get("/fresh").status_code == 302
    # An unsafe next: 400, and the login stays stale.
    r = c.post("/reauth", {"password": "wonderland", "next": "//evil.com"})
    assert r.status_code == 400
    assert c.whoami()["fresh"] is False
    # The right password: fresh again, back to next.
    r = c.post("/reauth?next=%2Ffresh", {"password": "wonderland", "next": "/fresh"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/fresh"
    assert c.get("/fresh").json() == {"id": "1"}
    assert c.whoami() == {"authenticated": True, "id": "1", "fresh": True, "remembered": True}


def test_reauth_next_from_query_and_default(site):
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.post("/reauth?next=%2Ffresh", {"password": "wonderland"})
    assert r.headers["Location"] == "/fresh"
    r = c.post("/reauth", {"password": "wonderland"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    r = c.post("/reauth", {"password": "wonderland", "next": "", })
    assert r.headers["Location"] == "/"
    r = c.post("/reauth", {"password": "wonderland", "next": "http://evil.com/"})
    assert r.status_code == 400


def test_reauth_missing_password_401(site):
    c = site.client()
    c.login()
    assert c.post("/reauth", {}).status_code == 401
    assert c.post("/reauth", {"password": ""}).status_code == 401


def test_get_reauth_page(site):
    c = site.client()
    c.login()
    r = c.get("/reauth?next=%2Ffresh")
    assert r.status_code == 200
    assert "alice" in r.text
    assert 'value="/fresh"' in r.text


def test_logout_deletes_remember_cookie(site):
    c = site.client()
    c.login(remember=True)
    r = c.get("/logout")
    assert r.status_code == 302
    rc = set_cookie(r, "remember_token")
    assert is_deletion(rc), rc
    assert rc.get("path") == "/"
    assert c.cookie("remember_token") is None
    assert c.whoami() == ANONYMOUS


def test_logout_without_remember_cookie_sets_none(site):
    c = site.client()
    c.login()
    r = c.get("/logout")
    assert set_cookie(r, "remember_token") is None
    assert is_deletion(set_cookie(r, "session")), "the session became empty"


def test_remember_cookie_copy_outlives_logout(site):
    """After a logout the session says "clear" only for that response; a
    copy of the remember cookie kept elsewhere still logs in (it is a
    bearer token until the password changes)."""
    c = site.client()
    c.login(remember=True)
    token = c.cookie("remember_token")
    c.get("/logout")
    other = site.client()
    other.cookies.set("remember_token", token)
    assert other.whoami() == REMEMBERED_STALE


# ---- configuration ---------------------------------------------------------

def test_custom_remember_duration(kind, start_site):
    site = start_site(kind, env={"CLOGIN_REMEMBER_COOKIE_DURATION": "3600"})
    c = site.client()
    r = c.login(remember=True)
    assert abs(expires_in(set_cookie(r, "remember_token")) - 3600) < 60


@pytest.mark.parametrize("value", ["1.5", "-1", "0", "1h", "abc"])
def test_bad_remember_duration_refused(kind, tmp_path, value):
    s = Server(kind, str(tmp_path / "x.db"), env={"CLOGIN_REMEMBER_COOKIE_DURATION": value})
    try:
        rc = s.proc.wait(20)
    except Exception:
        s.kill()
        raise
    assert rc != 0, "a bad duration must stop the server"
    assert s.port is None
    assert "REMEMBER_COOKIE_DURATION" in s.stderr_text()
    s.stop()


def test_refresh_each_request(kind, start_site):
    site = start_site(kind, env={"CLOGIN_REMEMBER_COOKIE_REFRESH_EACH_REQUEST": "true",
                                 "CLOGIN_REMEMBER_COOKIE_DURATION": "600"})
    c = site.client()
    r = c.login(remember=True)
    first = set_cookie(r, "remember_token")
    assert abs(expires_in(first) - 600) < 60
    time.sleep(1.1)
    r = c.get("/whoami")
    again = set_cookie(r, "remember_token")
    assert again, "the remember cookie is re-sent on every request"
    assert again["value"] == first["value"]
    assert expires_at(again) >= expires_at(first) + 1, "pushed back"
    assert abs(expires_in(again) - 600) < 60
    # No session cookie needs writing for the refresh.
    assert set_cookie(r, "session") is None
    r = c.get("/protected")
    assert set_cookie(r, "remember_token")
    # Contract: only a remember cookie the browser sent is renewed; a login
    # without remember me gets none (Flask-Login 0.6.2 would hand one out).
    d = site.client()
    d.login()
    r = d.get("/whoami")
    assert set_cookie(r, "remember_token") is None
    # Anonymous requests get nothing at all.
    r = site.client().get("/whoami")
    assert set_cookies(r) == []


def test_refresh_each_request_keeps_login_duration(kind, start_site):
    """A remember cookie restored without the session uses the configured
    duration when refreshed."""
    site = start_site(kind, env={"CLOGIN_REMEMBER_COOKIE_REFRESH_EACH_REQUEST": "1",
                                 "CLOGIN_REMEMBER_COOKIE_DURATION": "7200"})
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/whoami")
    assert r.json() == REMEMBERED_STALE
    assert abs(expires_in(set_cookie(r, "remember_token")) - 7200) < 60


def test_refresh_each_request_off_by_default_spelling(kind, start_site):
    site = start_site(kind, env={"CLOGIN_REMEMBER_COOKIE_REFRESH_EACH_REQUEST": "off"})
    c = site.client()
    c.login(remember=True)
    assert set_cookie(c.get("/whoami"), "remember_token") is None


def test_permanent_session_lifetime_bounds_session_age(start_site):
    """PERMANENT_SESSION_LIFETIME is also the maximum age of any session
    cookie when it is read. Both sides in one test, to wait only once."""
    sites = [start_site(k, env={"CLOGIN_PERMANENT_SESSION_LIFETIME": "2"})
             for k in ("c", "flask")]
    clients = []
    for site in sites:
        c = site.client()
        c.login(remember=True)
        c.get("/protected")  # flash nothing, just check it works
        assert c.whoami()["fresh"] is True
        d = site.client()
        d.get("/protected")  # a flashed message, in a session cookie
        clients.append((site, c, d))
    time.sleep(3.2)
    for site, c, d in clients:
        # The session cookie is too old: the remember cookie restores a
        # stale login.
        assert c.whoami() == REMEMBERED_STALE, site.kind
        # The expired flash is gone.
        assert LOGIN_MESSAGE not in d.get("/login").text, site.kind
