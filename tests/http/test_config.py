"""The rest of the configuration the demo reads from CLOGIN_*: the secret
key (and its file when unset), cookie names and attributes, messages,
refused values. Each test starts its own servers; both kinds run."""

import os
import stat

import pytest

from clogin_http import (
    ANONYMOUS, LOGIN_MESSAGE, Server, decode_session, set_cookie, set_cookies,
)


def test_secret_key_file_when_unset(kind, start_site, tmp_path):
    db = str(tmp_path / "own" / "site.db")
    os.makedirs(os.path.dirname(db))
    site = start_site(kind, secret=None, db=db)
    path = db + ".secret"
    assert os.path.isfile(path), os.listdir(os.path.dirname(db))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = open(path).read()
    assert key.endswith("\n") and len(key.strip()) == 64
    assert path in "".join(site.stdout), "the server says where the key is"
    c = site.client()
    c.login(remember=True)
    assert decode_session(c.cookie("session"), key.strip())["_user_id"] == site.alt_id("alice")
    # A restart on the same database keeps the key, so the login survives.
    site.stop_checked()
    again = start_site(kind, secret=None, db=db)
    assert open(path).read() == key
    c.server = again
    assert c.whoami()["authenticated"] is True
    c.drop_cookie("session")
    assert c.whoami()["remembered"] is True


def test_secret_key_file_readable_by_others_refused(kind, tmp_path):
    db = str(tmp_path / "site.db")
    with open(db + ".secret", "w") as f:
        f.write("0123456789abcdef0123456789abcdef\n")
    os.chmod(db + ".secret", 0o644)
    s = Server(kind, db, secret=None)
    rc = s.proc.wait(20)
    assert rc != 0 and s.port is None
    assert "chmod 600" in s.stderr_text()
    s.stop()


def test_secret_key_taken_literally(kind, start_site):
    """CLOGIN_SECRET_KEY is bytes as given: a JSON-looking value keeps its
    quotes (Flask's from_prefixed_env alone would decode it)."""
    secret = '"quoted-secret"'
    site = start_site(kind, secret=secret)
    c = site.client()
    c.login()
    decode_session(c.cookie("session"), secret)
    with pytest.raises(Exception):
        decode_session(c.cookie("session"), "quoted-secret")


def test_numeric_secret_key(kind, start_site):
    site = start_site(kind, secret="12345")
    c = site.client()
    c.login()
    assert decode_session(c.cookie("session"), "12345")["_fresh"] is True


def test_different_secrets_do_not_share_logins(kind, start_site):
    a = start_site(kind, secret="secret-a")
    b = start_site(kind, secret="secret-b", db=a.db)
    c = a.client()
    c.login(remember=True)
    session, token = c.cookie("session"), c.cookie("remember_token")
    other = b.client()
    r = other.get("/whoami", headers={"Cookie": f"session={session}; remember_token={token}"})
    assert r.json() == ANONYMOUS


def test_cookie_names_and_attributes(kind, start_site):
    site = start_site(kind, env={
        "CLOGIN_SESSION_COOKIE_NAME": "sid",
        "CLOGIN_REMEMBER_COOKIE_NAME": "keep",
        "CLOGIN_SESSION_COOKIE_SAMESITE": "Lax",
        "CLOGIN_REMEMBER_COOKIE_SAMESITE": "Strict",
        "CLOGIN_REMEMBER_COOKIE_PATH": "/",
        "CLOGIN_SESSION_COOKIE_HTTPONLY": "false",
    })
    c = site.client()
    r = c.login(remember=True)
    names = {x["name"] for x in set_cookies(r)}
    assert names == {"sid", "keep"}, names
    sid, keep = set_cookie(r, "sid"), set_cookie(r, "keep")
    assert sid.get("samesite") == "Lax" and "httponly" not in sid
    assert keep.get("samesite") == "Strict" and keep.get("httponly") is True
    assert c.whoami()["authenticated"] is True
    c.drop_cookie("sid")
    assert c.whoami()["remembered"] is True
    r = c.get("/logout")
    keep = set_cookie(r, "keep")
    assert keep["value"] == "" and keep.get("samesite") == "Strict"


def test_secure_cookies(kind, start_site):
    site = start_site(kind, env={"CLOGIN_SESSION_COOKIE_SECURE": "true",
                                 "CLOGIN_REMEMBER_COOKIE_SECURE": "yes"})
    r = site.client().login(remember=True)
    assert set_cookie(r, "session").get("secure") is True
    assert set_cookie(r, "remember_token").get("secure") is True


def test_custom_login_message(kind, start_site):
    site = start_site(kind, env={"CLOGIN_LOGIN_MESSAGE": "Sign in first <please>",
                                 "CLOGIN_LOGIN_MESSAGE_CATEGORY": "info"})
    c = site.client()
    r = c.get("/protected")
    assert decode_session(set_cookie(r, "session")["value"])["_flashes"] == [
        ("info", "Sign in first <please>")]
    text = c.get("/login").text
    assert "Sign in first &lt;please&gt;" in text, "escaped in HTML"
    assert LOGIN_MESSAGE not in text


def test_no_login_message(kind, start_site):
    site = start_site(kind, env={"CLOGIN_LOGIN_MESSAGE": "null"})
    c = site.client()
    r = c.get("/protected")
    assert r.status_code == 302 and r.headers["Location"] == "/login?next=%2Fprotected"
    assert set_cookies(r) == [], "nothing flashed, no session"


@pytest.mark.parametrize("env,word", [
    ({"CLOGIN_SESSION_PROTECTION": "sometimes"}, "SESSION_PROTECTION"),
    ({"CLOGIN_USE_SESSION_FOR_NEXT": "maybe"}, "USE_SESSION_FOR_NEXT"),
    ({"CLOGIN_REMEMBER_COOKIE_REFRESH_EACH_REQUEST": "2"},
     "REMEMBER_COOKIE_REFRESH_EACH_REQUEST"),
    ({"CLOGIN_PERMANENT_SESSION_LIFETIME": "31 days"}, "PERMANENT_SESSION_LIFETIME"),
    ({"CLOGIN_SECRET_KEY": ""}, "SECRET_KEY"),
    ({"CLOGIN_SESSION_IDENTIFIER_FORMAT": "0.8"}, "SESSION_IDENTIFIER_FORMAT"),
    ({"CLOGIN_SESSION_COOKIE_SAMESITE": "lax "}, "SESSION_COOKIE_SAMESITE"),
])
def test_bad_values_stop_the_server(kind, tmp_path, env, word):
    s = Server(kind, str(tmp_path / "x.db"), env=env)
    rc = s.proc.wait(20)
    assert rc != 0 and s.port is None, s.output()
    assert word in s.stderr_text(), s.output()
    s.stop()


def test_login_and_refresh_views(kind, start_site):
    site = start_site(kind, env={"CLOGIN_LOGIN_VIEW": "/signin",
                                 "CLOGIN_REFRESH_VIEW": "http://127.0.0.1:1/again"})
    c = site.client()
    r = c.get("/protected")
    assert r.status_code == 302 and r.headers["Location"] == "/signin?next=%2Fprotected"
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/fresh")
    assert r.status_code == 302
    # Another host: next keeps the whole URL (Flask-Login's make_next_param).
    assert r.headers["Location"] == (
        f"http://127.0.0.1:1/again?next=http%3A%2F%2F127.0.0.1%3A{site.port}%2Ffresh")


def test_no_login_view_is_401(kind, start_site):
    site = start_site(kind, env={"CLOGIN_LOGIN_VIEW": "null"})
    c = site.client()
    for method, path in [("GET", "/protected"), ("GET", "/fresh"), ("GET", "/logout"),
                         ("GET", "/reauth"), ("POST", "/settings/password")]:
        r = c.request(method, path)
        assert r.status_code == 401 and "Location" not in r.headers, path
    assert set_cookies(r) == [], "nothing flashed without a redirect"


def test_force_host_for_redirects(kind, start_site):
    site = start_site(kind, env={"CLOGIN_FORCE_HOST_FOR_REDIRECTS": "example.com:8443"})
    c = site.client()
    r = c.get("/protected")
    assert r.headers["Location"] == "//example.com:8443/login?next=%2Fprotected"
    c.login(remember=True)
    c.drop_cookie("session")
    assert c.get("/fresh").headers["Location"] == "//example.com:8443/reauth?next=%2Ffresh"


def test_login_disabled(kind, start_site):
    site = start_site(kind, env={"CLOGIN_LOGIN_DISABLED": "true"})
    c = site.client()
    r = c.get("/protected")
    assert r.status_code == 200 and r.json() == {"id": None}
    r = c.get("/fresh")
    assert r.status_code == 200 and r.json() == {"id": None}
    # The pages that need a user still send anonymous visitors to log in.
    assert c.get("/reauth").headers["Location"] == "/login?next=%2Freauth"
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/fresh")
    assert r.status_code == 200 and r.json() == {"id": "1"}, "stale, but not checked"


def test_needs_refresh_message(kind, start_site):
    site = start_site(kind, env={"CLOGIN_NEEDS_REFRESH_MESSAGE": "Again, <please>",
                                 "CLOGIN_NEEDS_REFRESH_MESSAGE_CATEGORY": "warning"})
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/fresh")
    assert decode_session(set_cookie(r, "session")["value"])["_flashes"] == [
        ("warning", "Again, <please>")]
    assert "Again, &lt;please&gt;" in c.get("/reauth").text
