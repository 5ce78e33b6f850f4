"""4. Flask-Login's remember cookie ("USER_ID|hex HMAC-SHA512") both ways."""

import hashlib
import hmac

import pytest

from conftest import (
    SECRET, assert_refused, make_app, remember_decode, remember_encode, run_tool,
    set_cookies, tool_decode, tool_remember_decode, tool_remember_sign,
)

USER_IDS = ["1", "42", "user@example.com", "a|b", "x" * 200,
            "||", "with space", "Jos\u00e9 \U0001F600", "0"]


@pytest.mark.parametrize("user_id", USER_IDS)
def test_c_remember_token_equals_flask_login(app, user_id):
    expected = remember_encode(app, user_id)
    digest = hmac.new(SECRET.encode(), user_id.encode(), hashlib.sha512).hexdigest()
    assert expected == f"{user_id}|{digest}"

    value = tool_remember_sign(user_id)

    assert value == expected
    assert remember_decode(app, value) == user_id


@pytest.mark.parametrize("user_id", USER_IDS)
def test_c_accepts_flask_login_remember_token(app, user_id):
    value = remember_encode(app, user_id)
    assert tool_remember_decode(value) == (user_id, "current")


def test_split_at_last_bar(app):
    """'a|b|<digest>' is the id 'a|b': a digest of 'a' does not verify."""
    value = remember_encode(app, "a|b")
    assert value.rsplit("|", 1)[0] == "a|b"
    assert tool_remember_decode(value) == ("a|b", "current")
    # "a" signed, then "|b" glued after the digest: Flask-Login rejects it.
    forged = remember_encode(app, "a") + "|b"
    assert remember_decode(app, forged) is None
    assert_refused(run_tool(["remember-decode", forged]), "CLOGIN_EBADSIG")


@pytest.mark.parametrize("value,status", [
    ("", "CLOGIN_EMALFORMED"),
    ("no-bar-here", "CLOGIN_EMALFORMED"),
    ("1|", "CLOGIN_EBADSIG"),
    ("1|" + "0" * 128, "CLOGIN_EBADSIG"),
    ("1|abc", "CLOGIN_EBADSIG"),
])
def test_remember_decode_rejects(app, value, status):
    assert remember_decode(app, value) is None
    assert_refused(run_tool(["remember-decode", value]), status, value)


def test_remember_digest_is_lowercase_only(app):
    """Flask-Login compares the hex text: an upper-case digest is refused."""
    value = remember_encode(app, "42")
    upper = "42|" + value.split("|")[1].upper()
    assert upper != value
    assert remember_decode(app, upper) is None
    assert_refused(run_tool(["remember-decode", upper]), "CLOGIN_EBADSIG")


def test_remember_digest_of_other_user_is_refused(app):
    v1, v2 = remember_encode(app, "1"), remember_encode(app, "2")
    swapped = "2|" + v1.split("|")[1]
    assert swapped != v2
    assert remember_decode(app, swapped) is None
    assert_refused(run_tool(["remember-decode", swapped]), "CLOGIN_EBADSIG")


def test_real_login_remember_cookie_decodes_in_c():
    app = make_app()
    client = app.test_client()
    resp = client.get("/login/1?remember=1")
    assert resp.status_code == 200
    cookies = set_cookies(resp)
    token = cookies["remember_token"]
    assert token == remember_encode(app, "1")
    assert tool_remember_decode(token) == ("1", "current")
    # The session cookie of the same response decodes too (real clock).
    out = tool_decode(cookies["session"], now=None)
    assert '"_user_id":"1"' in out.json and '"_fresh":true' in out.json


def test_real_login_with_c_remember_cookie():
    """Flask-Login restores a user from a remember cookie minted by C (no
    session cookie at all)."""
    app = make_app()
    client = app.test_client()
    assert client.get("/whoami").data == b"anonymous"
    client.set_cookie("localhost", "remember_token", tool_remember_sign("42"))
    assert client.get("/whoami").data == b"user:42"
    client2 = app.test_client()
    client2.set_cookie("localhost", "remember_token", "42|" + "0" * 128)
    assert client2.get("/whoami").data == b"anonymous"
