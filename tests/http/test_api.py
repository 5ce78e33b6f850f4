"""API keys through the manager's request loader: ?api_key= and
Authorization: Basic base64(KEY). Requests authenticated this way get no
Set-Cookie. Shared scenarios: C demo and Flask reference must agree."""

import base64

import pytest

from clogin_http import ANONYMOUS, basic, set_cookies


def no_cookie(r):
    assert set_cookies(r) == [], r.raw.headers.getlist("Set-Cookie")


def test_api_key_in_query(site):
    r = site.client().get("/api/whoami?api_key=alice-api-key")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json() == {"id": "1"}
    no_cookie(r)


def test_api_key_in_basic_header(site):
    r = site.client().get("/api/whoami", headers={"Authorization": basic("alice-api-key")})
    assert r.status_code == 200 and r.json() == {"id": "1"}
    no_cookie(r)


def test_basic_scheme_is_case_insensitive(site):
    token = base64.b64encode(b"alice-api-key").decode()
    r = site.client().get("/api/whoami", headers={"Authorization": "basic " + token})
    assert r.status_code == 200 and r.json() == {"id": "1"}


@pytest.mark.parametrize("query", [
    "api_key=bob-api-key", "api_key=wrong", "api_key=", "api_key=ALICE-API-KEY",
    "api_key=alice-api-key%00", "apikey=alice-api-key", "", "api_key=alice-api-key+",
])
def test_bad_keys_401(site, query):
    r = site.client().get("/api/whoami?" + query)
    assert r.status_code == 401
    assert r.headers["Content-Type"].startswith("application/json")
    r.json()
    no_cookie(r)


ALICE_B64 = base64.b64encode(b"alice-api-key").decode()  # YWxpY2UtYXBpLWtleQ==


@pytest.mark.parametrize("header", [
    basic("bob-api-key"),
    basic("wrong"),
    "Basic",
    "Basic ",
    "Basic !!!!",
    "Basic " + ALICE_B64.rstrip("="),
    "Basic " + ALICE_B64 + "=",
    "Basic " + ALICE_B64 + " ",
    "Basic  " + ALICE_B64,
    "Basic " + ALICE_B64[:8] + "\t" + ALICE_B64[8:],
    "Basic " + ALICE_B64.replace("Q", "R", 1),  # non-zero unused bits: not canonical
    "Basic " + base64.urlsafe_b64encode(b"alice-api-key>?").decode(),
    "Bearer alice-api-key",
    "alice-api-key",
    "Basic " + base64.b64encode(b"alice-api-key:").decode(),
    "Basic " + base64.b64encode(b"alice-api-key\x00").decode(),
    "Basic " + "A" * 6000,
], ids=lambda h: repr(h[:30]))
def test_malformed_or_wrong_basic_401(site, header):
    r = site.client().get("/api/whoami", headers={"Authorization": header})
    assert r.status_code == 401, header
    no_cookie(r)


def test_api_key_on_every_route(site):
    c = site.client()
    r = c.get("/protected?api_key=alice-api-key")
    assert r.status_code == 200 and r.json() == {"id": "1"}
    no_cookie(r)
    r = c.get("/whoami?api_key=alice-api-key")
    assert r.json() == {"authenticated": True, "id": "1", "fresh": False,
                        "remembered": False}
    no_cookie(r)
    r = c.get("/protected", headers={"Authorization": basic("alice-api-key")})
    assert r.status_code == 200
    no_cookie(r)
    # Not fresh: an API key is no password.
    r = c.get("/fresh?api_key=alice-api-key")
    assert r.status_code == 302
    assert r.headers["Location"] == "/reauth?next=%2Ffresh%3Fapi_key%3Dalice-api-key"
    # Nothing but that flash stuck to the client.
    assert c.whoami() == ANONYMOUS
    assert c.cookie("remember_token") is None


def test_inactive_key_on_protected(site):
    r = site.client().get("/protected?api_key=bob-api-key")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login?next=%2Fprotected%3Fapi_key%3Dbob-api-key"


def test_session_wins_over_key(site):
    c = site.client()
    c.login()
    r = c.get("/api/whoami?api_key=bob-api-key")
    assert r.status_code == 200 and r.json() == {"id": "1"}
    r = c.get("/api/whoami", headers={"Authorization": basic("nope")})
    assert r.status_code == 200 and r.json() == {"id": "1"}
    assert c.get("/whoami?api_key=alice-api-key").json()["fresh"] is True


def test_session_login_on_api_route(site):
    c = site.client()
    assert c.get("/api/whoami").status_code == 401
    c.login()
    r = c.get("/api/whoami")
    assert r.status_code == 200 and r.json() == {"id": "1"}


def test_bad_remember_cookie_does_not_block_key(site):
    """Contract: a remember cookie that does not verify does not stop the
    request loader (Flask-Login 0.6.2 skips it whenever a remember cookie is
    present)."""
    r = site.fetch("GET", "/api/whoami?api_key=alice-api-key",
                   cookie="remember_token=1|forged")
    assert r.status_code == 200 and r.json() == {"id": "1"}


def test_query_key_then_header(site):
    """A wrong ?api_key= does not hide a good Authorization header."""
    r = site.client().get("/api/whoami?api_key=wrong",
                          headers={"Authorization": basic("alice-api-key")})
    assert r.status_code == 200 and r.json() == {"id": "1"}
