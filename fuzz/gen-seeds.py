#!/usr/bin/python3
"""Write the fuzz seed corpora from real Flask and Flask-Login output.

Run with Debian's /usr/bin/python3 (python3-flask, python3-flask-login):
    fuzz/gen-seeds.py
Cookies are signed with the fuzz targets' key at a fixed timestamp so that
they stay valid for the targets (see fuzz_common.h).
"""
import base64
import datetime
import hashlib
import hmac
import os
import uuid
import zlib
from unittest import mock

import flask
import flask_login
import itsdangerous
from flask_login import utils as login_utils
from markupsafe import Markup
from werkzeug.urls import url_encode

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "fuzz-secret"
TIMESTAMP = 1764366000

SESSIONS = [
    {},
    {"a": 1},
    {"_fresh": True, "_id": hashlib.sha512(b"x").hexdigest(), "_user_id": "1"},
    {"_fresh": False, "_id": "0" * 128, "_user_id": "42", "_remember": "set",
     "_remember_seconds": 3600.0, "_permanent": True},
    {"_remember": "clear"},
    {"_flashes": [("message", "Please log in to access this page."),
                  ("info", "caf\u00e9 \U0001F600")]},
    {"t": (1, "x", (2.5, None)), "b": b"\x00\xff", "m": Markup("<b>hi</b>"),
     "u": uuid.UUID(int=0x1234), "d": datetime.datetime(2030, 1, 2, 3, 4, 5,
                                                        tzinfo=datetime.timezone.utc),
     "di": {" t": "x"}, "nested": {"l": [1, -2, 3.25, 1e100, True, {}]}},
    {"next": "/protected?x=1&y=%2F", "csrf": "a" * 40},
    {"big": "".join(chr(33 + (i * 7) % 90) for i in range(1500))},
]


# fuzz_store_request plants these ids for user 42 (docs/stores.md: a token
# is ID "." base64url(HMAC-SHA256(HMAC-SHA256(secret, "clogin." purpose), ID))).
STORE_SESSION_ID = "c2Vzc2lvbi1mb3ItdGhlLWZ1enplci0wMDAwMDAwMDA"
STORE_REMEMBER_ID = "cmVtZW1iZXItZm9yLXRoZS1mdXp6ZXItMDAwMDAwMDA"


def store_token(purpose, ident):
    key = hmac.new(SECRET.encode(), b"clogin." + purpose, hashlib.sha256).digest()
    tag = hmac.new(key, ident.encode(), hashlib.sha256).digest()
    return ident + "." + base64.urlsafe_b64encode(tag).rstrip(b"=").decode()


def write(directory, name, data):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


def main():
    app = flask.Flask("seeds")
    app.secret_key = SECRET
    with app.test_request_context():
        serializer = app.session_interface.get_signing_serializer(app)
        with mock.patch.object(itsdangerous.TimestampSigner, "get_timestamp",
                               lambda self: TIMESTAMP):
            for i, session in enumerate(SESSIONS):
                cookie = serializer.dumps(session).encode()
                write(os.path.join(HERE, "corpus", "session_cookie"), f"flask-{i}", cookie)
                raw = app.session_interface.serializer.dumps(session).encode()
                write(os.path.join(HERE, "corpus", "session_payload"), f"json-{i}", b"\x00" + raw)
                write(os.path.join(HERE, "corpus", "session_payload"), f"zlib-{i}",
                      b"\x01" + zlib.compress(raw))
        for i, user_id in enumerate(["1", "42", "user@example.com", "a|b", "\u00e9"]):
            write(os.path.join(HERE, "corpus", "remember"), f"flask-login-{i}",
                  login_utils.encode_cookie(user_id).encode())
    session = "session=" + store_token(b"session-id", STORE_SESSION_ID)
    remember = "remember_token=" + store_token(b"remember-token", STORE_REMEMBER_ID)
    store = os.path.join(HERE, "corpus", "store_request")
    write(store, "session", session.encode())
    write(store, "remember", remember.encode())
    write(store, "both", f"theme=dark; {session}; {remember}".encode())
    write(store, "flask", b"session=eyJfdXNlcl9pZCI6IjQyIn0.ZVPxAA.abc")
    tagged_json(app)
    form()
    requests()


# ---------------------------------------------------------------------------
# fuzz_tagged_json: the JSON inside Flask's cookies (what
# session_interface.serializer.dumps writes), for SESSIONS and these.
# ---------------------------------------------------------------------------
TAGGED_EXTRA = [
    {"t": {" t": "x"}, "di": {" di": 1}, "b": {" b": "not base64"},
     "two": {" t": 1, "other": 2}, "x": {" x": 1}, "dd": {" di": {" t": (1, 2)}}},
    {"u_upper": {" u": "ABCDEF0123456789ABCDEF0123456789"},
     "u": uuid.UUID("ffffffff-ffff-ffff-ffff-ffffffffffff"),
     "d0": datetime.datetime(1, 1, 1, tzinfo=datetime.timezone.utc),
     "d9": datetime.datetime(9999, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc),
     "bad_d": {" d": "Wed, 02 Jan 2030 03:04:05 UTC"}, "bytes": bytes(range(256)),
     "empty_b": b"", "m": Markup("")},
    {"f": [0.1, -0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 3600.0, 1e22],
     "i": [2**63 - 1, -2**63, 0, -1], "n": None, "s": "\u00e9\U0001F600\u2028\x00\x7f\"\\",
     "bool": [True, False]},
    {"_flashes": [("message", "a"), ("error", Markup("<b>x</b>")), ("x", "y", "z")],
     "_user_id": 42, "_fresh": True, "_remember_seconds": 1209600.0},
    {"_flashes": "not a list"},
    {"nested": {"a": {"b": {"c": {"d": {"e": [[[[[[[[[[["deep"]]]]]]]]]]]}}}}}},
]


def tagged_json(app):
    out = os.path.join(HERE, "corpus", "tagged_json")
    with app.test_request_context():
        for i, session in enumerate(SESSIONS + TAGGED_EXTRA):
            write(out, f"flask-{i}", app.session_interface.serializer.dumps(session).encode())


# ---------------------------------------------------------------------------
# fuzz_form: byte 0 is the length of the name, then the name, then the body.
# Bodies as browsers and Werkzeug's url_encode write them, and odd ones.
# ---------------------------------------------------------------------------
FORM_BODIES = {
    "login": ("password", url_encode({
        "csrf_token": "IjQ2ZjY2YTEyMzQ1Njc4OTAi.ZWZzAA.abc-def_ghi",
        "username": "alice@example.com", "password": "p@ss word+&=%\u00e9",
        "remember": "y", "next": "/account?tab=2&x=%2F"}, sort=True)),
    "unicode": ("q", url_encode({"q": "caf\u00e9 cr\u00e8me \U0001F600 \u65e5\u672c",
                                 "lang": "fr"}, sort=True)),
    "repeated": ("tag", "tag=a&tag=b&tag=&tag"),
    "bad_escapes": ("a", "a=%zz%4%C3%28%E2%82%ED%A0%80%F4%90%80%80%C0%AF%FF&b=%"),
    "nul": ("k", "k=%00v%00&k%00=x&%00=y"),
    "plus": ("a b", "a+b=c+d&a%20b=e"),
    "empty_pairs": ("", "&&=&=empty-name&x&"),
    "no_value": ("flag", "flag&other=1"),
    "semicolons": ("b", "a=1;b=2&b=3"),
    "firefox_search": ("q", "q=%22quoted%22+%26+%2B+plus&client=firefox-b-d"),
    "raw_latin1": ("n\u00e9", "n\u00e9=utf-8&n\xe9=raw+\xe9&x=\xff"),
    "key_escape": ("next", "ne%78t=%2Fp&next=second"),
}


def form():
    out = os.path.join(HERE, "corpus", "form")
    for name, (field, body) in FORM_BODIES.items():
        f = field.encode()
        # raw_latin1 holds bytes that are not UTF-8, as a careless client sends
        b = body.encode("latin-1") if name == "raw_latin1" else body.encode("utf-8")
        write(out, name, bytes([len(f)]) + f + b)


# ---------------------------------------------------------------------------
# fuzz_request: a flags byte, then NUL-separated fields (see fuzz_request.c):
# method, target, Host, Cookie, Authorization, User-Agent, X-Forwarded-For,
# peer address. Session and remember cookies come from real Flask-Login
# logins made with the same headers, so that Flask-Login 0.6's session
# identifier ("_id") matches and strong protection lets them through.
# ---------------------------------------------------------------------------
UA = {
    "chrome": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
              "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "firefox": "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "safari": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.6 Safari/605.1.15",
    "curl": "curl/7.88.1",
}
PROXY = "10.0.0.2"
CLIENT = "203.0.113.7"

F_COOKIE, F_AUTH, F_UA, F_XFF, F_ADDR, F_HTTPS, F_FRESH, F_HANDLER = (
    1, 2, 4, 8, 16, 32, 64, 128)


class SeedUser(flask_login.UserMixin):
    def __init__(self, user_id):
        self.id = user_id

    @property
    def is_active(self):
        return self.id != "7"  # as in fuzz_request.c


def login_app():
    app = flask.Flask("seeds")
    app.secret_key = SECRET
    lm = flask_login.LoginManager(app)
    lm.user_loader(SeedUser)

    @app.route("/login/<user_id>")
    def login(user_id):
        flask.session.permanent = flask.request.args.get("permanent") == "1"
        if flask.request.args.get("flash"):
            flask.flash("Welcome back, caf\u00e9 \U0001F600", "info")
        args = flask.request.args
        flask_login.login_user(SeedUser(user_id), remember=args.get("remember") == "1",
                               fresh=args.get("fresh") != "0", force=args.get("force") == "1")
        return "ok"

    @app.route("/")
    def index():
        return str(flask_login.current_user.get_id())

    return app


def flask_login_cookies(app, user_id, ua, xff=CLIENT, query=""):
    """The session and remember_token cookies a real login sets."""
    client = app.test_client()
    environ = {"REMOTE_ADDR": PROXY, "HTTP_USER_AGENT": ua}
    if xff is not None:
        environ["HTTP_X_FORWARDED_FOR"] = xff
    with mock.patch.object(itsdangerous.TimestampSigner, "get_timestamp",
                           lambda self: TIMESTAMP):
        resp = client.get(f"/login/{user_id}?{query}", environ_base=environ)
    cookies = {}
    for header in resp.headers.getlist("Set-Cookie"):
        pair = header.split(";", 1)[0]
        name, _, value = pair.partition("=")
        cookies[name] = value
    return cookies


def restored_session(app, remember, ua):
    """The session Flask-Login writes when a remember cookie restores a
    login (not fresh)."""
    client = app.test_client()
    client.set_cookie("localhost", "remember_token", remember)
    with mock.patch.object(itsdangerous.TimestampSigner, "get_timestamp",
                           lambda self: TIMESTAMP):
        resp = client.get("/", environ_base={"REMOTE_ADDR": PROXY, "HTTP_USER_AGENT": ua,
                                             "HTTP_X_FORWARDED_FOR": CLIENT})
    for header in resp.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            return rest.split(";", 1)[0]
    raise RuntimeError("no session cookie")


def request_seed(flags, method="GET", target="/", host="app.example.com", cookie="",
                 auth="", ua="", xff="", addr=PROXY):
    fields = [method, target, host, cookie, auth, ua, xff, addr]
    return bytes([flags]) + b"\0".join(f.encode("utf-8") for f in fields)


def requests():
    app = login_app()
    chrome = flask_login_cookies(app, "42", UA["chrome"], query="remember=1")
    firefox = flask_login_cookies(app, "1", UA["firefox"], query="flash=1")
    perm = flask_login_cookies(app, "user@example.com", UA["safari"], query="permanent=1")
    inactive = flask_login_cookies(app, "7", UA["chrome"], query="force=1")
    unicode = flask_login_cookies(app, "caf\u00e9", UA["firefox"], query="remember=1")
    direct = flask_login_cookies(app, "42", UA["curl"], xff=None)
    stale = flask_login_cookies(app, "42", UA["chrome"], query="fresh=0")["session"]
    # Flask-Login 0.6 restores a login from the remember cookie without an
    # "_id", so strong protection ends it at the next request
    restored = restored_session(app, chrome["remember_token"], UA["chrome"])
    basic = "Basic " + base64.b64encode(b"key-1").decode()
    browser = F_COOKIE | F_UA | F_XFF | F_ADDR
    seeds = {
        "chrome_session": request_seed(
            browser, target="/account?tab=2", ua=UA["chrome"], xff=CLIENT,
            cookie=f"_ga=GA1.1.1234567890.1764366000; session={chrome['session']}; theme=dark"),
        "chrome_session_fresh_required": request_seed(
            browser | F_FRESH | F_HTTPS, target="/settings/password", ua=UA["chrome"],
            xff=CLIENT, cookie=f"session={chrome['session']}"),
        "chrome_stale_fresh_required": request_seed(
            browser | F_FRESH, target="/settings?next=%2Fhome", ua=UA["chrome"], xff=CLIENT,
            cookie=f"session={stale}; remember_token={chrome['remember_token']}"),
        "chrome_restored_session": request_seed(
            browser, target="/", ua=UA["chrome"], xff=CLIENT,
            cookie=f"session={restored}; remember_token={chrome['remember_token']}"),
        "chrome_remember_only": request_seed(
            browser, target="/", ua=UA["chrome"], xff=CLIENT,
            cookie=f"remember_token={chrome['remember_token']}"),
        "chrome_logout": request_seed(
            browser | F_HANDLER, method="POST", target="/logout", ua=UA["chrome"], xff=CLIENT,
            cookie=f"session={chrome['session']}; remember_token={chrome['remember_token']}"),
        "firefox_session_flashes": request_seed(
            browser | F_HANDLER, target="/", ua=UA["firefox"], xff=CLIENT,
            cookie=f"session={firefox['session']}"),
        "firefox_stolen_session": request_seed(
            browser, target="/account", ua=UA["firefox"], xff=CLIENT,
            cookie=f"session={chrome['session']}"),
        "other_address": request_seed(
            browser, target="/account", ua=UA["chrome"], xff="198.51.100.23",
            cookie=f"session={chrome['session']}"),
        "forged_xff": request_seed(
            browser, target="/account", ua=UA["chrome"], xff=f"{CLIENT}, 198.51.100.23",
            cookie=f"session={chrome['session']}"),
        "proxied_twice": request_seed(
            browser, target="/account", ua=UA["chrome"], xff=f"192.0.2.1 ,\t{CLIENT}",
            cookie=f"session={chrome['session']}"),
        "safari_permanent_other_ua": request_seed(
            browser | F_FRESH, target="/account", ua=UA["firefox"], xff=CLIENT,
            cookie=f"session={perm['session']}"),
        "inactive_user": request_seed(
            browser, target="/", ua=UA["chrome"], xff=CLIENT,
            cookie=f"session={inactive['session']}"),
        "unicode_user_remember": request_seed(
            browser, target="/caf%C3%A9?x=%E2%82%AC", ua=UA["firefox"], xff=CLIENT,
            cookie=f"remember_token={unicode['remember_token']}"),
        "no_proxy": request_seed(
            F_COOKIE | F_UA | F_ADDR, target="/", ua=UA["curl"], addr=PROXY,
            cookie=f"session={direct['session']}"),
        "curl_api_key": request_seed(
            F_UA | F_ADDR, target="/api/items?limit=10&api_key=key-42", host="api.example.com",
            ua=UA["curl"], addr=CLIENT),
        "curl_api_key_nul": request_seed(
            F_UA | F_ADDR, target="/api?api_key=a%00b", ua=UA["curl"], addr=CLIENT),
        "curl_basic": request_seed(
            F_AUTH | F_UA | F_ADDR, target="/api/items", auth=basic, ua=UA["curl"], addr=CLIENT),
        "curl_basic_fresh": request_seed(
            F_AUTH | F_UA | F_ADDR | F_FRESH, target="/api/admin", auth=basic, ua=UA["curl"]),
        "curl_basic_unicode": request_seed(
            F_AUTH | F_ADDR, target="/api", auth="basic " + base64.b64encode(
                "k\u00e9y".encode()).decode(), addr=CLIENT),
        "basic_bad": request_seed(
            F_AUTH | F_ADDR, target="/api", auth="Basic a2V5LTE=x", addr=CLIENT),
        "bearer": request_seed(
            F_AUTH | F_ADDR, target="/api", auth="Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"),
        "anonymous_next": request_seed(
            F_UA | F_ADDR, target="/login?next=%2Fprofile%3Ftab%3D1", ua=UA["safari"]),
        "next_scheme_relative": request_seed(
            F_UA, target="/login?next=%2F%2Fevil.example%2F", ua=UA["chrome"]),
        "next_absolute_other": request_seed(
            F_ADDR | F_HTTPS, target="/login?next=https://evil.example/&x=1"),
        "next_backslash": request_seed(F_ADDR, target="/login?next=/%5Cevil.example"),
        "next_javascript": request_seed(F_ADDR, target="/login?next=javascript:alert(1)"),
        "next_same_host": request_seed(
            F_ADDR, target="/login?next=http://app.example.com:80/a?b=c#frag"),
        "options": request_seed(F_ADDR | F_FRESH, method="OPTIONS", target="/account"),
        "lowercase_method": request_seed(F_ADDR, method="options", target="/account"),
        "absolute_form": request_seed(
            F_ADDR, target="http://app.example.com/path?x=1", host="app.example.com"),
        "ipv6_host": request_seed(
            F_ADDR | F_HTTPS, target="/p%20q/%C3%A9", host="[2001:db8::1]:8443", addr="::1"),
        "idna_host": request_seed(F_ADDR, target="/", host="xn--caf-dma.example"),
        "anonymous_login_handler": request_seed(
            F_UA | F_ADDR | F_HANDLER, method="POST", target="/login", ua=UA["firefox"]),
        "garbage_cookies": request_seed(
            F_COOKIE | F_ADDR, target="/",
            cookie='session="a\\"b\\073"; remember_token=42|' + "0" * 128 + "; =; ;;"),
        "no_peer": request_seed(F_COOKIE | F_UA, target="/",
                                cookie=f"session={chrome['session']}", ua=UA["chrome"]),
    }
    out = os.path.join(HERE, "corpus", "request")
    for name, data in seeds.items():
        write(out, name, data)


if __name__ == "__main__":
    main()
