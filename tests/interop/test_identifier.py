"""Flask-Login's session identifier (the `_id` in the session, checked by
session protection) computed by `clogin-cookie identifier ADDR [UA]` equals
flask_login.utils._create_identifier() for the same request.

Flask-Login 0.6 hashes f"{addr}|{user_agent}" where both are *bytes*
objects, i.e. their Python repr: "b'127.0.0.1'|b'Mozilla/5.0'", and "None"
for a missing User-Agent (not the plain "127.0.0.1|Mozilla/5.0" that
DESIGN.md describes). Werkzeug reads header bytes as latin-1 and Flask-Login
encodes them as UTF-8 before taking the repr."""

import flask
import flask_login

from conftest import assert_ok_output, run_many

ADDRS = ["127.0.0.1", "10.0.0.1", "::1", "2001:db8::8a2e:370:7334"]
USER_AGENTS = [
    None,
    b"",
    b"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
    b"it's",
    b'say "hi"',
    b"both ' and \"",
    b"back\\slash",
    b"tab\there",
    b"del\x7f ctl\x01\x1f",
    b"Caf\xe9 \xff\x80",
    b"\xc3\xa9 (UTF-8 bytes)",
]


def flask_identifier(addr, ua):
    app = flask.Flask("ident")
    headers = {} if ua is None else {"User-Agent": ua.decode("latin-1")}
    with app.test_request_context(environ_base={"REMOTE_ADDR": addr}, headers=headers):
        if ua is None:
            assert "User-Agent" not in flask.request.headers
        return flask_login.utils._create_identifier()


def test_identifier_matches_flask_login():
    cases = [(a, ua) for a in ADDRS[:2] for ua in USER_AGENTS]
    cases += [(a, USER_AGENTS[2]) for a in ADDRS[2:]] + [(a, None) for a in ADDRS[2:]]
    calls = [(["--identifier-format", "0.6", "identifier", addr] + ([] if ua is None else [ua]), {})
             for addr, ua in cases]
    for (addr, ua), res in zip(cases, run_many(calls)):
        (line,) = assert_ok_output(res, 1)
        assert line == flask_identifier(addr, ua), (addr, ua)


def test_identifier_of_a_test_client_request(app):
    """What Flask-Login computes inside a real request of the test client."""
    client = app.test_client()
    ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) \"quoted\" 'single'"
    resp = client.get("/ident", headers={"User-Agent": ua})
    res = run_many([(["--identifier-format", "0.6", "identifier", "127.0.0.1", ua], {})])[0]
    (line,) = assert_ok_output(res, 1)
    assert line == resp.data.decode()


def test_identifier_07_is_sha512_of_addr_bar_ua():
    """The default form, Flask-Login 0.7's: SHA-512 of "ADDR|UA", an absent
    User-Agent counting as empty."""
    import hashlib
    cases = [("127.0.0.1", "Mozilla/5.0"), ("::1", None), ("10.0.0.1", "caf\u00e9 'q'")]
    calls = [(["identifier", a] + ([] if ua is None else [ua]), {}) for a, ua in cases]
    for (addr, ua), res in zip(cases, run_many(calls)):
        (line,) = assert_ok_output(res, 1)
        expect = hashlib.sha512(f"{addr}|{ua or ''}".encode()).hexdigest()
        assert line == expect, (addr, ua)
