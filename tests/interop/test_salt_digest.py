"""8. Custom salt and digest (a subclassed SecureCookieSessionInterface)."""

import hashlib

import itsdangerous
import pytest
from flask.sessions import SecureCookieSessionInterface

from conftest import (
    SESSION_CASES, T0, assert_refused, assert_typed_equal, flask_cookie, flask_json,
    flask_load, make_app, run_tool, tool_decode, tool_sign,
)


class Sha256SaltInterface(SecureCookieSessionInterface):
    salt = "my-salt"
    digest_method = staticmethod(hashlib.sha256)


class Sha512Interface(SecureCookieSessionInterface):
    digest_method = staticmethod(hashlib.sha512)


VARIANTS = {
    "my-salt-sha256": (Sha256SaltInterface, ["--salt", "my-salt", "--digest", "sha256"], 43),
    "default-salt-sha512": (Sha512Interface, ["--digest", "sha512"], 86),
    "explicit-defaults": (SecureCookieSessionInterface,
                          ["--salt", "cookie-session", "--digest", "sha1"], 27),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", ["plain", "flask_login", "nested_mix"])
def test_custom_interface_both_directions(variant, case):
    iface, opts, sig_len = VARIANTS[variant]
    app = make_app(interface=iface())
    data, _ = SESSION_CASES[case]
    cookie = flask_cookie(app, data, timestamp=T0)
    assert len(cookie.rsplit(".", 1)[1]) == sig_len

    out = tool_decode(cookie, *opts, now=T0)
    assert out.json == flask_json(app, data)
    assert out.key == "current"

    mine = tool_sign(out.json, *opts, timestamp=T0)
    assert mine == cookie
    assert_typed_equal(flask_load(app, mine, now=T0), data)


def test_wrong_salt_or_digest_is_refused():
    app = make_app(interface=Sha256SaltInterface())
    cookie = flask_cookie(app, {"_user_id": "1"}, timestamp=T0)
    now = ["--now", str(T0)]
    # default salt, right digest
    assert_refused(run_tool(["--digest", "sha256"] + now + ["decode", cookie]),
                   "CLOGIN_EBADSIG")
    # right salt, default digest (a signature of the wrong length)
    assert_refused(run_tool(["--salt", "my-salt"] + now + ["decode", cookie]),
                   "CLOGIN_EBADSIG")
    # all defaults
    assert_refused(run_tool(now + ["decode", cookie]), "CLOGIN_EBADSIG")
    # another salt
    assert_refused(run_tool(["--salt", "my-salt2", "--digest", "sha256"] + now
                            + ["decode", cookie]), "CLOGIN_EBADSIG")

    # And the other way: a default-salt C cookie is refused by the custom app.
    default_cookie = tool_sign('{"_user_id":"1"}', "--digest", "sha256", timestamp=T0)
    with pytest.raises(itsdangerous.BadSignature):
        flask_load(app, default_cookie, now=T0)
    salted = tool_sign('{"_user_id":"1"}', "--salt", "my-salt", "--digest", "sha256",
                       timestamp=T0)
    assert flask_load(app, salted, now=T0) == {"_user_id": "1"}
    with pytest.raises(itsdangerous.BadSignature):
        flask_load(make_app(), salted, now=T0)


def test_empty_and_unicode_salt():
    """itsdangerous encodes the salt as UTF-8; an empty salt is allowed."""
    for salt in ("", "s\u00e4lt-\U0001F600"):
        iface = type("I", (SecureCookieSessionInterface,), {"salt": salt})()
        app = make_app(interface=iface)
        cookie = flask_cookie(app, {"a": 1}, timestamp=T0)
        assert tool_decode(cookie, "--salt", salt, now=T0).json == '{"a":1}'
        assert tool_sign('{"a":1}', "--salt", salt, timestamp=T0) == cookie


def test_bad_digest_name_is_a_usage_error():
    res = run_tool(["--digest", "md5", "sign", "{}"])
    assert res.rc == 2 and res.stdout == "", res
