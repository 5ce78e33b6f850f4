"""5. Tampering: changing any single byte of a cookie makes C refuse it.

Flask is checked at every position with every replacement byte (in-process,
cheap). Flask's base64 decoding is lenient (the signature text is decoded
before the HMAC bytes are compared, and Python ignores unused low bits,
maps '+' and '/' like '-' and '_', and skips characters outside the
alphabet), so a few changed signature texts still verify in Flask. The test
models that exactly: Flask must accept a tampered cookie if and only if the
payload and timestamp text are unchanged and the lenient decoding of the
signature gives the original signature bytes. The accepted variants are
printed (pytest -s) for the report. The C tool must refuse all of them.
"""

import string

import pytest

from conftest import (
    LOGIN_ID, T0, assert_refused, flask_accepts, flask_cookie, make_app,
    py_b64decode, remember_decode, remember_encode, run_many,
)

B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"

# Replacement bytes tried at every position on the Flask side.
REPLACEMENTS = [b"A", b"a", b"0", b"-", b"_", b"+", b"/", b"=", b".", b"*",
                b" ", b"~", b"\x7f", b"\xc3", b"\xff"]


def neighbour(ch):
    """Another base64url character: the one whose 6-bit value differs in the
    lowest bit (the smallest change a strict decoder must still see)."""
    if ch in B64URL:
        return B64URL[B64URL.index(ch) ^ 1]
    return "A"


def tamper(cookie, pos, repl):
    raw = cookie.encode("ascii")
    return raw[:pos] + repl + raw[pos + 1:]


def flask_predicts_accept(cookie, tampered):
    """itsdangerous accepts the tampered value iff 'payload.timestamp' is the
    same text and the signature decodes (leniently) to the same bytes."""
    body, _, sig = cookie.encode().rpartition(b".")
    t_body, sep, t_sig = tampered.rpartition(b".")
    if not sep or t_body != body:
        return False
    try:
        return py_b64decode(t_sig) == py_b64decode(sig)
    except Exception:
        return False


def flask_tamper_table(app, cookie):
    accepted = []
    extra = {}
    for pos, repl in last_char_variants(cookie) + lenient_sig_variants(cookie):
        extra.setdefault(pos, []).append(repl)
    for pos in range(len(cookie)):
        for repl in REPLACEMENTS + [neighbour(cookie[pos]).encode()] + extra.get(pos, []):
            if cookie.encode()[pos:pos + 1] == repl:
                continue
            t = tamper(cookie, pos, repl)
            ok = flask_accepts(app, t, now=T0)
            assert ok == flask_predicts_accept(cookie, t), (pos, repl, t)
            if ok and (pos, repl) not in accepted:
                accepted.append((pos, repl))
    return accepted


def _describe(cookie, accepted):
    sig_start = cookie.rindex(".") + 1
    return [f"sig[{p - sig_start}] {cookie[p]!r}->{r!r}" for p, r in accepted]


def _find_cookie(app, make_data, want_compressed):
    """A cookie whose signature contains both '-' and '_' (so the '+'/'/'
    leniency is exercised); deterministic for the fixed key and time."""
    for i in range(1000):
        cookie = flask_cookie(app, make_data(i), timestamp=T0)
        sig = cookie.rsplit(".", 1)[1]
        if cookie.startswith(".") == want_compressed and "-" in sig and "_" in sig:
            return cookie
    raise AssertionError("no suitable cookie found")


@pytest.fixture(scope="module")
def cookies():
    app = make_app()
    plain = _find_cookie(app, lambda i: {"u": i}, False)
    compressed = _find_cookie(
        app, lambda i: {"_fresh": True, "_id": LOGIN_ID, "_user_id": str(i)}, True)
    return app, plain, compressed


def c_calls(cookie, positions_and_repls):
    calls, labels = [], []
    for pos, repl in positions_and_repls:
        t = tamper(cookie, pos, repl)
        if t == cookie.encode():
            continue
        calls.append((["--now", str(T0), "decode", t], {}))
        labels.append((pos, repl))
    return calls, labels


def assert_c_refuses_all(cookie, plan):
    calls, labels = c_calls(cookie, plan)
    for (pos, repl), res in zip(labels, run_many(calls)):
        assert_refused(res, {"CLOGIN_EBADSIG", "CLOGIN_EMALFORMED", "CLOGIN_EBASE64"},
                       f"byte {pos} of {cookie!r} replaced by {repl!r}")
    return len(calls)


def last_char_variants(cookie):
    """Replacements of the signature's last character that only change its
    unused low bits (Python ignores them)."""
    last = len(cookie) - 1
    v = B64URL.index(cookie[last])
    return [(last, B64URL[(v & ~3) | low].encode()) for low in range(4)
            if (v & ~3) | low != v]


def lenient_sig_variants(cookie):
    sig_start = cookie.rindex(".") + 1
    plan = []
    for pos in range(sig_start, len(cookie)):
        if cookie[pos] == "-":
            plan.append((pos, b"+"))
        if cookie[pos] == "_":
            plan.append((pos, b"/"))
    return plan


def test_flask_rejects_tampered_session_cookies(cookies):
    app, plain, compressed = cookies
    report = {}
    for name, cookie in (("plain", plain), ("compressed", compressed)):
        accepted = flask_tamper_table(app, cookie)
        sig_start = cookie.rindex(".") + 1
        # Never outside the signature, and the unused low bits of the last
        # character are among the accepted changes.
        assert all(p >= sig_start for p, _ in accepted)
        for p, r in last_char_variants(cookie):
            assert (p, r) in accepted
        for p, r in lenient_sig_variants(cookie):
            assert (p, r) in accepted
        report[name] = _describe(cookie, accepted)
    print("\nFlask accepted these single-byte changes:", report)


def test_c_rejects_every_position_of_plain_cookie(cookies):
    _, plain, _ = cookies
    assert len(plain) < 60
    plan = [(pos, neighbour(ch).encode()) for pos, ch in enumerate(plain)]
    # A few more replacement bytes at every fifth position and around the
    # separators, including bytes that are not base64url at all.
    seps = [i for i, ch in enumerate(plain) if ch == "."]
    for pos in sorted(set(range(0, len(plain), 5)) | {s + d for s in seps for d in (-1, 0, 1)}):
        for repl in (b".", b"=", b"+", b"\xc3", b"*"):
            plan.append((pos, repl))
    plan += last_char_variants(plain) + lenient_sig_variants(plain)
    assert assert_c_refuses_all(plain, plan) >= len(plain)


def test_c_rejects_tampered_compressed_cookie(cookies):
    _, _, compressed = cookies
    n = len(compressed)
    tail = compressed.rindex(".", 0, compressed.rindex(".")) - 2  # timestamp + signature
    positions = sorted(set(range(0, 8)) | set(range(8, tail, 9)) | set(range(tail, n)))
    plan = [(pos, neighbour(compressed[pos]).encode()) for pos in positions]
    plan += [(0, b"A"), (0, b"-"), (1, b"."), (n // 2, b"."), (n // 2, b"\xff")]
    plan += last_char_variants(compressed) + lenient_sig_variants(compressed)
    assert assert_c_refuses_all(compressed, plan) > 50


def test_remember_digest_tampering(app):
    value = remember_encode(app, "42")
    digest_start = value.index("|") + 1
    hexdigits = "0123456789abcdef"

    # Flask-Login: every change in the digest is refused (it compares the
    # hex text, so upper case is refused too). A non-ASCII character makes
    # hmac.compare_digest raise TypeError instead of returning False.
    type_errors = []
    for pos in range(digest_start, len(value)):
        ch = value[pos]
        for repl in (hexdigits[(hexdigits.index(ch) + 1) % 16], ch.upper(), "g", "|", " ", "\u00e9"):
            if repl == ch:
                continue
            t = value[:pos] + repl + value[pos + 1:]
            try:
                assert remember_decode(app, t) is None, t
            except TypeError:
                type_errors.append(pos)
    assert type_errors == list(range(digest_start, len(value)))

    plan = []
    for pos in range(digest_start, len(value)):
        ch = value[pos]
        plan.append((pos, hexdigits[(hexdigits.index(ch) + 1) % 16]))
    for pos in range(digest_start, len(value), 16):
        for repl in ("g", "|", "\u00e9"):
            plan.append((pos, repl))
        if value[pos] in "abcdef":
            plan.append((pos, value[pos].upper()))
    plan += [(0, "3"), (1, "|"), (digest_start - 1, "x")]
    calls = [(["remember-decode", (value[:p] + r + value[p + 1:]).encode()], {}) for p, r in plan]
    results = run_many(calls)
    for (p, r), res in zip(plan, results):
        assert_refused(res, {"CLOGIN_EBADSIG", "CLOGIN_EMALFORMED"}, f"remember {p} -> {r!r}")
    # Only a value without any '|' may be called malformed.
    for (p, r), res in zip(plan, results):
        t = value[:p] + r + value[p + 1:]
        if "|" in t:
            assert "CLOGIN_EBADSIG" in res.stderr, (t, res.stderr)
    # Truncated or extended digests.
    for t in (value[:-1], value + "0", value[:-2], value + "00"):
        assert remember_decode(app, t) is None
    results = run_many([(["remember-decode", t], {}) for t in (value[:-1], value + "0", value + "00")])
    for res in results:
        assert_refused(res, "CLOGIN_EBADSIG")
