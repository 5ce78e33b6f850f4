"""1. Flask -> C: session cookies minted by Flask decode in C to exactly the
JSON text Flask itself serializes for the same session."""

import pytest

from conftest import (
    DEFAULT_MAX_AGE, LOGIN_ID, SESSION_CASE_IDS, SESSION_CASES, T0, flask_cookie,
    flask_json, flask_load, itsdangerous_time, make_app, set_cookies, tool_decode,
    tool_sign,
)


@pytest.mark.parametrize("case", SESSION_CASE_IDS)
def test_flask_cookie_decodes_in_c(app, case):
    data, expect_compressed = SESSION_CASES[case]
    cookie = flask_cookie(app, data, timestamp=T0)
    if expect_compressed is not None:
        assert cookie.startswith(".") == expect_compressed, "fixture assumption"
    expected_json = flask_json(app, data)

    out = tool_decode(cookie, now=T0)

    assert out.json == expected_json
    assert out.timestamp == T0
    assert out.key == "current"
    assert out.compressed == cookie.startswith(".")


def test_plain_session_is_uncompressed_and_exact(app):
    cookie = flask_cookie(app, {"user": "alice", "n": 1}, timestamp=T0)
    assert not cookie.startswith(".")
    out = tool_decode(cookie, now=T0)
    assert out.json == '{"n":1,"user":"alice"}'
    assert out.compressed is False


def test_flask_login_session_is_compressed_and_exact(app):
    data = {"_fresh": True, "_id": LOGIN_ID, "_user_id": "1"}
    cookie = flask_cookie(app, data, timestamp=T0)
    assert cookie.startswith(".")
    out = tool_decode(cookie, now=T0)
    assert out.json == '{"_fresh":true,"_id":"%s","_user_id":"1"}' % LOGIN_ID
    assert out.compressed is True


def test_large_session_is_about_3kb(app):
    data, _ = SESSION_CASES["large"]
    cookie = flask_cookie(app, data, timestamp=T0)
    assert 2800 <= len(cookie) <= 3500
    assert tool_decode(cookie, now=T0).json == flask_json(app, data)


def test_real_clock_default_max_age(app):
    """Without --now the tool uses the real clock and the 31-day default:
    a cookie Flask signs now decodes."""
    cookie = app.session_interface.get_signing_serializer(app).dumps({"x": 1})
    out = tool_decode(cookie, now=None)
    assert out.json == '{"x":1}'


# --- cookies taken from real responses of the Flask test client -----------

def _response_cookie(app, method, path, **kw):
    client = app.test_client()
    with itsdangerous_time(T0):
        resp = client.open(path, method=method, **kw)
    assert resp.status_code == 200, resp.data
    cookies = set_cookies(resp)
    assert "session" in cookies, resp.headers
    return cookies["session"], cookies


def _check_response_cookie(app, cookie, expected_data):
    """C decodes Flask's Set-Cookie value to Flask's JSON for the session it
    saved, and C re-signs that JSON to the very same bytes."""
    loaded = flask_load(app, cookie, now=T0)
    assert loaded == expected_data
    expected_json = flask_json(app, loaded)
    out = tool_decode(cookie, now=T0)
    assert out.json == expected_json
    assert out.timestamp == T0
    assert out.compressed == cookie.startswith(".")
    assert tool_sign(out.json, timestamp=T0) == cookie


def test_test_client_session_values(app):
    body = ("{'name': 'Zo\\u00eb', 't': (1, 'a'), 'b': b'\\xff\\x00',"
            " 'm': Markup('<i>x</i>'), 'u': UUID(int=7),"
            " 'd': datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),"
            " 'f': 0.5, 'n': None}")
    cookie, _ = _response_cookie(app, "POST", "/set", data=body)
    loaded = flask_load(app, cookie, now=T0)
    assert loaded["t"] == (1, "a") and loaded["b"] == b"\xff\x00"
    _check_response_cookie(app, cookie, loaded)
    out = tool_decode(cookie, now=T0)
    assert out.json == (
        '{"b":{" b":"/wA="},"d":{" d":"Thu, 02 Jan 2020 03:04:05 GMT"},"f":0.5,'
        '"m":{" m":"<i>x</i>"},"n":null,"name":"Zo\\u00eb","t":{" t":[1,"a"]},'
        '"u":{" u":"00000000000000000000000000000007"}}')


def test_test_client_flashed_messages(app):
    cookie, _ = _response_cookie(app, "GET", "/flash")
    loaded = flask_load(app, cookie, now=T0)
    assert loaded == {"_flashes": [
        ("message", "Hello, world"),
        ("error", "Bad <thing> & \"quotes\" \u00e9\U0001F600"),
        ("info", "<b>safe</b>"),
    ]}
    _check_response_cookie(app, cookie, loaded)
    assert tool_decode(cookie, now=T0).json == (
        '{"_flashes":[{" t":["message","Hello, world"]},'
        '{" t":["error","Bad <thing> & \\"quotes\\" \\u00e9\\ud83d\\ude00"]},'
        '{" t":["info",{" m":"<b>safe</b>"}]}]}')


def test_test_client_permanent_session(app):
    cookie, _ = _response_cookie(app, "GET", "/permanent")
    loaded = flask_load(app, cookie, now=T0)
    assert loaded == {"_permanent": True, "_user_id": "7"}
    _check_response_cookie(app, cookie, loaded)
    assert tool_decode(cookie, now=T0).json == '{"_permanent":true,"_user_id":"7"}'
    # A permanent session is valid for exactly PERMANENT_SESSION_LIFETIME.
    tool_decode(cookie, now=T0 + DEFAULT_MAX_AGE)


def test_test_client_flask_login_session(app):
    headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}
    cookie, _ = _response_cookie(app, "GET", "/login/1", headers=headers)
    assert cookie.startswith(".")
    loaded = flask_load(app, cookie, now=T0)
    # Flask-Login's identifier is sha512("b'<addr>'|b'<user agent>'").
    assert loaded == {"_fresh": True, "_id": LOGIN_ID, "_user_id": "1"}
    _check_response_cookie(app, cookie, loaded)


def test_flask_login_accepts_c_session_cookie():
    """End to end: Flask-Login logs a user in from a session cookie that C
    signed (with the _id Flask-Login expects for the request)."""
    app = make_app()
    client = app.test_client()
    ident = client.get("/ident").data.decode()
    cookie = tool_sign('{"_fresh":true,"_id":"%s","_user_id":"42"}' % ident,
                       timestamp=None)
    client.set_cookie("localhost", "session", cookie)
    assert client.get("/whoami").data == b"user:42"
    # and a forged one is ignored
    client.set_cookie("localhost", "session", cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"))
    assert client.get("/whoami").data == b"anonymous"
