"""6. Expiry: C and Flask accept and refuse a cookie at the same times."""

import itsdangerous
import pytest

from conftest import (
    DEFAULT_MAX_AGE, T0, assert_refused, flask_cookie, flask_load, itsdangerous_time,
    parse_decode,
    run_tool, set_cookies, tool_decode, tool_sign,
)


def c_decode(cookie, now, *opts):
    return run_tool(list(opts) + ["--now", str(now), "decode", cookie])


@pytest.mark.parametrize("max_age", [1, 60, 3600, DEFAULT_MAX_AGE, 10**9])
def test_expiry_boundary_matches_flask(app, max_age):
    cookie = flask_cookie(app, {"_user_id": "1"}, timestamp=T0)

    # Exactly max_age seconds old: both accept.
    assert flask_load(app, cookie, now=T0 + max_age, max_age=max_age) == {"_user_id": "1"}
    out = tool_decode(cookie, "--max-age", str(max_age), now=T0 + max_age)
    assert out.json == '{"_user_id":"1"}' and out.timestamp == T0

    # One second more: both refuse.
    with pytest.raises(itsdangerous.SignatureExpired, match=r"> %d seconds" % max_age):
        flask_load(app, cookie, now=T0 + max_age + 1, max_age=max_age)
    assert_refused(c_decode(cookie, T0 + max_age + 1, "--max-age", str(max_age)),
                   "CLOGIN_EEXPIRED")


def test_max_age_zero_is_a_usage_error(app):
    """PERMANENT_SESSION_LIFETIME = timedelta(0) in Flask means a cookie valid
    only during the second it was signed in. clogin's options use 0 for
    "Flask's default" (31 days), so the tool refuses --max-age 0 rather than
    silently meaning something else."""
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0)
    assert flask_load(app, cookie, now=T0, max_age=0) == {"a": 1}
    with pytest.raises(itsdangerous.SignatureExpired):
        flask_load(app, cookie, now=T0 + 1, max_age=0)
    rc, out, err = run_tool(["--max-age", "0", "--now", str(T0), "decode", cookie])
    assert (rc, out) == (2, "")
    assert "--max-age must be positive" in err


def test_default_max_age_is_flask_permanent_session_lifetime(app):
    assert int(app.permanent_session_lifetime.total_seconds()) == DEFAULT_MAX_AGE
    cookie = tool_sign('{"_user_id":"1"}', timestamp=T0)
    # Option given after the subcommand as well as before.
    out = parse_decode(run_tool(["decode", cookie, "--now", str(T0 + DEFAULT_MAX_AGE)]))
    assert out.json == '{"_user_id":"1"}'
    assert_refused(c_decode(cookie, T0 + DEFAULT_MAX_AGE + 1), "CLOGIN_EEXPIRED")
    # Flask's own open_session at those times, through the test client.
    for now, expected in ((T0 + DEFAULT_MAX_AGE, b"[('_user_id', '1')]"),
                          (T0 + DEFAULT_MAX_AGE + 1, b"[]")):
        client = app.test_client()
        client.set_cookie("localhost", "session", cookie)
        with itsdangerous_time(now):
            assert client.get("/session").data == expected


@pytest.mark.parametrize("ahead", [1, 60, 10**6])
def test_future_cookie_is_refused(app, ahead):
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0 + ahead)
    with pytest.raises(itsdangerous.SignatureExpired, match=r"< 0 seconds"):
        flask_load(app, cookie, now=T0)
    assert_refused(c_decode(cookie, T0), "CLOGIN_EFUTURE")
    assert_refused(c_decode(cookie, T0, "--max-age", "10"), "CLOGIN_EFUTURE")
    # Accepted once its time has come.
    assert tool_decode(cookie, now=T0 + ahead).timestamp == T0 + ahead


def test_negative_max_age_disables_the_age_check(app):
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0)
    # itsdangerous without max_age accepts any age, as the tool with a
    # negative --max-age.
    with itsdangerous_time(T0 + 10**9), app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        assert s.loads(cookie) == {"a": 1}
    assert tool_decode(cookie, "--max-age", "-1", now=T0 + 10**9).json == '{"a":1}'
    assert tool_decode(cookie, "--max-age", "-1000", now=T0 + 10**9).json == '{"a":1}'


def test_negative_max_age_still_refuses_future_cookies(app):
    """A negative max age lifts the age limit, but a timestamp in the future
    is still refused (CLOGIN_EFUTURE): only a key holder with a wrong clock
    makes one. itsdangerous without max_age (which Flask never uses) would
    accept it; with any max_age it refuses it, as clogin does."""
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0 + 10**6)
    with itsdangerous_time(T0), app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        assert s.loads(cookie) == {"a": 1}
        with pytest.raises(itsdangerous.SignatureExpired):
            s.loads(cookie, max_age=10**9)
    assert_refused(c_decode(cookie, T0, "--max-age", "-1"), "CLOGIN_EFUTURE")
    assert tool_decode(cookie, "--max-age", "-1", now=T0 + 10**6 + 10**9).json == '{"a":1}'


def test_expired_cookie_with_bad_signature_is_badsig(app):
    """The signature is checked before the age: a forged old cookie is a
    forgery, not an expired cookie."""
    cookie = flask_cookie(app, {"a": 1}, timestamp=T0)
    forged = cookie[:-1] + ("A" if cookie[-1] != "A" else "Q")
    assert_refused(c_decode(forged, T0 + DEFAULT_MAX_AGE + 1), "CLOGIN_EBADSIG")


def test_real_flask_login_response_expires(app):
    """A cookie Flask set in a response at T0 is refused by C 31 days and one
    second later (the session is not permanent, but the cookie signature
    still carries Flask's max age)."""
    client = app.test_client()
    with itsdangerous_time(T0):
        cookie = set_cookies(client.get("/login/3"))["session"]
    assert tool_decode(cookie, now=T0 + DEFAULT_MAX_AGE).json.endswith('"_user_id":"3"}')
    assert_refused(c_decode(cookie, T0 + DEFAULT_MAX_AGE + 1), "CLOGIN_EEXPIRED")
