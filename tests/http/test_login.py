"""Logging in and out through the form, the pages, and flashed messages:
shared scenarios, run against the C demo and the Flask reference."""

import re

import pytest

from clogin_http import ANONYMOUS, LOGIN_MESSAGE, set_cookie, set_cookies

ALICE_FRESH = {"authenticated": True, "id": "1", "fresh": True, "remembered": False}


def form_fields(html):
    return set(re.findall(r'<input[^>]*\bname="([^"]+)"', html))


def hidden_next(html):
    m = re.search(r'<input[^>]*type="hidden"[^>]*name="next"[^>]*value="([^"]*)"', html)
    assert m, html
    return m.group(1)


def test_anonymous_home_and_whoami_set_no_cookie(site):
    c = site.client()
    r = c.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert "Nobody is logged in" in r.text
    assert 'href="/login"' in r.text
    assert set_cookies(r) == []
    r = c.get("/whoami")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == ANONYMOUS
    assert set_cookies(r) == []


def test_login_page_is_a_form(site):
    r = site.client().get("/login")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html")
    assert {"username", "password", "remember", "next"} <= form_fields(r.text)
    assert re.search(r'<form[^>]*method="post"', r.text, re.I)
    assert hidden_next(r.text) == ""
    assert set_cookies(r) == []


def test_login_page_escapes_next(site):
    evil = '"><script>alert(1)</script>'
    r = site.client().get("/login", params={"next": evil})
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text
    assert hidden_next(r.text) in ("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
                                   "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
                                   "&#x22;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")


def test_login_page_keeps_next_from_query(site):
    r = site.client().get("/login?next=%2Fprotected")
    assert hidden_next(r.text) == "/protected"


def test_login_logout_flow(site):
    c = site.client()
    r = c.login()
    assert r.headers["Location"] == "/"
    session = set_cookie(r, "session")
    assert session and session["value"], set_cookies(r)
    assert session.get("httponly") is True and session.get("path") == "/"
    assert set_cookie(r, "remember_token") is None, "not asked to be remembered"
    assert c.whoami() == ALICE_FRESH
    r = c.get("/")
    assert r.status_code == 200 and "alice" in r.text and "Nobody is logged in" not in r.text
    r = c.get("/protected")
    assert r.status_code == 200 and r.json() == {"id": "1"}
    r = c.get("/fresh")
    assert r.status_code == 200 and r.json() == {"id": "1"}
    r = c.get("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert c.whoami() == ANONYMOUS
    r = c.get("/protected")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fprotected"


def test_login_home_page_names_user(site):
    c = site.client()
    c.login()
    r = c.get("/")
    assert "alice" in r.text
    assert 'href="/logout"' in r.text


def test_wrong_password_401_with_form(site):
    c = site.client()
    r = c.login(password="wrong", expect=401)
    assert r.headers["Content-Type"].startswith("text/html")
    assert {"username", "password"} <= form_fields(r.text)
    assert set_cookie(r, "remember_token") is None
    assert c.whoami() == ANONYMOUS


@pytest.mark.parametrize("data", [
    {"username": "nobody", "password": "wonderland"},
    {"username": "alice"},
    {"password": "wonderland"},
    {"username": "", "password": ""},
    {"username": "alice", "password": ""},
    {},
    {"username": "ALICE", "password": "wonderland"},
    {"username": "alice ", "password": "wonderland"},
], ids=["unknown", "no-password", "no-username", "empty", "empty-password", "nothing",
        "upper-case", "trailing-space"])
def test_bad_credentials_401(site, data):
    c = site.client()
    r = c.post("/login", data)
    assert r.status_code == 401, r.text[:300]
    assert c.whoami() == ANONYMOUS


def test_inactive_user_403_not_logged_in(site):
    c = site.client()
    r = c.login("bob", "builder", remember=True, expect=403)
    assert set_cookie(r, "remember_token") is None
    assert c.whoami() == ANONYMOUS
    r = c.get("/protected")
    assert r.status_code == 302


def test_inactive_user_wrong_password_is_401(site):
    """Credentials are checked before the account's state."""
    site.client().login("bob", "wrong", expect=401)


def test_unknown_user_with_unsafe_next_is_401(site):
    """Credentials first, then next."""
    site.client().login("alice", "wrong", next="//evil.com", expect=401)


def test_inactive_user_with_unsafe_next_is_403(site):
    site.client().login("bob", "builder", next="//evil.com", expect=403)


def test_remember_field_must_be_on(site):
    c = site.client()
    r = c.post("/login", {"username": "alice", "password": "wonderland", "remember": "off"})
    assert r.status_code == 302
    assert set_cookie(r, "remember_token") is None


def test_anonymous_guarded_routes_redirect_to_login(site):
    c = site.client()
    for path, nxt in [("/protected", "%2Fprotected"), ("/fresh", "%2Ffresh"),
                      ("/logout", "%2Flogout"), ("/reauth", "%2Freauth"),
                      # werkzeug's request.url is an IRI: %C3%A9 is decoded,
                      # %2F (reserved) is kept and so encoded again.
                      ("/protected?x=1&y=%C3%A9&z=%2F",
                       "%2Fprotected%3Fx%3D1%26y%3D%C3%A9%26z%3D%252F")]:
        r = c.get(path)
        assert r.status_code == 302, path
        assert r.headers["Location"] == f"/login?next={nxt}", path
    r = c.post("/reauth", {"password": "wonderland"})
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=%2Freauth"
    r = c.post("/settings/password", {"current": "wonderland", "new": "x"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fsettings%2Fpassword"


def test_login_message_flashed_once(site):
    c = site.client()
    r = c.get("/protected")
    assert r.status_code == 302
    assert set_cookie(r, "session"), "the flash lives in the session cookie"
    r = c.get("/login?next=%2Fprotected")
    assert r.status_code == 200
    assert r.text.count(LOGIN_MESSAGE) == 1
    r = c.get("/login?next=%2Fprotected")
    assert LOGIN_MESSAGE not in r.text
    # Consuming the flash emptied the session.
    assert c.whoami() == ANONYMOUS


def test_flash_survives_until_shown(site):
    c = site.client()
    c.get("/protected")
    c.get("/fresh")
    assert c.whoami() == ANONYMOUS
    r = c.get("/")
    assert LOGIN_MESSAGE not in r.text
    r = c.get("/login")
    assert r.text.count(LOGIN_MESSAGE) == 2
    assert LOGIN_MESSAGE not in c.get("/login").text


def test_login_then_next_from_query(site):
    c = site.client()
    r = c.get("/protected")
    assert r.headers["Location"] == "/login?next=%2Fprotected"
    r = c.login(query={"next": "/protected"})
    assert r.headers["Location"] == "/protected"
    assert c.get("/protected").json() == {"id": "1"}


def test_options_on_guarded_routes_is_exempt(site):
    c = site.client()
    for path in ("/protected", "/fresh", "/logout", "/reauth", "/settings/password"):
        r = c.request("OPTIONS", path)
        assert 200 <= r.status_code < 300, (path, r.status_code)
        assert "Location" not in r.headers, path
    # OPTIONS /logout does not log out.
    c.login()
    r = c.request("OPTIONS", "/logout")
    assert 200 <= r.status_code < 300
    assert c.whoami()["authenticated"] is True


def test_unknown_path_404(site):
    r = site.client().get("/nope")
    assert r.status_code == 404


def test_two_clients_are_independent(site):
    a, b = site.client(), site.client()
    a.login()
    assert a.whoami()["authenticated"] is True
    assert b.whoami() == ANONYMOUS
    b.get("/protected")
    assert LOGIN_MESSAGE not in a.get("/login").text


def test_login_again_while_logged_in(site):
    c = site.client()
    c.login()
    r = c.login(remember=True)
    assert set_cookie(r, "remember_token")
    assert c.whoami() == {"authenticated": True, "id": "1", "fresh": True,
                          "remembered": True}
