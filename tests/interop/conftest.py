"""Shared helpers for the Flask <-> clogin interoperability tests.

Real Flask (Debian's python3-flask 2.2 / python3-flask-login 0.6 /
python3-itsdangerous 2.1) is the oracle: every cookie and JSON text that the
C tool prints or accepts is compared with what Flask itself produces or
accepts, byte for byte.

The C side is the command-line tool named by the environment variable
CLOGIN_COOKIE_TOOL (absolute path). The suite fails (never skips) when it is
missing: a skipped interop suite would hide breakage.
"""

import concurrent.futures
import contextlib
import datetime
import hashlib
import os
import random
import re
import subprocess
import uuid
from collections import namedtuple

import flask
import flask_login
import itsdangerous
import itsdangerous.timed
import pytest
from markupsafe import Markup

# ---------------------------------------------------------------------------
# Constants shared by the tests
# ---------------------------------------------------------------------------

#: The current secret key (ASCII: Flask encodes str keys as UTF-8 for the
#: session but Flask-Login encodes them as latin-1 for the remember cookie).
SECRET = "interop-secret-key-0123456789-abcdef"
#: An older key, used as a fallback in the key-rotation tests.
OLD_SECRET = "previous-secret-key-zyx"
OLDER_SECRET = "even-older-secret-key-42"

#: A fixed signing time (2023-11-14 22:13:20 UTC).
T0 = 1700000000
#: Flask's PERMANENT_SESSION_LIFETIME (31 days), the tool's default max age.
DEFAULT_MAX_AGE = 2678400

STATUS_NAMES = frozenset(
    """CLOGIN_EMALFORMED CLOGIN_EBASE64 CLOGIN_EBADSIG CLOGIN_EEXPIRED
    CLOGIN_EFUTURE CLOGIN_ETIMESTAMP CLOGIN_EZLIB CLOGIN_EZBOMB CLOGIN_EUTF8
    CLOGIN_EJSON CLOGIN_EDEPTH CLOGIN_ETOOLARGE""".split()
)

#: The one line the tool writes on stderr when a cookie is refused.
ERROR_LINE_RE = re.compile(r"\Aclogin-cookie: (CLOGIN_[A-Z0-9]+): (\S[^\n]*)\n\Z")

# Exit statuses the sanitizers use instead of their default of 1 (which would
# be indistinguishable from the tool's own "cookie refused" status).
ASAN_EXIT = 86
UBSAN_EXIT = 87
SANITIZER_MARKERS = (
    "AddressSanitizer",
    "LeakSanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error:",
    "Segmentation fault",
)


# ---------------------------------------------------------------------------
# Running the C tool
# ---------------------------------------------------------------------------

def tool_path():
    path = os.environ.get("CLOGIN_COOKIE_TOOL")
    if not path:
        pytest.fail(
            "CLOGIN_COOKIE_TOOL is not set. Set it to the absolute path of the "
            "clogin-cookie executable, e.g. CLOGIN_COOKIE_TOOL="
            "$PWD/build/clogin-cookie. The interop suite refuses to skip.",
            pytrace=False,
        )
    if not os.path.isabs(path):
        pytest.fail(f"CLOGIN_COOKIE_TOOL must be an absolute path, got {path!r}",
                    pytrace=False)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"CLOGIN_COOKIE_TOOL={path!r} is not an executable file",
                    pytrace=False)
    return path


@pytest.fixture(scope="session", autouse=True)
def clogin_cookie_tool():
    """Every test needs the tool: fail (not skip) when it is missing."""
    return tool_path()


Result = namedtuple("Result", "rc stdout stderr")


def _base_env():
    env = {k: v for k, v in os.environ.items()
           if k != "CLOGIN_SECRET_KEY" and not k.startswith("CLOGIN_FALLBACK_")}
    # Later options win, so ours come last: sanitizer findings must never be
    # confused with the tool's exit status 1.
    env["ASAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("ASAN_OPTIONS", ""),
        f"exitcode={ASAN_EXIT}", "abort_on_error=0", "detect_leaks=1",
    ]))
    env["UBSAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("UBSAN_OPTIONS", ""),
        f"exitcode={UBSAN_EXIT}", "print_stacktrace=1", "halt_on_error=1",
    ]))
    env["LSAN_OPTIONS"] = ":".join(filter(None, [
        os.environ.get("LSAN_OPTIONS", ""), f"exitcode={ASAN_EXIT}",
    ]))
    return env


def run_tool(args, secret=SECRET, env=None, timeout=30):
    """Run clogin-cookie with `args` (str or bytes items).

    The secret goes in CLOGIN_SECRET_KEY (None: variable unset); `env` adds
    further variables (e.g. fallback keys). Returns Result(rc, stdout,
    stderr) with text decoded as UTF-8 (undecodable bytes kept as surrogate
    escapes). Any sanitizer report fails the test at once.
    """
    full_env = _base_env()
    if secret is not None:
        full_env["CLOGIN_SECRET_KEY"] = secret
    if env:
        full_env.update(env)
    argv = [tool_path()] + [a if isinstance(a, bytes) else str(a) for a in args]
    proc = subprocess.run(argv, env=full_env, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout, check=False)
    out = proc.stdout.decode("utf-8", "surrogateescape")
    err = proc.stderr.decode("utf-8", "surrogateescape")
    if (proc.returncode in (ASAN_EXIT, UBSAN_EXIT) or proc.returncode < 0
            or any(m in err for m in SANITIZER_MARKERS)):
        pytest.fail(
            f"clogin-cookie crashed or tripped a sanitizer (exit {proc.returncode})"
            f"\nargv: {argv!r}\nstdout: {out!r}\nstderr:\n{err}",
            pytrace=False)
    return Result(proc.returncode, out, err)


def run_many(calls, workers=None):
    """Run several tool invocations in parallel. `calls` is a list of
    (args, kwargs) pairs; returns the Results in the same order."""
    workers = workers or max(2, (os.cpu_count() or 2) * 2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run_tool, args, **kwargs) for args, kwargs in calls]
        return [f.result() for f in futures]


def fallback_env(*keys):
    """Environment variables holding fallback keys, and the matching
    --fallback-key-env options (in order: fallback 1, 2, ...)."""
    env, opts = {}, []
    for i, key in enumerate(keys, 1):
        name = f"CLOGIN_FALLBACK_TEST_{i}"
        env[name] = key
        opts += ["--fallback-key-env", name]
    return env, opts


Decoded = namedtuple("Decoded", "json timestamp key compressed")


def assert_ok_output(res, nlines):
    assert res.rc == 0, f"exit {res.rc}, stderr: {res.stderr!r}"
    assert res.stderr == "", f"unexpected stderr on success: {res.stderr!r}"
    assert res.stdout.endswith("\n"), f"stdout must end with a newline: {res.stdout!r}"
    lines = res.stdout[:-1].split("\n")
    assert len(lines) == nlines, f"expected {nlines} lines, got {res.stdout!r}"
    return lines


def parse_decode(res):
    """Check and split the 4-line output of a successful `decode`."""
    lines = assert_ok_output(res, 4)
    m = re.fullmatch(r"timestamp: (-?[0-9]+)", lines[1])
    assert m, f"bad timestamp line {lines[1]!r}"
    m2 = re.fullmatch(r"key: (current|fallback [1-9][0-9]*)", lines[2])
    assert m2, f"bad key line {lines[2]!r}"
    m3 = re.fullmatch(r"compressed: (yes|no)", lines[3])
    assert m3, f"bad compressed line {lines[3]!r}"
    return Decoded(lines[0], int(m.group(1)), m2.group(1), m3.group(1) == "yes")


def tool_decode(cookie, *opts, now=T0, secret=SECRET, env=None):
    """Decode a cookie with the tool at time `now` (None: real clock) and
    return the parsed output; the call must succeed."""
    args = list(opts)
    if now is not None:
        args += ["--now", str(now)]
    args += ["decode", cookie]
    return parse_decode(run_tool(args, secret=secret, env=env))


def tool_sign(json_text, *opts, timestamp=T0, secret=SECRET, env=None):
    args = list(opts)
    if timestamp is not None:
        args += ["--timestamp", str(timestamp)]
    args += ["sign", json_text]
    res = run_tool(args, secret=secret, env=env)
    (line,) = assert_ok_output(res, 1)
    return line


def tool_remember_sign(user_id, *opts, secret=SECRET, env=None):
    res = run_tool(list(opts) + ["remember-sign", user_id], secret=secret, env=env)
    (line,) = assert_ok_output(res, 1)
    return line


def tool_remember_decode(value, *opts, secret=SECRET, env=None):
    """Returns (user_id, key) from a successful remember-decode."""
    res = run_tool(list(opts) + ["remember-decode", value], secret=secret, env=env)
    user_id, key_line = assert_ok_output(res, 2)
    m = re.fullmatch(r"key: (current|fallback [1-9][0-9]*)", key_line)
    assert m, f"bad key line {key_line!r}"
    return user_id, m.group(1)


def assert_refused(res, status, context=""):
    """The tool refused the input: exit 1, nothing on stdout, exactly one
    'clogin-cookie: STATUS: description' line on stderr. `status` is a name
    or a set of acceptable names. Returns the status printed."""
    where = f" ({context})" if context else ""
    assert res.rc == 1, (f"expected exit 1{where}, got {res.rc}; "
                         f"stdout {res.stdout!r} stderr {res.stderr!r}")
    assert res.stdout == "", f"stdout must be empty on failure{where}: {res.stdout!r}"
    m = ERROR_LINE_RE.match(res.stderr)
    assert m, f"stderr is not one 'clogin-cookie: STATUS: text' line{where}: {res.stderr!r}"
    name = m.group(1)
    assert name in STATUS_NAMES, f"unknown status name {name!r}{where}"
    allowed = {status} if isinstance(status, str) else set(status)
    assert name in allowed, f"expected {sorted(allowed)}, got {name}{where}: {res.stderr!r}"
    return name


# ---------------------------------------------------------------------------
# Flask side
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def itsdangerous_time(ts):
    """Make itsdangerous believe the current time is `ts` (for signing and
    for the age check)."""
    cls = itsdangerous.timed.TimestampSigner
    saved = cls.__dict__["get_timestamp"]
    cls.get_timestamp = lambda self: ts
    try:
        yield
    finally:
        cls.get_timestamp = saved


class User(flask_login.UserMixin):
    def __init__(self, user_id):
        self.id = user_id


def make_app(secret=SECRET, interface=None):
    """A small Flask app with Flask-Login, for in-process serialization and
    for the test client."""
    app = flask.Flask("clogin_interop")
    app.config["SECRET_KEY"] = secret
    app.config["TESTING"] = True
    if interface is not None:
        app.session_interface = interface
    lm = flask_login.LoginManager(app)

    @lm.user_loader
    def load_user(user_id):
        return User(user_id)

    @app.route("/set", methods=["POST"])
    def set_values():
        # The body is a Python literal describing the values (trusted tests).
        data = eval(flask.request.get_data(as_text=True), EVAL_NS)  # noqa: S307
        flask.session.update(data)
        return "ok"

    @app.route("/flash")
    def flash_messages():
        flask.flash("Hello, world")
        flask.flash("Bad <thing> & \"quotes\" \u00e9\U0001F600", "error")
        flask.flash(Markup("<b>safe</b>"), "info")
        return "flashed"

    @app.route("/permanent")
    def permanent():
        flask.session.permanent = True
        flask.session["_user_id"] = "7"
        return "ok"

    @app.route("/login/<user_id>")
    def login(user_id):
        remember = flask.request.args.get("remember") == "1"
        flask_login.login_user(User(user_id), remember=remember)
        return "logged in"

    @app.route("/whoami")
    def whoami():
        user = flask_login.current_user
        if not user.is_authenticated:
            return "anonymous"
        return f"user:{user.get_id()}"

    @app.route("/ident")
    def ident():
        return flask_login.utils._create_identifier()

    @app.route("/session")
    def show_session():
        return repr(sorted(flask.session.items()))

    return app


EVAL_NS = {"Markup": Markup, "uuid": uuid, "datetime": datetime,
           "UUID": uuid.UUID}


def flask_json(app, data):
    """Flask's own serialization of a session: the JSON text inside the
    cookie (tags, sorted keys, compact, ASCII)."""
    with app.test_request_context():
        return app.session_interface.serializer.dumps(dict(data))


def flask_untag(app, json_text):
    """The Python data Flask reads from a session JSON text."""
    with app.test_request_context():
        return app.session_interface.serializer.loads(json_text)


def flask_cookie(app, data, timestamp=T0):
    """The cookie value Flask writes for `data` when saving a session at
    `timestamp` (what SecureCookieSessionInterface.save_session does)."""
    with itsdangerous_time(timestamp), app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        return s.dumps(dict(data))


def flask_load(app, cookie, now=T0, max_age=None):
    """Load a cookie as Flask's open_session does (max age: the app's
    PERMANENT_SESSION_LIFETIME unless given). Raises itsdangerous errors."""
    with itsdangerous_time(now), app.test_request_context():
        s = app.session_interface.get_signing_serializer(app)
        if max_age is None:
            max_age = int(app.permanent_session_lifetime.total_seconds())
        return s.loads(cookie, max_age=max_age)


def flask_accepts(app, cookie, now=T0, max_age=None):
    try:
        flask_load(app, cookie, now=now, max_age=max_age)
        return True
    except itsdangerous.BadData:
        return False


def remember_encode(app, user_id):
    with app.app_context():
        return flask_login.utils.encode_cookie(user_id)


def remember_decode(app, value):
    with app.app_context():
        return flask_login.utils.decode_cookie(value)


def set_cookies(response):
    """name -> value of every Set-Cookie header of a test-client response."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        cookies[name.strip()] = value.strip()
    return cookies


def typed_diff(a, b, path="$"):
    """None when a and b are equal with identical types throughout (a tuple
    is not a list, Markup is not str, bytes are not str); else a description
    of the first difference."""
    if type(a) is not type(b):
        return f"{path}: type {type(a).__name__} != {type(b).__name__} ({a!r} vs {b!r})"
    if isinstance(a, dict):
        if set(a) != set(b):
            return f"{path}: keys {sorted(a)!r} != {sorted(b)!r}"
        for k in a:
            d = typed_diff(a[k], b[k], f"{path}[{k!r}]")
            if d:
                return d
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            d = typed_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if isinstance(a, float):
        if repr(a) != repr(b):  # distinguishes -0.0 from 0.0
            return f"{path}: {a!r} != {b!r}"
        return None
    if isinstance(a, datetime.datetime):
        if a != b or a.utcoffset() != b.utcoffset():
            return f"{path}: {a!r} != {b!r}"
        return None
    if a != b:
        return f"{path}: {a!r} != {b!r}"
    return None


def assert_typed_equal(a, b):
    d = typed_diff(a, b)
    assert d is None, d


def py_b64decode(text):
    """itsdangerous' (lenient) base64url decoding."""
    return itsdangerous.encoding.base64_decode(text)


# ---------------------------------------------------------------------------
# Sessions used by several tests
# ---------------------------------------------------------------------------

UTC = datetime.timezone.utc
LOGIN_ID = hashlib.sha512(b"b'127.0.0.1'|b'Mozilla/5.0 (X11; Linux x86_64)'").hexdigest()


def _large_session():
    rng = random.Random(20240229)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    noise = "".join(rng.choice(alphabet) for _ in range(2750))
    return {"_user_id": "12345", "noise": noise,
            "list": [rng.randrange(10**6) for _ in range(20)]}


SESSION_CASES = {
    # name: (session data, expected compression of Flask's cookie or None)
    "plain": ({"user": "alice", "n": 1}, False),
    "flask_login": ({"_fresh": True, "_id": LOGIN_ID, "_user_id": "1"}, True),
    "flask_login_full": ({
        "_fresh": False, "_id": LOGIN_ID, "_user_id": "user@example.com",
        "_remember": "set", "_remember_seconds": 1209600.0,
        "next": "/profile?tab=1&x=%2F", "csrf_token": "f" * 40,
    }, True),
    "flashes": ({"_flashes": [("message", "Hello, world"),
                              ("error", "Bad <thing> & \"quotes\"")]}, None),
    "tuple": ({"t": (1, "two", 3.5, None, True), "empty": (), "one": ("x",),
               "nested": ((1, 2), [3, (4,)])}, None),
    "bytes": ({"b": b"\x00\xff\xfe binary \x80\x81", "empty": b"",
               "utf8": "\u00e9t\u00e9".encode(), "all": bytes(range(256))}, None),
    "markup": ({"m": Markup("<b>bold</b> &amp; <i>it</i>"), "e": Markup("")}, None),
    "uuid": ({"u": uuid.UUID("12345678-1234-5678-1234-567812345678"),
              "nil": uuid.UUID(int=0),
              "max": uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff")}, None),
    "datetime": ({"d": datetime.datetime(2024, 2, 29, 13, 45, 7, tzinfo=UTC),
                  "epoch": datetime.datetime(1970, 1, 1, tzinfo=UTC),
                  "y2038": datetime.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
                  "far": datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)},
                 None),
    "tag_named_dicts": ({
        "t": {" t": "x"}, "di": {" di": 1}, "b": {" b": "not base64 at all"},
        "m": {" m": [1, 2]}, "u": {" u": {"deep": (1,)}}, "d": {" d": None},
        "two_keys": {" t": 1, "other": 2}, "not_tag": {" x": 1},
        "empty": {}, "di_of_di": {" di": {" t": (1, 2)}},
    }, None),
    "nested_mix": ({
        "outer": {
            "list": [1, (2, b"x\xff"), {"inner": Markup("<p>m</p>")},
                     [uuid.UUID(int=0x1234), datetime.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)]],
            "t": ({"a": (1,)}, [{" t": [b"\x01"]}]),
            "deep": {"a": {"b": {"c": {"d": {"e": [[[["bottom"]]]]}}}}},
        },
        "_flashes": [("message", "nested")],
    }, None),
    "unicode": ({
        "latin": "h\u00e9llo w\u00f6rld", "cjk": "\u65e5\u672c\u8a9e",
        "emoji": "\U0001F600\U0001F389", "astral": "\U00010348\U0010FFFF",
        "bmp_edges": "\u0080\u07ff\u0800\uffff\ufffd\ufeff",
        "ctrl": "\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x9f",
        "quotes": "say \"hi\" \\ back\\slash /slash/ 'single' </script>",
        "line_seps": "a\u2028b\u2029c",
        "key_\u00e9": "non-ASCII key", "\U0001F511": "emoji key",
        "": "empty key",
    }, None),
    "unicode_key_order": ({
        "b": 1, "a": 2, "\u00e9": 3, "z": 4, "\U0001F600": 5, "\uffff": 6,
        "\ue000": 7, "A": 8, "_": 9, " ": 10, "aa": 11, "a\x7f": 12,
        "\x1f": 13, "~": 14, "\u0100": 15,
    }, None),
    "floats": ({
        "a": 0.1, "b": 1e100, "c": -0.0, "d": 3600.0, "e": 1e16, "f": 1e-7,
        "g": 1.5, "h": 123456789.12345679, "i": 5e-324, "j": 1.7976931348623157e308,
        "k": 1e15, "l": 0.0001, "m": 1e-05, "n": 2.5e-05, "o": 1e22, "p": 100.0,
        "q": -1.25, "r": 0.30000000000000004, "s": 9007199254740993.0,
        "t": 1234567890123456.8, "u": 2.2250738585072014e-308, "v": -1e-300,
        "w": 0.0, "x": 1e21, "y": 12345678901234567890.0, "z": 4.35,
    }, None),
    "ints": ({"max": 2**63 - 1, "min": -2**63, "zero": 0, "neg": -1,
              "big": 10**18, "ts": 1700000000, "small": [-(2**53), 2**53 + 1]},
             None),
    "json_scalars": ({"t": True, "f": False, "n": None, "empty_list": [],
                      "empty_dict": {}, "empty_str": "", "list": [None, [], {}]},
                     None),
    "large": (_large_session(), True),
    "large_compressible": ({"_user_id": "1", "text": "All work and no play. " * 400,
                            "ids": list(range(300))}, True),
    "permanent": ({"_permanent": True, "_user_id": "7", "_fresh": False}, None),
    "session_is_tag_named": ({" t": "x"}, False),
    "nul_in_value": ({"nul": "a\x00b", "only": "\x00"}, None),
}

SESSION_CASE_IDS = sorted(SESSION_CASES)


@pytest.fixture
def app():
    return make_app()
