#!/usr/bin/python3
"""The Flask + Flask-Login reference implementation of clogin-demo.

Same routes, same contract (issue 4), same user database schema and the
same CLOGIN_* configuration as examples/demo, written the way a Flask
application would be, with Debian's Flask 2.2 and Flask-Login 0.6.2. The
HTTP tests in this directory run their scenarios against both and require
the same answers.

    /usr/bin/python3 tests/http/flask_app.py --port 8081 --db /tmp/ref.db

prints "flask-app: serving http://127.0.0.1:8081/" once it accepts
connections. A new database is seeded with alice/wonderland (active, id 1,
API key alice-api-key) and bob/builder (inactive, id 2, bob-api-key);
passwords are hashed with werkzeug's generate_password_hash. An existing
database, for instance one the C demo made, is opened read-write as it is:
its Argon2id hashes are checked through libsodium (ctypes) when that
library is there.

Where Flask-Login 0.6.2 itself does something else than the contract, the
manager below is adjusted to the contract; each adjustment says so
(search for "contract:").
"""

import argparse
import base64
import binascii
import ctypes
import ctypes.util
import datetime
import hashlib
import html
import io
import os
import secrets
import signal
import sqlite3
import sys
import threading

import flask_login
from flask import (
    Flask, abort, current_app, get_flashed_messages, jsonify, redirect, request, session,
)
from flask_login import (
    LoginManager,
    UserMixin,
    confirm_login,
    current_user,
    fresh_login_required,
    login_fresh,
    login_remembered,
    login_required,
    login_user,
    logout_user,
)
from flask_login.signals import user_accessed, user_loaded_from_cookie
from flask_login.utils import decode_cookie
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.serving import make_server

# The adapter's default body limit (clogin_mhd_step's max_body 0: 16 KiB).
MAX_BODY = 16 * 1024
# Cheaper than werkzeug's default 260000 rounds: this is a test reference.
HASH_METHOD = "pbkdf2:sha256:20000"
SEED = (
    # id, username, password, active, api key
    (1, "alice", "wonderland", 1, "alice-api-key"),
    (2, "bob", "builder", 0, "bob-api-key"),
)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS users ("
    " id INTEGER PRIMARY KEY,"
    " username TEXT NOT NULL UNIQUE,"
    " password_hash TEXT NOT NULL,"
    " active INTEGER NOT NULL,"
    " api_key_hash TEXT UNIQUE,"
    " alt_id TEXT NOT NULL UNIQUE)"
)


# ---------------------------------------------------------------------------
# Users (examples/demo/users.c's schema)
# ---------------------------------------------------------------------------

def api_key_hash(key: bytes) -> str:
    """libsodium's crypto_generichash with a 32-byte output and no key."""
    return hashlib.blake2b(key, digest_size=32).hexdigest()


def new_alt_id() -> str:
    return secrets.token_hex(16)


class _Sodium:
    """crypto_pwhash_str_verify through ctypes, for the demo's Argon2id
    hashes; None when libsodium cannot be loaded."""

    def __init__(self):
        self.lib = None
        name = ctypes.util.find_library("sodium")
        for candidate in filter(None, (name, "libsodium.so.23", "libsodium.so")):
            try:
                lib = ctypes.CDLL(candidate)
            except OSError:
                continue
            if lib.sodium_init() < 0:
                continue
            lib.crypto_pwhash_str_verify.argtypes = (
                ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong)
            lib.crypto_pwhash_str_verify.restype = ctypes.c_int
            self.lib = lib
            break

    def verify(self, stored: str, password: str) -> bool:
        if self.lib is None:
            return False
        pw = password.encode("utf-8", "surrogateescape")
        return self.lib.crypto_pwhash_str_verify(stored.encode("ascii"), pw, len(pw)) == 0


SODIUM = _Sodium()


class User(UserMixin):
    """UserMixin: is_authenticated is is_active, so an inactive user is
    never authenticated. get_id() is the alternative id (what cookies
    carry); "id" in JSON is the row id."""

    def __init__(self, row_id, username, active, alt_id):
        self.row_id = row_id
        self.username = username
        self.active = bool(active)
        self.alt_id = alt_id

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.alt_id


class UserDB:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=5,
                                    isolation_level=None)
        with self.lock:
            self.conn.execute(SCHEMA)
            (count,) = self.conn.execute("SELECT count(*) FROM users").fetchone()
            if count == 0:
                self.conn.execute("BEGIN")
                for row_id, name, password, active, key in SEED:
                    self.conn.execute(
                        "INSERT INTO users (id, username, password_hash, active,"
                        " api_key_hash, alt_id) VALUES (?, ?, ?, ?, ?, ?)",
                        (row_id, name, generate_password_hash(password, method=HASH_METHOD),
                         active, api_key_hash(key.encode()), new_alt_id()))
                self.conn.execute("COMMIT")
                print(f"flask-app: seeded {path} with alice/wonderland and "
                      "bob/builder (inactive)", flush=True)

    def _one(self, where, value):
        if isinstance(value, str) and not value.isprintable() and any(
                0xD800 <= ord(c) <= 0xDFFF for c in value):
            return None  # a lone surrogate (a forged cookie) names nobody
        with self.lock:
            row = self.conn.execute(
                "SELECT id, username, active, alt_id FROM users WHERE " + where,
                (value,)).fetchone()
        return User(*row) if row else None

    def by_alt_id(self, alt_id):
        return self._one("alt_id = ?", alt_id)

    def by_username(self, username):
        return self._one("username = ?", username)

    def by_api_key(self, key: bytes):
        # Like the demo: only active users' keys open the API.
        return self._one("api_key_hash = ? AND active", api_key_hash(key))

    def check_password(self, row_id, password) -> bool:
        if "\0" in password:
            # The password is every character sent. PBKDF2 would accept
            # "wonderland\0" for "wonderland" (HMAC pads its key with zeros).
            return False
        with self.lock:
            row = self.conn.execute("SELECT password_hash FROM users WHERE id = ?",
                                    (row_id,)).fetchone()
        if not row:
            return False
        stored = row[0]
        if stored.startswith("$argon2"):
            return SODIUM.verify(stored, password)
        try:
            return check_password_hash(stored, password)
        except (ValueError, TypeError):
            return False

    def change_password(self, row_id, password):
        """New hash and new alternative id: every other session and remember
        cookie of the user stops working."""
        alt = new_alt_id()
        with self.lock:
            self.conn.execute("UPDATE users SET password_hash = ?, alt_id = ? WHERE id = ?",
                              (generate_password_hash(password, method=HASH_METHOD), alt,
                               row_id))
        return self.by_alt_id(alt)


# ---------------------------------------------------------------------------
# Configuration: the same CLOGIN_* variables as the demo, the same syntax
# ---------------------------------------------------------------------------

BOOLEANS = (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_REFRESH_EACH_REQUEST",
    "REMEMBER_COOKIE_SECURE", "REMEMBER_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_REFRESH_EACH_REQUEST", "USE_SESSION_FOR_NEXT", "LOGIN_DISABLED",
)
DURATIONS = ("PERMANENT_SESSION_LIFETIME", "REMEMBER_COOKIE_DURATION")
LITERALS = (
    "SECRET_KEY", "SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME", "SESSION_COOKIE_PATH",
    "REMEMBER_COOKIE_PATH", "AUTH_HEADER_NAME",
)
OPTIONAL_TEXT = (
    "SESSION_COOKIE_DOMAIN", "REMEMBER_COOKIE_DOMAIN", "FORCE_HOST_FOR_REDIRECTS",
)
SAMESITES = ("SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE")
MAX_SECONDS = 3155760000


class ConfigError(Exception):
    pass


def _bool(name, text):
    low = text.lower()
    if low in ("true", "1", "yes", "on"):
        return True
    if low in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"environment variable CLOGIN_{name} must be true or false, not {text!r}")


def _seconds(name, text):
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_SECONDS:
        raise ConfigError(f"environment variable CLOGIN_{name} must be a whole number of "
                          f"seconds from 1 to {MAX_SECONDS}, not {text!r}")
    return datetime.timedelta(seconds=int(text))


def load_config(app):
    """Flask's from_prefixed_env("CLOGIN"), then every setting the demo
    knows re-read from its raw text with the demo's syntax: JSON decoding
    would turn "no" into a true string, a numeric secret key into an int
    and "0.6" into a float."""
    app.config.from_prefixed_env("CLOGIN")
    raw = {k[len("CLOGIN_"):]: v for k, v in os.environ.items() if k.startswith("CLOGIN_")}
    app.config.pop("DEMO", None)  # the tests' path to the C demo, not a setting
    cfg = app.config
    for name in LITERALS:
        if name in raw:
            cfg[name] = raw[name]
    if "SECRET_KEY" in raw and raw["SECRET_KEY"] == "":
        raise ConfigError("environment variable CLOGIN_SECRET_KEY must not be empty")
    for name in BOOLEANS:
        if name in raw:
            cfg[name] = _bool(name, raw[name])
    for name in DURATIONS:
        if name in raw:
            cfg[name] = _seconds(name, raw[name])
    for name in OPTIONAL_TEXT:
        if name in raw:
            cfg[name] = None if raw[name] in ("", "None", "null") else raw[name]
    for name in SAMESITES:
        if name in raw:
            low = raw[name].lower()
            if low in ("", "null"):
                cfg[name] = None
            elif low in ("lax", "strict", "none"):
                cfg[name] = low.capitalize()
            else:
                raise ConfigError(f"environment variable CLOGIN_{name} must be Lax, "
                                  f"Strict or None, not {raw[name]!r}")
    if "SESSION_PROTECTION" in raw:
        low = raw["SESSION_PROTECTION"].lower()
        if low in ("basic", "strong"):
            cfg["SESSION_PROTECTION"] = low
        elif low in ("none", "null", "false", ""):
            cfg["SESSION_PROTECTION"] = None
        else:
            # Flask-Login would silently turn protection off; the demo refuses.
            raise ConfigError("environment variable CLOGIN_SESSION_PROTECTION must be "
                              f"basic, strong or none, not {raw['SESSION_PROTECTION']!r}")
    fmt = raw.get("SESSION_IDENTIFIER_FORMAT", "0.6")
    if fmt not in ("0.6", "0.7"):
        raise ConfigError("environment variable CLOGIN_SESSION_IDENTIFIER_FORMAT must be "
                          f"0.7 or 0.6, not {fmt!r}")
    cfg["SESSION_IDENTIFIER_FORMAT"] = fmt
    proxies = raw.get("TRUSTED_PROXIES", "0")
    if not (proxies.isascii() and proxies.isdigit() and int(proxies) <= 16):
        raise ConfigError("environment variable CLOGIN_TRUSTED_PROXIES must be a whole "
                          f"number from 0 to 16, not {proxies!r}")
    cfg["TRUSTED_PROXIES"] = int(proxies)
    if "EXEMPT_METHODS" in raw:
        methods = {m.strip().upper() for m in raw["EXEMPT_METHODS"].split(",") if m.strip()}
        flask_login.utils.EXEMPT_METHODS.clear()
        flask_login.utils.EXEMPT_METHODS.update(methods)
    for name in ("LOGIN_MESSAGE", "NEEDS_REFRESH_MESSAGE"):
        if name in raw:
            cfg[name] = None if raw[name] in ("", "None", "null") else raw[name]
    for name in ("LOGIN_MESSAGE_CATEGORY", "NEEDS_REFRESH_MESSAGE_CATEGORY"):
        if name in raw:
            cfg[name] = raw[name]
    # Flask-Login reads a few settings from the config but takes the
    # messages from the manager (see make_app); the body limit is the
    # adapter's.
    cfg["MAX_CONTENT_LENGTH"] = MAX_BODY


def secret_from_file(db_path):
    """The demo's secret.c: 32 random bytes as hex in <db>.secret (0600),
    made if missing, refused when others may read it."""
    path = db_path + ".secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    st = os.stat(path, follow_symlinks=False)
    if st.st_mode & 0o077:
        raise ConfigError(f"{path} is readable by others; chmod 600 it")
    with open(path) as f:
        key = f.read()
    if key.endswith("\n"):
        key = key[:-1]
    if not key:
        raise ConfigError(f"cannot use the key in {path}")
    print(f"flask-app: no CLOGIN_SECRET_KEY; using the key in {path}", flush=True)
    return key


# ---------------------------------------------------------------------------
# The contract's safe-redirect rule (clogin_url_is_safe, src/url_safe.c)
# ---------------------------------------------------------------------------

def _suspicious(cp):
    return (0x80 <= cp <= 0xA0 or cp == 0xAD or cp == 0x1680 or cp == 0x180E
            or 0x2000 <= cp <= 0x200F or 0x2028 <= cp <= 0x202F or 0x205F <= cp <= 0x206F
            or cp == 0x3000 or cp == 0xFEFF or 0xFFF9 <= cp <= 0xFFFB)


def _hexval(b):
    return int(chr(b), 16) if chr(b) in "0123456789abcdefABCDEF" else -1


def _path_safe(t: bytes):
    if len(t) == 1:
        return True
    w = bytearray(t[:128])
    rounds = 0
    while True:
        if len(w) >= 2 and (w[1] in b"/\\" or w[1] <= 0x20 or w[1] == 0x7F):
            return False
        if not (len(w) >= 4 and w[1] == ord("%") and _hexval(w[2]) >= 0
                and _hexval(w[3]) >= 0):
            return True
        if rounds == 4:
            return False
        out = bytearray()
        i = 0
        while i < len(w):
            if (w[i] == ord("%") and i + 2 < len(w) and _hexval(w[i + 1]) >= 0
                    and _hexval(w[i + 2]) >= 0):
                out.append(_hexval(w[i + 1]) * 16 + _hexval(w[i + 2]))
                i += 3
            else:
                out.append(w[i])
                i += 1
        w = out
        rounds += 1


def _split_hostport(s: str):
    if s.startswith("["):
        rb = s.find("]")
        if rb < 0:
            return None
        name, rest = s[:rb + 1], s[rb + 1:]
        if rest and not rest.startswith(":"):
            return None
        port = rest[1:] if rest else None
    else:
        name, sep, port = s.partition(":")
        if not sep:
            port = None
        elif ":" in port:
            return None
    if not name:
        return None
    if port is not None:
        if not (1 <= len(port) <= 5 and port.isascii() and port.isdigit()) \
                or int(port) > 65535:
            return None
        port = int(port)
    return name, port


def _host_chars_ok(s: str):
    return bool(s) and not any(ord(c) <= 0x20 or ord(c) == 0x7F or c in "/\\?#@" for c in s)


def _same_host(authority: str, site: str, https: bool):
    if not site or not _host_chars_ok(authority) or not _host_chars_ok(site):
        return False
    a, b = _split_hostport(authority), _split_hostport(site)
    if not a or not b:
        return False
    if a[0].encode().lower() != b[0].encode().lower() or len(a[0]) != len(b[0]):
        return False
    default = 443 if https else 80
    return (default if a[1] is None else a[1]) == (default if b[1] is None else b[1])


def url_is_safe(target: str, host: str) -> bool:
    if not target:
        return False
    for c in target:
        cp = ord(c)
        if cp <= 0x20 or cp == 0x7F or c == "\\" or 0xD800 <= cp <= 0xDFFF or _suspicious(cp):
            return False
    if target.startswith("/"):
        return _path_safe(target.encode("utf-8"))
    scheme, sep, rest = target.partition(":")
    if not sep or scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return False
    rest = rest[2:]
    end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if 0 <= i < end:
            end = i
    return _same_host(rest[:end], host, scheme.lower() == "https")


# ---------------------------------------------------------------------------
# Flask-Login, adjusted to the contract
# ---------------------------------------------------------------------------

class ContractLoginManager(LoginManager):
    """Flask-Login 0.6.2's LoginManager with the contract's (and clogin's)
    behaviour where they differ."""

    def _load_user(self):
        user_accessed.send(current_app._get_current_object())
        if self._session_protection_failed():
            return self._update_request_context_with_user()
        user = None
        user_id = session.get("_user_id")
        # Like clogin: a string, or an integer written as one; anything else
        # in _user_id names nobody (Flask-Login passes it to the loader).
        if isinstance(user_id, int) and not isinstance(user_id, bool):
            user_id = str(user_id)
        elif not isinstance(user_id, str):
            user_id = None
        if user_id is not None:
            user = self._user_callback(user_id)
            if user is None:
                # contract: an unknown id is removed from the session
                # (Flask-Login's documentation promises it, its code keeps it).
                session.pop("_user_id", None)
        if user is None:
            user = self._from_remember_cookie()
        # contract: a remember cookie that does not verify does not stop the
        # request loader (Flask-Login skips it whenever any remember cookie
        # is present).
        if user is None and self._request_callback:
            user = self._load_user_from_request(request)
        return self._update_request_context_with_user(user)

    def _from_remember_cookie(self):
        name = self._config("REMEMBER_COOKIE_NAME", "remember_token")
        if name not in request.cookies or session.get("_remember") == "clear":
            return None
        user_id = decode_cookie(request.cookies[name])
        if user_id is None or "\0" in user_id:
            return None
        user = self._user_callback(user_id)
        if user is None:
            # contract: nothing is written for an id nobody has (Flask-Login
            # stores it in the session first).
            return None
        session["_user_id"] = user_id
        session["_fresh"] = False
        # contract: the restored login gets the request's identifier, so
        # strong protection keeps it on the next request (Flask-Login 0.6
        # leaves _id out and logs the user out again at once).
        session["_id"] = self._session_identifier_generator()
        user_loaded_from_cookie.send(current_app._get_current_object(),
                                     user=user)
        return user

    @staticmethod
    def _config(name, default):
        return current_app.config.get(name, default)

    def _update_remember_cookie(self, response):
        # contract: REMEMBER_COOKIE_REFRESH_EACH_REQUEST only renews a
        # remember cookie the browser sent (Flask-Login hands one to every
        # logged-in user, and rewrites the session of everybody doing so).
        op = None
        if "_remember" in session:
            value = session.pop("_remember")
            op = value if isinstance(value, str) else None
        elif (self._config("REMEMBER_COOKIE_REFRESH_EACH_REQUEST", False)
              and self._config("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies):
            op = "set"
        if op == "set" and "_user_id" in session:
            self._set_cookie(response)
        elif op == "clear":
            self._clear_cookie(response)
        return response

    def _clear_cookie(self, response):
        # contract: deleted with the attributes it was set with, so that
        # browsers honour the deletion (Flask-Login gives only domain/path).
        cfg = current_app.config
        response.delete_cookie(
            cfg.get("REMEMBER_COOKIE_NAME", "remember_token"),
            domain=cfg.get("REMEMBER_COOKIE_DOMAIN"),
            path=cfg.get("REMEMBER_COOKIE_PATH", "/"),
            secure=cfg.get("REMEMBER_COOKIE_SECURE", False),
            httponly=cfg.get("REMEMBER_COOKIE_HTTPONLY", True),
            samesite=cfg.get("REMEMBER_COOKIE_SAMESITE"))


def make_identifier(app):
    """Flask-Login's session identifier (sha512 of address and
    User-Agent). contract: the address is the peer's, or the
    TRUSTED_PROXIES-th X-Forwarded-For entry from the right (Flask-Login
    0.6 trusts the first entry, which any client can forge). The text
    hashed is Flask-Login 0.6's by default, 0.7's with
    CLOGIN_SESSION_IDENTIFIER_FORMAT=0.7."""

    def identifier():
        addr = request.remote_addr or ""
        n = app.config["TRUSTED_PROXIES"]
        if n:
            hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
            hops = [h for h in hops if h]
            if len(hops) >= n:
                addr = hops[-n]
        ua = request.headers.get("User-Agent")
        if app.config["SESSION_IDENTIFIER_FORMAT"] == "0.6":
            ua_b = ua.encode("utf-8", "surrogateescape") if ua is not None else None
            base = f"{addr.encode('utf-8')}|{ua_b}"
        else:
            base = f"{addr}|{ua or ''}"
        return hashlib.sha512(base.encode("utf-8", "surrogateescape")).hexdigest()

    return identifier


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------

STYLE = ("body{font-family:sans-serif;max-width:30em;margin:1em auto;padding:0 1em}"
         "label{display:block;margin:.5em 0}")


def page(title, body, status=200, flashes_here=False):
    """The login and re-authentication pages show (and consume) flashed
    messages, as the demo's do."""
    flashes = "".join(f'<p role="status">{html.escape(m)}</p>'
                      for m in get_flashed_messages()) if flashes_here else ""
    text = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{html.escape(title)}</title><link rel=\"stylesheet\" href=\"/style.css\">"
            "</head>"
            f"<body><h1>{html.escape(title)}</h1>{flashes}{body}</body></html>")
    return text, status, {"Content-Type": "text/html; charset=utf-8"}


def login_form(next_value, error=None, status=200):
    err = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return page("Log in", err + (
        '<form method="post" action="/login">'
        '<label>Username <input name="username" autocomplete="username"></label>'
        '<label>Password <input type="password" name="password"'
        ' autocomplete="current-password"></label>'
        '<label><input type="checkbox" name="remember" value="on"> Remember me</label>'
        f'<input type="hidden" name="next" value="{html.escape(next_value or "")}">'
        '<button>Log in</button></form>'), status, flashes_here=True)


def reauth_form(next_value, error=None, status=200):
    err = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return page("Confirm your password", err + (
        f"<p>Logged in as {html.escape(current_user.username)}.</p>"
        f'<form method="post" action="/reauth">'
        '<label>Password <input type="password" name="password"'
        ' autocomplete="current-password"></label>'
        f'<input type="hidden" name="next" value="{html.escape(next_value or "")}">'
        '<button>Confirm</button></form>'), status, flashes_here=True)


# ---------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------

def make_app(db_path):
    app = Flask(__name__)
    load_config(app)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_from_file(db_path)
    users = UserDB(db_path)

    lm = ContractLoginManager(app)
    # The demo's views, unless CLOGIN_LOGIN_VIEW / CLOGIN_REFRESH_VIEW say
    # otherwise (a path or an absolute URL; empty, None or null: unset).
    lm.login_view = "login"
    lm.refresh_view = "reauth"
    for name, attr in (("LOGIN_VIEW", "login_view"), ("REFRESH_VIEW", "refresh_view")):
        value = os.environ.get("CLOGIN_" + name)
        if value is not None:
            setattr(lm, attr, None if value in ("", "None", "null") else value)
    lm.session_protection = "basic"  # contract: unset means basic
    lm._session_identifier_generator = make_identifier(app)
    for name in ("LOGIN_MESSAGE", "NEEDS_REFRESH_MESSAGE"):
        if name in app.config:
            setattr(lm, name.lower(), app.config[name])
    if "LOGIN_MESSAGE_CATEGORY" in app.config:
        lm.login_message_category = app.config["LOGIN_MESSAGE_CATEGORY"]
    if "NEEDS_REFRESH_MESSAGE_CATEGORY" in app.config:
        lm.needs_refresh_message_category = app.config["NEEDS_REFRESH_MESSAGE_CATEGORY"]

    @lm.user_loader
    def load_user(alt_id):
        return users.by_alt_id(alt_id)

    def basic_key(header):
        """Authorization: Basic base64(KEY), strictly (padded standard
        alphabet, canonical); None for anything else."""
        if not header or header[:6].lower() != "basic ":
            return None
        text = header[6:]
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return None
        if not raw or b"\0" in raw or base64.b64encode(raw).decode() != text:
            return None
        return raw

    @lm.request_loader
    def load_from_request(req):
        user = None
        key = req.args.get("api_key")
        if key is not None:
            user = users.by_api_key(key.encode("utf-8", "surrogateescape"))
        if user is None:
            raw = basic_key(req.headers.get("Authorization"))
            if raw is not None:
                user = users.by_api_key(raw)
        return user

    def next_target():
        """contract: the form field, else the query string, else the session
        (USE_SESSION_FOR_NEXT); empty or missing: /."""
        target = request.form.get("next") or request.args.get("next")
        if not target and app.config.get("USE_SESSION_FOR_NEXT"):
            target = session.get("next")
        return target or "/"

    def me():
        # LOGIN_DISABLED lets anonymous requests through the guards.
        auth = current_user.is_authenticated
        return {"id": str(current_user.row_id) if auth else None}

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            body = (f"<p>Logged in as <strong>{html.escape(current_user.username)}</strong>."
                    '</p><ul><li><a href="/protected">Protected</a></li>'
                    '<li><a href="/fresh">Fresh</a></li>'
                    '<li><a href="/logout">Log out</a></li></ul>')
        else:
            body = ('<p>Nobody is logged in.</p><ul><li><a href="/login">Log in</a></li>'
                    '<li><a href="/protected">Protected</a></li></ul>')
        return page("clogin demo (Flask reference)", body)

    @app.get("/style.css")
    def stylesheet():
        return STYLE, 200, {"Content-Type": "text/css; charset=utf-8"}

    @app.get("/whoami")
    def whoami():
        auth = bool(current_user.is_authenticated)
        # contract: an anonymous request is all false; remembered only with a
        # remember cookie that verifies.
        return jsonify(authenticated=auth, id=me()["id"] if auth else None,
                       fresh=bool(auth and login_fresh()),
                       remembered=bool(auth and login_remembered()))

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return login_form(request.args.get("next", ""))
        username = request.form.get("username")
        password = request.form.get("password")
        user = users.by_username(username) if username else None
        if user is None or not password or not users.check_password(user.row_id, password):
            return login_form(request.form.get("next") or request.args.get("next", ""),
                              "Wrong username or password.", 401)
        if not user.is_active:
            return login_form("", "This account is disabled.", 403)
        target = next_target()
        if not url_is_safe(target, request.host):
            abort(400)
        login_user(user, remember=request.form.get("remember") == "on")
        session.pop("next", None)
        return redirect(target)

    @app.get("/logout")
    @login_required
    def logout():
        logout_user()  # also anonymous, with LOGIN_DISABLED
        return redirect("/")

    @app.get("/protected")
    @login_required
    def protected():
        return jsonify(me())

    @app.get("/fresh")
    @fresh_login_required
    def fresh():
        return jsonify(me())

    @app.route("/reauth", methods=["GET", "POST"])
    @login_required
    def reauth():
        if not current_user.is_authenticated:  # LOGIN_DISABLED
            return lm.unauthorized()
        if request.method == "GET":
            return reauth_form(request.args.get("next", ""))
        password = request.form.get("password")
        if not password or not users.check_password(current_user.row_id, password):
            return reauth_form(request.form.get("next") or request.args.get("next", ""),
                               "Wrong password.", 401)
        target = next_target()
        if not url_is_safe(target, request.host):
            abort(400)
        confirm_login()
        session.pop("next", None)
        return redirect(target)

    @app.post("/settings/password")
    @fresh_login_required
    def change_password():
        if not current_user.is_authenticated:  # LOGIN_DISABLED
            return lm.unauthorized()
        current = request.form.get("current")
        new = request.form.get("new")
        if not current or not users.check_password(current_user.row_id, current):
            return page("Change password", '<p role="alert">Wrong password.</p>', 401)
        if not new:
            return page("Change password", '<p role="alert">The new password is empty.</p>',
                        400)
        remembered = login_remembered()
        user = users.change_password(current_user.row_id, new)
        # This browser is logged in again under the new id (fresh: the
        # password was typed), remembered if it was; every other session and
        # remember cookie names an id that no longer exists.
        login_user(user, remember=remembered)
        return redirect("/")

    @app.get("/api/whoami")
    def api_whoami():
        if current_user.is_authenticated:
            return jsonify(me())
        return jsonify(error="unauthorized"), 401

    return app


def server_rules(wsgi_app):
    """What the demo's server does before any route, where Werkzeug's
    development server is more lenient:

    - a request-target must be a path (origin-form), an absolute URL or "*"
      (RFC 9112, section 3.2): Werkzeug serves "GET whoami HTTP/1.1" as
      /whoami, libmicrohttpd answers 400;
    - a body over MAX_BODY is 413 also when it comes chunked (Flask's
      MAX_CONTENT_LENGTH only looks at Content-Length)."""

    def plain(start_response, status, text):
        body = text.encode()
        start_response(status, [("Content-Type", "text/plain"),
                                ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or "/"
        if not (target.startswith("/") or target == "*"
                or target.lower().startswith(("http://", "https://"))):
            return plain(start_response, "400 BAD REQUEST", "Bad request\n")
        if not environ.get("CONTENT_LENGTH") and environ.get("wsgi.input_terminated"):
            data = b""
            while len(data) <= MAX_BODY:  # a dechunking stream reads a chunk a call
                piece = environ["wsgi.input"].read(MAX_BODY + 1 - len(data))
                if not piece:
                    break
                data += piece
            if len(data) > MAX_BODY:
                return plain(start_response, "413 REQUEST ENTITY TOO LARGE",
                             "The request body is too large.\n")
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return wsgi_app(environ, start_response)

    return app


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--db", default="flask-demo.db")
    args = ap.parse_args(argv)
    try:
        app = make_app(args.db)
    except ConfigError as e:
        print(f"flask-app: {e}", file=sys.stderr)
        return 2
    # What run_simple(threaded=True) does, minus the reloader, so that the
    # line below is printed only once the socket listens.
    app.wsgi_app = server_rules(app.wsgi_app)
    server = make_server("127.0.0.1", args.port, app, threaded=True)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"flask-app: serving http://127.0.0.1:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
