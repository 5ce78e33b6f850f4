"""3. Read-modify-write: a Flask session with every tagged type goes through
C (decode, re-sign) and comes back to Flask unchanged, types included."""

import datetime
import json
import uuid

from markupsafe import Markup

from conftest import (
    SESSION_CASES, T0, UTC, assert_typed_equal, flask_cookie, flask_json,
    flask_load, tool_decode, tool_sign,
)

EVERY_TAG = {
    "_fresh": True,
    "_user_id": "1",
    "_flashes": [("message", "hi"), ("warning", Markup("<b>careful</b>"))],
    "tuple": (1, "two", (3.0, None), [False]),
    "bytes": b"\x00\xff\xfe\xc3\x28 not utf-8",
    "markup": Markup("<a href=\"/x?a=1&amp;b=2\">link</a>"),
    "uuid": uuid.UUID("a8098c1a-f86e-11da-bd1a-00112444be1e"),
    "datetime": datetime.datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC),
    "tag_dict": {" t": "not a tuple"},
    "nested": {"list": [(b"\x01", uuid.UUID(int=1)), {" m": Markup("x")}],
               "when": [datetime.datetime(2000, 1, 1, tzinfo=UTC)]},
    "float": -0.0,
    "unicode": "\u00e9\U0001F600\x00\x7f",
}


def test_every_tag_survives_c_roundtrip(app):
    original = EVERY_TAG
    cookie = flask_cookie(app, original, timestamp=T0)

    decoded = tool_decode(cookie, now=T0)
    assert decoded.json == flask_json(app, original)
    resigned = tool_sign(decoded.json, timestamp=T0 + 60)

    loaded = flask_load(app, resigned, now=T0 + 60)
    assert_typed_equal(loaded, original)
    assert type(loaded["tuple"]) is tuple
    assert type(loaded["bytes"]) is bytes
    assert type(loaded["markup"]) is Markup
    assert type(loaded["uuid"]) is uuid.UUID
    assert loaded["datetime"] == original["datetime"]
    assert loaded["tag_dict"] == {" t": "not a tuple"}
    # Same bytes as Flask re-saving the session at the new time.
    assert resigned == flask_cookie(app, original, timestamp=T0 + 60)


def test_modified_session_keeps_unknown_values(app):
    """An application-side change (log a user in) made on C's JSON keeps
    every other value intact for Flask."""
    original = EVERY_TAG
    cookie = flask_cookie(app, original, timestamp=T0)
    decoded = tool_decode(cookie, now=T0)

    wire = json.loads(decoded.json)
    wire["_user_id"] = "99"
    wire["_fresh"] = False
    del wire["_flashes"]
    edited = json.dumps(wire, indent=1)  # deliberately not Flask's layout

    resigned = tool_sign(edited, timestamp=T0 + 1)
    expected = dict(original, _user_id="99", _fresh=False)
    del expected["_flashes"]
    assert_typed_equal(flask_load(app, resigned, now=T0 + 1), expected)
    assert resigned == flask_cookie(app, expected, timestamp=T0 + 1)


def test_all_cases_roundtrip(app):
    for name, (data, _) in SESSION_CASES.items():
        cookie = flask_cookie(app, data, timestamp=T0)
        resigned = tool_sign(tool_decode(cookie, now=T0).json, timestamp=T0)
        assert resigned == cookie, name
        assert_typed_equal(flask_load(app, resigned, now=T0), data)
