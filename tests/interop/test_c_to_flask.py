"""2. C -> Flask: cookies minted by `clogin-cookie sign` load in Flask to the
data the JSON untags to, and are byte-identical to Flask's own cookie for the
same session at the same timestamp."""

import json

import pytest

from conftest import (
    DEFAULT_MAX_AGE, SESSION_CASE_IDS, SESSION_CASES, T0, assert_refused,
    assert_typed_equal,
    flask_cookie, flask_json, flask_load, flask_untag, make_app, run_tool,
    tool_decode, tool_sign,
)


@pytest.mark.parametrize("case", SESSION_CASE_IDS)
def test_c_cookie_loads_in_flask_and_is_byte_identical(app, case):
    data, _ = SESSION_CASES[case]
    wire_json = flask_json(app, data)

    cookie = tool_sign(wire_json, timestamp=T0)

    # Flask loads it (as open_session would, with the default max age)...
    loaded = flask_load(app, cookie, now=T0)
    assert_typed_equal(loaded, flask_untag(app, wire_json))
    assert_typed_equal(loaded, data)
    # ...and it is exactly the cookie Flask writes for this session at T0,
    # compression decision included.
    assert cookie == flask_cookie(app, data, timestamp=T0)


@pytest.mark.parametrize("ts", [1, 255, 256, 65535, 65536, 2**24, 2**31 - 1,
                                2**31, 2**32 - 1, 2**32 + 5, T0, 2**37 + 3])
def test_timestamp_encoding_matches_flask(app, ts):
    """itsdangerous encodes the timestamp as big-endian bytes without leading
    zero bytes; the tool must produce the same bytes and read them back.
    (Past year 9999, e.g. 2**40, itsdangerous itself fails with ValueError
    while converting the timestamp to a datetime, so it is not tried.)"""
    cookie = tool_sign('{"a":1}', timestamp=ts)
    assert cookie == flask_cookie(app, {"a": 1}, timestamp=ts)
    assert flask_load(app, cookie, now=ts) == {"a": 1}
    out = tool_decode(cookie, now=ts)
    assert out.timestamp == ts
    assert out.json == '{"a":1}'


def test_sign_canonicalizes_input_json(app):
    """The tool signs the session the JSON describes, written the way Flask
    writes it: key order, white space, non-ASCII and escapes in the input do
    not matter."""
    data = {"z": "\u00e9\U0001F600", "a": [1, {"y": None, "b": False}],
            "t": (1,), "s": "a/b"}
    canonical = flask_json(app, data)
    sloppy = ('{ "z" : "\u00e9\U0001F600" ,\n  "t":{" t":[ 1 ]},\t"s":"a\\/b",'
              ' "a" : [ 1 , { "y" : null , "b" : false } ] }')
    assert flask_untag(app, sloppy) == data
    assert tool_sign(sloppy, timestamp=T0) == flask_cookie(app, data, timestamp=T0)
    assert tool_decode(tool_sign(sloppy, timestamp=T0)).json == canonical


def test_sign_default_timestamp_is_now(app):
    """Without --timestamp the tool signs with the real clock: Flask (real
    clock too) accepts the cookie with its default max age."""
    import time
    before = int(time.time())
    cookie = tool_sign('{"_user_id":"5"}', timestamp=None)
    after = int(time.time())
    with app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        data, signed_at = s.loads(cookie, max_age=DEFAULT_MAX_AGE, return_timestamp=True)
    assert data == {"_user_id": "5"}
    assert before <= int(signed_at.timestamp()) <= after


def test_sign_empty_session(app):
    cookie = tool_sign("{}", timestamp=T0)
    assert cookie == flask_cookie(app, {}, timestamp=T0)
    assert flask_load(app, cookie, now=T0) == {}


@pytest.mark.parametrize("bad", ["[1]", '"str"', "1", "null", "{", "", "{}x",
                                 '{"a":}', "{'a':1}"])
def test_sign_rejects_non_object_or_invalid_json(bad):
    assert_refused(run_tool(["--timestamp", str(T0), "sign", bad]), "CLOGIN_EJSON")


def test_sign_output_is_accepted_by_flask_test_client():
    """A C-signed session is what a Flask view sees in flask.session."""
    app = make_app()
    client = app.test_client()
    cookie = tool_sign(json.dumps({"k": "v", "t": {" t": [1, 2]}}), timestamp=None)
    client.set_cookie("localhost", "session", cookie)
    assert client.get("/session").data == repr([("k", "v"), ("t", (1, 2))]).encode()
