"""The demo's session auth hash: its user class answers get_auth_hash with
the user's stored Argon2id string, so a login made under one password hash
ends when the hash changes, with cookie sessions too (and with a store).
Flask-Login has no such thing: the reference is not involved, and
`--no-auth-hash` shows the difference."""

import sqlite3

import pytest

from clogin_http import (
    ANONYMOUS, UA, UA2, decode_session, encode_session, identifier, is_deletion,
    remember_value, set_cookie,
)

FRESH = {"authenticated": True, "id": "1", "fresh": True, "remembered": False}
FRESH_REMEMBERED = {"authenticated": True, "id": "1", "fresh": True, "remembered": True}
STALE_REMEMBERED = {"authenticated": True, "id": "1", "fresh": False, "remembered": True}


def password_hash(site, username):
    conn = sqlite3.connect(f"file:{site.db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT password_hash FROM users WHERE username = ?",
                            (username,)).fetchone()[0]
    finally:
        conn.close()


def set_password_hash_behind_the_demo(site, username, new_hash):
    """What an administrator's tool would do: a new password hash, the
    alternative id (what the cookies carry) left as it is."""
    conn = sqlite3.connect(site.db, timeout=5)
    try:
        with conn:
            conn.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                         (new_hash, username))
    finally:
        conn.close()


def whoami(site, cookie, ua=UA):
    r = site.fetch("GET", "/whoami", cookie=cookie, ua=ua)
    assert r.status_code == 200
    return r.json()


def test_cookies_carry_an_hmac_not_the_hash(c_server):
    site = c_server
    c = site.client()
    r = c.login(remember=True)
    session = decode_session(set_cookie(r, "session")["value"])
    pw_hash = password_hash(site, "alice")
    assert pw_hash.startswith("$argon2id$")
    tag = session["_auth_hash"]
    assert isinstance(tag, str) and len(tag) == 43 and pw_hash not in tag
    alt = site.alt_id("alice")
    assert session["_user_id"] == alt
    # The remember cookie is ID|HMAC as Flask-Login's, but its digest also
    # covers the auth hash: not the one Flask-Login would make.
    token = set_cookie(r, "remember_token")["value"]
    assert token.startswith(alt + "|") and len(token) == len(alt) + 1 + 128
    assert token != remember_value(alt)
    assert pw_hash not in r.headers["Set-Cookie"]
    assert c.whoami() == FRESH_REMEMBERED
    c.drop_cookie("session")
    assert c.whoami() == STALE_REMEMBERED


def test_flask_login_cookies_are_no_login(c_server, c_compat_server):
    """Cookies made with the secret in Flask-Login's form lack the auth
    hash: nobody, where the demo without --no-auth-hash takes them."""
    for site, expected in ((c_server, ANONYMOUS), (c_compat_server, FRESH)):
        forged = encode_session({"_user_id": site.alt_id("alice"), "_fresh": True,
                                 "_id": identifier(UA, fmt="0.7")})
        assert whoami(site, {"session": forged}) == expected, site.argv
        remembered = whoami(site, {"remember_token": remember_value(site.alt_id("alice"))})
        assert remembered == (ANONYMOUS if expected == ANONYMOUS else STALE_REMEMBERED)
    # A tag from another hash does not pass either.
    site = c_server
    forged = encode_session({"_user_id": site.alt_id("alice"), "_fresh": True,
                             "_id": identifier(UA, fmt="0.7"), "_auth_hash": "A" * 43})
    assert whoami(site, {"session": forged}) == ANONYMOUS


@pytest.mark.parametrize("store", ["cookie", "memory"])
def test_new_password_hash_ends_every_login(start_site, store):
    """The password hash changes behind the demo's back (the alternative id
    stays): every session and remember cookie made before is nobody."""
    site = start_site("c", argv_extra=["--session-store", store])
    me, other = site.client(UA), site.client(UA2)
    me.login(remember=True)
    other.login()
    mine = {c.name: c.value for c in me.cookies}
    theirs = {c.name: c.value for c in other.cookies}
    assert whoami(site, mine) == FRESH_REMEMBERED
    alt = site.alt_id("alice")

    # bob's hash: alice's password is now "builder"
    set_password_hash_behind_the_demo(site, "alice", password_hash(site, "bob"))
    assert site.alt_id("alice") == alt
    assert whoami(site, mine) == ANONYMOUS
    assert whoami(site, {"remember_token": mine["remember_token"]}) == ANONYMOUS
    assert whoami(site, theirs, ua=UA2) == ANONYMOUS
    r = site.fetch("GET", "/protected", cookie=theirs, ua=UA2)
    assert r.status_code == 302
    site.client().login(password="wonderland", expect=401)
    c = site.client()
    c.login(password="builder")
    assert c.whoami() == FRESH


def test_without_auth_hash_the_hash_alone_ends_nothing(start_site):
    """--no-auth-hash: only the alternative id ends logins, so a hash
    changed behind the demo's back leaves them as they were."""
    site = start_site("c", argv_extra=["--no-auth-hash"])
    me = site.client()
    me.login(remember=True)
    mine = {c.name: c.value for c in me.cookies}
    assert mine["remember_token"] == remember_value(site.alt_id("alice"))
    set_password_hash_behind_the_demo(site, "alice", password_hash(site, "bob"))
    assert whoami(site, mine) == FRESH_REMEMBERED
    assert whoami(site, {"remember_token": mine["remember_token"]}) == STALE_REMEMBERED


def test_password_change_keeps_this_browser_only(start_site):
    """Cookie sessions: POST /settings/password ends the other browser's
    login and keeps this one, fresh, logged in again under the new hash."""
    site = start_site("c")
    me, other = site.client(UA), site.client(UA2)
    me.login()
    other.login(remember=True)
    theirs = {c.name: c.value for c in other.cookies}
    old_tag = decode_session(me.cookie("session"))["_auth_hash"]
    r = me.post("/settings/password", {"current": "wonderland", "new": "looking-glass"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    session = decode_session(set_cookie(r, "session")["value"])
    assert session["_auth_hash"] != old_tag and session["_fresh"] is True
    assert me.whoami() == FRESH
    assert me.get("/fresh").status_code == 200
    assert whoami(site, theirs, ua=UA2) == ANONYMOUS
    assert whoami(site, {"remember_token": theirs["remember_token"]}, ua=UA2) == ANONYMOUS


@pytest.mark.parametrize("variant", ["flipped-digest", "flipped-id", "truncated",
                                     "other-key", "flask-login", "bob"])
def test_broken_bound_remember_cookie_is_anonymous(c_server, variant):
    """The demo's remember cookies (bound to the auth hash), broken: nobody,
    and never a new remember cookie (at most its deletion)."""
    site = c_server
    c = site.client()
    c.login(remember=True)
    value = c.cookie("remember_token")
    alt, digest = value.rsplit("|", 1)
    flip = lambda s, i: s[:i] + ("0" if s[i] != "0" else "1") + s[i + 1:]  # noqa: E731
    bad = {
        "flipped-digest": alt + "|" + flip(digest, 10),
        "flipped-id": flip(alt, 0) + "|" + digest,
        "truncated": value[:-1],
        "other-key": remember_value(alt, secret="another-secret"),
        "flask-login": remember_value(alt),
        "bob": remember_value(site.alt_id("bob")),
    }[variant]
    r = site.fetch("GET", "/whoami", cookie={"remember_token": bad})
    assert r.status_code == 200 and r.json() == ANONYMOUS
    rc = set_cookie(r, "remember_token")
    assert rc is None or is_deletion(rc), rc
    s = set_cookie(r, "session")
    assert s is None or is_deletion(s) or "_user_id" not in decode_session(s["value"])
    assert whoami(site, {"remember_token": value}) == STALE_REMEMBERED
