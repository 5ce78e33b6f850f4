#!/usr/bin/python3
"""Flask-Login itself, in process: the five operations bench_cookie times
for clogin, each a whole request through Flask without HTTP.

    /usr/bin/python3 bench/flask_login_bench.py [--json]

Debian's Flask and Flask-Login (python3-flask, python3-flask-login), so
/usr/bin/python3 and not another python3 on PATH. Flask-Login keeps its
defaults (session protection "basic", its own session identifier); the
user loader returns a User(UserMixin) with id "42" from a dict.

One operation is one request: a request context pushed over a prepared
WSGI environ (REMOTE_ADDR 203.0.113.7, a browser's User-Agent, the
operation's cookies), which opens the session; current_user evaluated,
or login_user / logout_user called; a small JSON response put through
app.process_response (the after-request functions, Flask-Login's remember
cookie among them, and the session save); the context popped (teardown).
The environ is built once and copied per request, as a server hands
Flask a new one; building it is no part of the time.

  anonymous            no cookies; current_user is anonymous; nothing written
  session cookie       a logged-in user's session cookie (fresh, _id of this
                       client, as login_user writes it); user 42 loaded;
                       nothing written
  remember restore     only a remember_token cookie; user 42 loaded from it;
                       a new session cookie written
  login with remember  login_user(user 42, remember=True); session and
                       remember cookies written
  logout               session + remember cookies of a logged-in user;
                       logout_user(); both cookies deleted

Each operation is checked once (its user, its Set-Cookie headers) before
it is timed. Timing is timeit's way (garbage collector off during a
batch): a batch of N operations lasting about 20 ms, 11 batches; the
median is printed in ns per operation. --json prints one object per line,
{"section": "flask-login", "op": ..., "ns": ...}, then
{"section": "flask-login", "versions": {...}}.
"""

import gc
import importlib.metadata
import json
import statistics
import sys
import time

import flask
import flask_login
import werkzeug
from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_login.utils import encode_cookie
from werkzeug.test import EnvironBuilder

SECRET_KEY = "bench-secret-key-0123456789"
REMOTE_ADDR = "203.0.113.7"
USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36")
BODY = b'{"id": "42"}\n'
BATCH_SECONDS = 0.020
BATCHES = 11


class User(UserMixin):
    def __init__(self, user_id):
        self.id = user_id


USERS = {"42": User("42")}


def make_app():
    app = Flask("flask_login_bench")
    app.config["SECRET_KEY"] = SECRET_KEY
    lm = LoginManager(app)  # defaults: session_protection "basic"

    @lm.user_loader
    def load_user(user_id):
        return USERS.get(user_id)

    return app


def environ(cookies=None):
    headers = {"User-Agent": USER_AGENT}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return EnvironBuilder(path="/", method="GET", headers=headers,
                          environ_base={"REMOTE_ADDR": REMOTE_ADDR}).get_environ()


def set_cookies(resp):
    """name -> the whole Set-Cookie header, for each cookie set."""
    return {h.split("=", 1)[0]: h for h in resp.headers.getlist("Set-Cookie")}


def is_deletion(header):
    return header.split(";", 1)[0].split("=", 1)[1] in ("", '""') and (
        "Expires=Thu, 01 Jan 1970" in header or "Max-Age=0" in header)


def cookie_value(resp, name):
    return set_cookies(resp)[name].split(";", 1)[0].split("=", 1)[1]


# ---- the operations: each one request, returning (user id or None, response) ----

def op_current_user(app, env):
    with app.request_context(env.copy()):
        auth = current_user.is_authenticated
        uid = current_user.get_id() if auth else None
        resp = app.process_response(app.response_class(BODY, mimetype="application/json"))
    return uid, resp


def op_login(app, env):
    with app.request_context(env.copy()):
        login_user(USERS["42"], remember=True)
        resp = app.process_response(app.response_class(BODY, mimetype="application/json"))
    return "42", resp


def op_logout(app, env):
    with app.request_context(env.copy()):
        logout_user()
        resp = app.process_response(app.response_class(BODY, mimetype="application/json"))
    return None, resp


def op_nothing(app, env):
    """Flask alone, no Flask-Login call: the floor of every operation."""
    with app.request_context(env.copy()):
        resp = app.process_response(app.response_class(BODY, mimetype="application/json"))
    return None, resp


# ---- set-up and checks ----

def mint_cookies(app):
    """User 42's session cookie as login_user writes it on this client
    (signed by the app's session interface), and the remember cookie
    encode_cookie makes; checked against what login_user sends."""
    with app.request_context(environ()):
        ident = app.login_manager._session_identifier_generator()
        remember = encode_cookie("42")
    data = {"_user_id": "42", "_fresh": True, "_id": ident}
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.dumps(data)
    _, resp = op_login(app, environ())
    assert serializer.loads(cookie_value(resp, app.config["SESSION_COOKIE_NAME"])) == data
    assert cookie_value(resp, "remember_token") == remember
    return session, remember


def check(name, result, app, sets=(), deletes=()):
    uid, resp = result
    expect_uid = {"anonymous": None, "logout": None}.get(name, "42")
    assert uid == expect_uid, (name, uid)
    got = set_cookies(resp)
    want = set(sets) | set(deletes)
    assert set(got) == want, (name, got)
    for c in sets:
        assert not is_deletion(got[c]), (name, got[c])
    for c in deletes:
        assert is_deletion(got[c]), (name, got[c])
    if name == "remember restore":
        data = app.session_interface.get_signing_serializer(app).loads(
            cookie_value(resp, app.config["SESSION_COOKIE_NAME"]))
        assert data.get("_user_id") == "42" and data.get("_fresh") is False, data


def operations(app):
    sess_name = app.config["SESSION_COOKIE_NAME"]
    session, remember = mint_cookies(app)
    both = environ({sess_name: session, "remember_token": remember})
    return [
        # name, function, environ, cookies set, cookies deleted
        ("anonymous", op_current_user, environ(), (), ()),
        ("session cookie", op_current_user, environ({sess_name: session}), (), ()),
        ("remember restore", op_current_user, environ({"remember_token": remember}),
         (sess_name,), ()),
        ("login with remember", op_login, environ(), (sess_name, "remember_token"), ()),
        ("logout", op_logout, both, (), (sess_name, "remember_token")),
    ]


# ---- timing ----

def batch(fn, app, env, n):
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fn(app, env)
        return time.perf_counter_ns() - t0
    finally:
        if gc_was:
            gc.enable()


def measure(fn, app, env):
    """Median ns per operation over BATCHES batches of about BATCH_SECONDS."""
    n = 1
    while True:  # timeit.autorange's way, aimed at BATCH_SECONDS
        t = batch(fn, app, env, n)
        if t >= BATCH_SECONDS * 1e9 / 4:
            break
        n *= 2
    n = max(1, round(n * BATCH_SECONDS * 1e9 / t))
    return statistics.median(batch(fn, app, env, n) / n for _ in range(BATCHES))


def versions():
    return {
        "python": sys.version.split()[0],
        "flask": importlib.metadata.version("flask"),
        "flask_login": flask_login.__version__,
        "werkzeug": importlib.metadata.version("werkzeug"),
    }


def main(argv):
    as_json = "--json" in argv[1:]
    unknown = [a for a in argv[1:] if a != "--json"]
    if unknown:
        print("usage: flask_login_bench.py [--json]", file=sys.stderr)
        return 2
    app = make_app()
    ops = operations(app)
    for name, fn, env, sets, deletes in ops:
        check(name, fn(app, env), app, sets, deletes)
    results = [(name, measure(fn, app, env)) for name, fn, env, _, _ in ops]
    floor = measure(op_nothing, app, environ())
    if as_json:
        for name, ns in results:
            print(json.dumps({"section": "flask-login", "op": name, "ns": round(ns)}))
        print(json.dumps({"section": "flask-login", "versions": versions()}))
        return 0
    v = versions()
    print(f"Flask {v['flask']}, Flask-Login {v['flask_login']}, Werkzeug {v['werkzeug']}, "
          f"Python {v['python']}: median of {BATCHES} batches of ~{BATCH_SECONDS * 1e3:.0f} ms")
    print(f"{'operation (one request, in process)':<40} {'us/op':>9}")
    for name, ns in results:
        print(f"{name:<40} {ns / 1e3:9.1f}")
    print(f"{'(Flask alone: context + response)':<40} {floor / 1e3:9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
