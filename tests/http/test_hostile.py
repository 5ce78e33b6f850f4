"""Hostile input: huge headers and cookies, broken form bodies, odd
methods, broken requests. Each answer is a 4xx (or, for what HTTP allows,
a normal answer) and the server keeps serving. Shared scenarios: C demo
and Flask reference must agree."""

import pytest
import requests

from clogin_http import ANONYMOUS, raw_request, status_of


def still_serving(site):
    c = site.client()
    assert c.whoami() == ANONYMOUS
    c.login()
    assert c.whoami()["authenticated"] is True


def test_8k_header(site):
    """A 9000-byte header is within what servers accept (Werkzeug 64 KiB a
    line, libmicrohttpd 32 KiB a request): answered normally, or refused
    with a 4xx."""
    c = site.client()
    c.login()
    r = c.get("/whoami", headers={"X-Filler": "x" * 9000})
    assert r.status_code == 200 or 400 <= r.status_code < 500
    if r.status_code == 200:
        assert r.json()["authenticated"] is True
    still_serving(site)


def test_huge_user_agent_is_part_of_identifier(site):
    c = site.client()
    c.login()
    r = c.get("/whoami", headers={"User-Agent": "u" * 9000})
    assert r.status_code == 200 or 400 <= r.status_code < 500
    if r.status_code == 200:
        assert r.json()["fresh"] is False, "another browser: not fresh"
    still_serving(site)


def test_100k_cookie_4xx(site):
    r = raw_request(site, b"GET /whoami HTTP/1.1\r\nHost: " + site.host.encode() +
                    b"\r\nCookie: session=" + b"A" * 100_000 + b"\r\n\r\n")
    status = status_of(r)
    assert status is not None and 400 <= status < 500, r[:200]
    still_serving(site)


def test_many_headers(site):
    headers = b"".join(b"X-H%d: %d\r\n" % (i, i) for i in range(2000))
    r = raw_request(site, b"GET /whoami HTTP/1.1\r\nHost: " + site.host.encode() +
                    b"\r\n" + headers + b"\r\n")
    status = status_of(r)
    assert status is not None and (status == 200 or 400 <= status < 500), r[:200]
    still_serving(site)


def test_many_cookies(site):
    jar = "; ".join(f"c{i}=v{i}" for i in range(300))
    r = site.fetch("GET", "/whoami", cookie=jar + "; session=junk")
    assert r.status_code == 200 and r.json() == ANONYMOUS
    still_serving(site)


def test_long_url_4xx_or_404(site):
    r = raw_request(site, b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status = status_of(r)
    assert status is not None and 400 <= status < 500, r[:200]
    still_serving(site)


@pytest.mark.parametrize("body", [
    b"username=%zz&password=%",
    b"username=alice&password=wonderland%",
    b"username=alice&password=wonderland%4",
    b"username=alice&password=wonder%G1land",
    b"username=%ff%fe&password=%c3",
    b"username=alice&password=wonderland%00",
    b"username=alice%00admin&password=wonderland",
    b"username=alice\x00&password=wonderland",
    b"&&&===&&&",
    b"=",
    b"username",
    b"\xff\xfe\x00\x01",
    b"username=alice&&password=&password=wonderland",
], ids=repr)
def test_broken_form_bodies_4xx(site, body):
    c = site.client()
    r = c.post("/login", data=body,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500, (body, r.status_code)
    assert c.whoami() == ANONYMOUS, body
    still_serving(site)


def test_nul_in_password_is_not_the_password(site):
    """The password is every byte that was sent: 'wonderland' then NUL then
    anything is a wrong password (401), not a login."""
    c = site.client()
    r = c.post("/login", {"username": "alice", "password": "wonderland\x00garbage"})
    assert r.status_code == 401
    assert c.whoami() == ANONYMOUS


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/json", "multipart/form-data; boundary=xyz",
    "multipart/form-data", "application/x-www-form-urlencoded; charset=bogus-charset",
])
def test_odd_content_types(site, content_type):
    c = site.client()
    r = c.post("/login", data=b"username=alice&password=wonderland",
               headers={"Content-Type": content_type})
    # Only a urlencoded form can be these fields; the charset parameter of
    # a urlencoded body changes nothing, so that one may log in.
    if content_type.startswith("application/x-www-form-urlencoded"):
        assert r.status_code in (302, 400, 401, 415)
    else:
        assert 400 <= r.status_code < 500, content_type
        assert c.whoami() == ANONYMOUS
    still_serving(site)


def test_multipart_form_logs_in(site):
    """A multipart form (what a browser sends with enctype=multipart) is a
    form too."""
    c = site.client()
    r = c.post("/login", files={"username": (None, "alice"), "password": (None, "wonderland")})
    assert r.status_code == 302
    assert c.whoami()["authenticated"] is True


def test_huge_body_413(site):
    c = site.client()
    body = b"username=alice&password=wonderland&pad=" + b"x" * 200_000
    try:
        r = c.post("/login", data=body,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    except requests.ConnectionError as e:  # closed while we were still sending
        pytest.fail(f"connection dropped instead of a 413: {e}")
    assert r.status_code == 413
    assert c.whoami() == ANONYMOUS
    still_serving(site)


def test_body_just_under_limit(site):
    body = b"username=alice&password=wonderland&pad=" + b"x" * 16000
    c = site.client()
    r = c.post("/login", data=body,
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 302
    assert c.whoami()["authenticated"] is True


def test_huge_body_with_small_content_length(site):
    """Content-Length says 10, many more bytes follow: the rest is the next
    request, which is garbage: 4xx or closed, and the server lives on."""
    r = raw_request(site, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    b"application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\n"
                    b"username=a" + b"Z" * 5000 + b"\r\n\r\n")
    assert status_of(r) is not None
    still_serving(site)


def test_truncated_body(site):
    """Content-Length promises more than is sent, then the client stops
    sending: the server must not hang or crash."""
    r = raw_request(site, b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    b"application/x-www-form-urlencoded\r\nContent-Length: 100\r\n"
                    b"Connection: close\r\n\r\nusername=alice", timeout=5, half_close=True)
    assert r == b"" or status_of(r) is not None
    still_serving(site)


@pytest.mark.parametrize("method,path", [
    ("PATCH", "/login"), ("DELETE", "/protected"), ("PUT", "/whoami"), ("DELETE", "/"),
    ("POST", "/whoami"), ("POST", "/protected"), ("POST", "/logout"), ("PUT", "/reauth"),
    ("POST", "/api/whoami"), ("GET", "/settings/password"), ("PATCH", "/fresh"),
    ("BREW", "/whoami"), ("TRACE", "/login"),
])
def test_wrong_method_405(site, method, path):
    c = site.client()
    r = c.request(method, path)
    assert r.status_code == 405, (method, path, r.status_code)
    assert "Location" not in r.headers
    assert "GET" in r.headers.get("Allow", "") or "POST" in r.headers.get("Allow", "")
    still_serving(site)


@pytest.mark.parametrize("line", [
    b"G@T /whoami HTTP/1.1",
    b"GET",
    b"GET /whoami HTTP/9.9",
    b"GET whoami HTTP/1.1",
    b"\x00\x01\x02\x03",
    b"GET /whoami HTTP/1.1 extra",
], ids=repr)
def test_garbage_request_line_4xx(site, line):
    r = raw_request(site, line + b"\r\nHost: x\r\n\r\n", timeout=5)
    status = status_of(r)
    # A 4xx, or (for what is not HTTP at all) a closed connection; never a
    # 2xx/3xx/5xx.
    assert status is None or 400 <= status < 500 or status == 505, r[:200]
    still_serving(site)


def test_bad_header_line(site):
    r = raw_request(site, b"GET /whoami HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
    status = status_of(r)
    assert status is None or status == 200 or 400 <= status < 500, r[:200]
    still_serving(site)


def test_head_is_get_without_body(site):
    r = site.client().request("HEAD", "/whoami")
    assert r.status_code == 200
    assert r.content == b""


@pytest.mark.parametrize("cookie", [
    'session="', 'x=1; session="', 'remember_token="', 'session="\\"', 'session=""',
    "session", "=", ";;;;", "session=\x7f", 'remember_token="1|' + "0" * 128 + '"',
    "session=a=b=c", "remember_token=" + "|" * 200, 'remember_token="abc|de',
], ids=repr)
def test_weird_cookie_headers(site, cookie):
    """Tampered and truncated cookies (a quoted value cut short too) read
    as anonymous: 200 on /whoami.

    Known limit of libmicrohttpd 0.9.75 (Debian 12): a cookie value that is
    a lone '"' makes its own cookie parser give up with 431 before the
    handler runs (there is no option to turn that parser off). That is a
    refusal, not a login, and the server keeps serving; it is accepted for
    exactly those values on the C side."""
    r = site.fetch("GET", "/whoami", cookie=cookie)
    if site.kind == "c" and cookie.endswith('="') and r.status_code == 431:
        still_serving(site)
        return
    assert r.status_code == 200 and r.json() == ANONYMOUS, (cookie, r.status_code)
    still_serving(site)


def test_parallel_requests(site):
    """A few clients at once (the C demo has a thread pool): nobody sees
    another's login."""
    import concurrent.futures

    def one(i):
        c = site.client()
        if i % 2:
            c.login()
            return c.whoami()["authenticated"] is True
        return c.whoami() == ANONYMOUS

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(one, range(24)))


def test_chunked_form_body(site):
    """A urlencoded body sent chunked (no Content-Length) is a form too."""
    def body():
        yield b"username=alice&"
        yield b"password=wonderland"
    c = site.client()
    r = c.post("/login", data=body(),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 302
    assert c.whoami()["authenticated"] is True


def test_chunked_huge_body_413(site):
    def body():
        yield b"username=alice&password=wonderland&pad="
        for _ in range(50):
            yield b"x" * 4096
    c = site.client()
    try:
        r = c.post("/login", data=body(),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status_code == 413
    except requests.ConnectionError:
        # The Werkzeug server answers 413 and closes while the client is
        # still sending; the refusal is the point, however it arrives.
        assert site.kind == "flask"
    assert c.whoami() == ANONYMOUS
    still_serving(site)
