"""Where a login or a re-authentication goes next: the form field, the
query string, the session (USE_SESSION_FOR_NEXT), and the open-redirect
rule. Shared scenarios: C demo and Flask reference must agree."""

import pytest

from clogin_http import ANONYMOUS, decode_session, encode_session, set_cookie

UNSAFE = [
    "//evil.com",
    "///evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "http://evil.com/",
    "https://evil.com/",
    "HTTP://evil.com",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://evil.com/",
    "evil.com",
    "protected",
    "../protected",
    "?next=1",
    "http:evil.com",
    "http:/evil.com",
    "http:///evil.com",
    "/%2F/evil.com",
    "/%2f%2fevil.com",
    "/%5Cevil.com",
    "/%252F%252Fevil.com",
    "/\t/evil.com",
    " /protected",
    "/protected\n",
    "/\x00",
    "/pro\x7ftected",
    "//127.0.0.1/",
    "http://{host}@evil.com/",
    "http://evil.com@{host}/",
    "http://{name}:1/",
    "http://{name}/",
    "https://{name}/",
    "http://localhost:{port}/",
    "http://{host}\\@evil.com/",
    "http://{host}:/",
    "/\u2028/evil.com",
    "/\u00a0",
]

SAFE = [
    "/",
    "/protected",
    "/fresh?x=1&y=2",
    "/protected#frag",
    "/caf%C3%A9",
    "/%41bc",
    "http://{host}/protected",
    "HTTP://{host}/",
    "https://{host}/fresh",
    "http://{host}",
    "http://{host}?q=1",
]


def expand(target, site):
    return target.format(host=site.host, name="127.0.0.1", port=site.port)


@pytest.mark.parametrize("target", UNSAFE, ids=[repr(t) for t in UNSAFE])
def test_unsafe_next_400_and_nobody_logged_in(site, target):
    c = site.client()
    target = expand(target, site)
    r = c.login(next=target, remember=True, expect=400)
    assert "Location" not in r.headers
    assert set_cookie(r, "remember_token") is None
    assert c.whoami() == ANONYMOUS


@pytest.mark.parametrize("target", SAFE, ids=[repr(t) for t in SAFE])
def test_safe_next_is_followed(site, target):
    c = site.client()
    target = expand(target, site)
    r = c.login(next=target)
    assert r.headers["Location"] == target
    assert c.whoami()["authenticated"] is True


def test_unsafe_next_in_query_400(site):
    c = site.client()
    c.login(query={"next": "//evil.com"}, expect=400)
    assert c.whoami() == ANONYMOUS


def test_form_next_wins_over_query(site):
    c = site.client()
    r = c.login(next="/fresh", query={"next": "/protected"})
    assert r.headers["Location"] == "/fresh"


def test_empty_form_next_falls_back_to_query(site):
    """The login form always posts its hidden next, empty when there is
    none: an empty field does not hide the query's."""
    c = site.client()
    r = c.login(next="", query={"next": "/protected"})
    assert r.headers["Location"] == "/protected"


def test_empty_next_goes_home(site):
    c = site.client()
    r = c.login(next="", query={"next": ""})
    assert r.headers["Location"] == "/"


def test_unsafe_form_next_with_safe_query_400(site):
    site.client().login(next="//evil.com", query={"next": "/protected"}, expect=400)


def test_session_next_ignored_without_use_session_for_next(site):
    """Without USE_SESSION_FOR_NEXT a next stored in the session (made with
    the shared secret) is not used."""
    c = site.client()
    c.cookies.set("session", encode_session({"next": "/protected"}))
    r = c.login()
    assert r.headers["Location"] == "/"


# ---- USE_SESSION_FOR_NEXT -------------------------------------------------

def test_use_session_for_next(kind, start_site):
    site = start_site(kind, env={"CLOGIN_USE_SESSION_FOR_NEXT": "true"})
    c = site.client()
    r = c.get("/protected?x=1")
    assert r.status_code == 302
    assert r.headers["Location"] == "/login"
    data = decode_session(set_cookie(r, "session")["value"])
    assert data["next"] == "/protected?x=1"
    # The form's empty next and the bare query fall back to the session.
    r = c.login(next="")
    assert r.headers["Location"] == "/protected?x=1"
    data = decode_session(set_cookie(r, "session")["value"])
    assert "next" not in data, "the session's next is removed after the login"
    assert c.get("/protected?x=1").json() == {"id": "1"}
    # Log out and in again: the next was used up.
    c.get("/logout")
    r = c.login()
    assert r.headers["Location"] == "/"
    # The form's next still wins over the session's.
    c.get("/logout")
    c.get("/fresh")
    r = c.login(next="/protected")
    assert r.headers["Location"] == "/protected"
    assert "next" not in decode_session(set_cookie(r, "session")["value"])
    # An unsafe next in the session is refused like any other.
    c.get("/logout")
    c.drop_cookie("session")
    c.cookies.set("session", encode_session({"next": "//evil.com"}))
    c.login(expect=400)
    assert c.whoami() == ANONYMOUS


def test_use_session_for_next_reauth(kind, start_site):
    site = start_site(kind, env={"CLOGIN_USE_SESSION_FOR_NEXT": "true"})
    c = site.client()
    c.login(remember=True)
    c.drop_cookie("session")
    r = c.get("/fresh")
    assert r.status_code == 302
    assert r.headers["Location"] == "/reauth"
    assert decode_session(set_cookie(r, "session")["value"])["next"] == "/fresh"
    r = c.post("/reauth", {"password": "wonderland"})
    assert r.status_code == 302
    assert r.headers["Location"] == "/fresh"
    assert "next" not in decode_session(set_cookie(r, "session")["value"])
    assert c.get("/fresh").status_code == 200


@pytest.mark.parametrize("value", ["false", "0", "no", "off"])
def test_use_session_for_next_false_spellings(start_site, value):
    """'no' and 'off' are false (Flask's from_prefixed_env alone would keep
    them as true strings): only the C syntax counts. Flask side only would
    differ, so both sides run."""
    for kind in ("c", "flask"):
        site = start_site(kind, env={"CLOGIN_USE_SESSION_FOR_NEXT": value})
        r = site.client().get("/protected")
        assert r.headers["Location"] == "/login?next=%2Fprotected", kind


@pytest.mark.parametrize("target,location", [
    ("/café", "/caf%C3%A9"),
    ("/x?y=é", "/x?y=%C3%A9"),
    ("/caf%C3%A9", "/caf%C3%A9"),
])
def test_non_ascii_next_location_is_a_uri(site, target, location):
    """A safe next with non-ASCII characters is followed, and Location is
    sent as a URI (ASCII, percent-encoded UTF-8), as Werkzeug's redirect
    does (RFC 9110: Location is a URI-reference)."""
    c = site.client()
    r = c.login(next=target)
    assert r.raw.headers["Location"].encode("latin-1") == location.encode()
