"""7. Key rotation: fallback keys are accepted when verifying, the current key
is always used to sign."""

import itsdangerous
import pytest

from conftest import (
    OLD_SECRET, OLDER_SECRET, SECRET, T0, assert_refused, fallback_env, flask_cookie,
    flask_json, flask_load, make_app, remember_decode, remember_encode, run_tool,
    tool_decode, tool_remember_decode, tool_remember_sign, tool_sign,
)

DATA = {"_fresh": True, "_user_id": "17", "t": (1, 2)}


def test_old_key_session_cookie_needs_fallback():
    old_app = make_app(OLD_SECRET)
    cookie = flask_cookie(old_app, DATA, timestamp=T0)
    env, opts = fallback_env(OLD_SECRET)

    out = tool_decode(cookie, *opts, now=T0, env=env)
    assert out.key == "fallback 1"
    assert out.json == flask_json(old_app, DATA)

    # Without the fallback: a bad signature (the current key is SECRET).
    assert_refused(run_tool(["--now", str(T0), "decode", cookie]), "CLOGIN_EBADSIG")
    # The variable named but the cookie signed by a third key: refused.
    third = flask_cookie(make_app("some-third-key"), DATA, timestamp=T0)
    assert_refused(run_tool(opts + ["--now", str(T0), "decode", third], env=env),
                   "CLOGIN_EBADSIG")


def test_fallback_position_is_reported():
    env, opts = fallback_env(OLD_SECRET, OLDER_SECRET)
    for secret, key in ((SECRET, "current"), (OLD_SECRET, "fallback 1"),
                        (OLDER_SECRET, "fallback 2")):
        cookie = flask_cookie(make_app(secret), DATA, timestamp=T0)
        assert tool_decode(cookie, *opts, now=T0, env=env).key == key
        # Options may follow the subcommand.
        res = run_tool(["decode", cookie, "--now", str(T0)] + opts, env=env)
        assert res.rc == 0 and res.stdout.split("\n")[2] == f"key: {key}", res


def test_c_signs_with_current_key_only():
    env, opts = fallback_env(OLD_SECRET)
    cookie = tool_sign('{"_user_id":"17"}', *opts, timestamp=T0, env=env)
    assert flask_load(make_app(SECRET), cookie, now=T0) == {"_user_id": "17"}
    with pytest.raises(itsdangerous.BadSignature):
        flask_load(make_app(OLD_SECRET), cookie, now=T0)
    assert cookie == flask_cookie(make_app(SECRET), {"_user_id": "17"}, timestamp=T0)
    # itsdangerous' own rotation (list of keys, newest last) agrees.
    rotating = itsdangerous.URLSafeTimedSerializer(
        [OLD_SECRET, SECRET], salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac"},
        serializer=make_app().session_interface.serializer)
    with make_app().app_context():
        assert rotating.loads(cookie) == {"_user_id": "17"}
        assert rotating.loads(flask_cookie(make_app(OLD_SECRET), DATA)) == DATA


def test_old_key_remember_cookie_needs_fallback():
    old_app = make_app(OLD_SECRET)
    value = remember_encode(old_app, "17")
    env, opts = fallback_env(OLDER_SECRET, OLD_SECRET)
    assert tool_remember_decode(value, *opts, env=env) == ("17", "fallback 2")
    assert_refused(run_tool(["remember-decode", value]), "CLOGIN_EBADSIG")
    # Flask-Login itself only knows the current key.
    assert remember_decode(make_app(SECRET), value) is None

    current = tool_remember_sign("17", *opts, env=env)
    assert current == remember_encode(make_app(SECRET), "17")
    assert remember_decode(make_app(SECRET), current) == "17"
    assert remember_decode(old_app, current) is None
    assert tool_remember_decode(current, *opts, env=env) == ("17", "current")
