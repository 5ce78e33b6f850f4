"""The tool's own contract: usage errors and a missing secret exit 2, the
secret comes only from the environment, the demo runs."""

import re
import time

import pytest

from conftest import (
    DEFAULT_MAX_AGE, SECRET, T0, flask_cookie, flask_json, flask_load, make_app,
    remember_decode, run_tool, tool_decode,
)


def test_missing_secret_is_exit_2(app):
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0)
    for args in (["--now", str(T0), "decode", cookie], ["sign", "{}"],
                 ["remember-sign", "1"], ["remember-decode", "1|00"]):
        res = run_tool(args, secret=None)
        assert res.rc == 2, (args, res)
        assert res.stdout == ""
        assert res.stderr.startswith("clogin-cookie: "), res.stderr


def test_empty_secret_is_exit_2():
    res = run_tool(["sign", "{}"], secret="")
    assert res.rc == 2 and res.stdout == "", res


@pytest.mark.parametrize("args", [
    [], ["frobnicate"], ["decode"], ["sign"], ["remember-sign"], ["remember-decode"],
    ["decode", "a", "b"], ["--max-age"], ["--max-age", "abc", "decode", "x"],
    ["--now", "1.5", "decode", "x"], ["--timestamp", "", "sign", "{}"],
    ["--digest", "sha3", "sign", "{}"], ["--bogus-option", "sign", "{}"],
    ["--fallback-key-env"], ["--timestamp", "-1", "sign", "{}"],
    ["--fallback-key-env", "CLOGIN_INTEROP_UNSET_VARIABLE", "sign", "{}"],
])
def test_usage_errors_are_exit_2(args):
    res = run_tool(args)
    assert res.rc == 2, (args, res)
    assert res.stdout == "", res
    assert res.stderr != ""


def test_secret_comes_from_the_environment(app):
    """The key is the variable's raw value; the same str in Flask."""
    cookie = flask_cookie(make_app("k"), {"a": 1}, timestamp=T0)
    assert tool_decode(cookie, now=T0, secret="k").json == '{"a":1}'
    res = run_tool(["--now", str(T0), "decode", cookie], secret=SECRET)
    assert res.rc == 1 and "CLOGIN_EBADSIG" in res.stderr


def _demo_cookies(stdout):
    session = re.search(r"\bsession=(\S+)", stdout)
    remember = re.search(r"\bremember_token=(\S+)", stdout)
    assert session and remember, stdout
    return session.group(1), remember.group(1)


def test_demo_cookies_are_flask_cookies(app):
    """The demo (with CLOGIN_SECRET_KEY set) prints cookies that Flask and
    Flask-Login accept with that key."""
    res = run_tool(["demo"])
    assert res.rc == 0, res
    session, remember = _demo_cookies(res.stdout)
    with app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        data = s.loads(session, max_age=DEFAULT_MAX_AGE)
    assert data["_user_id"] == "1" and data["_fresh"] is True
    assert data["_flashes"] == [("message", "Logged in successfully.")]
    # The JSON the demo shows is Flask's serialization of that session.
    assert flask_json(app, data) in res.stdout
    assert remember_decode(app, remember) == "1"


def test_demo_without_secret_uses_a_printed_random_key():
    res = run_tool(["demo"], secret=None)
    assert res.rc == 0, res
    key = re.search(r"\b([0-9a-f]{64})\b", res.stdout)
    assert key, res.stdout
    session, remember = _demo_cookies(res.stdout)
    other = make_app(key.group(1))
    assert flask_load(other, session, now=int(time.time()))["_user_id"] == "1"
    assert remember_decode(other, remember) == "1"
