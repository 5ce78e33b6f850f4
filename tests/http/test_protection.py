"""Session protection (basic, strong, none) and cookies that were tampered
with, truncated, forged or belong to an inactive user. Shared scenarios: C
demo and Flask reference must agree."""

import pytest

from clogin_http import (
    ANONYMOUS, SECRET, UA, UA2, Server, decode_session, encode_session, identifier,
    is_deletion, remember_value, set_cookie, set_cookies,
)

FRESH = {"authenticated": True, "id": "1", "fresh": True, "remembered": False}
STALE = {"authenticated": True, "id": "1", "fresh": False, "remembered": False}


# ---- session protection ---------------------------------------------------

def test_basic_protection_by_default(site):
    c = site.client()
    c.login()
    assert c.whoami() == FRESH
    c.set_ua(UA2)
    r = c.get("/whoami")
    assert r.json() == STALE, "another browser: logged in, not fresh"
    assert decode_session(set_cookie(r, "session")["value"])["_fresh"] is False
    r = c.get("/fresh")
    assert r.status_code == 302 and r.headers["Location"] == "/reauth?next=%2Ffresh"
    # Back in the first browser the login stays stale: freshness is gone.
    c.set_ua(UA)
    assert c.whoami() == STALE
    # Re-authenticating in the new browser makes it fresh there.
    c.set_ua(UA2)
    assert c.post("/reauth", {"password": "wonderland"}).status_code == 302
    assert c.whoami() == FRESH
    assert c.get("/fresh").status_code == 200


def test_basic_protection_missing_user_agent(site):
    c = site.client()
    c.login()
    del c.s.headers["User-Agent"]
    assert c.whoami() == STALE


def test_basic_protection_keeps_remember(site):
    c = site.client()
    c.login(remember=True)
    c.set_ua(UA2)
    r = c.get("/whoami")
    assert r.json() == {"authenticated": True, "id": "1", "fresh": False, "remembered": True}
    assert set_cookie(r, "remember_token") is None


@pytest.mark.parametrize("value", ["strong", "STRONG", "Strong"])
def test_strong_protection_logs_out(kind, start_site, value):
    site = start_site(kind, env={"CLOGIN_SESSION_PROTECTION": value})
    c = site.client()
    c.login(remember=True)
    assert c.whoami()["fresh"] is True
    c.set_ua(UA2)
    r = c.get("/whoami")
    assert r.json() == ANONYMOUS
    rc = set_cookie(r, "remember_token")
    assert is_deletion(rc), f"the remember cookie must be deleted: {set_cookies(r)}"
    assert c.cookie("remember_token") is None
    c.set_ua(UA)
    assert c.whoami() == ANONYMOUS, "the login is gone for the first browser too"
    r = c.get("/protected")
    assert r.status_code == 302


def test_strong_protection_same_browser_stays(kind, start_site):
    site = start_site(kind, env={"CLOGIN_SESSION_PROTECTION": "strong"})
    c = site.client()
    c.login(remember=True)
    for _ in range(3):
        assert c.whoami()["fresh"] is True
    # A login restored from the remember cookie survives the next request
    # (contract: the restored login gets the request's identifier;
    # Flask-Login 0.6.2 would log it out again at once).
    c.drop_cookie("session")
    assert c.whoami() == {"authenticated": True, "id": "1", "fresh": False,
                          "remembered": True}
    assert c.whoami()["authenticated"] is True
    assert c.get("/protected").status_code == 200


def test_strong_protection_without_remember(kind, start_site):
    site = start_site(kind, env={"CLOGIN_SESSION_PROTECTION": "strong"})
    c = site.client()
    c.login()
    c.set_ua(UA2)
    r = c.get("/protected")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fprotected"


@pytest.mark.parametrize("value", ["none", "NONE", "null", "false", ""])
def test_protection_off(kind, start_site, value):
    site = start_site(kind, env={"CLOGIN_SESSION_PROTECTION": value})
    c = site.client()
    c.login()
    c.set_ua(UA2)
    assert c.whoami() == FRESH
    assert c.get("/fresh").status_code == 200


def test_bad_session_protection_refused(kind, tmp_path):
    """Flask-Login would quietly turn protection off for a misspelling; the
    demo (and so the reference) refuse to start."""
    s = Server(kind, str(tmp_path / "x.db"), env={"CLOGIN_SESSION_PROTECTION": "strnog"})
    rc = s.proc.wait(20)
    assert rc != 0 and s.port is None
    assert "SESSION_PROTECTION" in s.stderr_text()
    s.stop()


def test_forged_x_forwarded_for_does_not_matter(site):
    """The address is the peer's: X-Forwarded-For is not trusted (contract;
    Flask-Login 0.6.2 takes its first entry)."""
    c = site.client()
    c.login()
    r = c.get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.json() == FRESH


# ---- tampered, truncated and forged cookies -----------------------------------

def flip(s, i):
    ch = s[i]
    return s[:i] + ("A" if ch != "A" else "B") + s[i + 1:]


def session_variants(value):
    payload, ts, sig = value.rsplit(".", 2)
    return {
        "flipped-signature": flip(value, len(value) - 5),
        "flipped-payload": flip(value, 5),
        "flipped-timestamp": payload + "." + flip(ts, 0) + "." + sig,
        "truncated-half": value[:len(value) // 2],
        "truncated-signature": value[:-1],
        "no-signature": payload + "." + ts,
        "empty": "",
        "garbage": "not-a-cookie",
        "dots": "...",
        "other-key": None,
    }


SESSION_VARIANTS = ["flipped-signature", "flipped-payload", "flipped-timestamp",
                    "truncated-half", "truncated-signature", "no-signature", "empty",
                    "garbage", "dots", "other-key"]


@pytest.mark.parametrize("variant", SESSION_VARIANTS)
def test_bad_session_cookie_is_anonymous(site, variant):
    c = site.client()
    c.login()
    value = c.cookie("session")
    bad = session_variants(value)[variant]
    if bad is None:
        bad = encode_session(decode_session(value), secret="another-secret")
    r = site.fetch("GET", "/whoami", cookie=f"session={bad}")
    assert r.status_code == 200
    assert r.json() == ANONYMOUS
    assert set_cookie(r, "remember_token") is None
    r = site.fetch("GET", "/protected", cookie=f"session={bad}")
    assert r.status_code == 302


@pytest.mark.parametrize("variant", [
    "flipped-digest", "flipped-id", "truncated", "no-digest", "digest-only", "empty",
    "other-key", "unknown-id", "bob",
])
def test_bad_remember_cookie_is_anonymous(compat_site, variant):
    """Flask-Login's remember cookie, broken in each way (the demo's own,
    bound to the auth hash, are in test_auth_hash.py)."""
    site = compat_site
    c = site.client()
    c.login(remember=True)
    value = c.cookie("remember_token")
    alt, digest = value.rsplit("|", 1)
    bad = {
        "flipped-digest": alt + "|" + flip(digest, 10),
        "flipped-id": flip(alt, 0) + "|" + digest,
        "truncated": value[:-1],
        "no-digest": alt,
        "digest-only": "|" + digest,
        "empty": "",
        "other-key": remember_value(alt, secret="another-secret"),
        "unknown-id": remember_value("0" * 32),
        "bob": remember_value(site.alt_id("bob")),
    }[variant]
    r = site.fetch("GET", "/whoami", cookie=f"remember_token={bad}")
    assert r.status_code == 200
    assert r.json() == ANONYMOUS
    assert set_cookie(r, "remember_token") is None


def test_valid_session_cookie_for_inactive_user_is_anonymous(site):
    """A session cookie made with the secret for bob: UserMixin makes an
    inactive user never authenticated."""
    forged = encode_session({"_user_id": site.alt_id("bob"), "_fresh": True,
                             "_id": identifier(UA, fmt="0.7" if site.kind == "c" else "0.6")})
    r = site.fetch("GET", "/whoami", cookie=f"session={forged}")
    assert r.json() == ANONYMOUS
    r = site.fetch("GET", "/protected", cookie=f"session={forged}")
    assert r.status_code == 302


def test_forged_session_with_secret_is_a_login(compat_site):
    """The other way round: a session cookie made with the shared secret for
    alice's alternative id is a login (that is what sharing a secret with a
    Flask application means). Not with the demo's session auth hash
    (test_auth_hash.py): there such a cookie lacks `_auth_hash`."""
    site = compat_site
    fmt = "0.7" if site.kind == "c" else "0.6"
    forged = encode_session({"_user_id": site.alt_id("alice"), "_fresh": True,
                             "_id": identifier(UA, fmt=fmt)})
    r = site.fetch("GET", "/whoami", cookie=f"session={forged}")
    assert r.json() == FRESH


def test_session_with_unknown_id_is_cleaned(site):
    """Contract: an id nobody has is removed from the session."""
    fmt = "0.7" if site.kind == "c" else "0.6"
    forged = encode_session({"_user_id": "f" * 32, "_fresh": True,
                             "_id": identifier(UA, fmt=fmt)})
    r = site.fetch("GET", "/whoami", cookie=f"session={forged}")
    assert r.json() == ANONYMOUS
    s = set_cookie(r, "session")
    assert s, "the session is rewritten without the unknown id"
    assert "_user_id" not in decode_session(s["value"])


def test_session_user_id_row_id_is_not_a_login(site):
    """Cookies carry the alternative id: the row id "1" names nobody."""
    fmt = "0.7" if site.kind == "c" else "0.6"
    forged = encode_session({"_user_id": "1", "_fresh": True, "_id": identifier(UA, fmt=fmt)})
    r = site.fetch("GET", "/whoami", cookie=f"session={forged}")
    assert r.json() == ANONYMOUS
    forged = remember_value("1")
    r = site.fetch("GET", "/whoami", cookie=f"remember_token={forged}")
    assert r.json() == ANONYMOUS


def test_oversized_session_cookie_is_anonymous(site):
    """5000 bytes: past the 4096 a browser keeps, under any header limit."""
    r = site.fetch("GET", "/whoami", cookie="session=" + "A" * 5000)
    assert r.status_code == 200
    assert r.json() == ANONYMOUS


def test_secret_is_what_the_tests_think(site):
    """The cookies the tests forge are made with the servers' secret."""
    c = site.client()
    c.login()
    assert decode_session(c.cookie("session"), SECRET)["_user_id"] == site.alt_id("alice")


@pytest.mark.parametrize("value", [1, True, 1.5, None, ["x"], {"a": 1}, "", "\u00e9" * 40])
def test_odd_user_id_types_are_anonymous(site, value):
    """Valid signature, _user_id of another JSON type: nobody, 200."""
    forged = encode_session({"_user_id": value, "_fresh": True})
    r = site.fetch("GET", "/whoami", cookie={"session": forged})
    assert r.status_code == 200 and r.json() == ANONYMOUS
    r = site.fetch("GET", "/protected", cookie={"session": forged})
    assert r.status_code == 302


def test_odd_session_values_are_survived(compat_site):
    """Flask's tagged values and odd types elsewhere in the session do not
    break a login."""
    site = compat_site
    import datetime
    import uuid
    fmt = "0.7" if site.kind == "c" else "0.6"
    forged = encode_session({
        "_user_id": site.alt_id("alice"), "_fresh": True, "_id": identifier(UA, fmt=fmt),
        "when": datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc),
        "u": uuid.UUID(int=7), "b": b"\x00\xff", "t": (1, 2), "n": None, "f": 0.1,
        "_flashes": "not a list",
    })
    r = site.fetch("GET", "/whoami", cookie={"session": forged})
    assert r.status_code == 200 and r.json() == FRESH
