"""9. Bad input: every refusal has its specific status, exit status 1, one
line on stderr and nothing on stdout; never a crash (sanitizer reports use
other exit statuses and fail the test at once).

Correctly signed but broken payloads are minted with itsdangerous itself,
using Flask's key derivation (HMAC-SHA1 of the salt "cookie-session").
"""

import hashlib
import json
import zlib

import itsdangerous
import pytest
from itsdangerous.encoding import base64_encode, int_to_bytes

from conftest import (
    SECRET, T0, assert_refused, flask_accepts, flask_cookie, run_tool,
    tool_decode,
)

SIGNER_KW = {"salt": "cookie-session", "key_derivation": "hmac",
             "digest_method": hashlib.sha1}


def signer():
    return itsdangerous.Signer(SECRET, **SIGNER_KW)


def sign_raw_payload(raw, compressed=False, ts=T0):
    """A cookie 'PAYLOAD.TIMESTAMP.SIG' whose payload is `raw` (bytes: base64
    encoded here; str: used as is), validly signed."""
    if isinstance(raw, bytes):
        payload = base64_encode(zlib.compress(raw) if compressed else raw)
        if compressed:
            payload = b"." + payload
    else:
        payload = raw.encode()
    body = payload + b"." + base64_encode(int_to_bytes(ts))
    return signer().sign(body).decode()


def c_decode(cookie, *opts):
    return run_tool(list(opts) + ["--now", str(T0), "decode", cookie])


def test_sign_raw_payload_matches_flask(app):
    """The hand-made minting agrees with Flask for a valid session, so the
    broken payloads below are only broken where intended."""
    raw = b'{"a":1}'
    assert sign_raw_payload(raw) == flask_cookie(app, {"a": 1}, timestamp=T0)
    assert tool_decode(sign_raw_payload(raw)).json == '{"a":1}'
    big = json.dumps({"x": "y" * 500}, separators=(",", ":")).encode()
    assert sign_raw_payload(big, compressed=True) == flask_cookie(app, {"x": "y" * 500})


@pytest.mark.parametrize("cookie", ["", "."])
def test_empty_and_single_dot(cookie):
    assert_refused(c_decode(cookie), "CLOGIN_EMALFORMED")


@pytest.mark.parametrize("cookie", ["..", "...", "....", "....."])
def test_only_dots(app, cookie):
    """Three (or more) empty parts: the last one, the signature, is empty and
    cannot verify (the signature is checked before anything else)."""
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_EBADSIG")


@pytest.mark.parametrize("cookie", ["abc", "abc.def", "no dots at all", "x" * 100])
def test_missing_separators(app, cookie):
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_EMALFORMED")


@pytest.mark.parametrize("cookie,status", [
    # a signature of the wrong length cannot match: a bad signature
    ("e30*.ZVOpAA.abc!", "CLOGIN_EBADSIG"),
    ("!!!!.????.####", "CLOGIN_EBADSIG"),
    # a signature of the right length (27 characters for SHA-1) that is not
    # strict base64url
    ("e30.ZVOpAA.AAAAAAAAAAAAAAAAAAAAAAAAAA=", "CLOGIN_EBASE64"),
    ("e30.ZVOpAA.AAAAAAAAAAAAAAAAAAAAAAAAAA+", "CLOGIN_EBASE64"),
    ("e30.ZVOpAA.AAAAAAAAAAAAAAAAAAAAAAAAAA/", "CLOGIN_EBASE64"),
    ("e30.ZVOpAA.AAAAAAAAAAAAAAAAAAAAAAAAAAB", "CLOGIN_EBASE64"),  # unused bits set
    ("e30.ZVOpAA.AAAAAAAAAAAAA AAAAAAAAAAAAA", "CLOGIN_EBASE64"),
])
def test_invalid_base64_unsigned(app, cookie, status):
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), status)


@pytest.mark.parametrize("payload", ["e30*", "e3=0", "e30=", "e+0", "e/0", "e", "e3\u00e90"])
def test_invalid_base64_payload_validly_signed(payload):
    """The signature is good, so the only fault is the payload's base64."""
    assert_refused(c_decode(sign_raw_payload(payload)), "CLOGIN_EBASE64")


def test_invalid_base64_unused_bits_validly_signed():
    # "e31" decodes leniently to "{}" but its last character has non-zero
    # unused bits (strict decoders refuse it; "e30" is the canonical form).
    assert itsdangerous.encoding.base64_decode("e31") == b"{}"
    assert_refused(c_decode(sign_raw_payload("e31")), "CLOGIN_EBASE64")


@pytest.mark.parametrize("raw", [b"{", b" ", b"{}x", b'{"a":}', b"{'a':1}",
                                 b'{"a":1,}', b'{"a":NaN}', b'{"a":"\\x"}',
                                 b'{"a":"tab\there"}', b"[1,2]", b'"str"', b"1",
                                 b"null", b"true", b"[]"])
def test_invalid_or_non_object_json_validly_signed(app, raw):
    cookie = sign_raw_payload(raw)
    assert_refused(c_decode(cookie), "CLOGIN_EJSON", repr(raw))


def test_non_object_json_is_accepted_by_flask_but_not_c(app):
    """Flask itself loads any JSON value; its session then fails later. The
    C library insists on an object."""
    from conftest import flask_load
    assert flask_load(app, sign_raw_payload(b"[1,2]")) == [1, 2]


def test_zlib_bomb_validly_signed(app):
    raw = b'{"a":"' + b"0" * (1024 * 1024) + b'"}'
    cookie = sign_raw_payload(raw, compressed=True)
    assert len(cookie) < 4096  # a cookie a browser would send
    assert flask_accepts(app, cookie)  # Flask has no limit
    assert_refused(c_decode(cookie), "CLOGIN_EZBOMB")
    zeros = sign_raw_payload(b"\0" * (1024 * 1024), compressed=True)
    assert_refused(c_decode(zeros), "CLOGIN_EZBOMB")


@pytest.mark.parametrize("data", [b"not zlib at all", b"\x78\x9c", b"\x00",
                                  zlib.compress(b'{"a":1}')[:-3],
                                  zlib.compress(b'{"a":1}')[:-1] + b"\x00",
                                  b"\x78\x9c" + zlib.compress(b'{"a":1}')[2:-4] + b"\0\0\0\0"])
def test_bad_zlib_validly_signed(app, data):
    payload = "." + base64_encode(data).decode()
    cookie = sign_raw_payload(payload)
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_EZLIB", repr(data))


@pytest.mark.parametrize("raw", [b'{"a":"\xff"}', b'{"a":"\xc3"}', b'{"\xe9":1}',
                                 b'{"a":"\xed\xa0\x80"}', b'{"a":"\xf4\x90\x80\x80"}',
                                 b'{"a":"\xc0\xaf"}'])
@pytest.mark.parametrize("compressed", [False, True])
def test_invalid_utf8_validly_signed(app, raw, compressed):
    cookie = sign_raw_payload(raw, compressed=compressed)
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_EUTF8", repr(raw))


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_deep_nesting_validly_signed(opener, closer):
    raw = ("{\"x\":" + opener * 1000 + "1" + closer * 1000 + "}").encode()
    cookie = sign_raw_payload(raw, compressed=True)
    assert_refused(c_decode(cookie), "CLOGIN_EDEPTH")


def test_5000_byte_cookies(app):
    assert_refused(c_decode("A" * 5000), "CLOGIN_ETOOLARGE")
    assert_refused(c_decode("." * 5000), "CLOGIN_ETOOLARGE")
    # A genuine Flask cookie of 5000 bytes (Flask has no limit; browsers do).
    import random
    rng = random.Random(5)
    text = "".join(rng.choice("0123456789abcdef") for _ in range(20000))
    n = 5000
    cookie = flask_cookie(app, {"n": text[:n]}, timestamp=T0)
    while len(cookie) < 5000:
        n += max(1, (5000 - len(cookie)) // 2)
        cookie = flask_cookie(app, {"n": text[:n]}, timestamp=T0)
    assert 5000 <= len(cookie) < 5010
    assert flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_ETOOLARGE")


@pytest.mark.parametrize("ts_bytes", [b"", b"\x00\x00\x00\x00", b"\x01" * 9, b"\xff" * 16])
def test_absurd_timestamp_validly_signed(app, ts_bytes):
    body = b"e30." + base64_encode(ts_bytes)
    cookie = signer().sign(body).decode()
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_ETIMESTAMP")
    assert_refused(c_decode(cookie, "--max-age", "-1"), "CLOGIN_ETIMESTAMP")


def test_missing_timestamp_validly_signed(app):
    cookie = signer().sign(b"e30").decode()  # 'PAYLOAD.SIG': no timestamp
    assert not flask_accepts(app, cookie)
    assert_refused(c_decode(cookie), "CLOGIN_EMALFORMED")


def test_leading_dot_uncompressed_payload_validly_signed():
    """'.' announces zlib: plain JSON behind it is a zlib error."""
    cookie = sign_raw_payload("." + base64_encode(b'{"a":1}').decode())
    assert_refused(c_decode(cookie), "CLOGIN_EZLIB")


def test_non_ascii_cookie_bytes(app):
    for cookie in (b"\xc3\xa9.e30.abc", b"e30.ZVOpAA.\xff\xfe"):
        assert_refused(run_tool(["--now", str(T0), "decode", cookie]), "CLOGIN_EBADSIG")
    good = flask_cookie(app, {"a": 1}, timestamp=T0).encode()
    for bad in (good[:-1] + b"\xff", good[:-2] + b"\xc3\xa9"[:1] + good[-1:]):
        assert_refused(run_tool(["--now", str(T0), "decode", bad]), "CLOGIN_EBASE64")

