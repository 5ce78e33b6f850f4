"""GET /bench/unguarded?id=N and /bench/loaded, the demo's routes for bench/http_bench.sh:
the bytes /protected sends user N, without the guard or any clogin user
call, and no cookie. C only (the Flask reference has no such route)."""

import pytest

from clogin_http import set_cookies


def test_unguarded_answers_as_protected_for_alice(c_server):
    c = c_server.client()
    c.login()
    protected = c.get("/protected")
    assert protected.status_code == 200, protected.text
    for client in (c, c_server.client()):  # with alice's cookie and with none
        r = client.get("/bench/unguarded?id=1")
        assert r.status_code == 200, r.text
        assert r.content == protected.content == b'{"id": "1"}\n'
        assert r.headers["Content-Type"] == protected.headers["Content-Type"]
        assert r.headers.get("Vary") == protected.headers.get("Vary")
        assert set_cookies(r) == [], r.raw.headers.getlist("Set-Cookie")


@pytest.mark.parametrize("query", ["", "?id=", "?id=1x", "?id=%221", "?id=-1",
                                   "?id=12345678901234567890", "?ident=1"])
def test_unguarded_refuses_ids_that_are_not_numbers(c_server, query):
    r = c_server.client().get("/bench/unguarded" + query)
    assert r.status_code == 400
    assert r.headers["Content-Type"] == "application/json"
    assert set_cookies(r) == []


def test_loaded_answers_as_protected_after_the_lookup(c_server):
    """GET /bench/loaded?username=NAME: the same bytes after the user
    loader's database lookup, with no clogin call."""
    c = c_server.client()
    c.login()
    protected = c.get("/protected")
    for client in (c, c_server.client()):
        r = client.get("/bench/loaded?username=alice")
        assert r.status_code == 200, r.text
        assert r.content == protected.content == b'{"id": "1"}\n'
        assert r.headers["Content-Type"] == protected.headers["Content-Type"]
        assert r.headers.get("Vary") == protected.headers.get("Vary")
        assert set_cookies(r) == []
    assert c_server.client().get("/bench/loaded?username=nobody").status_code == 404
    assert c_server.client().get("/bench/loaded").status_code == 400
    assert c_server.client().get("/bench/loaded?username=a%00b").status_code == 400
